//! `nomad-build validate --format json|sarif|github` with the real binary on fixtures: the
//! exact documents for `json` and `github`; for `sarif`, validity against the OASIS SARIF
//! 2.1.0 schema (vendored in `tests/sarif/`) and the rules and results it reports. The
//! document goes to standard output; the exit code is `validate`'s.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    common::root().join("tests/fixtures").join(name)
}

/// `nomad-build validate --format FORMAT ARGS...` in `dir`: (exit code, stdout, stderr).
fn validate(dir: &Path, format: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["validate", "--format", format];
    all.extend_from_slice(args);
    common::run(dir, &all)
}

const DURATIONS_JSON: &str = r#"{
  "format_version": "1.0",
  "valid": false,
  "error_count": 3,
  "warning_count": 0,
  "diagnostics": [
    {
      "severity": "error",
      "summary": "`45 minutes` is not a duration",
      "detail": "Go durations combine numbers and units (ns, us, ms, s, m, h): `90s`, `45m`, `1h30m`",
      "rule": "invalid-duration",
      "range": {
        "filename": "build.hcl",
        "start": {
          "line": 11,
          "column": 15,
          "byte": 170
        },
        "end": {
          "line": 11,
          "column": 27,
          "byte": 182
        }
      },
      "snippet": {
        "context": null,
        "code": "    timeout = \"45 minutes\"",
        "start_line": 11,
        "highlight_start_offset": 14,
        "highlight_end_offset": 26,
        "values": []
      }
    },
    {
      "severity": "error",
      "summary": "`1d` is not a duration",
      "detail": "Go durations combine numbers and units (ns, us, ms, s, m, h): `90s`, `45m`, `1h30m`",
      "rule": "invalid-duration",
      "range": {
        "filename": "build.hcl",
        "start": {
          "line": 16,
          "column": 15,
          "byte": 249
        },
        "end": {
          "line": 16,
          "column": 19,
          "byte": 253
        }
      },
      "snippet": {
        "context": null,
        "code": "    timeout = \"1d\"",
        "start_line": 16,
        "highlight_start_offset": 14,
        "highlight_end_offset": 18,
        "values": []
      }
    },
    {
      "severity": "error",
      "summary": "`90` is not a duration",
      "detail": "Go durations combine numbers and units (ns, us, ms, s, m, h): `90s`, `45m`, `1h30m`",
      "rule": "invalid-duration",
      "range": {
        "filename": "build.hcl",
        "start": {
          "line": 21,
          "column": 15,
          "byte": 318
        },
        "end": {
          "line": 21,
          "column": 19,
          "byte": 322
        }
      },
      "snippet": {
        "context": null,
        "code": "    timeout = \"90\"",
        "start_line": 21,
        "highlight_start_offset": 14,
        "highlight_end_offset": 18,
        "values": []
      }
    }
  ]
}
"#;

const VAR_FLAGS_JSON: &str = r#"{
  "format_version": "1.0",
  "valid": false,
  "error_count": 2,
  "warning_count": 0,
  "diagnostics": [
    {
      "severity": "error",
      "summary": "`rfe` is not declared in the file",
      "detail": "did you mean `ref`?",
      "rule": "undeclared-variable",
      "range": {
        "filename": "command line",
        "start": {
          "line": 1,
          "column": 7,
          "byte": 6
        },
        "end": {
          "line": 1,
          "column": 10,
          "byte": 9
        }
      },
      "snippet": {
        "context": null,
        "code": "--var rfe=main",
        "start_line": 1,
        "highlight_start_offset": 6,
        "highlight_end_offset": 9,
        "values": []
      }
    },
    {
      "severity": "error",
      "summary": "`--var` takes NAME=VALUE",
      "detail": "write `--var ref=VALUE`",
      "rule": "invalid-var-flag",
      "range": {
        "filename": "command line",
        "start": {
          "line": 1,
          "column": 7,
          "byte": 6
        },
        "end": {
          "line": 1,
          "column": 10,
          "byte": 9
        }
      },
      "snippet": {
        "context": null,
        "code": "--var ref",
        "start_line": 1,
        "highlight_start_offset": 6,
        "highlight_end_offset": 9,
        "values": []
      }
    }
  ]
}
"#;

const VALID_JSON: &str = r#"{
  "format_version": "1.0",
  "valid": true,
  "error_count": 0,
  "warning_count": 0,
  "diagnostics": []
}
"#;

#[test]
fn json_of_errors() {
    let (code, stdout, stderr) = validate(&fixture("err-durations"), "json", &["build.hcl"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, DURATIONS_JSON);
}

#[test]
fn json_of_findings_on_the_command_line() {
    let (code, stdout, stderr) = validate(
        &fixture("err-undeclared-var-flag"),
        "json",
        &["build.hcl", "--var", "rfe=main", "--var", "ref"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, VAR_FLAGS_JSON);
}

#[test]
fn json_of_a_valid_file() {
    let (code, stdout, stderr) = validate(&fixture("ok-escaping"), "json", &["build.hcl"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, VALID_JSON);
}

#[test]
fn json_of_several_files_is_one_document() {
    let (code, stdout, stderr) = validate(
        &common::root().join("tests/fixtures"),
        "json",
        &[
            "err-durations/build.hcl",
            "ok-escaping/build.hcl",
            "warn-fuse-with-vfs/build.hcl",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["error_count"], 3);
    assert_eq!(doc["warning_count"], 2);
    let seen: Vec<(&str, &str, u64)> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["range"]["filename"].as_str().expect("filename"),
                d["rule"].as_str().expect("rule"),
                d["range"]["start"]["line"].as_u64().expect("line"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("err-durations/build.hcl", "invalid-duration", 11),
            ("err-durations/build.hcl", "invalid-duration", 16),
            ("err-durations/build.hcl", "invalid-duration", 21),
            ("warn-fuse-with-vfs/build.hcl", "fuse-with-vfs", 11),
            ("warn-fuse-with-vfs/build.hcl", "publish-without-tags", 14),
        ]
    );
}

const DURATIONS_HELP: &str =
    "help: Go durations combine numbers and units (ns, us, ms, s, m, h): `90s`, `45m`, `1h30m`";

#[test]
fn github_of_errors() {
    let (code, stdout, stderr) = validate(&fixture("err-durations"), "github", &["build.hcl"]);
    assert_eq!(code, 1, "{stderr}");
    let expected = format!(
        "::error file=build.hcl,line=11,col=15,endLine=11,endColumn=27,title=invalid-duration::`45 minutes` is not a duration%0A{DURATIONS_HELP}\n\
         ::error file=build.hcl,line=16,col=15,endLine=16,endColumn=19,title=invalid-duration::`1d` is not a duration%0A{DURATIONS_HELP}\n\
         ::error file=build.hcl,line=21,col=15,endLine=21,endColumn=19,title=invalid-duration::`90` is not a duration%0A{DURATIONS_HELP}\n"
    );
    assert_eq!(stdout, expected);
}

#[test]
fn github_of_warnings_and_deny_warnings() {
    let dir = fixture("warn-fuse-with-vfs");
    let expected = "\
::warning file=build.hcl,line=11,col=12,endLine=11,endColumn=16,title=fuse-with-vfs::`/dev/fuse` is passed in but the vfs driver never uses it%0Ahelp: remove `fuse = true`, or use `storage_driver = \"overlay\"`
::warning file=build.hcl,line=14,col=3,endLine=14,endColumn=13,title=publish-without-tags::`publish` has no tags, so it copies nothing%0Ahelp: add `tags = [\"latest\"]`, or remove the `publish` block
";
    let (code, stdout, stderr) = validate(&dir, "github", &["build.hcl"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, expected);
    let (code, stdout, stderr) = validate(&dir, "github", &["build.hcl", "--deny", "warnings"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, expected);
}

#[test]
fn github_of_findings_on_the_command_line() {
    let (code, stdout, stderr) = validate(
        &fixture("err-undeclared-var-flag"),
        "github",
        &["build.hcl", "--var", "rfe=main", "--var", "ref"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stdout,
        "::error file=command line,line=1,col=7,endLine=1,endColumn=10,title=undeclared-variable::`rfe` is not declared in the file%0Ahelp: did you mean `ref`?\n\
         ::error file=command line,line=1,col=7,endLine=1,endColumn=10,title=invalid-var-flag::`--var` takes NAME=VALUE%0Ahelp: write `--var ref=VALUE`\n"
    );
}

#[test]
fn github_of_a_valid_file_and_of_several_files() {
    let (code, stdout, stderr) = validate(&fixture("ok-escaping"), "github", &["build.hcl"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    let (code, stdout, stderr) = validate(
        &common::root().join("tests/fixtures"),
        "github",
        &["ok-escaping/build.hcl", "err-durations/build.hcl"],
    );
    assert_eq!(code, 1, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines
        .iter()
        .all(|l| l.starts_with("::error file=err-durations/build.hcl,line=")));
}

/// A SARIF result: (ruleId, level, artifact URI, startLine, startColumn).
type Row = (String, String, String, u64, u64);

/// The vendored OASIS schema, with format checks on.
fn sarif_schema() -> jsonschema::Validator {
    let path = common::root().join("tests/sarif/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

/// Runs `--format sarif`, checks the log against the schema and the rule catalogue, and
/// returns (exit code, each result as (ruleId, level, uri, startLine, startColumn)).
fn sarif_results(dir: &Path, args: &[&str]) -> (i32, Vec<Row>) {
    let (code, stdout, stderr) = validate(dir, "sarif", args);
    let log: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}\n{stderr}"));
    let errors: Vec<String> = sarif_schema()
        .iter_errors(&log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "nomad-build");
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let catalogue: Vec<&str> = nomad_build::rules::all().iter().map(|r| r.id).collect();
    assert_eq!(ids, catalogue);
    for (r, rule) in rules.iter().zip(nomad_build::rules::all()) {
        assert_eq!(r["shortDescription"]["text"], rule.summary);
        assert_eq!(r["help"]["markdown"], rule.doc_text());
        assert_eq!(
            r["defaultConfiguration"]["level"],
            nomad_build::rules::severity_name(rule.severity)
        );
    }
    let results = runs[0]["results"].as_array().expect("results");
    let seen = results
        .iter()
        .map(|r| {
            let index =
                usize::try_from(r["ruleIndex"].as_u64().expect("ruleIndex")).expect("index");
            assert_eq!(r["ruleId"], ids[index], "ruleIndex points at the rule");
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().expect("ruleId").to_owned(),
                r["level"].as_str().expect("level").to_owned(),
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .expect("uri")
                    .to_owned(),
                loc["region"]["startLine"].as_u64().expect("startLine"),
                loc["region"]["startColumn"].as_u64().expect("startColumn"),
            )
        })
        .collect();
    (code, seen)
}

fn owned(v: &[(&str, &str, &str, u64, u64)]) -> Vec<Row> {
    v.iter()
        .map(|(a, b, c, d, e)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned(), *d, *e))
        .collect()
}

#[test]
fn sarif_of_errors() {
    let (code, results) = sarif_results(&fixture("err-durations"), &["build.hcl"]);
    assert_eq!(code, 1);
    assert_eq!(
        results,
        owned(&[
            ("invalid-duration", "error", "build.hcl", 11, 15),
            ("invalid-duration", "error", "build.hcl", 16, 15),
            ("invalid-duration", "error", "build.hcl", 21, 15),
        ])
    );
}

#[test]
fn sarif_of_warnings_and_command_line_findings() {
    let (code, results) = sarif_results(&fixture("warn-fuse-with-vfs"), &["build.hcl"]);
    assert_eq!(code, 0);
    assert_eq!(
        results,
        owned(&[
            ("fuse-with-vfs", "warning", "build.hcl", 11, 12),
            ("publish-without-tags", "warning", "build.hcl", 14, 3),
        ])
    );
    let (code, results) = sarif_results(
        &fixture("err-undeclared-var-flag"),
        &["build.hcl", "--var", "rfe=main", "--var", "ref"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        results,
        owned(&[
            ("undeclared-variable", "error", "command%20line", 1, 7),
            ("invalid-var-flag", "error", "command%20line", 1, 7),
        ])
    );
}

#[test]
fn sarif_of_a_valid_file_and_of_several_files() {
    let (code, results) = sarif_results(&fixture("ok-escaping"), &["build.hcl"]);
    assert_eq!(code, 0);
    assert!(results.is_empty(), "{results:?}");
    let (code, results) = sarif_results(
        &common::root().join("tests/fixtures"),
        &["err-durations/build.hcl", "warn-fuse-with-vfs/build.hcl"],
    );
    assert_eq!(code, 1);
    let files: Vec<&str> = results.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(
        files,
        [
            "err-durations/build.hcl",
            "err-durations/build.hcl",
            "err-durations/build.hcl",
            "warn-fuse-with-vfs/build.hcl",
            "warn-fuse-with-vfs/build.hcl",
        ]
    );
}
