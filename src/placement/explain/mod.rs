//! Placement results and their explanation in build.hcl's terms.
//!
//! [`PhasePlacement`] is one phase's answer to "would it place", in the shape Nomad gives it:
//! an [`AllocMetric`] per task group (Go `api.AllocationMetric`, as in a plan's or an
//! evaluation's `FailedTGAllocs`). The offline checker ([`super::check`]) fills it from a node
//! snapshot and adds what it knows besides ([`GroupDetail`]); [`PhasePlacement::from_nomad`]
//! fills it from Nomad's own `FailedTGAllocs`. Both are printed by the same code:
//!
//! - [`summary`]: the plan's text, each failed group's metric laid out like Nomad's
//!   `formatAllocMetrics` (`command/monitor.go`), in sorted order rather than Go's map order;
//! - [`Explainer::findings`]: one diagnostic per reason a group cannot be placed, pointing at the
//!   build.hcl place that produced the constraint or the resource ask, with an explanation of
//!   the constraints Nomad adds by itself.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::check::{self, BaseSet, GroupDetail, NodeFact, Source, Sourced};
use super::nodes::nullable;
use crate::config::Pipeline;
use crate::diag::Finding;
use crate::hcl::eval::child;
use crate::load::Loaded;
use crate::nomad::model::{Job, TaskGroup};
use crate::phase::{Phase, Role};
use crate::render::Rendered;
use crate::rules::{self, Rule};
use crate::text::{and_list, plural_word};

/// Go `api.AllocationMetric`: why a task group's allocation was not placed. `null` maps read as
/// empty; fields this model lacks (`Scores`, `ScoreMetaData`, `AllocationTime`) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AllocMetric {
    /// `NodesEvaluated`: nodes pulled from the base set.
    #[serde(rename = "NodesEvaluated", deserialize_with = "nullable")]
    pub nodes_evaluated: u64,
    /// `NodesFiltered`: nodes a feasibility check rejected.
    #[serde(rename = "NodesFiltered", deserialize_with = "nullable")]
    pub nodes_filtered: u64,
    /// `NodesInPool`: ready nodes in the job's pool and datacenters.
    #[serde(rename = "NodesInPool", deserialize_with = "nullable")]
    pub nodes_in_pool: u64,
    /// `NodePool`.
    #[serde(rename = "NodePool", deserialize_with = "nullable")]
    pub node_pool: String,
    /// `NodesAvailable`: ready nodes per datacenter.
    #[serde(rename = "NodesAvailable", deserialize_with = "nullable")]
    pub nodes_available: BTreeMap<String, u64>,
    /// `ClassFiltered`: filtered nodes per node class.
    #[serde(rename = "ClassFiltered", deserialize_with = "nullable")]
    pub class_filtered: BTreeMap<String, u64>,
    /// `ConstraintFiltered`: filtered nodes per constraint (`Constraint.String()`) or check.
    #[serde(rename = "ConstraintFiltered", deserialize_with = "nullable")]
    pub constraint_filtered: BTreeMap<String, u64>,
    /// `NodesExhausted`: feasible nodes the allocation does not fit on.
    #[serde(rename = "NodesExhausted", deserialize_with = "nullable")]
    pub nodes_exhausted: u64,
    /// `ClassExhausted`.
    #[serde(rename = "ClassExhausted", deserialize_with = "nullable")]
    pub class_exhausted: BTreeMap<String, u64>,
    /// `DimensionExhausted`: exhausted nodes per dimension (`cpu`, `memory`, `disk`, ...).
    #[serde(rename = "DimensionExhausted", deserialize_with = "nullable")]
    pub dimension_exhausted: BTreeMap<String, u64>,
    /// `QuotaExhausted` (Enterprise).
    #[serde(rename = "QuotaExhausted", deserialize_with = "nullable")]
    pub quota_exhausted: Vec<String>,
    /// `ResourcesExhausted`: per task, what it asked for of the exhausted CPU and memory.
    #[serde(rename = "ResourcesExhausted", deserialize_with = "nullable")]
    pub resources_exhausted: BTreeMap<String, ExhaustedResources>,
    /// `CoalescedFailures`: further failed allocations of the group.
    #[serde(rename = "CoalescedFailures", deserialize_with = "nullable")]
    pub coalesced_failures: u64,
}

/// The part of Go `api.Resources` that `ResourcesExhausted` fills.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExhaustedResources {
    /// `CPU`, MHz.
    #[serde(rename = "CPU", deserialize_with = "nullable")]
    pub cpu: i64,
    /// `MemoryMB`.
    #[serde(rename = "MemoryMB", deserialize_with = "nullable")]
    pub memory_mb: i64,
}

/// One phase's placement: each task group of its job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhasePlacement {
    /// The phase.
    pub phase: Phase,
    /// The job's ID.
    pub job_id: String,
    /// Every task group, in job order.
    pub groups: Vec<GroupPlacement>,
    /// The base node set as the snapshot shows it (offline only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseSet>,
}

/// One task group's placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupPlacement {
    /// The group.
    pub group: String,
    /// Its `Count`.
    pub count: u64,
    /// Whether its allocations would be placed.
    #[serde(rename = "places")]
    pub placed: bool,
    /// How many nodes it fits on (offline; Nomad stops looking after two).
    #[serde(rename = "feasible_nodes", skip_serializing_if = "Option::is_none")]
    pub feasible: Option<usize>,
    /// Nomad's metric (what `FailedTGAllocs` would hold for it).
    pub metric: AllocMetric,
    /// What the offline checker knows besides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<GroupDetail>,
}

impl PhasePlacement {
    /// Whether every group would be placed.
    pub fn places(&self) -> bool {
        self.groups.iter().all(|g| g.placed)
    }

    /// The placement Nomad reports for `job`: `failed` is the `FailedTGAllocs` of a plan
    /// (`POST /v1/job/:id/plan`) or an evaluation; a group not in it is placed.
    pub fn from_nomad(phase: Phase, job: &Job, failed: &BTreeMap<String, AllocMetric>) -> Self {
        PhasePlacement {
            phase,
            job_id: job.id.clone().unwrap_or_default(),
            groups: job
                .task_groups
                .iter()
                .map(|tg| {
                    let name = tg.name.clone().unwrap_or_default();
                    let metric = failed.get(&name).cloned();
                    GroupPlacement {
                        count: tg.count.unwrap_or(1).max(0) as u64,
                        placed: metric.is_none(),
                        feasible: None,
                        metric: metric.unwrap_or_default(),
                        detail: None,
                        group: name,
                    }
                })
                .collect(),
            base: None,
        }
    }
}

/// Go's `%q` for the strings Nomad quotes in its metric lines.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Nomad's `formatAllocMetrics` (`command/monitor.go`), each line prefixed by `prefix`, maps
/// in sorted order.
pub fn format_alloc_metrics(m: &AllocMetric, prefix: &str) -> String {
    let mut out = String::new();
    if m.nodes_evaluated == 0 {
        let _ = writeln!(out, "{prefix}* No nodes were eligible for evaluation");
    }
    for (dc, n) in &m.nodes_available {
        if *n == 0 {
            let _ = writeln!(
                out,
                "{prefix}* No nodes are available in datacenter {}",
                go_quote(dc)
            );
        }
    }
    for (class, n) in &m.class_filtered {
        let _ = writeln!(
            out,
            "{prefix}* Class {}: {n} nodes excluded by filter",
            go_quote(class)
        );
    }
    for (c, n) in &m.constraint_filtered {
        let _ = writeln!(
            out,
            "{prefix}* Constraint {}: {n} nodes excluded by filter",
            go_quote(c)
        );
    }
    if m.nodes_exhausted > 0 {
        let _ = writeln!(
            out,
            "{prefix}* Resources exhausted on {} nodes",
            m.nodes_exhausted
        );
    }
    for (class, n) in &m.class_exhausted {
        let _ = writeln!(
            out,
            "{prefix}* Class {} exhausted on {n} nodes",
            go_quote(class)
        );
    }
    for (dim, n) in &m.dimension_exhausted {
        let _ = writeln!(
            out,
            "{prefix}* Dimension {} exhausted on {n} nodes",
            go_quote(dim)
        );
    }
    for dim in &m.quota_exhausted {
        let _ = writeln!(out, "{prefix}* Quota limit hit {}", go_quote(dim));
    }
    out
}

/// The plan's text: per phase, Nomad's dry-run line, then each group.
pub fn summary(phases: &[PhasePlacement]) -> String {
    let mut out = String::new();
    for (i, p) in phases.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "Phase {}, job {}:", p.phase, go_quote(&p.job_id));
        if p.places() {
            out.push_str("- All tasks successfully allocated.\n");
        } else {
            out.push_str("- WARNING: Failed to place all allocations.\n");
        }
        for g in &p.groups {
            if !g.placed {
                let failed = g.metric.coalesced_failures + 1;
                let noun = if failed == 1 {
                    "allocation"
                } else {
                    "allocations"
                };
                let _ = writeln!(
                    out,
                    "  Task Group {} (failed to place {failed} {noun}):",
                    go_quote(&g.group)
                );
                out.push_str(&format_alloc_metrics(&g.metric, "    "));
                continue;
            }
            let _ = write!(out, "  Task Group {}: places", go_quote(&g.group));
            if let Some(n) = g.feasible {
                let _ = write!(
                    out,
                    " (fits {n} of {} eligible {})",
                    g.metric.nodes_in_pool,
                    plural_word(g.metric.nodes_in_pool as usize, "node")
                );
            }
            out.push('\n');
            if let Some(d) = &g.detail {
                if !d.rejected.is_empty() {
                    let _ = writeln!(
                        out,
                        "    * The docker driver would refuse the task on {} of them",
                        d.rejected.len()
                    );
                }
            }
        }
        let unchecked: Vec<&String> = p
            .groups
            .iter()
            .filter_map(|g| g.detail.as_ref())
            .flat_map(|d| &d.unchecked)
            .collect();
        for u in dedup(unchecked) {
            let _ = writeln!(out, "  Not checked: {u}");
        }
    }
    out
}

fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Node names, at most four, then how many more.
fn node_list(names: &[&str]) -> String {
    let mut shown: Vec<String> = names.iter().take(4).map(|n| format!("`{n}`")).collect();
    if names.len() > 4 {
        shown.push(format!("{} more", names.len() - 4));
    }
    and_list(&shown)
}

/// What the filtered nodes have, grouped: "`${attr.x}` not set on `a` and `b`".
fn what_nodes_have(filtered: &[NodeFact]) -> String {
    let mut by_why: Vec<(&str, Vec<&str>)> = Vec::new();
    for NodeFact { node, fact: why } in filtered {
        match by_why.iter_mut().find(|(w, _)| *w == why.as_str()) {
            Some((_, nodes)) => nodes.push(node),
            None => by_why.push((why, vec![node])),
        }
    }
    let parts: Vec<String> = by_why
        .into_iter()
        .map(|(why, nodes)| format!("{why} on {}", node_list(&nodes)))
        .collect();
    parts.join("; ")
}

mod findings;

pub use findings::Explainer;

#[cfg(test)]
mod tests;
