//! Tests of the offline checker.

use super::*;
use crate::placement::nodes;

fn job(v: serde_json::Value) -> Job {
    serde_json::from_value(v).expect("a job")
}

fn keys(v: &[Sourced]) -> Vec<String> {
    v.iter().map(|s| s.constraint.key()).collect()
}

fn group(v: serde_json::Value) -> TaskGroup {
    serde_json::from_value(v).expect("a group")
}

#[test]
fn implicit_constraints_in_nomads_order() {
    let tg = group(serde_json::json!({
        "Name": "g",
        "Constraints": [{"LTarget": "${attr.kernel.name}", "RTarget": "linux", "Operand": "="}],
        "Tasks": [
            {"Name": "z", "Driver": "docker", "Vault": {"Role": "r"},
             "Constraints": [{"LTarget": "${attr.cpu.arch}", "RTarget": "amd64", "Operand": "="}]},
            {"Name": "a", "Driver": "docker", "Vault": {"Role": "r"}, "KillSignal": "SIGINT",
             "Templates": [{"ChangeMode": "signal", "ChangeSignal": "SIGHUP"}]}
        ]
    }));
    let got = group_constraints(&tg);
    assert_eq!(
        keys(&got),
        [
            "${attr.kernel.name} = linux",
            "${attr.vault.version} semver >= 0.6.1",
            "${attr.os.signals} set_contains SIGHUP,SIGINT",
            "${attr.nomad.version} semver >= 1.7.0-a",
            "${attr.cpu.arch} = amd64",
        ]
    );
    assert_eq!(
        got[1].source,
        Source::Vault {
            tasks: vec!["a".to_owned(), "z".to_owned()]
        }
    );
    assert_eq!(
        got[3].source,
        Source::Identity {
            explicit: vec![],
            injected: vec!["z".to_owned(), "a".to_owned()]
        }
    );
}

#[test]
fn a_user_constraint_on_the_same_attribute_replaces_the_vault_one() {
    // mutateConstraint with constraintMatcherLeft; the identity one is appended anyway.
    let tg = group(serde_json::json!({
        "Name": "g",
        "Constraints": [{"LTarget": "${attr.vault.version}", "RTarget": ">= 1.15.0", "Operand": "semver"}],
        "Tasks": [{"Name": "t", "Driver": "docker", "Vault": {"Role": "r"},
                   "Identities": [{"Name": "vault_default", "Audience": ["vault.io"]}]}]
    }));
    let got = group_constraints(&tg);
    assert_eq!(
        keys(&got),
        [
            "${attr.vault.version} semver >= 1.15.0",
            "${attr.nomad.version} semver >= 1.7.0-a",
        ]
    );
    assert_eq!(
        got[1].source,
        Source::Identity {
            explicit: vec!["t".to_owned()],
            injected: vec![]
        }
    );
    let other = group(serde_json::json!({
        "Name": "g",
        "Tasks": [{"Name": "t", "Driver": "docker", "Vault": {"Role": "r", "Cluster": "infra"},
                   "Identities": [{"Name": "vault_infra"}]}]
    }));
    assert_eq!(
        keys(&group_constraints(&other))[0],
        "${attr.vault.infra.version} semver >= 1.11.0"
    );
    let plain =
        group(serde_json::json!({"Name": "g", "Tasks": [{"Name": "t", "Driver": "docker"}]}));
    assert!(group_constraints(&plain).is_empty());
}

#[test]
fn asks_like_allocated_resources_comparable() {
    let tg = group(serde_json::json!({
        "Name": "g",
        "EphemeralDisk": {"SizeMB": 2048},
        "Tasks": [
            {"Name": "pre", "Lifecycle": {"Hook": "prestart", "Sidecar": false},
             "Resources": {"CPU": 3000, "MemoryMB": 256}},
            {"Name": "main", "Resources": {"CPU": 1000, "MemoryMB": 2048}},
            {"Name": "side", "Lifecycle": {"Hook": "prestart", "Sidecar": true},
             "Resources": {"CPU": 100, "MemoryMB": 64}},
            {"Name": "post", "Lifecycle": {"Hook": "poststop"},
             "Resources": {"CPU": 50, "MemoryMB": 4000}}
        ]
    }));
    // prestart 3100/320, main 1100/2112, poststop 50/4000: the largest per dimension.
    assert_eq!(
        group_ask(&tg),
        Ask {
            cpu: 3100,
            memory: 4000,
            disk: 2048
        }
    );
    let defaults = group(
        serde_json::json!({"Name": "g", "Tasks": [{"Name": "t"}, {"Name": "u", "Resources": {"Cores": 2}}]}),
    );
    assert_eq!(
        group_ask(&defaults),
        Ask {
            cpu: 100,
            memory: 600,
            disk: 300
        }
    );
}

fn node(extra: serde_json::Value) -> serde_json::Value {
    let mut n = serde_json::json!({
        "ID": "id", "Name": "n", "Datacenter": "dc1", "NodePool": "default", "Status": "ready",
        "SchedulingEligibility": "eligible",
        "Attributes": {"driver.docker": "1"},
        "Drivers": {"docker": {"Detected": true, "Healthy": true}},
        "NodeResources": {"Cpu": {"CpuShares": 4000}, "Memory": {"MemoryMB": 4096},
                          "Disk": {"DiskMB": 10000}, "Networks": [{"Mode": ""}]},
        "ReservedResources": {"Cpu": {"CpuShares": 0}, "Memory": {"MemoryMB": 0}, "Disk": {"DiskMB": 0}}
    });
    let (serde_json::Value::Object(base), serde_json::Value::Object(extra)) = (&mut n, extra)
    else {
        panic!("objects");
    };
    base.extend(extra);
    n
}

#[allow(clippy::needless_pass_by_value)] // test inputs built inline by each caller
fn check(job_json: serde_json::Value, nodes_json: Vec<serde_json::Value>) -> PhasePlacement {
    let text = serde_json::to_string(&nodes_json).expect("JSON");
    let nodes = nodes::parse(&text).expect("a snapshot");
    check_job(Phase::Build, &job(job_json), &nodes)
}

fn simple_job(pool: &str, dcs: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "ID": "j", "NodePool": pool, "Datacenters": dcs,
        "TaskGroups": [{"Name": "g", "Tasks": [{"Name": "t", "Driver": "docker",
            "Resources": {"CPU": 1000, "MemoryMB": 1024}}]}]
    })
}

#[test]
fn the_base_set_follows_ready_nodes_in_dcs_and_pool() {
    let nodes = vec![
        node(serde_json::json!({"ID": "1", "Name": "a", "Datacenter": "us-east-1"})),
        node(serde_json::json!({"ID": "2", "Name": "b", "Datacenter": "us-west-1"})),
        node(serde_json::json!({"ID": "3", "Name": "c", "NodePool": "gpu"})),
        node(
            serde_json::json!({"ID": "4", "Name": "d", "Datacenter": "us-east-2",
                                 "DrainStrategy": {"Deadline": 0}}),
        ),
        node(
            serde_json::json!({"ID": "5", "Name": "e", "Datacenter": "us-east-3",
                                 "Status": "initializing"}),
        ),
        node(
            serde_json::json!({"ID": "6", "Name": "f", "Datacenter": "us-east-4",
                                 "SchedulingEligibility": ""}),
        ),
    ];
    let p = check(simple_job("default", &["us-east-*"]), nodes.clone());
    let base = p.base.as_ref().expect("base");
    assert_eq!(base.eligible, ["a", "f"]);
    let facts = |v: &[NodeFact]| -> Vec<(String, String)> {
        v.iter().map(|f| (f.node.clone(), f.fact.clone())).collect()
    };
    assert_eq!(
        facts(&base.not_ready),
        [
            ("d".to_owned(), "draining".to_owned()),
            ("e".to_owned(), "status `initializing`".to_owned())
        ]
    );
    assert_eq!(
        facts(&base.other_dc),
        [("b".to_owned(), "us-west-1".to_owned())]
    );
    assert_eq!(
        facts(&base.other_pool),
        [("c".to_owned(), "gpu".to_owned())]
    );
    let m = &p.groups[0].metric;
    assert_eq!((m.nodes_in_pool, m.nodes_evaluated), (2, 2));
    assert_eq!(
        m.nodes_available,
        BTreeMap::from([("us-east-1".to_owned(), 1), ("us-east-4".to_owned(), 1)])
    );
    // `all` takes every pool; `?` is no wildcard.
    let p = check(simple_job("all", &["*"]), nodes.clone());
    assert_eq!(p.base.expect("base").eligible, ["a", "b", "c", "f"]);
    let p = check(simple_job("default", &["us-east-?"]), nodes);
    assert!(!p.places());
    assert_eq!(p.groups[0].metric.nodes_evaluated, 0);
}

#[test]
fn drivers_need_detected_and_healthy_or_a_true_attribute() {
    // feasible_test.go TestDriverChecker_DriverInfo and _Compatibility.
    let nodes = vec![
        node(serde_json::json!({"ID": "1", "Name": "healthy"})),
        node(serde_json::json!({"ID": "2", "Name": "unhealthy",
            "Drivers": {"docker": {"Detected": true, "Healthy": false, "HealthDescription": "no daemon"}}})),
        node(serde_json::json!({"ID": "3", "Name": "undetected",
            "Drivers": {"docker": {"Detected": false, "Healthy": false}}})),
        node(
            serde_json::json!({"ID": "4", "Name": "attr-true", "Drivers": {},
            "Attributes": {"driver.docker": "true"}}),
        ),
        node(
            serde_json::json!({"ID": "5", "Name": "attr-false", "Drivers": {},
            "Attributes": {"driver.docker": "False"}}),
        ),
        node(serde_json::json!({"ID": "6", "Name": "nil-info", "Drivers": {"docker": null}})),
        node(serde_json::json!({"ID": "7", "Name": "none", "Drivers": {}, "Attributes": {}})),
    ];
    let p = check(simple_job("default", &["*"]), nodes);
    let g = &p.groups[0];
    let d = g.detail.as_ref().expect("detail");
    assert_eq!(d.feasible, ["attr-true", "healthy"]);
    assert_eq!(g.metric.constraint_filtered["missing drivers"], 5);
    let why: Vec<&str> = d.filtered["missing drivers"]
        .iter()
        .map(|f| f.fact.as_str())
        .collect();
    assert_eq!(
        why,
        [
            "`driver.docker` = `False`",
            "`docker` has no driver info",
            "no `docker` driver",
            "`docker` not detected",
            "`docker` unhealthy: no daemon",
        ]
    );
}

#[test]
fn host_volumes_networks_and_the_fit() {
    let mut j = simple_job("default", &["*"]);
    j["TaskGroups"][0]["Volumes"] = serde_json::json!({
        "cache": {"Name": "cache", "Type": "host", "Source": "cache", "ReadOnly": false},
        "scratch": {"Name": "scratch", "Type": "host", "Source": "scratch", "PerAlloc": true, "ReadOnly": true}
    });
    j["TaskGroups"][0]["EphemeralDisk"] = serde_json::json!({"SizeMB": 5000});
    let vols = serde_json::json!({"cache": {"Path": "/c"}, "scratch[0]": {"Path": "/s", "ReadOnly": true}});
    let alloc = |status: &str, mem: i64| {
        serde_json::json!({
            "ID": "x", "ClientStatus": status,
            "AllocatedResources": {"Tasks": {"t": {"Cpu": {"CpuShares": 500}, "Memory": {"MemoryMB": mem}}},
                                   "TaskLifecycles": {"t": null}, "Shared": {"DiskMB": 300}}
        })
    };
    let nodes = vec![
        node(
            serde_json::json!({"ID": "1", "Name": "fits", "HostVolumes": vols,
            "Allocations": [alloc("running", 1024), alloc("complete", 4096)]}),
        ),
        node(
            serde_json::json!({"ID": "2", "Name": "ro", "NodeClass": "small",
            "HostVolumes": {"cache": {"Path": "/c", "ReadOnly": true}, "scratch[0]": {}}}),
        ),
        node(
            serde_json::json!({"ID": "3", "Name": "no-per-alloc", "HostVolumes": {"cache": {}, "scratch": {}}}),
        ),
        node(
            serde_json::json!({"ID": "4", "Name": "no-network", "HostVolumes": vols,
            "NodeResources": {"Cpu": {"CpuShares": 4000}, "Memory": {"MemoryMB": 4096},
                              "Disk": {"DiskMB": 10000}, "Networks": [{"Mode": "bridge"}]}}),
        ),
        node(
            serde_json::json!({"ID": "5", "Name": "busy", "HostVolumes": vols,
            "Allocations": [alloc("running", 3500)]}),
        ),
        node(
            serde_json::json!({"ID": "6", "Name": "full", "HostVolumes": vols, "NodeMaxAllocs": 1,
            "Allocations": [alloc("pending", 10)]}),
        ),
        node(
            serde_json::json!({"ID": "7", "Name": "reserved", "HostVolumes": vols,
            "ReservedResources": {"Cpu": {"CpuShares": 3500}}}),
        ),
        node(
            serde_json::json!({"ID": "8", "Name": "small-disk", "HostVolumes": vols,
            "ReservedResources": {"Disk": {"DiskMB": 6000}}}),
        ),
    ];
    let p = check(j, nodes);
    let g = &p.groups[0];
    let d = g.detail.as_ref().expect("detail");
    assert_eq!(d.feasible, ["fits"]);
    let m = &g.metric;
    assert_eq!(m.constraint_filtered["missing compatible host volumes"], 2);
    assert_eq!(m.constraint_filtered["missing network"], 1);
    assert_eq!(m.class_filtered["small"], 1);
    assert_eq!(
        m.dimension_exhausted,
        BTreeMap::from([
            ("cpu".to_owned(), 1),
            ("disk".to_owned(), 1),
            ("max allocation exceeded".to_owned(), 1),
            ("memory".to_owned(), 1)
        ])
    );
    assert_eq!((m.nodes_filtered, m.nodes_exhausted), (3, 4));
    let free: Vec<(String, i64)> = d.exhausted["memory"]
        .iter()
        .map(|f| (f.node.clone(), f.free))
        .collect();
    assert_eq!(free, [("busy".to_owned(), 596)]);
    let why: Vec<&str> = d.filtered["missing compatible host volumes"]
        .iter()
        .map(|f| f.fact.as_str())
        .collect();
    assert_eq!(
        why,
        [
            "no host volume `scratch[0]`",
            "host volume `cache` is read-only"
        ]
    );
}

#[test]
fn docker_settings_nomad_does_not_check() {
    let mut j = simple_job("default", &["*"]);
    j["TaskGroups"][0]["Tasks"][0]["Config"] = serde_json::json!({
        "image": "x", "privileged": true, "volumes": ["/srv:/srv"]
    });
    let nodes = vec![
        node(serde_json::json!({"ID": "1", "Name": "a"})),
        node(serde_json::json!({"ID": "2", "Name": "b",
            "Attributes": {"driver.docker": "1", "driver.docker.privileged.enabled": "true"}})),
        node(serde_json::json!({"ID": "3", "Name": "c",
            "Attributes": {"driver.docker": "1", "driver.docker.privileged.enabled": "true",
                           "driver.docker.volumes.enabled": "true"}})),
    ];
    let p = check(j, nodes);
    let d = p.groups[0].detail.as_ref().expect("detail");
    assert_eq!(d.feasible.len(), 3);
    let why: Vec<(&str, &str)> = d
        .rejected
        .iter()
        .map(|f| (f.node.as_str(), f.fact.as_str()))
        .collect();
    assert_eq!(
        why,
        [
            (
                "a",
                "the driver refuses task `t` with \"Docker privileged mode is disabled on \
                 this Nomad agent\""
            ),
            (
                "b",
                "the driver refuses task `t` with \"volumes are not enabled; cannot mount \
                 host path: \\\"/srv\\\"\""
            ),
        ]
    );
}
