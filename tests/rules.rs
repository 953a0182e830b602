//! The rule catalogue against the rest of the repository: `docs/rules.md` is generated from it,
//! every rule is produced by a fixture when it runs (or by a named test, for the few no fixture
//! can reach), no fixture snapshot outlives its fixture, and the clean inputs trigger none.
//! (That every reported id is in the catalogue holds by construction: findings are made only
//! through a rule's `RULE` handle.)

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nomad_build::rules;

/// Rules that no fixture or CLI case can trigger, and the test that does instead: (rule id,
/// file holding the test, text that must occur in that file's tests, why).
const COVERED_ELSEWHERE: &[(&str, &str, &str, &str)] = &[
    (
        "invalid-node-snapshot",
        "tests/plan_offline.rs",
        "fn unusable_snapshots_exit_3",
        "a property of the `--nodes` file, not of build.hcl",
    ),
    (
        "placement-driver-refuses",
        "tests/plan_offline.rs",
        "fn a_docker_driver_that_refuses_what_nomad_places",
        "needs a node snapshot edited in the test (a docker driver with volumes disabled)",
    ),
    (
        "buildah-user",
        "tests/render_cli.rs",
        "stderr.starts_with(\"buildah-user\\n\")",
        "checked on the rendered job; only a `--templates` override can add a `user`, and \
         fixtures run `validate`, which takes no templates",
    ),
    (
        "forbidden-job-field",
        "src/nomad/jobspec/mod.rs",
        "fn a_job_level_stop_is_forbidden",
        "the embedded templates cannot produce it; the decoder's tests feed it rendered text",
    ),
    (
        "missing-run-id",
        "tests/render_cli.rs",
        "\"missing-run-id\"",
        "`validate` uses a placeholder run id; only `render` outside a git repository needs one",
    ),
    (
        "missing-source",
        "tests/render_cli.rs",
        "\"missing-source",
        "fixtures live in this repository, whose `origin` remote differs between clones",
    ),
    (
        "origin-url-credentials",
        "tests/origin_url.rs",
        "fn origin_credentials_are_stripped_from_every_job_with_a_warning",
        "needs a git repository whose `origin` remote carries credentials",
    ),
    (
        "template-duplicate-field",
        "src/nomad/jobspec/mod.rs",
        "template_duplicate_field::RULE",
        "the embedded templates cannot produce it; the decoder's tests feed it rendered text",
    ),
    (
        "template-error",
        "tests/rules.rs",
        "fn template_error_points_into_the_template",
        "needs a `--templates` override",
    ),
    (
        "template-field-too-new",
        "tests/nomad_version.rs",
        "fn a_template_that_writes_a_field_the_target_lacks_is_refused",
        "the embedded templates ask the target before they write such a field; a `--templates` \
         override can, and fixtures run `validate`, which takes no templates",
    ),
    (
        "template-ignored-field",
        "src/nomad/jobspec/mod.rs",
        "template_ignored_field::RULE",
        "the embedded templates cannot produce it; the decoder's tests feed it rendered text",
    ),
    (
        "template-invalid-duration",
        "src/nomad/jobspec/mod.rs",
        "template_invalid_duration::RULE",
        "the embedded templates cannot produce it; the decoder's tests feed it rendered text",
    ),
    (
        "template-invalid-label",
        "src/nomad/jobspec/mod.rs",
        "template_invalid_label::RULE",
        "the embedded templates cannot produce it; the decoder's tests feed it rendered text",
    ),
    (
        "template-missing-field",
        "src/nomad/jobspec/mod.rs",
        "template_missing_field::RULE",
        "the embedded templates cannot produce it; the decoder's tests feed it rendered text",
    ),
    (
        "template-output-syntax",
        "src/nomad/jobspec/mod.rs",
        "template_output_syntax::RULE",
        "the embedded templates cannot produce it; the decoder's tests feed it rendered text",
    ),
    (
        "template-type-mismatch",
        "src/nomad/jobspec/mod.rs",
        "template_type_mismatch::RULE",
        "the embedded templates cannot produce it; the decoder's tests feed it rendered text",
    ),
    (
        "template-unknown-field",
        "src/nomad/jobspec/mod.rs",
        "template_unknown_field::RULE",
        "the embedded templates cannot produce it; the decoder's tests feed it rendered text",
    ),
    (
        "templates-unreadable",
        "tests/rules.rs",
        "fn templates_unreadable_is_reported",
        "needs `render --templates`",
    ),
];

/// Rules that a clean input triggers on purpose: (input directory, rule id, why).
const EXPECTED_IN_CLEAN: &[(&str, &str, &str)] = &[(
    "tests/fixtures/ok-no-credentials",
    "unprivileged-buildah",
    "the fixture snapshots the unprivileged build task (`cap_add`, `security_opt`) that this \
     warning is about",
)];

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file below `dir` whose name ends with `ext`, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The rule ids printed as diagnostic headers (miette prints the id on a line of its own).
fn headers(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| rules::get(l).is_some())
        .map(str::to_owned)
        .collect()
}

#[test]
fn docs_are_generated_from_the_registry() {
    let path = common::root().join("docs/rules.md");
    let want = rules::markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().expect("docs/")).expect("mkdir docs");
        std::fs::write(&path, &want).expect("write docs/rules.md");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is out of date: run `UPDATE_DOCS=1 cargo test --test rules`"
    );
}

/// The fixture directories whose diagnostics are snapshotted (`err-*`, `warn-*` and every
/// case of `tests/fixtures/policy/`), each with the extra arguments of its `args` file.
fn diagnostic_fixtures() -> Vec<(PathBuf, Vec<String>)> {
    let root = common::root().join("tests/fixtures");
    let mut dirs = Vec::new();
    for parent in [root.clone(), root.join("policy")] {
        for e in std::fs::read_dir(&parent).expect("fixtures") {
            let dir = e.expect("entry").path();
            let name = dir
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let snapshotted =
                parent != root || name.starts_with("err-") || name.starts_with("warn-");
            if snapshotted && dir.join("build.hcl").is_file() {
                let args = std::fs::read_to_string(dir.join("args"))
                    .map(|a| a.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default();
                dirs.push((dir, args));
            }
        }
    }
    dirs.sort();
    dirs
}

/// The rule ids of the findings the fixtures produce when they run: `validate --format json`
/// of each fixture's build.hcl with its arguments, and for a fixture whose operator policy is
/// not valid (the command stops before build.hcl), the policy's own findings; `plan --nodes
/// --format json` of the examples against every node snapshot of `tests/data/nodes/`; and the
/// diagnostics of the CLI cases of `tests/cmd/`, whose whole output the `cli` test compares
/// with what the binary prints.
fn rules_the_fixtures_produce() -> BTreeSet<String> {
    let root = common::root();
    let mut produced = BTreeSet::new();
    for example in ["examples/full/build.hcl", "examples/minimal/build.hcl"] {
        for nodes in files(&root.join("tests/data/nodes"), ".json") {
            let nodes = nodes.to_str().expect("utf-8");
            let (_, stdout, stderr) = common::run(
                &root,
                &[
                    "plan", example, "--run-id", "3f2a1c9", "--nodes", nodes, "--format", "json",
                ],
            );
            let report: serde_json::Value = serde_json::from_str(&stdout)
                .unwrap_or_else(|e| panic!("plan {example} {nodes}: not JSON ({e}): {stderr}"));
            for d in report["diagnostics"].as_array().expect("diagnostics") {
                produced.extend(d["rule"].as_str().map(str::to_owned));
            }
        }
    }
    for case in files(&root.join("tests/cmd"), ".toml") {
        let text = read(&case);
        let mut printed = String::new();
        for key in ["stdout", "stderr"] {
            // The cases write their expected output as TOML multi-line literal strings.
            if let Some(rest) = text.split(&format!("{key} = \"\"\"")).nth(1) {
                printed.push_str(rest.split("\"\"\"").next().unwrap_or_default());
            }
        }
        produced.extend(headers(&printed));
    }
    for (dir, extra) in diagnostic_fixtures() {
        let mut args = vec!["validate", "build.hcl", "--format", "json"];
        args.extend(extra.iter().map(String::as_str));
        let (code, stdout, stderr) = common::run(&dir, &args);
        if code == 2 {
            let policy = dir.join("policy.hcl");
            match nomad_build::policy::Policy::load(&policy) {
                Err(nomad_build::policy::PolicyError::Invalid(_, findings)) => {
                    produced.extend(findings.iter().map(|f| f.rule.to_owned()));
                }
                other => panic!(
                    "{}: exit 2 without an invalid policy: {stderr}\n{}",
                    dir.display(),
                    other.is_ok()
                ),
            }
            continue;
        }
        let report: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {stdout}{stderr}", dir.display()));
        let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
        assert!(
            !diagnostics.is_empty(),
            "{}: a fixture without a finding",
            dir.display()
        );
        produced.extend(
            diagnostics
                .iter()
                .filter_map(|d| d["rule"].as_str())
                .map(str::to_owned),
        );
    }
    produced
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let root = common::root();
    let covered = rules_the_fixtures_produce();
    let mut missing = Vec::new();
    for r in rules::all() {
        match COVERED_ELSEWHERE.iter().find(|(id, ..)| *id == r.id) {
            Some((_, file, needle, why)) => {
                assert!(
                    !covered.contains(r.id),
                    "`{}` is produced by a fixture: drop it from COVERED_ELSEWHERE",
                    r.id
                );
                let text = read(&root.join(file));
                let tests = if file.starts_with("src/") {
                    text.split("#[cfg(test)]")
                        .skip(1)
                        .collect::<Vec<_>>()
                        .join("\n")
                } else {
                    text
                };
                // A test function is named with its parentheses, so the needle here does not
                // match itself.
                let needle = if needle.starts_with("fn ") {
                    format!("{needle}()")
                } else {
                    (*needle).to_owned()
                };
                assert!(
                    tests.contains(&needle),
                    "`{}` ({why}) should be covered by `{needle}` in the tests of {file}",
                    r.id
                );
            }
            None if covered.contains(r.id) => {}
            None => missing.push(r.id),
        }
    }
    assert!(
        missing.is_empty(),
        "no fixture triggers {missing:?}: add tests/fixtures/err-<id>/ or warn-<id>/"
    );
    for (id, ..) in COVERED_ELSEWHERE {
        assert!(
            rules::get(id).is_some(),
            "COVERED_ELSEWHERE names unknown `{id}`"
        );
    }
}

/// A snapshot whose fixture is gone would still count as coverage for a reader, and insta
/// never fails on it: every fixture snapshot has its fixture.
#[test]
fn no_snapshot_outlives_its_fixture() {
    let root = common::root();
    let mut stale = Vec::new();
    for path in files(&root.join("tests/snapshots"), ".snap") {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let Some(case) = name
            .strip_prefix("fixtures__fixtures@")
            .or_else(|| name.strip_prefix("policy__fixtures@"))
            .and_then(|rest| rest.strip_suffix("__build.hcl.snap"))
        else {
            continue;
        };
        let dir = if name.starts_with("policy__") {
            root.join("tests/fixtures/policy").join(case)
        } else {
            root.join("tests/fixtures").join(case)
        };
        if !dir.join("build.hcl").is_file() {
            stale.push(name);
        }
    }
    assert!(stale.is_empty(), "snapshots without a fixture: {stale:?}");
}

#[test]
fn clean_inputs_trigger_no_rule() {
    let root = common::root();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for parent in ["tests/fixtures", "examples"] {
        for e in std::fs::read_dir(root.join(parent)).expect("dir") {
            let p = e.expect("entry").path();
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let clean = parent == "examples" || name.starts_with("ok-");
            if clean && p.join("build.hcl").is_file() {
                dirs.push(p);
            }
        }
    }
    dirs.sort();
    assert!(dirs.len() >= 6, "{dirs:?}");
    let mut problems = Vec::new();
    for dir in &dirs {
        let rel = dir
            .strip_prefix(&root)
            .expect("below root")
            .to_string_lossy()
            .into_owned();
        let extra = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
        let mut args = vec!["validate", "build.hcl"];
        args.extend(extra.split_whitespace());
        let (code, _, stderr) = common::run(dir, &args);
        let expected: BTreeSet<String> = EXPECTED_IN_CLEAN
            .iter()
            .filter(|(d, ..)| *d == rel)
            .map(|(_, id, _)| (*id).to_owned())
            .collect();
        let found = headers(&stderr);
        if code != 0 || found != expected {
            problems.push(format!(
                "{rel}: exit {code}, expected {expected:?}\n{stderr}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A render of `examples/minimal` with `--templates dir`; returns (exit code, stderr).
fn render_with_templates(dir: &Path) -> (i32, String) {
    let out = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = common::run(
        &common::root().join("examples/minimal"),
        &[
            "render",
            "build.hcl",
            "--run-id",
            "3f2a1c9",
            "-o",
            out.path().to_str().expect("utf-8"),
            "--templates",
            dir.to_str().expect("utf-8"),
        ],
    );
    (code, stderr)
}

#[test]
fn templates_unreadable_is_reported() {
    let missing = tempfile::tempdir().expect("tempdir").path().join("nowhere");
    let (code, stderr) = render_with_templates(&missing);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("templates-unreadable\n"), "{stderr}");
}

#[test]
fn template_error_points_into_the_template() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("build.nomad.hcl.j2"),
        "job {= job.nmae | hcl =} {\n}\n",
    )
    .expect("write template");
    let (code, stderr) = render_with_templates(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("template-error\n"), "{stderr}");
    assert!(stderr.contains("build.nomad.hcl.j2:1:"), "{stderr}");
}
