//! Placement: would each phase's job be placed on the cluster's nodes, and if not, why, in
//! build.hcl's terms.
//!
//! - [`nodes`]: the node snapshot (Nomad's node JSON) as input;
//! - [`feasible`] and [`version`]: Nomad's constraint operators with its exact comparison rules;
//! - [`check`]: the offline checker, Nomad's feasibility and fit checks in Nomad's order;
//! - [`result`]: the placement result, shared by the offline checker and Nomad's own answers
//!   (`FailedTGAllocs`);
//! - [`explain`]: the result's text, and its findings mapped to build.hcl.

pub mod check;
pub mod explain;
pub mod feasible;
pub mod nodes;
pub mod result;
pub mod version;

use crate::compile::Compiled;
use crate::phase::Phase;

pub use explain::{BuildFile, Explainer};
pub use result::{AllocMetric, GroupPlacement, PhasePlacement};

/// Checks every phase of `phases` (declared by `compiled`) against the snapshot's nodes.
pub fn check_offline(
    compiled: &Compiled,
    phases: &[Phase],
    nodes: &[nodes::Node],
) -> Vec<PhasePlacement> {
    phases
        .iter()
        .filter_map(|p| compiled.phase(*p))
        .map(|r| check::check_job(r.phase, &r.job.job, nodes))
        .collect()
}
