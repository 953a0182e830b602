//! Tests of the placement results and their explanation.

use super::findings::subject;
use super::*;
use std::collections::BTreeMap;

/// `FailedTGAllocs` of the plan response in Nomad's API documentation (vendored).
fn documented_failures() -> BTreeMap<String, AllocMetric> {
    let text = include_str!("../../../tests/data/nomad/responses/POST-v1-job-ID-plan.json");
    let v: serde_json::Value = serde_json::from_str(text).expect("JSON");
    serde_json::from_value(v["FailedTGAllocs"].clone()).expect("FailedTGAllocs reads")
}

#[test]
fn reads_and_prints_nomads_failed_tg_allocs() {
    let failed = documented_failures();
    let m = &failed["cache"];
    assert_eq!(
        (m.nodes_evaluated, m.nodes_exhausted, m.coalesced_failures),
        (1, 1, 3)
    );
    assert!(m.constraint_filtered.is_empty() && m.class_filtered.is_empty());
    let job = Job {
        id: Some("example".to_owned()),
        task_groups: vec![
            TaskGroup {
                name: Some("cache".to_owned()),
                count: Some(4),
                ..TaskGroup::default()
            },
            TaskGroup {
                name: Some("web".to_owned()),
                ..TaskGroup::default()
            },
        ],
        ..Job::default()
    };
    let placement = PhasePlacement::from_nomad(Phase::Build, &job, &failed);
    assert!(!placement.places());
    assert_eq!(
        summary(&[placement]),
        "Phase build, job \"example\":\n\
         - WARNING: Failed to place all allocations.\n  \
         Task Group \"cache\" (failed to place 4 allocations):\n    \
         * Resources exhausted on 1 nodes\n    \
         * Dimension \"cpu\" exhausted on 1 nodes\n  \
         Task Group \"web\": places\n"
    );
}

/// Compiles `src` (with the embedded templates), and loads it again for its spans.
fn compiled(src: &str) -> (crate::diag::Sources, crate::compile::Compiled, Loaded) {
    use crate::compile::{compile, CompileOptions};
    let mut sources = crate::diag::Sources::default();
    let file = sources.add("build.hcl", src);
    let templates = crate::render::Templates::embedded();
    let renderer = crate::render::Renderer::new(&templates);
    let opts = CompileOptions {
        run_id: Some("r1".to_owned()),
        ..CompileOptions::default()
    };
    let (c, findings) = compile(
        &mut sources,
        file,
        std::path::Path::new("build.hcl"),
        &opts,
        &renderer,
    );
    let c = c.unwrap_or_else(|| panic!("{findings:?}"));
    let (loaded, _) = crate::load::load(&mut sources, file, &crate::load::VarInputs::default());
    (sources, c, loaded.expect("loads"))
}

#[test]
fn nomads_own_failures_map_to_build_hcl() {
    // What the online plan gets back: Nomad's keys only, no offline detail, and the
    // `computed class ineligible` of nodes Nomad did not check itself.
    let src = "pipeline \"app\" {\n  vault {\n    role = \"ci\"\n  }\n  source {\n    url = \"https://git.example.com/a.git\"\n    credentials {\n      path = \"secret/data/git\"\n    }\n  }\n  image {\n    repository = \"registry.example.com/acme/app\"\n  }\n  build {\n    resources {\n      memory = 65536\n    }\n  }\n}\n";
    let (sources, c, loaded) = compiled(src);
    let rendered = c.phase(Phase::Build).expect("build phase");
    let failed: BTreeMap<String, AllocMetric> = serde_json::from_value(serde_json::json!({
        "build": {
            "NodesEvaluated": 3, "NodesFiltered": 2, "NodesInPool": 3, "NodePool": "default",
            "NodesAvailable": {"dc1": 3}, "ClassFiltered": null,
            "ConstraintFiltered": {
                "${attr.vault.version} semver >= 0.6.1": 1,
                "computed class ineligible": 1
            },
            "NodesExhausted": 1, "ClassExhausted": null,
            "DimensionExhausted": {"memory": 1}, "QuotaExhausted": null,
            "ResourcesExhausted": {"build": {"CPU": 0, "MemoryMB": 65536, "DiskMB": null}},
            "Scores": null, "AllocationTime": 52000, "CoalescedFailures": 0
        }
    }))
    .expect("FailedTGAllocs reads");
    let placement = PhasePlacement::from_nomad(Phase::Build, &rendered.job.job, &failed);
    let findings = Explainer::new(&loaded).findings(&[(&placement, rendered)]);
    let text = &sources.get(loaded.file).text;
    let shown: Vec<(&str, &str, String)> = findings
        .iter()
        .map(|f| (f.rule, &text[f.primary.span.clone()], f.message.clone()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                "placement-filtered",
                "vault",
                "group `build` of the build job cannot be placed: 1 of 3 nodes fails the \
                 constraint `${attr.vault.version} semver >= 0.6.1`"
                    .to_owned()
            ),
            (
                "placement-filtered",
                "build",
                "group `build` of the build job cannot be placed: Nomad skipped 1 of 3 nodes \
                 as `computed class ineligible`"
                    .to_owned()
            ),
            (
                "placement-exhausted",
                "65536",
                "group `build` of the build job cannot be placed: 1 of 3 nodes has less than \
                 65536 MB of memory free"
                    .to_owned()
            ),
        ]
    );
    assert!(findings[0]
        .help
        .as_deref()
        .is_some_and(|h| h.starts_with("the tasks read the credentials of `source` from Vault")));
}

#[test]
fn formats_every_line_of_format_alloc_metrics() {
    let m = AllocMetric {
        nodes_available: BTreeMap::from([("dc2".to_owned(), 0)]),
        class_filtered: BTreeMap::from([("gpu".to_owned(), 3)]),
        constraint_filtered: BTreeMap::from([
            ("${attr.vault.version} semver >= 0.6.1".to_owned(), 4),
            ("${meta.x} is_set ".to_owned(), 1),
        ]),
        nodes_exhausted: 2,
        class_exhausted: BTreeMap::from([("gpu".to_owned(), 2)]),
        dimension_exhausted: BTreeMap::from([("memory".to_owned(), 2)]),
        quota_exhausted: vec!["cpu".to_owned()],
        ..AllocMetric::default()
    };
    assert_eq!(
        format_alloc_metrics(&m, "  "),
        "  * No nodes were eligible for evaluation\n\
         \x20 * No nodes are available in datacenter \"dc2\"\n\
         \x20 * Class \"gpu\": 3 nodes excluded by filter\n\
         \x20 * Constraint \"${attr.vault.version} semver >= 0.6.1\": 4 nodes excluded by filter\n\
         \x20 * Constraint \"${meta.x} is_set \": 1 nodes excluded by filter\n\
         \x20 * Resources exhausted on 2 nodes\n\
         \x20 * Class \"gpu\" exhausted on 2 nodes\n\
         \x20 * Dimension \"memory\" exhausted on 2 nodes\n\
         \x20 * Quota limit hit \"cpu\"\n"
    );
    assert_eq!(go_quote("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\x01é\"");
}

#[test]
fn subjects_name_groups_by_job() {
    let at = |v: &[(Phase, &str)]| -> Vec<(Phase, String)> {
        v.iter().map(|(p, g)| (*p, (*g).to_owned())).collect()
    };
    assert_eq!(
        subject(&at(&[(Phase::Build, "build")])),
        "group `build` of the build job"
    );
    assert_eq!(
        subject(&at(&[
            (Phase::Build, "build"),
            (Phase::Test, "unit"),
            (Phase::Test, "e2e"),
            (Phase::Publish, "publish"),
        ])),
        "groups `build` (build job), `unit`, `e2e` (test job) and `publish` (publish job)"
    );
    assert_eq!(
        subject(&at(&[
            (Phase::Build, ""),
            (Phase::Test, ""),
            (Phase::Publish, "")
        ])),
        "the build, test and publish jobs"
    );
}
