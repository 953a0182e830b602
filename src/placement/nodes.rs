//! The node snapshot: Nomad's node JSON (`GET /v1/node/:id`), as input.
//!
//! Only the fields placement reads are modelled; every other key is ignored, and every
//! modelled field may be missing (or `null`) and then takes Nomad's zero value, so a snapshot
//! from any Nomad version since 1.0 reads. The one addition to Nomad's shape is an optional
//! `Allocations` array per node: the node's allocations as `GET /v1/node/:id/allocations`
//! returns them, of which only `ID`, `Name`, `ClientStatus` and `AllocatedResources` are read
//! (see `docs/plan.md`).
//!
//! [`parse`] also refuses what would make every answer wrong without a word: a document that is
//! not an array, a node without an `ID`, and the stubs of `GET /v1/nodes`, which lack the
//! attributes and resources placement needs.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `null` reads as the type's default (Go's nil map or slice).
pub(super) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One client node (Go `structs.Node`, the fields placement reads).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Node {
    /// `ID` (`${node.unique.id}`).
    #[serde(rename = "ID", deserialize_with = "nullable")]
    pub id: String,
    /// `Name` (`${node.unique.name}`).
    #[serde(rename = "Name", deserialize_with = "nullable")]
    pub name: String,
    /// `Datacenter` (`${node.datacenter}`).
    #[serde(rename = "Datacenter", deserialize_with = "nullable")]
    pub datacenter: String,
    /// `NodeClass` (`${node.class}`).
    #[serde(rename = "NodeClass", deserialize_with = "nullable")]
    pub node_class: String,
    /// `NodePool` (`${node.pool}`); empty means `default` (`Node.Canonicalize`).
    #[serde(rename = "NodePool", deserialize_with = "nullable")]
    pub node_pool: String,
    /// `Status`: `initializing`, `ready`, `down` or `disconnected`.
    #[serde(rename = "Status", deserialize_with = "nullable")]
    pub status: String,
    /// `SchedulingEligibility`: `eligible` or `ineligible`; empty means eligible unless the node
    /// drains (`Node.Canonicalize`).
    #[serde(rename = "SchedulingEligibility", deserialize_with = "nullable")]
    pub scheduling_eligibility: String,
    /// `DrainStrategy`: non-null while the node drains.
    #[serde(rename = "DrainStrategy")]
    pub drain_strategy: Option<Value>,
    /// `Attributes` (`${attr.*}`).
    #[serde(rename = "Attributes", deserialize_with = "nullable")]
    pub attributes: BTreeMap<String, String>,
    /// `Meta` (`${meta.*}`).
    #[serde(rename = "Meta", deserialize_with = "nullable")]
    pub meta: BTreeMap<String, String>,
    /// `Drivers`, by driver name; a `null` entry is a driver without info.
    #[serde(rename = "Drivers", deserialize_with = "nullable")]
    pub drivers: BTreeMap<String, Option<DriverInfo>>,
    /// `HostVolumes`, by name.
    #[serde(rename = "HostVolumes", deserialize_with = "nullable")]
    pub host_volumes: BTreeMap<String, Option<HostVolume>>,
    /// `NodeResources`: capacity.
    #[serde(rename = "NodeResources")]
    pub node_resources: Option<NodeResources>,
    /// `ReservedResources`: what the client keeps for itself.
    #[serde(rename = "ReservedResources")]
    pub reserved_resources: Option<ReservedResources>,
    /// `NodeMaxAllocs` (0: no limit).
    #[serde(rename = "NodeMaxAllocs", deserialize_with = "nullable")]
    pub node_max_allocs: i64,
    /// The snapshot's addition: the node's allocations (`GET /v1/node/:id/allocations`).
    #[serde(rename = "Allocations", deserialize_with = "nullable")]
    pub allocations: Vec<Allocation>,
}

/// Go `structs.DriverInfo`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DriverInfo {
    /// `Attributes` the driver fingerprinted.
    #[serde(rename = "Attributes", deserialize_with = "nullable")]
    pub attributes: BTreeMap<String, String>,
    /// `Detected`.
    #[serde(rename = "Detected", deserialize_with = "nullable")]
    pub detected: bool,
    /// `Healthy`.
    #[serde(rename = "Healthy", deserialize_with = "nullable")]
    pub healthy: bool,
    /// `HealthDescription`.
    #[serde(rename = "HealthDescription", deserialize_with = "nullable")]
    pub health_description: String,
}

/// Go `structs.ClientHostVolumeConfig`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HostVolume {
    /// `Path` on the client.
    #[serde(rename = "Path", deserialize_with = "nullable")]
    pub path: String,
    /// `ReadOnly`.
    #[serde(rename = "ReadOnly", deserialize_with = "nullable")]
    pub read_only: bool,
    /// `ID`: set for dynamic host volumes only.
    #[serde(rename = "ID", deserialize_with = "nullable")]
    pub id: String,
}

/// Go `structs.NodeResources`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NodeResources {
    /// `Cpu` (`CpuShares` mirrors the processors' total compute, in MHz).
    #[serde(rename = "Cpu", deserialize_with = "nullable")]
    pub cpu: Cpu,
    /// `Memory`.
    #[serde(rename = "Memory", deserialize_with = "nullable")]
    pub memory: Memory,
    /// `Disk`.
    #[serde(rename = "Disk", deserialize_with = "nullable")]
    pub disk: Disk,
    /// `Networks`: fingerprinted network interfaces.
    #[serde(rename = "Networks", deserialize_with = "nullable")]
    pub networks: Vec<Network>,
    /// `Devices`.
    #[serde(rename = "Devices", deserialize_with = "nullable")]
    pub devices: Vec<Device>,
}

/// Go `structs.NodeReservedResources`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReservedResources {
    /// `Cpu`.
    #[serde(rename = "Cpu", deserialize_with = "nullable")]
    pub cpu: Cpu,
    /// `Memory`.
    #[serde(rename = "Memory", deserialize_with = "nullable")]
    pub memory: Memory,
    /// `Disk`.
    #[serde(rename = "Disk", deserialize_with = "nullable")]
    pub disk: Disk,
}

/// `CpuShares`, in MHz.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct Cpu {
    /// `CpuShares`.
    #[serde(rename = "CpuShares", deserialize_with = "nullable")]
    pub cpu_shares: i64,
}

/// `MemoryMB`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct Memory {
    /// `MemoryMB`.
    #[serde(rename = "MemoryMB", deserialize_with = "nullable")]
    pub memory_mb: i64,
}

/// `DiskMB`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct Disk {
    /// `DiskMB`.
    #[serde(rename = "DiskMB", deserialize_with = "nullable")]
    pub disk_mb: i64,
}

/// Go `structs.NetworkResource`, its mode only.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Network {
    /// `Mode`: empty means `host`.
    #[serde(rename = "Mode", deserialize_with = "nullable")]
    pub mode: String,
}

/// Go `structs.NodeDeviceResource`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Device {
    /// `Vendor`.
    #[serde(rename = "Vendor", deserialize_with = "nullable")]
    pub vendor: String,
    /// `Type`.
    #[serde(rename = "Type", deserialize_with = "nullable")]
    pub kind: String,
    /// `Name` (the model).
    #[serde(rename = "Name", deserialize_with = "nullable")]
    pub name: String,
    /// `Instances`.
    #[serde(rename = "Instances", deserialize_with = "nullable")]
    pub instances: Vec<DeviceInstance>,
}

/// Go `structs.NodeDevice`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeviceInstance {
    /// `Healthy`.
    #[serde(rename = "Healthy", deserialize_with = "nullable")]
    pub healthy: bool,
}

/// One allocation on the node (Go `structs.Allocation`, the fields the fit reads).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Allocation {
    /// `ID`.
    #[serde(rename = "ID", deserialize_with = "nullable")]
    pub id: String,
    /// `Name` (`<job>.<group>[<index>]`).
    #[serde(rename = "Name", deserialize_with = "nullable")]
    pub name: String,
    /// `ClientStatus`: `complete`, `failed` and `lost` no longer use the node.
    #[serde(rename = "ClientStatus", deserialize_with = "nullable")]
    pub client_status: String,
    /// `AllocatedResources`.
    #[serde(rename = "AllocatedResources")]
    pub allocated_resources: Option<AllocatedResources>,
}

impl Allocation {
    /// Go `Allocation.ClientTerminalStatus`.
    pub fn client_terminal(&self) -> bool {
        matches!(self.client_status.as_str(), "complete" | "failed" | "lost")
    }
}

/// Go `structs.AllocatedResources`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AllocatedResources {
    /// `Tasks`, by task name.
    #[serde(rename = "Tasks", deserialize_with = "nullable")]
    pub tasks: BTreeMap<String, AllocatedTask>,
    /// `TaskLifecycles`, by task name (`null` for a main task).
    #[serde(rename = "TaskLifecycles", deserialize_with = "nullable")]
    pub task_lifecycles: BTreeMap<String, Option<Lifecycle>>,
    /// `Shared`.
    #[serde(rename = "Shared", deserialize_with = "nullable")]
    pub shared: Disk,
}

/// Go `structs.AllocatedTaskResources`, CPU and memory.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct AllocatedTask {
    /// `Cpu`.
    #[serde(rename = "Cpu", deserialize_with = "nullable")]
    pub cpu: Cpu,
    /// `Memory`.
    #[serde(rename = "Memory", deserialize_with = "nullable")]
    pub memory: Memory,
}

/// Go `structs.TaskLifecycleConfig`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Lifecycle {
    /// `Hook`: `prestart`, `poststart` or `poststop`.
    #[serde(rename = "Hook", deserialize_with = "nullable")]
    pub hook: String,
    /// `Sidecar`.
    #[serde(rename = "Sidecar", deserialize_with = "nullable")]
    pub sidecar: bool,
}

impl Node {
    /// The node pool, `default` when empty (Go `Node.Canonicalize`).
    pub fn pool(&self) -> &str {
        if self.node_pool.is_empty() {
            "default"
        } else {
            &self.node_pool
        }
    }

    /// Whether the node drains.
    pub fn draining(&self) -> bool {
        self.drain_strategy.as_ref().is_some_and(|d| !d.is_null())
    }

    /// Go `Node.Ready`, after `Node.Canonicalize` (an empty eligibility is `eligible` unless
    /// the node drains): status `ready`, not draining, eligible. `Err` says why not.
    pub fn ready(&self) -> Result<(), String> {
        if self.status != "ready" {
            let status = if self.status.is_empty() {
                "(no status)"
            } else {
                &self.status
            };
            return Err(format!("status `{status}`"));
        }
        if self.draining() {
            return Err("draining".to_owned());
        }
        match self.scheduling_eligibility.as_str() {
            "eligible" | "" => Ok(()),
            e => Err(format!("scheduling eligibility `{e}`")),
        }
    }

    /// The name to show: `Name`, or the `ID` when the name is empty.
    pub fn label(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

/// A node snapshot that cannot be used: what is wrong, and where (byte offset into the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError {
    /// One line, lowercase.
    pub message: String,
    /// Byte offset into the snapshot's text.
    pub at: usize,
}

/// Reads a snapshot: a JSON array of node objects. Nodes are returned sorted by name, then
/// ID, so that results never depend on the file's order.
pub fn parse(text: &str) -> Result<Vec<Node>, SnapshotError> {
    let value: Value = serde_json::from_str(text).map_err(|e| SnapshotError {
        message: format!("not JSON: {}", strip_position(&e.to_string())),
        at: offset(text, e.line(), e.column()),
    })?;
    let Value::Array(items) = &value else {
        return Err(SnapshotError {
            message: "a node snapshot is a JSON array of node objects (`GET /v1/node/:id`)"
                .to_owned(),
            at: text.len() - text.trim_start().len(),
        });
    };
    let starts = element_offsets(text);
    let mut nodes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = starts.get(i).copied().unwrap_or(0);
        let fail = |message: String| SnapshotError { message, at };
        let Value::Object(obj) = item else {
            return Err(fail(format!("element {i} is not a node object")));
        };
        let node = Node::deserialize(item)
            .map_err(|e| fail(format!("node {i}: {}", strip_position(&e.to_string()))))?;
        if node.id.is_empty() {
            return Err(fail(format!("node {i} has no `ID`")));
        }
        for key in ["Attributes", "NodeResources"] {
            if obj.get(key).is_none_or(Value::is_null) {
                return Err(fail(format!(
                    "node `{}` has no `{key}`: a `GET /v1/nodes` list entry is not enough, \
                     the snapshot needs each node's `GET /v1/node/:id`",
                    node.label()
                )));
            }
        }
        nodes.push(node);
    }
    nodes.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    Ok(nodes)
}

/// serde_json's message without its ` at line L column C` suffix (the diagnostic shows it).
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// The byte offset of a 1-based line and column (serde_json counts columns in bytes).
fn offset(text: &str, line: usize, column: usize) -> usize {
    let mut at = 0;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            return (at + column.saturating_sub(1)).min(text.len());
        }
        at += l.len();
    }
    text.len()
}

/// The byte offsets of the top-level array's elements (for pointing at a bad node).
fn element_offsets(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut expect_element = false;
    for (i, c) in text.char_indices() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if expect_element && !c.is_whitespace() && c != ']' {
            out.push(i);
            expect_element = false;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                if depth == 1 && c == '[' {
                    expect_element = true;
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expect_element = true,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nomad_node_json_with_nulls_and_unknown_keys() {
        let text = r#"[
          {"ID": "b", "Name": "beta", "Attributes": {"kernel.name": "linux"},
           "NodeResources": {"Cpu": {"CpuShares": 4000}, "Networks": null, "Processors": {}},
           "Drivers": {"docker": null, "exec": {"Detected": true, "Healthy": false}},
           "Meta": null, "HostVolumes": null, "Unknown": [1, 2], "Status": "ready"},
          {"ID": "a", "Name": "alpha", "Attributes": {}, "NodeResources": {},
           "DrainStrategy": {"Deadline": 0}, "Status": "ready", "NodePool": ""}
        ]"#;
        let nodes = parse(text).expect("parses");
        assert_eq!(nodes[0].name, "alpha");
        assert_eq!(nodes[0].pool(), "default");
        assert_eq!(nodes[0].ready(), Err("draining".to_owned()));
        assert_eq!(nodes[1].ready(), Ok(()));
        assert!(nodes[1].drivers["docker"].is_none());
        assert_eq!(
            nodes[1].node_resources.as_ref().map(|r| r.cpu.cpu_shares),
            Some(4000)
        );
    }

    #[test]
    fn refuses_what_is_not_a_snapshot() {
        let err = parse("{\"ID\": \"x\"}").expect_err("object");
        assert!(err.message.contains("JSON array"), "{err:?}");
        let err = parse("[\n  {\"ID\": \"x\", \"Name\": \"n\", \"Attributes\": {}}\n]")
            .expect_err("stub");
        assert!(err.message.contains("`GET /v1/node/:id`"), "{err:?}");
        assert_eq!(err.at, 4);
        let err = parse("[{\"Attributes\": {}, \"NodeResources\": {}}]").expect_err("no id");
        assert_eq!(err.message, "node 0 has no `ID`");
        let err = parse("[1,\n 2 x]").expect_err("bad JSON");
        assert!(err.message.starts_with("not JSON: "), "{err:?}");
        assert_eq!(err.at, 7);
        let err = parse("[{\"ID\": \"x\", \"Attributes\": {\"a\": 1}, \"NodeResources\": {}}]")
            .expect_err("attribute type");
        assert!(err.message.starts_with("node 0: invalid type"), "{err:?}");
    }
}
