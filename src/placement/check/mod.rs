//! The offline checker: Nomad's feasibility and fit checks over a node snapshot, in Nomad's
//! order, filling the same [`AllocMetric`] the scheduler fills.
//!
//! [`AllocMetric`]: super::result::AllocMetric
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
//! those nodes are in [`GroupDetail::rejected`](super::result::GroupDetail::rejected).

use std::collections::BTreeMap;

use serde::Serialize;

use super::feasible::{glob, meets, parse_bool, resolve_target, Caches, Constraint};
use super::nodes::{AllocatedResources, Node};
use super::result::{
    AllocMetric, Ask, BaseSet, GroupDetail, GroupPlacement, NodeFact, NodeFree, PhasePlacement,
};
use crate::nomad::model::{Job, Task, TaskGroup};
use crate::phase::Phase;

mod constraints;

use constraints::task_name;

pub use constraints::{
    group_constraints, job_constraints, job_datacenters, job_pool, Source, Sourced,
};

/// `node` and `fact`.
fn node_fact(n: &Node, fact: &str) -> NodeFact {
    NodeFact {
        node: n.label().to_owned(),
        fact: fact.to_owned(),
    }
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
        if t.config
            .get("privileged")
            .and_then(serde_json::Value::as_bool)
            == Some(true)
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
            (false, Ok(()), _) => base.other_pool.push(node_fact(n, n.pool())),
            (false, Err(_), _) => {}
            (true, Err(why), true) => base.not_ready.push(node_fact(n, &why)),
            (true, Err(_), false) => {}
            (true, Ok(()), false) => base.other_dc.push(node_fact(n, &n.datacenter)),
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
                .push(node_fact(n, &why));
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
            detail.rejected.push(node_fact(n, &why));
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
mod tests;
