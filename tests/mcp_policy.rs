//! `nomad-build mcp --policy` driven by the official Python MCP SDK
//! (`tests/mcp/policy_client.py`): MCP `render` under the complete example policy, the
//! attacker's build.hcl refused, and the `templates` argument refused unless the server allows
//! template overrides.

mod common;

use std::process::Command;

#[test]
fn mcp_tools_compile_under_the_policy() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let out = tempfile::tempdir().expect("tempdir");
    let report = out.path().join("report.json");
    let run = Command::new(&python)
        .arg(common::root().join("tests/mcp/policy_client.py"))
        .arg(env!("CARGO_BIN_EXE_nomad-build"))
        .arg(common::root())
        .arg(&report)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{python}` ({e}); the test needs the Python MCP SDK")
        });
    assert!(
        run.status.success(),
        "the MCP client failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&report).expect("the client wrote its report");
    let report: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let passed: Vec<&str> = report["passed"]
        .as_array()
        .expect("passed")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for expected in [
        "policy render: the full example passes",
        "policy render: the attacker's registry is refused",
        "policy validate: the finding and its line",
        "templates: refused without --allow-templates",
        "templates: refused when the policy does not allow them",
        "templates: accepted with --allow-templates and no policy",
        "bad policy: the server does not start",
    ] {
        assert!(
            passed.contains(&expected),
            "check `{expected}` did not run: {passed:?}"
        );
    }
}
