//! `nomad-build plan --nodes`: the real binary on the examples against each node snapshot of
//! `tests/data/nodes/`, whole output and exit code.
//!
//! The snapshots are derived from the node of Nomad's API documentation
//! (`tests/data/nomad/responses/GET-v1-node-ID.json`) by the changes written here and listed in
//! `tests/data/nodes/README.md`; [`snapshots_are_derived_from_the_documented_node`] checks that
//! the files are exactly that (`UPDATE_NODES=1` rewrites them).

mod common;

use std::path::PathBuf;

use serde_json::{json, Value};

fn nodes_dir() -> PathBuf {
    common::root().join("tests/data/nodes")
}

/// The documented node (`GET /v1/node/:id`), as vendored.
fn documented() -> Value {
    let path = common::root().join("tests/data/nomad/responses/GET-v1-node-ID.json");
    let text = std::fs::read_to_string(&path).expect("the documented node");
    serde_json::from_str(&text).expect("JSON")
}

/// Sets a node attribute both where the client merges it (`Attributes`) and where the docker
/// driver reports it (`Drivers.docker.Attributes`), as the client does for driver attributes.
fn set_docker_attr(n: &mut Value, key: &str, value: Option<&str>) {
    for path in ["/Attributes", "/Drivers/docker/Attributes"] {
        let map = n
            .pointer_mut(path)
            .and_then(Value::as_object_mut)
            .expect("attributes");
        match value {
            Some(v) => map.insert(key.to_owned(), json!(v)),
            None => map.remove(key),
        };
    }
}

/// A build client: the documented node renamed, in pool `builders`, on Nomad 2.0.5 with Vault
/// 1.19.0, docker allowing privileged containers, the host volume `buildah-cache`, 100 GB of
/// disk.
fn builder(name: &str, id: &str, dc: &str) -> Value {
    let mut n = documented();
    n["ID"] = json!(id);
    n["Name"] = json!(name);
    n["Datacenter"] = json!(dc);
    n["NodePool"] = json!("builders");
    let a = n["Attributes"].as_object_mut().expect("attributes");
    a.insert("unique.hostname".into(), json!(name));
    a.insert("unique.consul.name".into(), json!(name));
    a.insert("consul.datacenter".into(), json!(dc));
    a.insert("nomad.version".into(), json!("2.0.5"));
    a.insert("vault.accessible".into(), json!("true"));
    a.insert("vault.version".into(), json!("1.19.0"));
    a.insert(
        "vault.cluster_id".into(),
        json!("7b3d6f0e-3c55-2a1f-94d2-6c1f2d0e8a41"),
    );
    a.insert("vault.cluster_name".into(), json!("vault-cluster-builds"));
    set_docker_attr(&mut n, "driver.docker.privileged.enabled", Some("true"));
    n["HostVolumes"]["buildah-cache"] = json!({
        "Name": "buildah-cache",
        "Path": "/var/lib/buildah-cache",
        "ReadOnly": false
    });
    n["NodeResources"]["Disk"]["DiskMB"] = json!(102_400);
    n["Links"]["consul"] = json!(format!("{dc}.{name}"));
    n
}

/// An allocation of another job, as `GET /v1/node/:id/allocations` lists it (the fields of
/// `structs.Allocation` placement reads, and its identity).
fn allocation(id: &str, job: &str, cpu: i64, memory: i64, status: &str) -> Value {
    json!({
        "ID": id,
        "Name": format!("{job}.app[0]"),
        "JobID": job,
        "TaskGroup": "app",
        "DesiredStatus": "run",
        "ClientStatus": status,
        "AllocatedResources": {
            "Tasks": {
                "app": {
                    "Cpu": {"CpuShares": cpu, "ReservedCores": null},
                    "Memory": {"MemoryMB": memory, "MemoryMaxMB": 0},
                    "Networks": null,
                    "Devices": null
                }
            },
            "TaskLifecycles": {"app": null},
            "Shared": {"Networks": null, "DiskMB": 300, "Ports": null}
        }
    })
}

/// Three build clients where every phase of `examples/full` places: two in `dc1` (the second
/// running an allocation of another job, and one that has completed), one in `dc2`.
fn pool() -> Vec<Value> {
    let mut b2 = builder("builder-2", "5f8e1c34-7d2a-4b6e-9c01-3e7a9b2d4f60", "dc1");
    b2["Allocations"] = json!([
        allocation(
            "a1f0c3d2-6b7e-4f58-9d21-0c4e8b7a3f19",
            "web",
            4000,
            6144,
            "running"
        ),
        allocation(
            "b2e1d4c3-7c8f-4069-8e32-1d5f9c8b4e2a",
            "report",
            8000,
            8192,
            "complete"
        ),
    ]);
    vec![
        builder("builder-1", "0c3a5e8d-2f1b-4a7c-8e6d-9b0f1a2c3d4e", "dc1"),
        b2,
        builder("builder-3", "9e2d4c6b-8a0f-4e1d-b3c5-7f9a1b3d5e7f", "dc2"),
    ]
}

fn each(mut nodes: Vec<Value>, f: impl Fn(&mut Value)) -> Vec<Value> {
    nodes.iter_mut().for_each(f);
    nodes
}

/// Every snapshot: (file name, nodes).
fn snapshots() -> Vec<(&'static str, Vec<Value>)> {
    let remove_attr = |keys: &'static [&'static str]| {
        move |n: &mut Value| {
            for k in keys {
                n["Attributes"]
                    .as_object_mut()
                    .expect("attributes")
                    .remove(*k);
            }
        }
    };
    let mut out = vec![
        ("docs-node.json", vec![documented()]),
        ("places.json", pool()),
        (
            "no-privileged.json",
            each(pool(), |n| {
                set_docker_attr(n, "driver.docker.privileged.enabled", None);
            }),
        ),
        (
            "no-vault.json",
            each(
                pool(),
                remove_attr(&[
                    "vault.accessible",
                    "vault.version",
                    "vault.cluster_id",
                    "vault.cluster_name",
                ]),
            ),
        ),
        (
            "docker-unhealthy.json",
            each(pool(), |n| {
                let d = &mut n["Drivers"]["docker"];
                d["Healthy"] = json!(false);
                d["HealthDescription"] = json!("Failed to connect to docker daemon");
            }),
        ),
    ];
    let mut no_cache = pool();
    for n in &mut no_cache[..2] {
        n["HostVolumes"]
            .as_object_mut()
            .expect("volumes")
            .remove("buildah-cache");
    }
    no_cache[2]["HostVolumes"]["buildah-cache"]["ReadOnly"] = json!(true);
    out.push(("no-cache-volume.json", no_cache));
    let mut other = pool();
    other[0]["NodePool"] = json!("default");
    other[1]["NodePool"] = json!("default");
    other[2]["Datacenter"] = json!("dc3");
    out.push(("other-pool.json", other));
    let mut small = pool();
    small[0]["NodeResources"]["Memory"]["MemoryMB"] = json!(4096);
    small[0]["ReservedResources"]["Memory"]["MemoryMB"] = json!(512);
    small[1]["Allocations"] = json!([
        allocation(
            "c3f2e5d4-8d90-4a7b-9f43-2e6a0d9c5f3b",
            "web",
            4000,
            6144,
            "running"
        ),
        allocation(
            "d4a3f6e5-9ea1-4b8c-a054-3f7b1eac6a4c",
            "cache",
            2000,
            6144,
            "running"
        ),
    ]);
    small[2]["NodeResources"]["Disk"]["DiskMB"] = json!(4096);
    out.push(("too-small.json", small));
    let mut draining = pool();
    draining[0]["DrainStrategy"] = json!({
        "Deadline": 3_600_000_000_000_i64,
        "IgnoreSystemJobs": false,
        "ForceDeadline": "2026-08-21T13:30:00Z",
        "StartedAt": "2026-08-21T12:30:00Z"
    });
    draining[0]["Drain"] = json!(true);
    draining[0]["SchedulingEligibility"] = json!("ineligible");
    draining[1]["SchedulingEligibility"] = json!("ineligible");
    draining[2]["Status"] = json!("down");
    out.push(("draining.json", draining));
    out.push(("nomad-1.10.4-vault-1.15.6.json", nomad_1_10_4()));
    out
}

/// Two clients of a Nomad 1.10.4 cluster with Vault 1.15.6: the fields of 1.10's
/// `structs.Node` (no `Drain`; `NodeMaxAllocs`, the heartbeat indexes, the legacy CPU fields),
/// the release's commit as `nomad.revision`.
fn nomad_1_10_4() -> Vec<Value> {
    [
        ("builder-a", "3b5d7f91-1c2e-4a6b-8d0f-2e4a6c8e0b13", "dc1"),
        ("builder-b", "4c6e8a02-2d3f-4b7c-9e1a-3f5b7d9f1c24", "dc2"),
    ]
    .into_iter()
    .map(|(name, id, dc)| {
        let mut n = builder(name, id, dc);
        let a = n["Attributes"].as_object_mut().expect("attributes");
        a.insert("nomad.version".into(), json!("1.10.4"));
        a.insert(
            "nomad.revision".into(),
            json!("62b195aaa535b2159d215eaf89e6f4a455d6f686"),
        );
        a.insert("vault.version".into(), json!("1.15.6"));
        a.insert("nomad.service_discovery".into(), json!("true"));
        a.insert("driver.docker.version".into(), json!("27.5.1"));
        a.insert("kernel.version".into(), json!("6.8.0-60-generic"));
        a.insert("os.name".into(), json!("ubuntu"));
        a.insert("os.version".into(), json!("24.04"));
        n["Drivers"]["docker"]["Attributes"]["driver.docker.version"] = json!("27.5.1");
        let o = n.as_object_mut().expect("node");
        o.remove("Drain");
        o.insert("CgroupParent".into(), json!("nomad.slice"));
        o.insert("CSIControllerPlugins".into(), Value::Null);
        o.insert("CSINodePlugins".into(), Value::Null);
        o.insert("GCVolumesOnNodeGC".into(), json!(false));
        o.insert("NodeMaxAllocs".into(), json!(0));
        o.insert("LastMissedHeartbeatIndex".into(), json!(0));
        o.insert("LastAllocUpdateIndex".into(), json!(0));
        n["NodeResources"]["Cpu"] = json!({
            "CpuShares": 32000,
            "TotalCpuCores": 8,
            "ReservableCpuCores": [0, 1, 2, 3, 4, 5, 6, 7]
        });
        n["NodeResources"]["MinDynamicPort"] = json!(20000);
        n["NodeResources"]["MaxDynamicPort"] = json!(32000);
        n["ReservedResources"]["Cpu"] = json!({"CpuShares": 0, "ReservedCpuCores": null});
        n
    })
    .collect()
}

#[test]
fn snapshots_are_derived_from_the_documented_node() {
    let update = std::env::var_os("UPDATE_NODES").is_some();
    for (name, nodes) in snapshots() {
        let mut want = serde_json::to_string_pretty(&Value::Array(nodes)).expect("JSON");
        want.push('\n');
        let path = nodes_dir().join(name);
        if update {
            std::fs::write(&path, &want).expect("write the snapshot");
            continue;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} differs from its derivation: run `UPDATE_NODES=1 cargo test --test plan_offline`",
            path.display()
        );
    }
}

/// Runs `plan` from the repository root; returns the exit code and what a user sees.
fn plan(args: &[&str]) -> (i32, String) {
    let (code, stdout, stderr) = common::run(&common::root(), args);
    (
        code,
        format!("exit {code}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}"),
    )
}

/// `plan FILE --run-id 3f2a1c9 --nodes tests/data/nodes/SNAPSHOT EXTRA...`.
fn plan_with(file: &str, snapshot: &str, extra: &[&str]) -> (i32, String) {
    let nodes = format!("tests/data/nodes/{snapshot}");
    let mut args = vec!["plan", file, "--run-id", "3f2a1c9", "--nodes", &nodes];
    args.extend_from_slice(extra);
    plan(&args)
}

const FULL: &str = "examples/full/build.hcl";

#[test]
fn every_snapshot_against_the_full_example() {
    for (snapshot, want) in [
        ("places.json", 0),
        ("no-privileged.json", 1),
        ("no-vault.json", 1),
        ("no-cache-volume.json", 1),
        ("other-pool.json", 1),
        ("too-small.json", 1),
        ("draining.json", 1),
        ("docker-unhealthy.json", 1),
        ("nomad-1.10.4-vault-1.15.6.json", 0),
    ] {
        let (code, shown) = plan_with(FULL, snapshot, &[]);
        assert_eq!(code, want, "{snapshot}:\n{shown}");
        let name = snapshot.trim_end_matches(".json");
        insta::assert_snapshot!(format!("plan_offline-full-{name}"), shown);
    }
}

#[test]
fn the_documented_node_refuses_the_default_privileged_build() {
    let (code, shown) = plan_with("examples/minimal/build.hcl", "docs-node.json", &[]);
    assert_eq!(code, 1, "{shown}");
    insta::assert_snapshot!("plan_offline-minimal-docs-node", shown);
}

#[test]
fn selected_phases_only() {
    let (code, shown) = plan_with(FULL, "too-small.json", &["--phase", "test"]);
    assert_eq!(code, 0, "{shown}");
    insta::assert_snapshot!("plan_offline-full-too-small-test-phase", shown);
}

#[test]
fn a_docker_driver_that_refuses_what_nomad_places() {
    // The embedded build template without its privileged constraint, as an override that
    // forgot it would be.
    let build = std::fs::read_to_string(common::root().join("templates/build.nomad.hcl.j2"))
        .expect("template");
    let constraint = "{% if build.privileged %}\n\n    constraint {\n      attribute = {= \"${attr.driver.docker.privileged.enabled}\" | hcl =}\n      operator  = \"=\"\n      value     = \"true\"\n    }\n{% endif %}\n";
    assert!(
        build.contains(constraint),
        "the build template's constraint moved"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("build.nomad.hcl.j2"),
        build.replacen(constraint, "", 1),
    )
    .expect("write");
    let (code, shown) = plan_with(
        FULL,
        "no-privileged.json",
        &[
            "--phase",
            "build",
            "--templates",
            dir.path().to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 1, "{shown}");
    insta::assert_snapshot!("plan_offline-full-driver-refuses", shown);
}

/// The standard output of what [`plan`] shows.
fn stdout_of(shown: &str) -> &str {
    shown
        .split("--- stdout ---\n")
        .nth(1)
        .and_then(|s| s.split("--- stderr ---").next())
        .expect("stdout")
}

#[test]
fn machine_formats() {
    for format in ["json", "github"] {
        let (code, shown) = plan_with(
            FULL,
            "no-vault.json",
            &["--phase", "build", "--format", format],
        );
        assert_eq!(code, 1, "{format}:\n{shown}");
        insta::assert_snapshot!(format!("plan_offline-full-no-vault-{format}"), shown);
    }
    // SARIF: the results (the driver's rule list is the whole catalogue, as for `validate`).
    let (code, shown) = plan_with(FULL, "no-vault.json", &["--format", "sarif"]);
    assert_eq!(code, 1, "{shown}");
    let sarif: Value = serde_json::from_str(stdout_of(&shown)).expect("SARIF is JSON");
    let rules = &sarif["runs"][0]["tool"]["driver"]["rules"];
    for id in [
        "placement-filtered",
        "placement-no-nodes",
        "invalid-node-snapshot",
    ] {
        assert!(
            rules
                .as_array()
                .expect("rules")
                .iter()
                .any(|r| r["id"] == json!(id)),
            "{id}"
        );
    }
    // Without `ruleIndex`, which moves whenever a rule is added to the catalogue.
    let mut results = sarif["runs"][0]["results"].clone();
    for r in results.as_array_mut().expect("results") {
        r.as_object_mut().expect("result").remove("ruleIndex");
    }
    let results = serde_json::to_string_pretty(&results).expect("JSON");
    insta::assert_snapshot!("plan_offline-full-no-vault-sarif-results", results);
    let (code, shown) = plan_with(FULL, "places.json", &["--format", "json"]);
    assert_eq!(code, 0, "{shown}");
    let doc: Value = serde_json::from_str(stdout_of(&shown)).expect("the document is JSON");
    assert_eq!(doc["valid"], json!(true));
    let phases = doc["placement"].as_array().expect("placement");
    assert_eq!(phases.len(), 3);
    assert!(phases.iter().all(|p| p["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .all(|g| g["places"] == json!(true))));
}

#[test]
fn unusable_snapshots_exit_3() {
    let (code, shown) = plan_with(FULL, "../nomad/responses/GET-v1-nodes.json", &[]);
    assert_eq!(code, 3, "{shown}");
    insta::assert_snapshot!("plan_offline-node-list-stubs", shown);
    let (code, shown) = plan_with(FULL, "missing.json", &[]);
    assert_eq!(code, 3, "{shown}");
    insta::assert_snapshot!("plan_offline-missing-snapshot", shown);
}

#[test]
fn docs_show_what_plan_prints() {
    let (code, stdout, stderr) = common::run(
        &common::root(),
        &[
            "plan",
            FULL,
            "--run-id",
            "3f2a1c9",
            "--nodes",
            "tests/data/nodes/no-vault.json",
        ],
    );
    assert_eq!(code, 1);
    let stderr = stderr.replace("tests/data/nodes/no-vault.json", "nodes.json");
    let (diagnostics, footer) = stderr
        .trim_end()
        .rsplit_once('\n')
        .expect("diagnostics, then the last line");
    // A terminal shows the diagnostics, the plan, then the last line.
    let console = format!(
        "```console\n$ nomad-build plan {FULL} --run-id 3f2a1c9 --nodes nodes.json\n\
         {diagnostics}\n{stdout}{footer}\n```\n"
    );
    let doc = std::fs::read_to_string(common::root().join("docs/plan.md")).expect("docs/plan.md");
    assert!(
        doc.contains(&console),
        "docs/plan.md should show what plan prints:\n{console}"
    );
    let readme = std::fs::read_to_string(common::root().join("README.md")).expect("README.md");
    assert!(
        readme.contains(&console),
        "the README should show what plan prints:\n{console}"
    );
    for internal in ["/shared/", "/work/", "nomad-facts", "nomad-runtime", "src/"] {
        assert!(!doc.contains(internal), "docs/plan.md cites {internal}");
    }
}
