//! The shipped `nomad-build mcp` server's cluster tools against the Nomad test double
//! (`tests/nomad_double/`), driven by the official Python MCP SDK (`tests/mcp/double.py`):
//! a run followed from started to passed with progress notifications, a run cancelled (its
//! job stopped, not purged), `status` of a finished job (exactly what `nomad-build status`
//! prints), a failing test phase, `plan` on node snapshots, and the server's `NOMAD_TOKEN` in no result.

mod common;

use common::double::{data, Double};

use std::process::Command;

use serde_json::Value;

/// The `mcp` release `.ci/run` installs.
const SDK: &str = "mcp==2.3.0";

/// The non-GET requests, as `METHOD path [purge=...]`.
fn writes(d: &Double) -> Vec<String> {
    d.requests()
        .iter()
        .filter(|q| q["method"] != "GET")
        .map(|q| {
            let mut s = format!(
                "{} {}",
                q["method"].as_str().unwrap_or_default(),
                q["path"].as_str().unwrap_or_default()
            );
            if let Some(p) = q["query"].get("purge") {
                s.push_str(&format!(" purge={}", p.as_str().unwrap_or_default()));
            }
            s
        })
        .collect()
}

#[test]
fn the_cluster_tools_run_cancel_explain_and_plan_against_the_double() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let probe = Command::new(&python)
        .args(["-c", "import mcp.client.stdio, mcp.client.session"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{python}` ({e}); pip install '{SDK}'"));
    assert!(
        probe.status.success(),
        "the Python MCP SDK is missing (pip install '{SDK}'): {}",
        String::from_utf8_lossy(&probe.stderr)
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let token = format!("tok-{}", std::process::id());
    // `all-pass`, with ACLs on: every request needs the token.
    let mut scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(data("scenarios/all-pass.json")).expect("scenario"),
    )
    .expect("JSON");
    scenario["token"] = Value::String(token.clone());
    let with_token = tmp.path().join("all-pass-token.json");
    std::fs::write(&with_token, scenario.to_string()).expect("write");
    let passing = Double::start_file(&with_token);
    let long = Double::start("long-build");
    let failing = Double::start("test-fails");

    let plan_root = tmp.path().join("plan");
    std::fs::create_dir_all(plan_root.join("nodes")).expect("mkdir");
    std::fs::copy(
        common::root().join("examples/full/build.hcl"),
        plan_root.join("build.hcl"),
    )
    .expect("copy");
    for n in ["places.json", "no-privileged.json"] {
        std::fs::copy(
            common::root().join("tests/data/nodes").join(n),
            plan_root.join("nodes").join(n),
        )
        .expect("copy");
    }

    let report = tmp.path().join("report.json");
    let run = Command::new(&python)
        .arg(common::root().join("tests/mcp/double.py"))
        .arg(env!("CARGO_BIN_EXE_nomad-build"))
        .arg(data("pipeline"))
        .arg(&passing.addr)
        .arg(&token)
        .arg(&long.addr)
        .arg(&failing.addr)
        .arg(&plan_root)
        .arg(&report)
        .output()
        .expect("the client runs");
    assert!(
        run.status.success(),
        "the MCP client failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("JSON");

    // The run registered the three jobs in order and stopped nothing; every request carried
    // the token from the server's environment.
    assert_eq!(
        writes(&passing),
        ["PUT /v1/jobs", "PUT /v1/jobs", "PUT /v1/jobs"]
    );
    let requests = passing.requests();
    assert!(requests.iter().all(|q| q["token"] == true), "{requests:?}");

    // `status` explains exactly as `nomad-build status` does.
    let cli = Command::new(env!("CARGO_BIN_EXE_nomad-build"))
        .args(["status", "hello-build-t1"])
        .current_dir(tmp.path())
        .env_clear()
        .env("NOMAD_ADDR", &passing.addr)
        .env("NOMAD_TOKEN", &token)
        .env("NO_COLOR", "1")
        .output()
        .expect("status runs");
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let explained = report["status"].as_str().expect("status");
    assert_eq!(explained, String::from_utf8_lossy(&cli.stdout));
    assert!(explained.contains("hello-build-t1"));

    // Cancelling stopped the build job as Ctrl-C does: deregistered, not purged.
    assert_eq!(
        writes(&long),
        ["PUT /v1/jobs", "DELETE /v1/job/hello-build-c1"]
    );
    let (status, job) = long.get_with("/v1/job/hello-build-c1", None);
    assert_eq!(status, 200, "the job is still there: {job}");
    assert_eq!(job["Stop"], true);

    // A failed test phase stops the run: publish was never registered.
    assert_eq!(writes(&failing), ["PUT /v1/jobs", "PUT /v1/jobs"]);
}
