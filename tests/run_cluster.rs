//! `nomad-build run` and `status` against the Nomad test double (`tests/nomad_double/`): each
//! scenario in `tests/data/nomad-double/scenarios/` declares what the cluster does; the tests
//! run the real binary and assert everything it prints and its exit code.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn data(rel: &str) -> PathBuf {
    common::root().join("tests/data/nomad-double").join(rel)
}

/// A running double; killed and reaped on drop.
struct Double {
    child: Child,
    addr: String,
}

impl Double {
    fn start(scenario: &str) -> Double {
        let path = data(&format!("scenarios/{scenario}.json"));
        Double::start_file(&path)
    }

    fn start_file(path: &std::path::Path) -> Double {
        let mut child = Command::new("python3")
            .arg(common::root().join("tests/nomad_double/double.py"))
            .arg(path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the double");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("the double prints its address");
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected first line from the double: {line:?}"))
            .to_owned();
        Double { child, addr }
    }

    fn get(&self, path: &str) -> Value {
        let mut res = ureq::get(format!("{}{path}", self.addr))
            .call()
            .expect("the double answers");
        serde_json::from_str(&res.body_mut().read_to_string().expect("body")).expect("JSON")
    }

    /// The requests the double received (method, path, query, whether a token was sent).
    fn requests(&self) -> Vec<Value> {
        self.get("/__double/requests")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The jobs registered, with their phase.
    fn jobs(&self) -> Vec<Value> {
        self.get("/__double/jobs")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for Double {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary with a clean environment pointing at the double.
fn binary(addr: &str) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("nomad-build"));
    for (k, _) in std::env::vars() {
        if k.starts_with("NOMAD_") || k.to_ascii_lowercase().ends_with("_proxy") {
            c.env_remove(k);
        }
    }
    c.env("NOMAD_ADDR", addr).env("NO_COLOR", "1");
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn run(d: &Double, args: &[&str]) -> Run {
    run_env(d, args, &[])
}

/// Runs the binary in the pipeline's directory, so that diagnostics show `build.hcl`.
fn run_env(d: &Double, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = binary(&d.addr);
    c.args(args).current_dir(data("pipeline"));
    for (k, v) in env {
        c.env(k, v);
    }
    let start = Instant::now();
    let out = c.output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    }
}

/// What the user saw: exit code, stdout and stderr, durations normalised.
fn shown(r: &Run) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        r.code,
        normalise(&r.stdout),
        normalise(&r.stderr)
    )
}

/// The non-GET requests the double saw, as `METHOD path [purge]`.
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

/// The phases whose jobs were registered.
fn registered(d: &Double) -> Vec<String> {
    d.jobs()
        .iter()
        .map(|j| j["_phase"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Durations and the double's port vary from run to run: `1.4s` → `N.Ns`,
/// `127.0.0.1:40123` → `127.0.0.1:PORT`.
fn normalise(s: &str) -> String {
    let mut s = s.to_owned();
    while let Some(i) = s.find("127.0.0.1:").map(|i| i + "127.0.0.1:".len()) {
        let end = s[i..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(s.len(), |e| i + e);
        if end == i {
            break;
        }
        s.replace_range(i - 1..end, "\u{0}PORT");
    }
    let s = s.replace("127.0.0.1\u{0}PORT", "127.0.0.1:PORT");
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j + 2 < b.len() + 1
                && b.get(j) == Some(&b'.')
                && b.get(j + 1).is_some_and(u8::is_ascii_digit)
                && b.get(j + 2) == Some(&b's')
            {
                out.push_str("N.Ns");
                i = j + 3;
                continue;
            }
            out.push_str(&s[i..j]);
            i = j;
            continue;
        }
        let c = s[i..].chars().next().expect("in bounds");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

const BUILD_OK: &str = "\
build: registered job hello-build-t1 (evaluation 00000001)
build: allocation 00000002 placed on node node-1 (task group build)
build/checkout: Started: Task started by client
build/checkout | checked out 3f2a1c9
build/checkout: Terminated: Exit Code: 0
build/build: Started: Task started by client
build/build | STEP 1/2: FROM alpine
build/build | STEP 2/2: RUN make
build/build ! warning: no cache
build/build | pushed registry.example.com/acme/hello:build-t1
build/build: Terminated: Exit Code: 0
build: passed
";

#[test]
fn all_phases_pass() {
    let d = Double::start("all-pass");
    let r = run(&d, &["run", "--run-id", "t1"]);
    assert_eq!(r.stderr, "");
    assert_eq!(
        normalise(&r.stdout),
        format!(
            "{BUILD_OK}\
test: registered job hello-test-t1 (evaluation 00000003)
test: allocation 00000004 placed on node node-1 (task group unit)
test/unit: Started: Task started by client
test/unit | ok 1 - adds
test/unit | ok 2 - subtracts
test/unit: Terminated: Exit Code: 0
test: passed
publish: registered job hello-publish-t1 (evaluation 00000005)
publish: allocation 00000006 placed on node node-1 (task group publish)
publish/publish: Started: Task started by client
publish/publish | copied to registry.example.com/acme/hello:latest
publish/publish: Terminated: Exit Code: 0
publish: passed

PHASE    TASK      STATUS  EXIT  DURATION  ALLOC     NODE
build    checkout  passed  0     N.Ns      00000002  node-1
build    build     passed  0     N.Ns      00000002  node-1
test     unit      passed  0     N.Ns      00000004  node-1
publish  publish   passed  0     N.Ns      00000006  node-1
"
        )
    );
    assert_eq!(r.code, 0);
    // Every request carried the job's namespace; blocking queries were used.
    let reqs = d.requests();
    let api: Vec<&Value> = reqs
        .iter()
        .filter(|q| q["path"].as_str().is_some_and(|p| p.starts_with("/v1/job")))
        .collect();
    assert!(
        api.iter().all(|q| q["query"]["namespace"] == "default"),
        "{api:?}"
    );
    assert!(api
        .iter()
        .any(|q| q["query"].get("index").is_some() && q["query"]["wait"] == "30000ms"));
    let logs: Vec<&Value> = reqs
        .iter()
        .filter(|q| {
            q["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/v1/client/fs/logs/"))
        })
        .collect();
    assert!(logs
        .iter()
        .all(|q| q["query"]["follow"] == "true" && q["query"]["origin"] == "start"));
}

#[test]
fn a_failing_test_fails_the_run_with_its_exit_code_and_publish_never_runs() {
    let d = Double::start("test-fails");
    let r = run(&d, &["run", "--run-id", "t1"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 7);
    assert_eq!(registered(&d), ["build", "test"]);
    assert_eq!(writes(&d), ["PUT /v1/jobs", "PUT /v1/jobs"]);
}

#[test]
fn blocked_placement_is_explained_and_waited_for_until_capacity_appears() {
    let d = Double::start("blocked-then-capacity");
    let r = run(&d, &["run", "--run-id", "t1", "--phase", "build"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 0);
}

#[test]
fn never_placeable_stops_the_job_at_the_placement_timeout() {
    let d = Double::start("never-placeable");
    let r = run(&d, &["run", "--run-id", "t1", "--placement-timeout", "2s"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 123);
    assert!(r.took < Duration::from_secs(6), "took {:?}", r.took);
    // Stopped, not purged, so that it cannot start later and stays inspectable.
    assert_eq!(
        writes(&d),
        ["PUT /v1/jobs", "DELETE /v1/job/hello-build-t1"]
    );
    let jobs = d.jobs();
    assert_eq!(jobs[0]["Stop"], true);
}

#[test]
fn a_job_stopped_by_someone_else_is_explained_and_fails_the_run() {
    let d = Double::start("stopped-by-someone-else");
    let r = run(&d, &["run", "--run-id", "t1"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 122);
    // The run itself neither stopped nor purged anything.
    assert_eq!(writes(&d), ["PUT /v1/jobs"]);
}

#[test]
fn a_task_killed_by_its_timeout_exits_124() {
    let d = Double::start("timeout");
    let r = run(&d, &["run", "--run-id", "t1"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 124);
    assert_eq!(registered(&d), ["build"]);
}

#[test]
fn a_dropped_log_connection_resumes_without_losing_or_repeating_a_line() {
    let d = Double::start("dropped-log");
    let r = run(&d, &["run", "--run-id", "t1", "--phase", "build"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 0);
    let resumed: Vec<String> = d
        .requests()
        .iter()
        .filter(|q| {
            q["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/v1/client/fs/logs/"))
        })
        .filter(|q| q["query"]["task"] == "build" && q["query"]["type"] == "stdout")
        .map(|q| q["query"]["offset"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(resumed, ["0", "30"]);
}

#[test]
fn leader_loss_during_the_wait_is_retried() {
    let d = Double::start("leader-loss");
    let r = run(&d, &["run", "--run-id", "t1"]);
    assert_eq!(r.stderr, "");
    assert_eq!(r.code, 0, "{}", r.stdout);
    // Which request meets the outage first depends on timing; the rest is fixed.
    let out = normalise(&r.stdout);
    let cluster: Vec<&str> = out.lines().filter(|l| l.starts_with("cluster: ")).collect();
    assert_eq!(
        cluster,
        [
            "cluster: HTTP 500: No cluster leader; retrying",
            "cluster: answering again after N.Ns"
        ]
    );
    let rest: String = out
        .lines()
        .filter(|l| !l.starts_with("cluster: "))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(rest);
    let failed = d
        .requests()
        .iter()
        .filter(|q| {
            q["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/v1/job/"))
        })
        .count();
    assert!(failed > 3);
}

#[test]
fn a_forbidden_register_names_the_capability_and_namespace() {
    let d = Double::start("forbidden");
    let r = run(&d, &["run", "--run-id", "t1"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 125);
}

#[test]
fn a_register_rejected_by_validation_prints_nomads_errors() {
    let d = Double::start("rejected");
    let r = run(&d, &["run", "--run-id", "t1"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 125);
}

#[test]
fn an_older_cluster_is_refused_before_anything_is_submitted() {
    let d = Double::start("old-cluster");
    let r = run(&d, &["run", "--run-id", "t1"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 125);
    assert_eq!(writes(&d), Vec::<String>::new());
}

#[test]
fn the_token_is_sent_and_never_shown() {
    let d = Double::start("token");
    let ok = run_env(
        &d,
        &["run", "--run-id", "t1"],
        &[("NOMAD_TOKEN", "s3cr3t-token")],
    );
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(d.requests().iter().all(|q| q["token"] == true));
    let bad = run_env(
        &d,
        &["run", "--run-id", "t2", "--token", "wrong-token"],
        &[],
    );
    insta::assert_snapshot!(shown(&bad));
    assert_eq!(bad.code, 125);
    for r in [&ok, &bad] {
        assert!(!r.stdout.contains("s3cr3t") && !r.stderr.contains("s3cr3t"));
        assert!(!r.stdout.contains("wrong-token") && !r.stderr.contains("wrong-token"));
    }
}

#[test]
fn connection_refused_names_the_address() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let addr = format!("http://127.0.0.1:{port}");
    let out = binary(&addr)
        .args(["run", "--run-id", "t1"])
        .current_dir(data("pipeline"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: cannot reach Nomad at {addr}: connection refused\n")
    );
}

#[test]
fn detach_submits_the_first_phase_and_says_how_to_follow_it() {
    let d = Double::start("all-pass");
    let r = run(&d, &["run", "--run-id", "t1", "--detach"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 0);
    assert_eq!(registered(&d), ["build"]);
}

#[test]
fn ctrl_c_stops_the_running_job_and_exits_130() {
    let d = Double::start("long-build");
    let mut child = binary(&d.addr)
        .args(["run", "--run-id", "t1"])
        .current_dir(data("pipeline"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("utf-8");
            if line == "build/build | building..." {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the build task starts");
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = child.wait().expect("exits");
    let stdout = reader.join().expect("reader");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
        .expect("stderr");
    let r = Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
        took: Duration::ZERO,
    };
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 130);
    assert_eq!(
        writes(&d),
        ["PUT /v1/jobs", "DELETE /v1/job/hello-build-t1"]
    );
}
