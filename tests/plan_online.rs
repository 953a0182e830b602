//! `nomad-build plan` against the cluster (the Nomad test double answers
//! `PUT /v1/job/:id/plan` as each scenario declares, not as our checker computes), and
//! `nomad-build nodes snapshot`, whose file `plan --nodes` then reads.

mod common;

use common::double::{binary, data, Double};

use std::path::Path;

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The binary, with a clean environment, in `dir`, pointing at `addr`.
fn run_in(dir: &Path, addr: &str, args: &[&str]) -> Run {
    let mut c = binary(addr);
    c.args(args).current_dir(dir);
    let out = c.output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(d: &Double, args: &[&str]) -> Run {
    run_in(&data("pipeline"), &d.addr, args)
}

fn shown(r: &Run, d: &Double) -> String {
    let port = |s: &str| s.replace(&d.addr, "http://127.0.0.1:PORT");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        r.code,
        port(&r.stdout),
        port(&r.stderr)
    )
}

/// Method and path of every request that is not a read.
fn writes(d: &Double) -> Vec<String> {
    d.requests()
        .iter()
        .filter(|q| q["method"] != "GET")
        .map(|q| {
            format!(
                "{} {}",
                q["method"].as_str().unwrap_or_default(),
                q["path"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn a_plan_that_places_every_phase_exits_0_and_stores_nothing() {
    let d = Double::start("plan-places");
    let r = run(&d, &["plan", "--run-id", "t1"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for phase in ["build", "test", "publish"] {
        assert!(
            r.stdout.contains(&format!(
                "Phase {phase}, job \"hello-{phase}-t1\":\n- All tasks successfully allocated."
            )),
            "{}",
            r.stdout
        );
    }
    assert!(
        r.stderr
            .starts_with("passed: every phase would be placed on the cluster at "),
        "{}",
        r.stderr
    );
    // One plan per phase, with the diff asked for; nothing registered.
    assert_eq!(
        writes(&d),
        [
            "PUT /v1/job/hello-build-t1/plan",
            "PUT /v1/job/hello-test-t1/plan",
            "PUT /v1/job/hello-publish-t1/plan"
        ]
    );
    assert!(d.jobs().is_empty());
    let reqs = d.requests();
    assert!(
        reqs.iter().all(|q| q["query"]["namespace"] == "default"),
        "{reqs:?}"
    );
}

#[test]
fn a_plan_blocked_on_the_privileged_constraint_points_at_build_hcl() {
    let d = Double::start("plan-blocked");
    let r = run(&d, &["plan", "--run-id", "t1"]);
    insta::assert_snapshot!(shown(&r, &d));
    assert_eq!(r.code, 1);
    assert!(d.jobs().is_empty());

    // The same answer in CI formats.
    let j = run(&d, &["plan", "--run-id", "t1", "--format", "json"]);
    assert_eq!(j.code, 1);
    let doc: Value = serde_json::from_str(&j.stdout).expect("a JSON document");
    let build = doc["placement"]
        .as_array()
        .expect("placements")
        .iter()
        .find(|p| p["phase"] == "build")
        .expect("the build phase")
        .clone();
    assert_eq!(build["groups"][0]["places"], false);
    assert_eq!(
        build["groups"][0]["metric"]["ConstraintFiltered"]
            ["${attr.driver.docker.privileged.enabled} = true"],
        3
    );
    let g = run(&d, &["plan", "--run-id", "t1", "--format", "github"]);
    assert_eq!(g.code, 1);
    assert!(
        g.stdout.contains("::error file=build.hcl,line=12"),
        "{}",
        g.stdout
    );
}

#[test]
fn a_plan_the_token_may_not_make_exits_125_and_names_the_capability() {
    let d = Double::start("plan-forbidden");
    let r = run(&d, &["plan", "--run-id", "t1", "--phase", "build"]);
    assert_eq!(r.code, 125, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "error: planning job hello-build-t1: permission denied (`Permission denied`): the token lacks the `submit-job` capability in namespace `default`\n"
    );
}

#[test]
fn a_node_snapshot_from_the_cluster_is_what_plan_nodes_reads() {
    let d = Double::start("nodes-snapshot");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("nodes.json");
    let out_s = out.to_str().expect("utf-8 path");
    let r = run(
        &d,
        &["nodes", "snapshot", "-o", out_s, "--with-allocations"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!("wrote 3 nodes with their allocations to {out_s}\n")
    );
    // The full `GET /v1/node/:id` of every node (the list stub has no attributes).
    let paths: Vec<String> = d
        .requests()
        .iter()
        .filter_map(|q| q["path"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        paths.iter().filter(|p| p.starts_with("/v1/node/")).count(),
        6
    );
    assert_eq!(paths[0], "/v1/nodes");
    let written: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("JSON");
    let vendored: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("tests/data/nodes/places.json"))
            .expect("fixture"),
    )
    .expect("JSON");
    for n in &written {
        let mut bare = n.clone();
        let allocs = bare
            .as_object_mut()
            .expect("object")
            .remove("Allocations")
            .expect("--with-allocations adds Allocations");
        let mut same = vendored
            .iter()
            .find(|v| v["ID"] == n["ID"])
            .expect("a known node")
            .clone();
        let theirs = same
            .as_object_mut()
            .expect("object")
            .remove("Allocations")
            .unwrap_or(Value::Array(Vec::new()));
        assert_eq!(bare, same);
        if n["Name"] == "builder-1" {
            // Declared by the scenario: the one allocation of builder-1.
            assert_eq!(allocs.as_array().expect("array").len(), 1);
        } else {
            // The vendored snapshot's own allocations, as the node's allocations answer.
            assert_eq!(allocs, theirs);
        }
    }
    let web = &written
        .iter()
        .find(|n| n["Name"] == "builder-1")
        .expect("builder-1")["Allocations"][0];
    assert_eq!(web["ClientStatus"], "running");
    assert_eq!(
        web["AllocatedResources"]["Tasks"]["web"]["Cpu"]["CpuShares"],
        500
    );
    // Only the fields the checker reads are kept.
    assert!(web.get("CreateIndex").is_none(), "{web}");

    // `plan --nodes` reads it: the full example places on it as on the vendored snapshot.
    let root = common::root();
    let full = [
        "plan",
        "examples/full/build.hcl",
        "--run-id",
        "3f2a1c9",
        "--nodes",
    ];
    let from_cluster = run_in(&root, &d.addr, &[&full[..], &[out_s]].concat());
    let vendored = run_in(
        &root,
        &d.addr,
        &[&full[..], &["tests/data/nodes/places.json"]].concat(),
    );
    assert_eq!(from_cluster.code, 0, "{}", from_cluster.stderr);
    assert_eq!(from_cluster.stdout, vendored.stdout);

    // Without --with-allocations the nodes are written as the cluster has them.
    let bare = dir.path().join("bare.json");
    let r = run(
        &d,
        &["nodes", "snapshot", "-o", bare.to_str().expect("utf-8")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let written: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&bare).expect("written")).expect("JSON");
    assert!(written.iter().all(|n| n.get("Allocations").is_none()));
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
}

#[test]
fn nodes_snapshot_needs_node_read_and_writes_nothing_when_refused() {
    let d = Double::start("nodes-forbidden");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("nodes.json");
    let r = run(
        &d,
        &["nodes", "snapshot", "-o", out.to_str().expect("utf-8")],
    );
    assert_eq!(r.code, 125, "{}", r.stderr);
    assert_eq!(
        shown(&r, &d),
        "exit: 125\n--- stdout\n--- stderr\nerror: reading the nodes: the cluster at http://127.0.0.1:PORT refused the token (`Permission denied`): it needs `node:read`; check NOMAD_TOKEN or --token\n"
    );
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

#[test]
fn without_nodes_plan_asks_the_cluster_and_an_unreachable_one_exits_125() {
    // Port 1 on the loopback: nothing listens there.
    let r = run_in(
        &data("pipeline"),
        "http://127.0.0.1:1",
        &["plan", "--run-id", "t1", "--phase", "build"],
    );
    assert_eq!(r.code, 125, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.starts_with(
            "error: planning job hello-build-t1: cannot reach Nomad at http://127.0.0.1:1"
        ),
        "{}",
        r.stderr
    );
    // --nodes and the connection flags do not mix.
    let r = run_in(
        &data("pipeline"),
        "http://127.0.0.1:1",
        &["plan", "--nodes", "n.json", "--address", "http://x:4646"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}
