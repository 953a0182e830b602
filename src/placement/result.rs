//! The placement result: one phase's answer to "would it place", in the shape Nomad gives it.
//!
//! [`PhasePlacement`] holds an [`AllocMetric`] per task group (Go `api.AllocationMetric`, as in
//! a plan's or an evaluation's `FailedTGAllocs`). Nomad's answers fill it through
//! [`PhasePlacement::from_nomad`]; the offline checker ([`super::check`]) fills it from a node
//! snapshot and adds what it knows besides ([`GroupDetail`]). The explainer
//! ([`super::explain`]) reads it and never the other way round.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::nodes::nullable;
use crate::nomad::model::Job;
use crate::phase::Phase;

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

impl AllocMetric {
    /// How many of the pool's nodes passed every check, and how many the pool has.
    pub fn eligible(&self) -> (u64, u64) {
        (
            self.nodes_evaluated.saturating_sub(self.nodes_filtered),
            self.nodes_in_pool,
        )
    }
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

/// A node and something about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeFact {
    /// The node's name.
    pub node: String,
    /// What it has, or why it is left out.
    pub fact: String,
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
