//! Every `examples/*/build.hcl` compiles without findings; its output files are snapshotted,
//! pass Nomad's strict job schema, and parse identically with HashiCorp's own HCL parser.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

fn examples() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(common::root().join("examples"))
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("build.hcl").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 4, "at least four examples");
    dirs
}

#[test]
fn examples_validate_cleanly() {
    for dir in examples() {
        let (code, stdout, stderr) =
            common::run(&dir, &["validate", "build.hcl", "--deny", "warnings"]);
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (0, "", ""),
            "{}",
            dir.display()
        );
    }
}

#[test]
fn examples_render_and_match_snapshots() {
    let schema = common::nomad_schema();
    for dir in examples() {
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let (code, stderr, files) = common::render_dir(&dir, &[]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let mut shown = String::new();
        for (file, text) in &files {
            if file.ends_with(".json") {
                let errors = common::schema_errors(&schema, text);
                assert!(errors.is_empty(), "{name}/{file}:\n{}", errors.join("\n"));
            }
            shown.push_str(&format!("--- {file} ---\n{text}"));
        }
        insta::assert_snapshot!(format!("example-{name}"), shown);
    }
}

/// Every string leaf of a JSON value.
fn strings(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Runs HashiCorp's HCL parser (npm `@cdktf/hcl2json`) on a file.
fn hashicorp_parse(path: &std::path::Path) -> Value {
    let script = common::root().join("tests/hcl2json/parse.mjs");
    let modules = common::root().join("tests/hcl2json/node_modules");
    assert!(
        modules.is_dir(),
        "HashiCorp's parser is not installed: run `npm ci --prefix tests/hcl2json`"
    );
    let out = Command::new("node")
        .arg(&script)
        .arg(path)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "hcl2json rejected {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("hcl2json prints JSON")
}

/// Durations and numbers are written as strings in HCL but travel as integers in JSON.
const DURATION_KEYS: [&str; 5] = [
    "interval",
    "delay",
    "max_run_duration",
    "ttl",
    "kill_timeout",
];

fn hcl_strings(v: &Value, key: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) if !DURATION_KEYS.contains(&key) => {
            // hcl2json returns template source text: undo HCL's two escapes.
            out.insert(s.replace("$${", "${").replace("%%{", "%{"));
        }
        Value::Array(a) => a.iter().for_each(|x| hcl_strings(x, key, out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| hcl_strings(x, k, out)),
        _ => {}
    }
}

#[test]
fn hashicorp_parser_reads_the_same_strings() {
    let mut dirs = examples();
    dirs.extend(
        std::fs::read_dir(common::root().join("tests/fixtures"))
            .expect("fixtures")
            .map(|e| e.expect("entry").path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("ok-"))
            }),
    );
    for dir in dirs {
        let out = tempfile::tempdir().expect("tempdir");
        let (code, _, stderr) = common::run(
            &dir,
            &[
                "render",
                "build.hcl",
                "--run-id",
                "3f2a1c9",
                "-o",
                out.path().to_str().expect("utf-8"),
            ],
        );
        assert_eq!(code, 0, "{}: {stderr}", dir.display());
        for entry in std::fs::read_dir(out.path()).expect("out") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "hcl") {
                continue;
            }
            let ours: Value = serde_json::from_str(
                &std::fs::read_to_string(path.with_extension("json")).expect("json twin"),
            )
            .expect("json");
            let mut json_strings = BTreeSet::new();
            strings(&ours, &mut json_strings);
            let mut theirs = BTreeSet::new();
            hcl_strings(&hashicorp_parse(&path), "", &mut theirs);
            // Labels become IDs and names; everything else must be a string of the JSON twin.
            let missing: Vec<&String> = theirs
                .iter()
                .filter(|s| !json_strings.contains(*s))
                .collect();
            assert!(
                missing.is_empty(),
                "{}: HashiCorp's parser read strings the JSON lacks: {missing:#?}",
                path.display()
            );
        }
    }
}
