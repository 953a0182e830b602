//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub(crate) mod double;
pub(crate) mod mcp;
pub(crate) mod registry;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate's root directory.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Nomad job schema vendored in `schemas/nomad/` (Nomad main; see its README).
pub(crate) fn nomad_schema() -> jsonschema::Validator {
    nomad_schema_file("job.schema.json")
}

/// A strict job schema of `schemas/nomad/` by file name (`job-v1.10.5.schema.json`).
pub(crate) fn nomad_schema_file(file: &str) -> jsonschema::Validator {
    let path = root().join("schemas/nomad").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::draft202012::new(&schema).expect("schema compiles")
}

/// Validates a job JSON document; returns every error as `pointer: message`.
pub(crate) fn schema_errors(validator: &jsonschema::Validator, json: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(json).expect("generated JSON parses");
    validator
        .iter_errors(&value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Runs the binary in `dir` with `args`; returns (exit code, stdout, stderr).
pub(crate) fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nomad-build"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("NOMAD_BUILD_VAR_ref")
        .env_remove("NOMAD_BUILD_POLICY")
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    )
}

/// Renders `dir/build.hcl` into a fresh directory; returns (code, stderr, files sorted by name).
pub(crate) fn render_dir(dir: &Path, extra: &[&str]) -> (i32, String, Vec<(String, String)>) {
    let out = tempfile::tempdir().expect("tempdir");
    let out_s = out.path().to_str().expect("utf-8 path").to_owned();
    let mut args = vec![
        "render",
        "build.hcl",
        "--run-id",
        "3f2a1c9",
        "-o",
        out_s.as_str(),
    ];
    args.extend_from_slice(extra);
    let (code, _, stderr) = run(dir, &args);
    let mut files: Vec<(String, String)> = std::fs::read_dir(out.path())
        .expect("out dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).expect("output is text"),
            )
        })
        .collect();
    files.sort();
    let stderr = stderr.replace(&out_s, "<out>");
    (code, stderr, files)
}

/// The `mcp` release of the Python SDK that `.ci/run` installs.
pub(crate) const MCP_SDK: &str = "mcp==2.3.0";

/// Runs `tests/mcp/<script>` (a client on the official Python MCP SDK) against the binary,
/// asserts that it succeeded and that every check named in `expected` ran, and returns the
/// report it wrote (`{"passed": [...], ...}`).
pub(crate) fn python_mcp_client(script: &str, expected: &[&str]) -> serde_json::Value {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let probe = Command::new(&python)
        .args(["-c", "import mcp.client.stdio, mcp.client.session"])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{python}` ({e}); the MCP tests need Python 3 with the MCP SDK: \
                 pip install '{MCP_SDK}'"
            )
        });
    assert!(
        probe.status.success(),
        "the Python MCP SDK is missing (pip install '{MCP_SDK}'): {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let out = tempfile::tempdir().expect("tempdir");
    let report = out.path().join("report.json");
    let run = Command::new(&python)
        .arg(root().join("tests/mcp").join(script))
        .arg(env!("CARGO_BIN_EXE_nomad-build"))
        .arg(root())
        .arg(&report)
        .output()
        .expect("the client runs");
    assert!(
        run.status.success(),
        "the MCP client failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&report).expect("the client wrote its report");
    let report: serde_json::Value = serde_json::from_str(&text).expect("the report is JSON");
    let passed: Vec<&str> = report["passed"]
        .as_array()
        .expect("passed")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for check in expected {
        assert!(
            passed.contains(check),
            "check `{check}` did not run: {passed:?}"
        );
    }
    report
}
