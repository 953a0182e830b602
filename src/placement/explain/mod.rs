//! Placement results explained: their text, and their findings in build.hcl's terms.
//!
//! [`PhasePlacement`] is one phase's answer to "would it place", in the shape Nomad gives it:
//! an [`AllocMetric`] per task group (Go `api.AllocationMetric`, as in a plan's or an
//! evaluation's `FailedTGAllocs`). The offline checker ([`super::check`]) fills it from a node
//! snapshot and adds what it knows besides ([`GroupDetail`](super::result::GroupDetail)); [`PhasePlacement::from_nomad`]
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

use super::check::{self, Source, Sourced};
use super::result::{AllocMetric, GroupPlacement, NodeFact, PhasePlacement};
use crate::compile::Compiled;
use crate::config::Pipeline;
use crate::diag::{self, Color, Finding, Sources};
use crate::hcl::eval::child;
use crate::load::Loaded;
use crate::nomad::model::{Job, TaskGroup};
use crate::phase::{Phase, Role};
use crate::render::Rendered;
use crate::rules::{self, Rule};
use crate::text::{and_list, plural, plural_word};

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

/// The lines `run` and `status` print for a group Nomad could not place: a header, then
/// Nomad's metric lines ([`format_alloc_metrics`]).
pub fn blocked_text(phase: &str, group: &str, m: &AllocMetric) -> String {
    let n = m.coalesced_failures + 1;
    format!(
        "{phase}: cannot place task group {} ({}):\n{}",
        go_quote(group),
        plural(n, "allocation"),
        format_alloc_metrics(m, "  ")
    )
}

/// The build.hcl that jobs on the cluster were compiled from, with what is needed to explain
/// Nomad's placement failures (a plan's or an evaluation's `FailedTGAllocs`) in its terms.
/// `run`, `status` and the online `plan` explain them with the same [`Explainer`].
#[derive(Clone, Copy)]
pub struct BuildFile<'a> {
    /// The sources, the build.hcl among them.
    pub sources: &'a Sources,
    /// The loaded build.hcl (for its spans).
    pub loaded: &'a Loaded,
    /// The jobs compiled from it.
    pub compiled: &'a Compiled,
}

impl BuildFile<'_> {
    /// The findings for Nomad's failures of phase `phase` (its name, as jobs' `nomad-build.phase`
    /// meta and `run` name it); none for a phase the file does not declare.
    pub fn findings(&self, phase: &str, failed: &BTreeMap<String, AllocMetric>) -> Vec<Finding> {
        let Some(rendered) = Phase::ALL
            .into_iter()
            .find(|p| p.name() == phase)
            .and_then(|p| self.compiled.phase(p))
        else {
            return Vec::new();
        };
        let placement = PhasePlacement::from_nomad(rendered.phase, &rendered.job.job, failed);
        Explainer::new(self.loaded).findings(&[(&placement, rendered)])
    }

    /// Findings rendered as `validate` renders them.
    pub fn render(&self, findings: &[Finding], color: Color) -> String {
        findings
            .iter()
            .map(|f| diag::render(f, self.sources, color))
            .collect()
    }
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
                let _ = writeln!(
                    out,
                    "  Task Group {} (failed to place {}):",
                    go_quote(&g.group),
                    plural(g.metric.coalesced_failures + 1, "allocation")
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
