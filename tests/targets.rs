//! Every example and every fixture that compiles, for every Nomad release the tool knows: the
//! API JSON passes that release's strict job schema, the HCL parses with HashiCorp's parser, and
//! a timeout is enforced on every release, by `max_run_duration` exactly from 2.0.3 and by a
//! watchdog task before. Outputs that differ from the default target's are snapshotted per
//! target (`example-<name>@<release>`).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use nomad_build::compile::{compile_file, CompileOptions};
use nomad_build::emit::{self, Format};
use nomad_build::phase::Role;
use nomad_build::render::{Renderer, Templates};
use nomad_build::target::{self, NomadVersion};
use serde_json::Value;

/// The examples, then the `ok-*` and `warn-*` fixtures (the ones that compile).
fn cases() -> Vec<PathBuf> {
    let list = |dir: &str, keep: &dyn Fn(&str) -> bool| {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(common::root().join(dir))
            .expect("directory")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.join("build.hcl").is_file())
            .filter(|p| keep(&p.file_name().expect("name").to_string_lossy()))
            .collect();
        dirs.sort();
        dirs
    };
    let mut out = list("examples", &|_| true);
    out.extend(list("tests/fixtures", &|n| {
        n.starts_with("ok-") || n.starts_with("warn-")
    }));
    out
}

/// The output files of `dir/build.hcl` compiled for `target`, by name.
fn compile(dir: &Path, target: NomadVersion) -> Compiled {
    let templates = Templates::embedded();
    let renderer = Renderer::new(&templates);
    let opts = CompileOptions {
        run_id: Some("3f2a1c9".to_owned()),
        target,
        ..Default::default()
    };
    let (_, compiled, findings) = compile_file(&dir.join("build.hcl"), None, &opts, &renderer);
    let compiled =
        compiled.unwrap_or_else(|| panic!("{} for {target}: {findings:?}", dir.display()));
    let phases: Vec<_> = compiled.phases.iter().collect();
    let files = emit::outputs(&compiled.pipeline, &phases, Format::Both)
        .into_iter()
        .map(|o| (o.name, o.text))
        .collect();
    // Per group: the watchdog's TIMEOUT_SECONDS and the group's MaxRunDuration.
    let mut groups = BTreeMap::new();
    for r in &compiled.phases {
        for g in &r.job.job.task_groups {
            let name = g.name.clone().unwrap_or_default();
            let watchdogs: Vec<u64> = g
                .tasks
                .iter()
                .filter(|t| {
                    r.role(&name, t.name.as_deref().unwrap_or_default()) == Some(Role::Watchdog)
                })
                .map(|t| {
                    t.env["TIMEOUT_SECONDS"]
                        .parse()
                        .expect("TIMEOUT_SECONDS is a number")
                })
                .collect();
            assert!(watchdogs.len() <= 1, "{name}: one watchdog at most");
            groups.insert(
                format!("{}/{name}", r.phase),
                (watchdogs.first().copied(), g.max_run_duration),
            );
        }
    }
    Compiled { files, groups }
}

struct Compiled {
    files: BTreeMap<String, String>,
    /// `phase/group` → (watchdog seconds, MaxRunDuration ns).
    groups: BTreeMap<String, (Option<u64>, Option<i64>)>,
}

/// The files with the `nomad-build.nomad-version` meta entry (the target itself) left out.
fn without_target(files: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|(name, text)| {
            let kept: Vec<&str> = text
                .lines()
                .filter(|l| !l.contains("\"nomad-build.nomad-version\""))
                .collect();
            (name.clone(), kept.join("\n"))
        })
        .collect()
}

fn shown(files: &BTreeMap<String, String>) -> String {
    files.iter().fold(String::new(), |mut out, (name, text)| {
        out.push_str(&format!("--- {name} ---\n{text}"));
        out
    })
}

/// HashiCorp's HCL parser (npm `@cdktf/hcl2json`, as `tests/hcl2json/parse.mjs` runs it)
/// accepts every file: one node process for all of them. Returns the rejected files with
/// HCL's diagnostics.
fn hashicorp_rejects(files: &[(String, String)]) -> Vec<String> {
    let modules = common::root().join("tests/hcl2json/node_modules");
    assert!(
        modules.is_dir(),
        "HashiCorp's parser is not installed: run `npm ci --prefix tests/hcl2json`"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let mut paths = Vec::new();
    for (i, (name, text)) in files.iter().enumerate() {
        let path = dir.path().join(format!("{i}-{name}"));
        std::fs::write(&path, text).expect("write");
        paths.push(path);
    }
    let script = r#"
        const { readFile } = await import("node:fs/promises");
        const hcl2json = (await import("@cdktf/hcl2json")).default;
        for (const file of process.argv.slice(1)) {
          try {
            await hcl2json.parse(file, await readFile(file, "utf8"));
          } catch (err) {
            console.log(`${file}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
    "#;
    let out = Command::new("node")
        .current_dir(common::root().join("tests/hcl2json"))
        .args(["--input-type=module", "-e", script])
        .args(&paths)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "node failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_case_for_every_known_release() {
    let schemas: Vec<(NomadVersion, jsonschema::Validator)> = target::KNOWN
        .iter()
        .map(|v| {
            let file = v.schema_file().expect("known releases have schemas");
            (*v, common::nomad_schema_file(&file))
        })
        .collect();
    // Every distinct HCL text, for HashiCorp's parser at the end.
    let mut hcl: BTreeMap<String, String> = BTreeMap::new();
    let mut timed_groups = 0;
    for dir in cases() {
        let case = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let default = compile(&dir, target::DEFAULT);
        let newest = compile(&dir, NomadVersion::newest_known());
        for (version, schema) in &schemas {
            let c = compile(&dir, *version);
            let modern = version.has_max_run_duration();
            for (name, text) in &c.files {
                if name.ends_with(".json") {
                    let errors = common::schema_errors(schema, text);
                    assert!(
                        errors.is_empty(),
                        "{case}/{name} for {version} fails job-v{version}.schema.json:\n{}",
                        errors.join("\n")
                    );
                } else {
                    hcl.entry(text.clone())
                        .or_insert_with(|| format!("{case}-{version}-{name}"));
                }
            }
            assert_eq!(
                c.groups.keys().collect::<Vec<_>>(),
                newest.groups.keys().collect::<Vec<_>>(),
                "{case}: the same groups on every release"
            );
            for (group, (watchdog, max_run)) in &c.groups {
                // The group's timeout, as 2.0.5 writes it.
                let (_, want) = newest.groups[group];
                if modern {
                    assert_eq!(*watchdog, None, "{case} {group} for {version}: no watchdog");
                    assert_eq!(*max_run, want, "{case} {group} for {version}");
                } else {
                    assert_eq!(
                        *max_run, None,
                        "{case} {group} for {version}: no max_run_duration"
                    );
                    let want_secs =
                        want.map(|ns| u64::try_from(ns).expect("positive").div_ceil(1_000_000_000));
                    assert_eq!(
                        *watchdog, want_secs,
                        "{case} {group} for {version}: the watchdog sleeps the timeout"
                    );
                }
                timed_groups += usize::from(max_run.is_some() || watchdog.is_some());
            }
            let any_timeout = c.groups.values().any(|(w, m)| w.is_some() || m.is_some());
            for (name, text) in c.files.iter().filter(|(n, _)| n.ends_with(".hcl")) {
                let phase = name
                    .split('.')
                    .nth(1)
                    .expect("<pipeline>.<phase>.nomad.hcl");
                let timed = c.groups.iter().any(|(g, (w, m))| {
                    g.starts_with(&format!("{phase}/")) && (w.is_some() || m.is_some())
                });
                assert_eq!(
                    text.contains("max_run_duration"),
                    modern && timed,
                    "{case}/{name} for {version}: max_run_duration exactly from 2.0.3"
                );
            }
            if !any_timeout {
                assert_eq!(
                    without_target(&c.files),
                    without_target(&default.files),
                    "{case} for {version}: no timeout, no difference but the target in the meta"
                );
            }
            if c.files != default.files && case_is_example(&dir) {
                insta::assert_snapshot!(format!("example-{case}@{version}"), shown(&c.files));
            }
        }
    }
    assert!(
        timed_groups >= 8,
        "the cases exercise timeouts ({timed_groups} groups)"
    );
    // Every distinct HCL text of every case and release goes through HashiCorp's parser.
    let files: Vec<(String, String)> = hcl.into_iter().map(|(text, name)| (name, text)).collect();
    assert!(
        files.len() >= 40,
        "every release's HCL is parsed ({} distinct files)",
        files.len()
    );
    let rejected = hashicorp_rejects(&files);
    assert!(
        rejected.is_empty(),
        "HashiCorp's parser rejects:\n{}",
        rejected.join("\n")
    );
}

fn case_is_example(dir: &Path) -> bool {
    dir.parent()
        .is_some_and(|p| p.file_name().is_some_and(|n| n == "examples"))
}

/// What the default target compiles to: the watchdog of a group with a timeout, never
/// `max_run_duration`; the newest release the opposite.
#[test]
fn default_target_uses_the_watchdog_and_2_0_5_max_run_duration() {
    let dir = common::root().join("examples/minimal");
    let old = compile(&dir, target::DEFAULT);
    let new = compile(&dir, NomadVersion::newest_known());
    assert_eq!(old.groups["build/build"], (Some(1200), None));
    assert_eq!(
        new.groups["build/build"],
        (None, Some(1200 * 1_000_000_000))
    );
    let hcl = &old.files["hello.build.nomad.hcl"];
    assert!(hcl.contains("task \"watchdog\" {"), "{hcl}");
    assert!(hcl.contains("sidecar = true"), "{hcl}");
    assert!(hcl.contains("exit 124"), "{hcl}");
    let json: Value = serde_json::from_str(&new.files["hello.build.nomad.json"]).expect("json");
    assert_eq!(
        json["Job"]["TaskGroups"][0]["MaxRunDuration"],
        Value::from(1_200_000_000_000_i64)
    );
    let tasks: Vec<&str> = json["Job"]["TaskGroups"][0]["Tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["Name"].as_str().expect("name"))
        .collect();
    assert_eq!(tasks, ["checkout", "build"]);
}

/// The parser run above does reject what HashiCorp's parser rejects.
#[test]
fn hashicorp_parser_rejects_broken_hcl() {
    let rejected = hashicorp_rejects(&[
        ("ok.hcl".to_owned(), "job \"x\" {\n  a = 1\n}\n".to_owned()),
        ("bad.hcl".to_owned(), "job \"x\" {\n  a = \n".to_owned()),
    ]);
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(rejected[0].contains("bad.hcl"), "{rejected:?}");
}
