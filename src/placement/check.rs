//! The offline checker: Nomad's feasibility and fit checks over a node snapshot, in Nomad's
//! order, filling the same [`AllocMetric`] the scheduler fills.
//!
//! The order is `scheduler/feasible/stack.go` `NewGenericStack` fed by
//! `scheduler/util.go` `readyNodesInDCsAndPool`:
//!
//! 1. the base node set: nodes in the job's node pool (`all` means every pool), ready (status
//!    `ready`, not draining, eligible), in a datacenter the job's patterns match (`*` is the
//!    only wildcard). Nodes outside it are counted nowhere, as in Nomad;
//! 2. for each node: the job's constraints; then the group's checks — drivers detected and
//!    healthy (`missing drivers`), the group's constraints followed by every task's, including
//!    the ones Nomad adds when it registers the job (`${attr.vault.version} semver >= 0.6.1`,
//!    `${attr.nomad.version} semver >= 1.7.0-a`, `${attr.os.signals} set_contains ...`),
//!    devices, the host network; then host volumes (`missing compatible host volumes`);
//! 3. the fit (`structs.AllocsFit`): the node's allocation limit, then CPU, memory and disk
//!    against capacity minus reserved minus the snapshot's non-terminal allocations.
//!
//! The first failing check filters a node, under the key Nomad would record. Unlike Nomad,
//! every node is checked for its own reason: Nomad caches a failure for the node's computed
//! class and reports later nodes of the class as `computed class ineligible`.
//!
//! After the fit, the nodes a group fits on are checked once more for what Nomad does not check
//! but the docker driver refuses when the task starts (privileged containers, host volumes):
//! those nodes are in [`GroupDetail::rejected`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::explain::{AllocMetric, GroupPlacement, PhasePlacement};
use super::feasible::{glob, meets, parse_bool, resolve_target, Caches, Constraint};
use super::nodes::{AllocatedResources, Node};
use crate::nomad::model::{Job, Task, TaskGroup};
use crate::phase::Phase;

/// Where a constraint of a group comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The job's `Constraints[index]`.
    Job {
        /// Index in the job's constraints.
        index: usize,
    },
    /// The group's `Constraints[index]`.
    Group {
        /// Index in the group's constraints.
        index: usize,
    },
    /// A task's `Constraints[index]`.
    Task {
        /// The task.
        task: String,
        /// Index in the task's constraints.
        index: usize,
    },
    /// Added by Nomad because these tasks have a `vault` block (`jobImpliedConstraints`).
    Vault {
        /// The tasks, sorted.
        tasks: Vec<String>,
    },
    /// Added by Nomad because these tasks need these signals (`Job.RequiredSignals`).
    Signals {
        /// The tasks, in job order.
        tasks: Vec<String>,
    },
    /// Added by Nomad because these tasks have a workload identity
    /// (`jobImplicitIdentitiesHook`).
    Identity {
        /// Tasks with an identity written in the job (`identity { name = ... }`).
        explicit: Vec<String>,
        /// Tasks with a `vault` block and no identity for it, which the server gives the
        /// identity of its `vault.default_identity`.
        injected: Vec<String>,
    },
}

/// A constraint with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced {
    /// The constraint.
    pub constraint: Constraint,
    /// Where it comes from.
    pub source: Source,
}

fn from_model(c: &crate::nomad::model::Constraint) -> Constraint {
    Constraint {
        l_target: c.l_target.clone().unwrap_or_default(),
        // `api.Constraint.Canonicalize` leaves an empty operand empty; the jobspec parser
        // writes `=` for a constraint without operator.
        operand: c.operand.clone().unwrap_or_default(),
        r_target: c.r_target.clone().unwrap_or_default(),
    }
}

/// The job's constraints, as Nomad checks them first.
pub fn job_constraints(job: &Job) -> Vec<Sourced> {
    job.constraints
        .iter()
        .enumerate()
        .map(|(index, c)| Sourced {
            constraint: from_model(c),
            source: Source::Job { index },
        })
        .collect()
}

fn task_name(t: &Task) -> String {
    t.name.clone().unwrap_or_default()
}

/// The name of the vault cluster of a task's `vault` block (`default` when unnamed).
fn vault_cluster(t: &Task) -> &str {
    t.vault
        .as_ref()
        .and_then(|v| v.cluster.as_deref())
        .filter(|c| !c.is_empty())
        .unwrap_or("default")
}

/// The group's constraints as the scheduler sees them after registration
/// (`TaskGroupConstraints` of the mutated job): the group's own, then the implicit ones in the
/// order Nomad's mutators append them, then each task's.
///
/// Nomad adds the identity constraint for a `vault` task without an identity only when the
/// server's `vault` block has a `default_identity`; this assumes it does, as every Nomad ≥ 1.10
/// server must for Vault to work at all.
pub fn group_constraints(tg: &TaskGroup) -> Vec<Sourced> {
    let mut out: Vec<Sourced> = tg
        .constraints
        .iter()
        .enumerate()
        .map(|(index, c)| Sourced {
            constraint: from_model(c),
            source: Source::Group { index },
        })
        .collect();
    // jobImpliedConstraints: vault first (tasks sorted by name), matching on the left target.
    let mut vault_tasks: Vec<&Task> = tg.tasks.iter().filter(|t| t.vault.is_some()).collect();
    vault_tasks.sort_by_key(|t| task_name(t));
    for t in &vault_tasks {
        let c = match vault_cluster(t) {
            "default" => Constraint::new("${attr.vault.version}", "semver", ">= 0.6.1"),
            cluster => Constraint::new(
                &format!("${{attr.vault.{cluster}.version}}"),
                "semver",
                ">= 1.11.0",
            ),
        };
        if out.iter().any(|s| s.constraint.l_target == c.l_target) {
            continue;
        }
        let tasks = vault_tasks
            .iter()
            .filter(|o| vault_cluster(o) == vault_cluster(t))
            .map(|o| task_name(o))
            .collect();
        out.push(Sourced {
            constraint: c,
            source: Source::Vault { tasks },
        });
    }
    // Then the signals (Job.RequiredSignals), matching the whole constraint.
    let mut signals: Vec<String> = Vec::new();
    let mut signal_tasks = Vec::new();
    for t in &tg.tasks {
        let mut mine: Vec<String> = Vec::new();
        if let Some(v) = &t.vault {
            if v.change_mode.as_deref() == Some("signal") {
                mine.push(v.change_signal.clone().unwrap_or_default());
            }
        }
        if let Some(k) = t.kill_signal.as_deref().filter(|k| !k.is_empty()) {
            mine.push(k.to_owned());
        }
        for tmpl in &t.templates {
            if tmpl.change_mode.as_deref() == Some("signal") {
                mine.push(tmpl.change_signal.clone().unwrap_or_default());
            }
        }
        if !mine.is_empty() {
            signal_tasks.push(task_name(t));
            signals.extend(mine);
        }
    }
    if !signals.is_empty() {
        signals.sort();
        signals.dedup();
        let c = Constraint::new("${attr.os.signals}", "set_contains", &signals.join(","));
        if !out.iter().any(|s| s.constraint == c) {
            out.push(Sourced {
                constraint: c,
                source: Source::Signals {
                    tasks: signal_tasks,
                },
            });
        }
    }
    // jobImplicitIdentitiesHook: appended without looking for an existing one.
    let mut explicit = Vec::new();
    let mut injected = Vec::new();
    for t in &tg.tasks {
        if !t.identities.is_empty() {
            explicit.push(task_name(t));
        }
        if t.vault.is_some() {
            let wanted = format!("vault_{}", vault_cluster(t));
            let has = t
                .identities
                .iter()
                .any(|i| i.name.as_deref() == Some(wanted.as_str()));
            if !has {
                injected.push(task_name(t));
            }
        }
    }
    if !explicit.is_empty() || !injected.is_empty() {
        out.push(Sourced {
            constraint: Constraint::new("${attr.nomad.version}", "semver", ">= 1.7.0-a"),
            source: Source::Identity { explicit, injected },
        });
    }
    for t in &tg.tasks {
        for (index, c) in t.constraints.iter().enumerate() {
            out.push(Sourced {
                constraint: from_model(c),
                source: Source::Task {
                    task: task_name(t),
                    index,
                },
            });
        }
    }
    out
}

/// The job's node pool after registration (`default` when unset).
pub fn job_pool(job: &Job) -> String {
    job.node_pool
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "default".to_owned())
}

/// The job's datacenter patterns after registration (`["*"]` when unset).
pub fn job_datacenters(job: &Job) -> Vec<String> {
    if job.datacenters.is_empty() {
        vec!["*".to_owned()]
    } else {
        job.datacenters.clone()
    }
}

/// A node and something about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeFact {
    /// The node's name.
    pub node: String,
    /// What it has, or why it is left out.
    pub fact: String,
}

impl NodeFact {
    fn new(n: &Node, fact: &str) -> Self {
        NodeFact {
            node: n.label().to_owned(),
            fact: fact.to_owned(),
        }
    }
}

/// A node and what it has free of an exhausted dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeFree {
    /// The node's name.
    pub node: String,
    /// Free MHz or MB (negative when over-committed).
    pub free: i64,
}

/// What the snapshot says about the job's base node set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BaseSet {
    /// Nodes in the snapshot.
    pub total: usize,
    /// The job's node pool.
    pub pool: String,
    /// The job's datacenter patterns.
    pub datacenters: Vec<String>,
    /// Ready nodes in the pool and datacenters (Nomad's `NodesInPool`).
    pub eligible: Vec<String>,
    /// Nodes of the pool (and datacenters) that are not ready, with why.
    pub not_ready: Vec<NodeFact>,
    /// Ready nodes in other pools, with their pool.
    pub other_pool: Vec<NodeFact>,
    /// Ready nodes of the pool in datacenters the patterns miss, with their datacenter.
    pub other_dc: Vec<NodeFact>,
}

/// Facts the offline checker knows beyond Nomad's metric.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GroupDetail {
    /// The nodes the group fits on.
    pub feasible: Vec<String>,
    /// For each filter key, the nodes it filtered, with what they have (the left target's
    /// value, or why a check failed).
    pub filtered: BTreeMap<String, Vec<NodeFact>>,
    /// What one allocation of the group asks for.
    pub ask: Ask,
    /// For each exhausted dimension, the nodes with what they have free of it.
    pub exhausted: BTreeMap<String, Vec<NodeFree>>,
    /// Nodes the group fits on whose docker driver would refuse a task, with the driver's error.
    pub rejected: Vec<NodeFact>,
    /// What the snapshot cannot answer, so was not checked.
    pub unchecked: Vec<String>,
}

/// One allocation's resources, as `AllocatedResources.Comparable` sums them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ask {
    /// MHz.
    pub cpu: i64,
    /// MB.
    pub memory: i64,
    /// MB of ephemeral disk.
    pub disk: i64,
}

/// CPU and memory of one lifecycle phase.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    cpu: i64,
    memory: i64,
}

impl Usage {
    fn add(&mut self, cpu: i64, memory: i64) {
        self.cpu = self.cpu.saturating_add(cpu);
        self.memory = self.memory.saturating_add(memory);
    }

    fn max(&mut self, o: Usage) {
        self.cpu = self.cpu.max(o.cpu);
        self.memory = self.memory.max(o.memory);
    }
}

/// Go `AllocatedResources.Comparable`: prestart tasks run before the main ones and poststop
/// after them, so the allocation needs the largest of the three phases, per dimension.
fn lifecycle_max(tasks: impl IntoIterator<Item = (i64, i64, Option<(String, bool)>)>) -> Usage {
    let (mut pre, mut main, mut stop) = (Usage::default(), Usage::default(), Usage::default());
    for (cpu, memory, lifecycle) in tasks {
        match lifecycle {
            None => main.add(cpu, memory),
            Some((hook, sidecar)) => match hook.as_str() {
                "prestart" if sidecar => {
                    pre.add(cpu, memory);
                    main.add(cpu, memory);
                }
                "prestart" => pre.add(cpu, memory),
                "poststart" => main.add(cpu, memory),
                "poststop" => stop.add(cpu, memory),
                _ => {}
            },
        }
    }
    main.max(pre);
    main.max(stop);
    main
}

/// A task's CPU and memory after `api.Resources.Canonicalize`: CPU 100 MHz unless `cores` is
/// set, memory 300 MB.
pub fn task_resources(t: &Task) -> (i64, i64) {
    let r = t.resources.as_ref();
    let cores = r.and_then(|r| r.cores);
    let cpu = match (r.and_then(|r| r.cpu), cores) {
        (Some(c), _) => c,
        (None, None) => 100,
        (None, Some(_)) => 0,
    };
    (cpu, r.and_then(|r| r.memory_mb).unwrap_or(300))
}

/// What one allocation of `tg` asks for.
pub fn group_ask(tg: &TaskGroup) -> Ask {
    let usage = lifecycle_max(tg.tasks.iter().map(|t| {
        let (cpu, memory) = task_resources(t);
        let lifecycle = t.lifecycle.as_ref().map(|l| {
            (
                l.hook.clone().unwrap_or_default(),
                l.sidecar.unwrap_or(false),
            )
        });
        (cpu, memory, lifecycle)
    }));
    Ask {
        cpu: usage.cpu,
        memory: usage.memory,
        disk: tg
            .ephemeral_disk
            .as_ref()
            .and_then(|d| d.size_mb)
            .unwrap_or(300),
    }
}

fn alloc_usage(a: &AllocatedResources) -> Ask {
    let usage = lifecycle_max(a.tasks.iter().map(|(name, t)| {
        let lifecycle = a
            .task_lifecycles
            .get(name)
            .and_then(Option::as_ref)
            .map(|l| (l.hook.clone(), l.sidecar));
        (t.cpu.cpu_shares, t.memory.memory_mb, lifecycle)
    }));
    Ask {
        cpu: usage.cpu,
        memory: usage.memory,
        disk: a.shared.disk_mb,
    }
}

/// What a node has free: capacity minus reserved minus its non-terminal allocations.
fn free(node: &Node) -> Ask {
    let cap = node.node_resources.clone().unwrap_or_default();
    let res = node.reserved_resources.clone().unwrap_or_default();
    let mut f = Ask {
        cpu: cap.cpu.cpu_shares.saturating_sub(res.cpu.cpu_shares),
        memory: cap.memory.memory_mb.saturating_sub(res.memory.memory_mb),
        disk: cap.disk.disk_mb.saturating_sub(res.disk.disk_mb),
    };
    for a in node.allocations.iter().filter(|a| !a.client_terminal()) {
        if let Some(r) = &a.allocated_resources {
            let u = alloc_usage(r);
            f.cpu = f.cpu.saturating_sub(u.cpu);
            f.memory = f.memory.saturating_sub(u.memory);
            f.disk = f.disk.saturating_sub(u.disk);
        }
    }
    f
}

/// Go `DriverChecker.hasDrivers`: the driver's info must say detected and healthy; without
/// info, the `driver.<name>` attribute must parse as true. `Err` says what the node has.
fn has_driver(node: &Node, driver: &str) -> Result<(), String> {
    if let Some(info) = node.drivers.get(driver) {
        let Some(info) = info else {
            return Err(format!("`{driver}` has no driver info"));
        };
        return match (info.detected, info.healthy) {
            (true, true) => Ok(()),
            (false, _) => Err(format!("`{driver}` not detected")),
            (true, false) if info.health_description.is_empty() => {
                Err(format!("`{driver}` unhealthy"))
            }
            (true, false) => Err(format!("`{driver}` unhealthy: {}", info.health_description)),
        };
    }
    match node.attributes.get(&format!("driver.{driver}")) {
        None => Err(format!("no `{driver}` driver")),
        Some(v) if parse_bool(v) == Some(true) => Ok(()),
        Some(v) => Err(format!("`driver.{driver}` = `{v}`")),
    }
}

/// Go `structs.DeviceIdTuple.Matches` for a request name `type`, `vendor/type` or
/// `vendor/type/name`.
fn device_matches(req: &str, d: &super::nodes::Device) -> bool {
    let parts: Vec<&str> = req.split('/').collect();
    let (vendor, kind, name) = match parts.as_slice() {
        [t] => ("", *t, ""),
        [v, t] => (*v, *t, ""),
        [v, t, n] => (*v, *t, *n),
        _ => return false,
    };
    (name.is_empty() || name == d.name)
        && (vendor.is_empty() || vendor == d.vendor)
        && (kind.is_empty() || kind == d.kind)
}

/// Go `DeviceChecker.hasDevices`, without device constraints (see [`GroupDetail::unchecked`]).
fn has_devices(node: &Node, tg: &TaskGroup) -> bool {
    let wanted: Vec<(&str, u64)> = tg
        .tasks
        .iter()
        .filter_map(|t| t.resources.as_ref())
        .flat_map(|r| r.devices.iter())
        .map(|d| (d.name.as_deref().unwrap_or(""), d.count.unwrap_or(1)))
        .collect();
    if wanted.is_empty() {
        return true;
    }
    let devices = node
        .node_resources
        .as_ref()
        .map(|r| r.devices.as_slice())
        .unwrap_or_default();
    let mut left: Vec<u64> = devices
        .iter()
        .map(|d| d.instances.iter().filter(|i| i.healthy).count() as u64)
        .collect();
    'wanted: for (name, mut count) in wanted {
        for (i, d) in devices.iter().enumerate() {
            if left[i] == 0 || !device_matches(name, d) {
                continue;
            }
            let take = left[i].min(count);
            left[i] -= take;
            count -= take;
            if count == 0 {
                continue 'wanted;
            }
        }
        return false;
    }
    true
}

/// Go `NetworkChecker.hasNetwork` for a group without a `network` block: mode `host`.
fn has_host_network(node: &Node) -> bool {
    node.node_resources.as_ref().is_some_and(|r| {
        r.networks
            .iter()
            .any(|n| n.mode.is_empty() || n.mode == "host")
    })
}

/// Go `HostVolumeChecker.hasVolumes` for static host volumes. `Err` says what is missing.
fn has_host_volumes(
    node: &Node,
    tg: &TaskGroup,
    unchecked: &mut Vec<String>,
) -> Result<(), String> {
    for (label, req) in &tg.volumes {
        if req.kind.as_deref() != Some("host") {
            continue;
        }
        let mut source = req.source.clone().unwrap_or_default();
        if req.per_alloc == Some(true) {
            source.push_str("[0]");
        }
        let Some(Some(vol)) = node.host_volumes.get(&source) else {
            return Err(format!("no host volume `{source}`"));
        };
        if !vol.id.is_empty() {
            let note = format!(
                "volume `{label}`: `{source}` is a dynamic host volume on some nodes; its state \
                 and capabilities are not in a node snapshot"
            );
            if !unchecked.contains(&note) {
                unchecked.push(note);
            }
            continue;
        }
        if req.sticky == Some(true) {
            return Err(format!(
                "`{source}` is a static host volume; `sticky` needs a dynamic one"
            ));
        }
        if req.read_only != Some(true) && vol.read_only {
            return Err(format!("host volume `{source}` is read-only"));
        }
    }
    Ok(())
}

/// What the docker driver refuses at start on this node, though Nomad places the task there
/// (`drivers/docker/driver.go`: `allow_privileged`, `volumes { enabled }`).
fn docker_rejects(node: &Node, tg: &TaskGroup) -> Option<String> {
    let attr = |name: &str| {
        node.attributes
            .get(name)
            .or_else(|| {
                node.drivers
                    .get("docker")
                    .and_then(Option::as_ref)
                    .and_then(|d| d.attributes.get(name))
            })
            .and_then(|v| parse_bool(v))
            == Some(true)
    };
    for t in tg
        .tasks
        .iter()
        .filter(|t| t.driver.as_deref() == Some("docker"))
    {
        let name = task_name(t);
        if t.config.get("privileged").and_then(|v| v.as_bool()) == Some(true)
            && !attr("driver.docker.privileged.enabled")
        {
            return Some(format!(
                "the driver refuses task `{name}` with \"Docker privileged mode is disabled on \
                 this Nomad agent\""
            ));
        }
        if attr("driver.docker.volumes.enabled") {
            continue;
        }
        let host_path = t
            .config
            .get("volumes")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .map(|v| v.split(':').next().unwrap_or(""))
            .find(|src| src.starts_with('/'));
        if let Some(src) = host_path {
            return Some(format!(
                "the driver refuses task `{name}` with \"volumes are not enabled; cannot mount \
                 host path: \\\"{src}\\\"\""
            ));
        }
        let mounts = t
            .config
            .get("mount")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten();
        for m in mounts {
            let kind = m.get("type").and_then(|v| v.as_str()).unwrap_or("volume");
            let source = m.get("source").and_then(|v| v.as_str()).unwrap_or("");
            if kind == "volume" || (kind == "bind" && source.starts_with('/')) {
                return Some(format!(
                    "the driver refuses task `{name}`: volumes are not enabled, and it mounts \
                     {kind} `{source}`"
                ));
            }
        }
    }
    None
}

/// What the checker cannot know from a snapshot for this group.
fn unchecked(job: &Job, tg: &TaskGroup) -> Vec<String> {
    let mut out = Vec::new();
    for (label, v) in &tg.volumes {
        if v.kind.as_deref() == Some("csi") {
            out.push(format!(
                "volume `{label}`: CSI volumes and plugins are not in a node snapshot"
            ));
        }
    }
    let resources = tg.tasks.iter().filter_map(|t| t.resources.as_ref());
    for r in resources.clone() {
        if r.devices.iter().any(|d| !d.constraints.is_empty()) {
            out.push("device constraints are not evaluated".to_owned());
            break;
        }
    }
    if resources.clone().any(|r| r.cores.is_some_and(|c| c > 0)) {
        out.push("`cores` needs the nodes' CPU topology; counted as no CPU".to_owned());
    }
    let operands = job
        .constraints
        .iter()
        .chain(&tg.constraints)
        .chain(tg.tasks.iter().flat_map(|t| &t.constraints))
        .filter_map(|c| c.operand.as_deref());
    for op in operands {
        if op == "distinct_property" {
            out.push("`distinct_property` needs the cluster's allocations".to_owned());
            break;
        }
    }
    out
}

/// Checks one job against the snapshot: every group, in job order.
pub fn check_job(phase: Phase, job: &Job, nodes: &[Node]) -> PhasePlacement {
    let pool = job_pool(job);
    let datacenters = job_datacenters(job);
    let mut base = BaseSet {
        total: nodes.len(),
        pool: pool.clone(),
        datacenters: datacenters.clone(),
        ..BaseSet::default()
    };
    let mut eligible: Vec<&Node> = Vec::new();
    let mut available: BTreeMap<String, u64> = BTreeMap::new();
    for n in nodes {
        let in_pool = pool == "all" || n.pool() == pool;
        let in_dc = datacenters.iter().any(|p| glob(p, &n.datacenter));
        match (in_pool, n.ready(), in_dc) {
            (false, Ok(()), _) => base.other_pool.push(NodeFact::new(n, n.pool())),
            (false, Err(_), _) => {}
            (true, Err(why), true) => base.not_ready.push(NodeFact::new(n, &why)),
            (true, Err(_), false) => {}
            (true, Ok(()), false) => base.other_dc.push(NodeFact::new(n, &n.datacenter)),
            (true, Ok(()), true) => {
                base.eligible.push(n.label().to_owned());
                *available.entry(n.datacenter.clone()).or_default() += 1;
                eligible.push(n);
            }
        }
    }
    let job_cons = job_constraints(job);
    let groups = job
        .task_groups
        .iter()
        .map(|tg| check_group(job, tg, &job_cons, &eligible, &pool, &available))
        .collect();
    PhasePlacement {
        phase,
        job_id: job.id.clone().unwrap_or_default(),
        groups,
        base: Some(base),
    }
}

fn check_group(
    job: &Job,
    tg: &TaskGroup,
    job_cons: &[Sourced],
    nodes: &[&Node],
    pool: &str,
    available: &BTreeMap<String, u64>,
) -> GroupPlacement {
    let mut metric = AllocMetric {
        node_pool: pool.to_owned(),
        nodes_in_pool: nodes.len() as u64,
        nodes_available: available.clone(),
        ..AllocMetric::default()
    };
    let mut detail = GroupDetail {
        ask: group_ask(tg),
        unchecked: unchecked(job, tg),
        ..GroupDetail::default()
    };
    let group_cons = group_constraints(tg);
    let mut drivers: Vec<String> = tg
        .tasks
        .iter()
        .map(|t| t.driver.clone().unwrap_or_default())
        .collect();
    drivers.sort();
    drivers.dedup();
    let mut caches = Caches::default();
    let value_of = |c: &Constraint, n: &Node| match resolve_target(&c.l_target, n) {
        (v, true) => format!("`{}` = `{v}`", c.l_target),
        (_, false) => format!("`{}` not set", c.l_target),
    };
    for n in nodes {
        metric.nodes_evaluated += 1;
        let mut filter = |metric: &mut AllocMetric, key: String, why: String| {
            metric.filter_node(n, &key);
            detail
                .filtered
                .entry(key)
                .or_default()
                .push(NodeFact::new(n, &why));
        };
        if let Some(c) = job_cons
            .iter()
            .find(|c| !meets(&c.constraint, n, &mut caches))
        {
            filter(&mut metric, c.constraint.key(), value_of(&c.constraint, n));
            continue;
        }
        if let Some(why) = drivers.iter().find_map(|d| has_driver(n, d).err()) {
            filter(&mut metric, "missing drivers".to_owned(), why);
            continue;
        }
        if let Some(c) = group_cons
            .iter()
            .find(|c| !meets(&c.constraint, n, &mut caches))
        {
            filter(&mut metric, c.constraint.key(), value_of(&c.constraint, n));
            continue;
        }
        if !has_devices(n, tg) {
            filter(
                &mut metric,
                "missing devices".to_owned(),
                "not enough healthy matching devices".to_owned(),
            );
            continue;
        }
        if !has_host_network(n) {
            filter(
                &mut metric,
                "missing network".to_owned(),
                "no host network fingerprinted".to_owned(),
            );
            continue;
        }
        if let Err(why) = has_host_volumes(n, tg, &mut detail.unchecked) {
            filter(
                &mut metric,
                "missing compatible host volumes".to_owned(),
                why,
            );
            continue;
        }
        // structs.AllocsFit: the allocation limit, then cpu, memory, disk (Superset).
        let running = n
            .allocations
            .iter()
            .filter(|a| !a.client_terminal())
            .count() as i64;
        let f = free(n);
        let ask = detail.ask;
        let dimension = if n.node_max_allocs > 0 && n.node_max_allocs <= running {
            Some(("max allocation exceeded", n.node_max_allocs - running))
        } else if f.cpu < ask.cpu {
            Some(("cpu", f.cpu))
        } else if f.memory < ask.memory {
            Some(("memory", f.memory))
        } else if f.disk < ask.disk {
            Some(("disk", f.disk))
        } else {
            None
        };
        if let Some((dim, have)) = dimension {
            metric.exhausted_node(n, dim);
            detail
                .exhausted
                .entry(dim.to_owned())
                .or_default()
                .push(NodeFree {
                    node: n.label().to_owned(),
                    free: have,
                });
            continue;
        }
        detail.feasible.push(n.label().to_owned());
        if let Some(why) = docker_rejects(n, tg) {
            detail.rejected.push(NodeFact::new(n, &why));
        }
    }
    let count = tg.count.unwrap_or(1).max(0) as u64;
    let placed = !detail.feasible.is_empty();
    if !placed {
        metric.coalesced_failures = count.saturating_sub(1);
        metric.exhaust_resources(tg);
    }
    GroupPlacement {
        group: tg.name.clone().unwrap_or_default(),
        count,
        placed,
        feasible: Some(detail.feasible.len()),
        metric,
        detail: Some(detail),
    }
}

impl AllocMetric {
    /// Go `AllocMetric.FilterNode`.
    fn filter_node(&mut self, n: &Node, key: &str) {
        self.nodes_filtered += 1;
        if !n.node_class.is_empty() {
            *self.class_filtered.entry(n.node_class.clone()).or_default() += 1;
        }
        if !key.is_empty() {
            *self.constraint_filtered.entry(key.to_owned()).or_default() += 1;
        }
    }

    /// Go `AllocMetric.ExhaustedNode`.
    fn exhausted_node(&mut self, n: &Node, dimension: &str) {
        self.nodes_exhausted += 1;
        if !n.node_class.is_empty() {
            *self
                .class_exhausted
                .entry(n.node_class.clone())
                .or_default() += 1;
        }
        *self
            .dimension_exhausted
            .entry(dimension.to_owned())
            .or_default() += 1;
    }

    /// Go `AllocMetric.ExhaustResources`, as the generic scheduler calls it on a failed
    /// placement.
    fn exhaust_resources(&mut self, tg: &TaskGroup) {
        if self.dimension_exhausted.is_empty() {
            return;
        }
        let memory = self.dimension_exhausted.contains_key("memory");
        let cpu = self.dimension_exhausted.contains_key("cpu");
        for t in &tg.tasks {
            let (c, m) = task_resources(t);
            let e = self.resources_exhausted.entry(task_name(t)).or_default();
            if memory {
                e.memory_mb += m;
            }
            if cpu {
                e.cpu += c;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::nodes;

    fn job(v: serde_json::Value) -> Job {
        serde_json::from_value(v).expect("a job")
    }

    fn keys(v: &[Sourced]) -> Vec<String> {
        v.iter().map(|s| s.constraint.key()).collect()
    }

    fn group(v: serde_json::Value) -> TaskGroup {
        serde_json::from_value(v).expect("a group")
    }

    #[test]
    fn implicit_constraints_in_nomads_order() {
        let tg = group(serde_json::json!({
            "Name": "g",
            "Constraints": [{"LTarget": "${attr.kernel.name}", "RTarget": "linux", "Operand": "="}],
            "Tasks": [
                {"Name": "z", "Driver": "docker", "Vault": {"Role": "r"},
                 "Constraints": [{"LTarget": "${attr.cpu.arch}", "RTarget": "amd64", "Operand": "="}]},
                {"Name": "a", "Driver": "docker", "Vault": {"Role": "r"}, "KillSignal": "SIGINT",
                 "Templates": [{"ChangeMode": "signal", "ChangeSignal": "SIGHUP"}]}
            ]
        }));
        let got = group_constraints(&tg);
        assert_eq!(
            keys(&got),
            [
                "${attr.kernel.name} = linux",
                "${attr.vault.version} semver >= 0.6.1",
                "${attr.os.signals} set_contains SIGHUP,SIGINT",
                "${attr.nomad.version} semver >= 1.7.0-a",
                "${attr.cpu.arch} = amd64",
            ]
        );
        assert_eq!(
            got[1].source,
            Source::Vault {
                tasks: vec!["a".to_owned(), "z".to_owned()]
            }
        );
        assert_eq!(
            got[3].source,
            Source::Identity {
                explicit: vec![],
                injected: vec!["z".to_owned(), "a".to_owned()]
            }
        );
    }

    #[test]
    fn a_user_constraint_on_the_same_attribute_replaces_the_vault_one() {
        // mutateConstraint with constraintMatcherLeft; the identity one is appended anyway.
        let tg = group(serde_json::json!({
            "Name": "g",
            "Constraints": [{"LTarget": "${attr.vault.version}", "RTarget": ">= 1.15.0", "Operand": "semver"}],
            "Tasks": [{"Name": "t", "Driver": "docker", "Vault": {"Role": "r"},
                       "Identities": [{"Name": "vault_default", "Audience": ["vault.io"]}]}]
        }));
        let got = group_constraints(&tg);
        assert_eq!(
            keys(&got),
            [
                "${attr.vault.version} semver >= 1.15.0",
                "${attr.nomad.version} semver >= 1.7.0-a",
            ]
        );
        assert_eq!(
            got[1].source,
            Source::Identity {
                explicit: vec!["t".to_owned()],
                injected: vec![]
            }
        );
        let other = group(serde_json::json!({
            "Name": "g",
            "Tasks": [{"Name": "t", "Driver": "docker", "Vault": {"Role": "r", "Cluster": "infra"},
                       "Identities": [{"Name": "vault_infra"}]}]
        }));
        assert_eq!(
            keys(&group_constraints(&other))[0],
            "${attr.vault.infra.version} semver >= 1.11.0"
        );
        let plain =
            group(serde_json::json!({"Name": "g", "Tasks": [{"Name": "t", "Driver": "docker"}]}));
        assert!(group_constraints(&plain).is_empty());
    }

    #[test]
    fn asks_like_allocated_resources_comparable() {
        let tg = group(serde_json::json!({
            "Name": "g",
            "EphemeralDisk": {"SizeMB": 2048},
            "Tasks": [
                {"Name": "pre", "Lifecycle": {"Hook": "prestart", "Sidecar": false},
                 "Resources": {"CPU": 3000, "MemoryMB": 256}},
                {"Name": "main", "Resources": {"CPU": 1000, "MemoryMB": 2048}},
                {"Name": "side", "Lifecycle": {"Hook": "prestart", "Sidecar": true},
                 "Resources": {"CPU": 100, "MemoryMB": 64}},
                {"Name": "post", "Lifecycle": {"Hook": "poststop"},
                 "Resources": {"CPU": 50, "MemoryMB": 4000}}
            ]
        }));
        // prestart 3100/320, main 1100/2112, poststop 50/4000: the largest per dimension.
        assert_eq!(
            group_ask(&tg),
            Ask {
                cpu: 3100,
                memory: 4000,
                disk: 2048
            }
        );
        let defaults = group(
            serde_json::json!({"Name": "g", "Tasks": [{"Name": "t"}, {"Name": "u", "Resources": {"Cores": 2}}]}),
        );
        assert_eq!(
            group_ask(&defaults),
            Ask {
                cpu: 100,
                memory: 600,
                disk: 300
            }
        );
    }

    fn node(extra: serde_json::Value) -> serde_json::Value {
        let mut n = serde_json::json!({
            "ID": "id", "Name": "n", "Datacenter": "dc1", "NodePool": "default", "Status": "ready",
            "SchedulingEligibility": "eligible",
            "Attributes": {"driver.docker": "1"},
            "Drivers": {"docker": {"Detected": true, "Healthy": true}},
            "NodeResources": {"Cpu": {"CpuShares": 4000}, "Memory": {"MemoryMB": 4096},
                              "Disk": {"DiskMB": 10000}, "Networks": [{"Mode": ""}]},
            "ReservedResources": {"Cpu": {"CpuShares": 0}, "Memory": {"MemoryMB": 0}, "Disk": {"DiskMB": 0}}
        });
        let (serde_json::Value::Object(base), serde_json::Value::Object(extra)) = (&mut n, extra)
        else {
            panic!("objects");
        };
        base.extend(extra);
        n
    }

    fn check(job_json: serde_json::Value, nodes_json: Vec<serde_json::Value>) -> PhasePlacement {
        let text = serde_json::to_string(&nodes_json).expect("JSON");
        let nodes = nodes::parse(&text).expect("a snapshot");
        check_job(Phase::Build, &job(job_json), &nodes)
    }

    fn simple_job(pool: &str, dcs: &[&str]) -> serde_json::Value {
        serde_json::json!({
            "ID": "j", "NodePool": pool, "Datacenters": dcs,
            "TaskGroups": [{"Name": "g", "Tasks": [{"Name": "t", "Driver": "docker",
                "Resources": {"CPU": 1000, "MemoryMB": 1024}}]}]
        })
    }

    #[test]
    fn the_base_set_follows_ready_nodes_in_dcs_and_pool() {
        let nodes = vec![
            node(serde_json::json!({"ID": "1", "Name": "a", "Datacenter": "us-east-1"})),
            node(serde_json::json!({"ID": "2", "Name": "b", "Datacenter": "us-west-1"})),
            node(serde_json::json!({"ID": "3", "Name": "c", "NodePool": "gpu"})),
            node(
                serde_json::json!({"ID": "4", "Name": "d", "Datacenter": "us-east-2",
                                     "DrainStrategy": {"Deadline": 0}}),
            ),
            node(
                serde_json::json!({"ID": "5", "Name": "e", "Datacenter": "us-east-3",
                                     "Status": "initializing"}),
            ),
            node(
                serde_json::json!({"ID": "6", "Name": "f", "Datacenter": "us-east-4",
                                     "SchedulingEligibility": ""}),
            ),
        ];
        let p = check(simple_job("default", &["us-east-*"]), nodes.clone());
        let base = p.base.as_ref().expect("base");
        assert_eq!(base.eligible, ["a", "f"]);
        let facts = |v: &[NodeFact]| -> Vec<(String, String)> {
            v.iter().map(|f| (f.node.clone(), f.fact.clone())).collect()
        };
        assert_eq!(
            facts(&base.not_ready),
            [
                ("d".to_owned(), "draining".to_owned()),
                ("e".to_owned(), "status `initializing`".to_owned())
            ]
        );
        assert_eq!(
            facts(&base.other_dc),
            [("b".to_owned(), "us-west-1".to_owned())]
        );
        assert_eq!(
            facts(&base.other_pool),
            [("c".to_owned(), "gpu".to_owned())]
        );
        let m = &p.groups[0].metric;
        assert_eq!((m.nodes_in_pool, m.nodes_evaluated), (2, 2));
        assert_eq!(
            m.nodes_available,
            BTreeMap::from([("us-east-1".to_owned(), 1), ("us-east-4".to_owned(), 1)])
        );
        // `all` takes every pool; `?` is no wildcard.
        let p = check(simple_job("all", &["*"]), nodes.clone());
        assert_eq!(p.base.expect("base").eligible, ["a", "b", "c", "f"]);
        let p = check(simple_job("default", &["us-east-?"]), nodes);
        assert!(!p.places());
        assert_eq!(p.groups[0].metric.nodes_evaluated, 0);
    }

    #[test]
    fn drivers_need_detected_and_healthy_or_a_true_attribute() {
        // feasible_test.go TestDriverChecker_DriverInfo and _Compatibility.
        let nodes = vec![
            node(serde_json::json!({"ID": "1", "Name": "healthy"})),
            node(serde_json::json!({"ID": "2", "Name": "unhealthy",
                "Drivers": {"docker": {"Detected": true, "Healthy": false, "HealthDescription": "no daemon"}}})),
            node(serde_json::json!({"ID": "3", "Name": "undetected",
                "Drivers": {"docker": {"Detected": false, "Healthy": false}}})),
            node(
                serde_json::json!({"ID": "4", "Name": "attr-true", "Drivers": {},
                "Attributes": {"driver.docker": "true"}}),
            ),
            node(
                serde_json::json!({"ID": "5", "Name": "attr-false", "Drivers": {},
                "Attributes": {"driver.docker": "False"}}),
            ),
            node(serde_json::json!({"ID": "6", "Name": "nil-info", "Drivers": {"docker": null}})),
            node(serde_json::json!({"ID": "7", "Name": "none", "Drivers": {}, "Attributes": {}})),
        ];
        let p = check(simple_job("default", &["*"]), nodes);
        let g = &p.groups[0];
        let d = g.detail.as_ref().expect("detail");
        assert_eq!(d.feasible, ["attr-true", "healthy"]);
        assert_eq!(g.metric.constraint_filtered["missing drivers"], 5);
        let why: Vec<&str> = d.filtered["missing drivers"]
            .iter()
            .map(|f| f.fact.as_str())
            .collect();
        assert_eq!(
            why,
            [
                "`driver.docker` = `False`",
                "`docker` has no driver info",
                "no `docker` driver",
                "`docker` not detected",
                "`docker` unhealthy: no daemon",
            ]
        );
    }

    #[test]
    fn host_volumes_networks_and_the_fit() {
        let mut j = simple_job("default", &["*"]);
        j["TaskGroups"][0]["Volumes"] = serde_json::json!({
            "cache": {"Name": "cache", "Type": "host", "Source": "cache", "ReadOnly": false},
            "scratch": {"Name": "scratch", "Type": "host", "Source": "scratch", "PerAlloc": true, "ReadOnly": true}
        });
        j["TaskGroups"][0]["EphemeralDisk"] = serde_json::json!({"SizeMB": 5000});
        let vols = serde_json::json!({"cache": {"Path": "/c"}, "scratch[0]": {"Path": "/s", "ReadOnly": true}});
        let alloc = |status: &str, mem: i64| {
            serde_json::json!({
                "ID": "x", "ClientStatus": status,
                "AllocatedResources": {"Tasks": {"t": {"Cpu": {"CpuShares": 500}, "Memory": {"MemoryMB": mem}}},
                                       "TaskLifecycles": {"t": null}, "Shared": {"DiskMB": 300}}
            })
        };
        let nodes = vec![
            node(
                serde_json::json!({"ID": "1", "Name": "fits", "HostVolumes": vols,
                "Allocations": [alloc("running", 1024), alloc("complete", 4096)]}),
            ),
            node(
                serde_json::json!({"ID": "2", "Name": "ro", "NodeClass": "small",
                "HostVolumes": {"cache": {"Path": "/c", "ReadOnly": true}, "scratch[0]": {}}}),
            ),
            node(
                serde_json::json!({"ID": "3", "Name": "no-per-alloc", "HostVolumes": {"cache": {}, "scratch": {}}}),
            ),
            node(
                serde_json::json!({"ID": "4", "Name": "no-network", "HostVolumes": vols,
                "NodeResources": {"Cpu": {"CpuShares": 4000}, "Memory": {"MemoryMB": 4096},
                                  "Disk": {"DiskMB": 10000}, "Networks": [{"Mode": "bridge"}]}}),
            ),
            node(
                serde_json::json!({"ID": "5", "Name": "busy", "HostVolumes": vols,
                "Allocations": [alloc("running", 3500)]}),
            ),
            node(
                serde_json::json!({"ID": "6", "Name": "full", "HostVolumes": vols, "NodeMaxAllocs": 1,
                "Allocations": [alloc("pending", 10)]}),
            ),
            node(
                serde_json::json!({"ID": "7", "Name": "reserved", "HostVolumes": vols,
                "ReservedResources": {"Cpu": {"CpuShares": 3500}}}),
            ),
            node(
                serde_json::json!({"ID": "8", "Name": "small-disk", "HostVolumes": vols,
                "ReservedResources": {"Disk": {"DiskMB": 6000}}}),
            ),
        ];
        let p = check(j, nodes);
        let g = &p.groups[0];
        let d = g.detail.as_ref().expect("detail");
        assert_eq!(d.feasible, ["fits"]);
        let m = &g.metric;
        assert_eq!(m.constraint_filtered["missing compatible host volumes"], 2);
        assert_eq!(m.constraint_filtered["missing network"], 1);
        assert_eq!(m.class_filtered["small"], 1);
        assert_eq!(
            m.dimension_exhausted,
            BTreeMap::from([
                ("cpu".to_owned(), 1),
                ("disk".to_owned(), 1),
                ("max allocation exceeded".to_owned(), 1),
                ("memory".to_owned(), 1)
            ])
        );
        assert_eq!((m.nodes_filtered, m.nodes_exhausted), (3, 4));
        let free: Vec<(String, i64)> = d.exhausted["memory"]
            .iter()
            .map(|f| (f.node.clone(), f.free))
            .collect();
        assert_eq!(free, [("busy".to_owned(), 596)]);
        let why: Vec<&str> = d.filtered["missing compatible host volumes"]
            .iter()
            .map(|f| f.fact.as_str())
            .collect();
        assert_eq!(
            why,
            [
                "no host volume `scratch[0]`",
                "host volume `cache` is read-only"
            ]
        );
    }

    #[test]
    fn docker_settings_nomad_does_not_check() {
        let mut j = simple_job("default", &["*"]);
        j["TaskGroups"][0]["Tasks"][0]["Config"] = serde_json::json!({
            "image": "x", "privileged": true, "volumes": ["/srv:/srv"]
        });
        let nodes = vec![
            node(serde_json::json!({"ID": "1", "Name": "a"})),
            node(serde_json::json!({"ID": "2", "Name": "b",
                "Attributes": {"driver.docker": "1", "driver.docker.privileged.enabled": "true"}})),
            node(serde_json::json!({"ID": "3", "Name": "c",
                "Attributes": {"driver.docker": "1", "driver.docker.privileged.enabled": "true",
                               "driver.docker.volumes.enabled": "true"}})),
        ];
        let p = check(j, nodes);
        let d = p.groups[0].detail.as_ref().expect("detail");
        assert_eq!(d.feasible.len(), 3);
        let why: Vec<(&str, &str)> = d
            .rejected
            .iter()
            .map(|f| (f.node.as_str(), f.fact.as_str()))
            .collect();
        assert_eq!(
            why,
            [
                (
                    "a",
                    "the driver refuses task `t` with \"Docker privileged mode is disabled on \
                     this Nomad agent\""
                ),
                (
                    "b",
                    "the driver refuses task `t` with \"volumes are not enabled; cannot mount \
                     host path: \\\"/srv\\\"\""
                ),
            ]
        );
    }
}
