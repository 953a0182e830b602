//! Placement failures, printed like Nomad's `formatAllocMetrics` and, where the caller knows
//! where a constraint or a resource request came from, pointed at that place in build.hcl.

use std::ops::Range;

use super::api::AllocMetric;
use crate::diag::{Color, FileId, Finding, Sources};
use crate::rules::{placement_blocked, placement_computed_class};

/// A place in build.hcl and what it has to do with a placement check.
#[derive(Debug, Clone)]
pub struct Origin {
    /// Byte range in the file.
    pub span: Range<usize>,
    /// What to say there ("this constraint", "added by Nomad because ...").
    pub note: String,
}

/// Where the jobs' placement requirements come from.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// The build.hcl in `sources`.
    pub file: FileId,
    /// By constraint (its `LTarget Operand RTarget` form, as Nomad's metrics key it).
    pub constraints: Vec<(String, Origin)>,
    /// By fixed check name (`missing drivers`, `missing compatible host volumes`, ...).
    pub checks: Vec<(String, Origin)>,
    /// The `resources` block of each `phase/group`.
    pub resources: Vec<(String, Origin)>,
    /// Where datacenters and the node pool are chosen.
    pub placement: Option<Origin>,
}

/// Constraints Nomad adds itself (`nomad/job_endpoint_hook_*.go`), explained.
pub fn implicit(constraint: &str) -> Option<&'static str> {
    if constraint.starts_with("${attr.vault.version} ") {
        Some("added by Nomad because the task reads secrets from Vault: nodes without a Vault fingerprint are filtered")
    } else if constraint.starts_with("${attr.nomad.version} ") {
        Some("added by Nomad because a task has a workload identity (for Vault): older clients are filtered")
    } else if constraint.starts_with("${attr.os.signals} ") {
        Some("added by Nomad because a task or template sends a signal")
    } else {
        None
    }
}

/// The lines of `formatAllocMetrics` for one group, each starting with `indent`. Maps are
/// printed in key order (Nomad's order is random).
pub fn metric_lines(m: &AllocMetric, indent: &str) -> Vec<String> {
    let mut out = Vec::new();
    if m.nodes_evaluated == 0 {
        out.push(format!("{indent}* No nodes were eligible for evaluation"));
    }
    for (dc, n) in &m.nodes_available {
        if *n == 0 {
            out.push(format!(
                "{indent}* No nodes are available in datacenter \"{dc}\""
            ));
        }
    }
    for (class, n) in &m.class_filtered {
        out.push(format!(
            "{indent}* Class \"{class}\": {n} nodes excluded by filter"
        ));
    }
    for (c, n) in &m.constraint_filtered {
        out.push(format!(
            "{indent}* Constraint \"{c}\": {n} nodes excluded by filter"
        ));
    }
    if m.nodes_exhausted > 0 {
        out.push(format!(
            "{indent}* Resources exhausted on {} nodes",
            m.nodes_exhausted
        ));
    }
    for (class, n) in &m.class_exhausted {
        out.push(format!(
            "{indent}* Class \"{class}\" exhausted on {n} nodes"
        ));
    }
    for (dim, n) in &m.dimension_exhausted {
        out.push(format!(
            "{indent}* Dimension \"{dim}\" exhausted on {n} nodes"
        ));
    }
    for q in &m.quota_exhausted {
        out.push(format!("{indent}* Quota limit hit \"{q}\""));
    }
    out
}

/// How many of the pool's nodes passed every check (and how many there are).
pub fn eligible(m: &AllocMetric) -> (u64, u64) {
    (
        m.nodes_evaluated.saturating_sub(m.nodes_filtered),
        m.nodes_in_pool,
    )
}

/// The full text for one group: the header line and the metric lines.
pub fn group_text(label: &str, group: &str, m: &AllocMetric) -> String {
    let n = m.coalesced_failures + 1;
    let mut s = format!(
        "{label}: cannot place task group \"{group}\" ({n} allocation{}):\n",
        if n == 1 { "" } else { "s" }
    );
    for l in metric_lines(m, "  ") {
        s.push_str(&l);
        s.push('\n');
    }
    s
}

/// The build.hcl diagnostics for one group's failures (empty without a mapping entry).
pub fn findings(mapping: &Mapping, phase_group: &str, m: &AllocMetric) -> Vec<Finding> {
    let mut out = Vec::new();
    let pool = m.nodes_in_pool;
    for (c, n) in &m.constraint_filtered {
        let origin = mapping
            .constraints
            .iter()
            .chain(&mapping.checks)
            .find(|(k, _)| k == c)
            .map(|(_, o)| o);
        let Some(o) = origin else { continue };
        let what = if mapping.checks.iter().any(|(k, _)| k == c) {
            format!("{n} of {pool} nodes fail Nomad's `{c}` check")
        } else {
            format!("{n} of {pool} nodes do not satisfy `{c}`")
        };
        let mut f = placement_blocked::RULE
            .finding(mapping.file, o.span.clone(), what)
            .label(o.note.clone());
        if c.starts_with("${attr.vault.version} ") || c.starts_with("${attr.nomad.version} ") {
            f = f.help("check that the clients of this node pool have Vault configured (`vault { enabled = true }`) and run Nomad 1.7 or later");
        }
        out.push(f);
    }
    if m.constraint_filtered
        .contains_key("computed class ineligible")
    {
        if let Some(o) = &mapping.placement {
            out.push(
                placement_computed_class::RULE.finding(
                    mapping.file,
                    o.span.clone(),
                    "`computed class ineligible` counts nodes skipped because an identical node failed a check first",
                )
                .label(o.note.clone()),
            );
        }
    }
    if !m.dimension_exhausted.is_empty() {
        if let Some((_, o)) = mapping.resources.iter().find(|(k, _)| k == phase_group) {
            let dims: Vec<String> = m
                .dimension_exhausted
                .keys()
                .map(|d| format!("`{d}`"))
                .collect();
            out.push(
                placement_blocked::RULE
                    .finding(
                        mapping.file,
                        o.span.clone(),
                        format!(
                            "no eligible node has enough free {} for `{phase_group}`",
                            dims.join(", ")
                        ),
                    )
                    .label(o.note.clone())
                    .help(
                        "lower the request, or wait: `run` keeps waiting until --placement-timeout",
                    ),
            );
        }
    }
    if m.nodes_evaluated == 0 || m.nodes_in_pool == 0 {
        if let Some(o) = &mapping.placement {
            out.push(
                placement_blocked::RULE
                    .finding(
                        mapping.file,
                        o.span.clone(),
                        "no ready node is in these datacenters and node pool",
                    )
                    .label(o.note.clone()),
            );
        }
    }
    out
}

/// Renders findings the way `validate` does.
pub fn render(findings: &[Finding], sources: &Sources, color: Color) -> String {
    findings
        .iter()
        .map(|f| crate::diag::render(f, sources, color))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn metric() -> AllocMetric {
        AllocMetric {
            nodes_evaluated: 3,
            nodes_filtered: 3,
            nodes_in_pool: 3,
            nodes_available: BTreeMap::from([("dc1".to_owned(), 3)]),
            constraint_filtered: BTreeMap::from([
                ("${attr.vault.version} semver >= 0.6.1".to_owned(), 1),
                ("computed class ineligible".to_owned(), 2),
            ]),
            ..AllocMetric::default()
        }
    }

    #[test]
    fn lines_follow_format_alloc_metrics() {
        assert_eq!(
            group_text("build", "build", &metric()),
            "build: cannot place task group \"build\" (1 allocation):\n  \
             * Constraint \"${attr.vault.version} semver >= 0.6.1\": 1 nodes excluded by filter\n  \
             * Constraint \"computed class ineligible\": 2 nodes excluded by filter\n"
        );
        let m = AllocMetric {
            nodes_evaluated: 1,
            nodes_in_pool: 1,
            nodes_exhausted: 1,
            dimension_exhausted: BTreeMap::from([("memory".to_owned(), 1)]),
            coalesced_failures: 1,
            ..AllocMetric::default()
        };
        assert_eq!(
            metric_lines(&m, ""),
            [
                "* Resources exhausted on 1 nodes",
                "* Dimension \"memory\" exhausted on 1 nodes"
            ]
        );
        assert_eq!(eligible(&m), (1, 1));
        assert!(group_text("t", "g", &m).contains("(2 allocations)"));
        let none = AllocMetric::default();
        assert_eq!(
            metric_lines(&none, ""),
            ["* No nodes were eligible for evaluation"]
        );
    }

    #[test]
    fn mapped_constraints_point_into_the_file() {
        let mut sources = Sources::default();
        let file = sources.add("build.hcl", "vault {\n  role = \"x\"\n}\n");
        let mapping = Mapping {
            file,
            constraints: vec![(
                "${attr.vault.version} semver >= 0.6.1".to_owned(),
                Origin {
                    span: 0..5,
                    note: implicit("${attr.vault.version} semver >= 0.6.1")
                        .unwrap()
                        .to_owned(),
                },
            )],
            ..Mapping::default()
        };
        let f = findings(&mapping, "build/build", &metric());
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "1 of 3 nodes do not satisfy `${attr.vault.version} semver >= 0.6.1`"
        );
        let text = render(&f, &sources, Color::Never);
        assert!(text.contains("build.hcl:1:1"), "{text}");
        assert!(
            text.contains("added by Nomad because the task reads secrets from Vault"),
            "{text}"
        );
    }
}
