//! `nomad-build run` and `status` against the Nomad test double (`tests/nomad_double/`): each
//! scenario in `tests/data/nomad-double/scenarios/` declares what the cluster does; the tests
//! run the real binary and assert everything it prints and its exit code.

mod common;

use common::double::{binary, data, ClosedPort, Double};

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

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
    // The watchdog sidecar ran beside the build and was stopped when it ended, as Nomad
    // does (Main Tasks Dead, killed: dead, not failed); the summary does not list it.
    let allocs = d.get("/v1/job/hello-build-t1/allocations");
    let dog = &allocs[0]["TaskStates"]["watchdog"];
    assert_eq!(dog["State"], "dead");
    assert_eq!(dog["Failed"], false);
    let kinds: Vec<&str> = dog["Events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["Type"].as_str())
        .collect();
    assert!(
        kinds.ends_with(&["Main Tasks Dead", "Killing", "Terminated", "Killed"]),
        "{kinds:?}"
    );
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
    // From Nomad 2.0.3 the timeout is the group's max_run_duration.
    let d = Double::start("timeout");
    let r = run(&d, &["run", "--run-id", "t1", "--nomad-version", "2.0.5"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 124);
    assert_eq!(registered(&d), ["build"]);
    let jobs = d.jobs();
    assert_eq!(
        jobs[0]["TaskGroups"][0]["MaxRunDuration"],
        1_200_000_000_000_u64
    );
    let tasks = jobs[0]["TaskGroups"][0]["Tasks"].as_array().expect("tasks");
    assert!(tasks.iter().all(|t| t["Name"] != "watchdog"), "{tasks:?}");
}

#[test]
fn a_watchdog_that_fires_times_the_phase_out_with_124() {
    // Before Nomad 2.0.3 (the default target, 1.9.0) the timeout is a watchdog sidecar.
    let d = Double::start("watchdog-fires");
    let r = run(&d, &["run", "--run-id", "t1"]);
    // The watchdog's stderr and the build's events come from independent watchers (its log
    // stream, the allocation's blocking query): the double writes the line 20 ms before the
    // watchdog exits and the build gets `Sibling Task Failed`, and either may be printed
    // first. Nothing orders them, in Nomad either, so the watchdog's lines are compared
    // apart; the phase waits for every task's logs, so they come before its result.
    let watchdog = |l: &&str| l.starts_with("build/watchdog");
    let stdout = normalise(&r.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let fired: Vec<&str> = lines.iter().copied().filter(watchdog).collect();
    assert_eq!(
        fired,
        ["build/watchdog ! timed out after 20m: stopping the group"]
    );
    let result = lines
        .iter()
        .position(|l| l.starts_with("build: failed: "))
        .expect("the phase's result");
    assert!(lines[..result].contains(&fired[0]), "{stdout}");
    let rest: String = lines
        .iter()
        .filter(|l| !watchdog(l))
        .flat_map(|l| [*l, "\n"])
        .collect();
    insta::assert_snapshot!(format!(
        "exit: {}\n--- stdout without the watchdog's lines\n{rest}--- stderr\n{}",
        r.code,
        normalise(&r.stderr)
    ));
    assert_eq!(r.code, 124);
    assert_eq!(registered(&d), ["build"]);
    let jobs = d.jobs();
    let group = &jobs[0]["TaskGroups"][0];
    assert!(
        group.get("MaxRunDuration").is_none_or(Value::is_null),
        "{group}"
    );
    let s = run(&d, &["status", "hello-build-t1"]);
    insta::assert_snapshot!("status_watchdog_fired", shown(&s));
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
        .flat_map(|l| [l, "\n"])
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
fn the_cluster_is_compared_with_the_compile_target() {
    // A 1.10.3 cluster runs the default 1.9.0 jobs, but not jobs compiled for 2.0.5.
    let d = Double::start("all-pass");
    let r = run(&d, &["run", "--run-id", "t1", "--nomad-version", "2.0.5"]);
    assert_eq!(r.code, 125, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "server server-1.global runs Nomad 1.10.3, and the jobs are compiled for Nomad 2.0.5 or later"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(writes(&d), Vec::<String>::new());
    let r = run(
        &d,
        &[
            "run",
            "--run-id",
            "t1",
            "--nomad-version",
            "1.10",
            "--phase",
            "build",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
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
    // A port bound and never listened on: connections are refused, and nothing else can
    // take the port meanwhile.
    let closed = ClosedPort::new();
    let addr = closed.addr.clone();
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

#[test]
fn a_job_stopped_before_the_scheduler_ran_is_explained() {
    let d = Double::start("stopped-before-scheduling");
    let r = run(&d, &["run", "--run-id", "t1"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 122);
    // `status` tells the same story, read-only.
    let before = d.requests().len();
    let s = run(&d, &["status", "hello-build-t1"]);
    insta::assert_snapshot!("status_stopped_before_scheduling", shown(&s));
    assert_eq!(s.code, 0);
    assert!(d.requests()[before..].iter().all(|q| q["method"] == "GET"));
}

/// The build job as `render` writes it, for the library-level tests.
fn build_job(run_id: &str) -> Value {
    let out = Command::new(assert_cmd::cargo::cargo_bin("nomad-build"))
        .args([
            "render", "--phase", "build", "--format", "json", "--run-id", run_id,
        ])
        .current_dir(data("pipeline"))
        .output()
        .expect("render runs");
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn client(d: &Double) -> nomad_build::cluster::client::Client {
    let addr = d.addr.clone();
    let settings = nomad_build::cluster::client::Settings::from_env(move |k| {
        (k == "NOMAD_ADDR").then(|| addr.clone())
    });
    nomad_build::cluster::client::Client::new(settings).expect("client")
}

#[test]
fn a_job_submitted_with_stop_true_is_detected_not_waited_on() {
    use nomad_build::cluster::wait::{self, Interrupt, Options, Outcome, PhaseJob};
    use nomad_build::commands::terminal::Terminal;
    use nomad_build::diag::Color;
    let d = Double::start("all-pass");
    let mut job = build_job("s1");
    job["Job"]["Stop"] = Value::Bool(true);
    let phases = [PhaseJob::new("build", job).expect("has an ID")];
    let opts = Options {
        placement_timeout: Duration::from_secs(60),
        detach: false,
        explain: None,
    };
    let mut out = Vec::new();
    let start = Instant::now();
    let report = wait::run(
        &client(&d),
        &phases,
        &opts,
        &Interrupt::default(),
        &mut Terminal::new(&mut out, false, None, Color::Never),
    );
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(
        String::from_utf8_lossy(&out),
        "build: registered job hello-build-s1 (evaluation 00000001)\n\
         build: the job was submitted with `Stop: true` (version 0): Nomad registered it stopped and evaluated it, so nothing was placed and there are no placement failures\n"
    );
    assert!(matches!(report.outcome, Outcome::Stopped { .. }));
    assert_eq!(report.outcome.exit_code(), 122);
    assert_eq!(writes(&d), ["PUT /v1/jobs"]);
}

#[test]
fn status_explains_complete_failed_and_pending_jobs() {
    let d = Double::start("test-fails");
    let r = run(&d, &["run", "--run-id", "t1"]);
    assert_eq!(r.code, 7);
    let s = run(&d, &["status", "--run-id", "t1"]);
    insta::assert_snapshot!(shown(&s));
    assert_eq!(s.code, 1, "publish was never registered");

    let d = Double::start("never-placeable");
    let r = run(&d, &["run", "--run-id", "t1", "--detach"]);
    assert_eq!(r.code, 0);
    placement_blocked(&d, "hello-build-t1");
    let s = run(&d, &["status", "hello-build-t1"]);
    insta::assert_snapshot!("status_pending", shown(&s));
    assert_eq!(s.code, 0);
}

/// Waits until the scheduler has run on `job`'s register evaluation and left a blocked
/// evaluation for the allocations it could not place: what `status` explains as pending.
/// `run --detach` returns once the job is registered, before the scheduler ran.
fn placement_blocked(d: &Double, job: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        // Not found until the job is registered.
        let (_, evals) = d.get_with(
            &format!("/v1/job/{job}/evaluations?namespace=default"),
            None,
        );
        let has = |trigger: &str, status: &str| {
            evals.as_array().is_some_and(|v| {
                v.iter()
                    .any(|e| e["TriggeredBy"] == trigger && e["Status"] == status)
            })
        };
        if has("job-register", "complete") && has("queued-allocs", "blocked") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no blocked evaluation for {job} within 20s: {evals:#}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Object keys the double sends that the documented samples (Nomad v1.11.3 docs) lack, each
/// a field of the Go struct at hashicorp/nomad@aa026cc (the source the double follows).
const EXTRA_KEYS: &[(&str, &[&str])] = &[
    // nomad/structs/alloc.go AllocListStub
    (
        "alloc stub",
        &[
            "Namespace",
            "NodeName",
            "JobType",
            "JobVersion",
            "DesiredTransition",
            "DeploymentStatus",
            "FollowupEvalID",
            "PreemptedAllocations",
            "PreemptedByAllocation",
        ],
    ),
    // nomad/structs/structs.go TaskState (Paused: Enterprise, "" in CE)
    ("task state", &["LastRestart", "Restarts", "Paused"]),
    // nomad/structs/structs.go TaskEvent
    (
        "task event",
        &["DisplayMessage", "Details", "GenericSource"],
    ),
    // nomad/structs/eval.go Evaluation
    ("evaluation", &["Namespace", "CreateTime", "ModifyTime"]),
    // nomad/structs/structs.go TaskGroupSummary, JobSummary
    ("summary", &["Namespace", "Unknown"]),
    // JobRegisterResponse embeds QueryMeta (nomad/structs/structs.go)
    ("register", &["NextToken"]),
    // JobDeregisterResponse (nomad/structs/structs.go)
    ("deregister", &["VolumeEvalID", "VolumeEvalIndex", "Index"]),
    // nomad/structs/structs.go Job
    (
        "job",
        &[
            "NodePool",
            "Stop",
            "Version",
            "SubmitTime",
            "Stable",
            "Meta",
        ],
    ),
    // nomad/structs/alloc.go Allocation
    ("allocation", &["Namespace", "NodeName", "FollowupEvalID"]),
];

fn extras(kind: &str) -> &'static [&'static str] {
    EXTRA_KEYS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[], |(_, v)| v)
}

fn sample(name: &str) -> Value {
    let text = std::fs::read_to_string(data(&format!("samples/{name}"))).expect("sample");
    serde_json::from_str(&text).expect("sample is JSON")
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Keys of `actual` are documented (in `sample` or `extra`), and shared keys have the same
/// JSON type (null matches anything: Go writes nil maps and slices as null).
fn same_shape(what: &str, actual: &Value, sample: &Value, extra: &[&str]) -> Vec<String> {
    let mut errs = Vec::new();
    let (Some(a), Some(s)) = (actual.as_object(), sample.as_object()) else {
        return vec![format!("{what}: not an object")];
    };
    for (k, v) in a {
        match s.get(k) {
            None if extra.contains(&k.as_str()) => {}
            None => errs.push(format!("{what}: undocumented key `{k}`")),
            Some(sv) if v.is_null() || sv.is_null() || kind(v) == kind(sv) => {}
            Some(sv) => errs.push(format!(
                "{what}.{k}: {} where the sample has {}",
                kind(v),
                kind(sv)
            )),
        }
    }
    errs
}

#[test]
fn the_doubles_responses_have_the_documented_shapes() {
    let d = Double::start("blocked-then-capacity");
    let r = run(&d, &["run", "--run-id", "t1", "--phase", "build"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let mut errs = Vec::new();
    let q = "?namespace=default";
    let allocs = d.get(&format!("/v1/job/hello-build-t1/allocations{q}"));
    let want = sample("GET-v1-job-ID-allocations.json");
    let stub = &allocs[0];
    errs.extend(same_shape(
        "alloc stub",
        stub,
        &want[0],
        extras("alloc stub"),
    ));
    let ts = stub["TaskStates"].as_object().expect("task states");
    let want_ts = sample("GET-v1-allocation-ID.json")["TaskStates"]["redis"].clone();
    for t in ts.values() {
        errs.extend(same_shape("task state", t, &want_ts, extras("task state")));
        for e in t["Events"].as_array().expect("events") {
            errs.extend(same_shape(
                "task event",
                e,
                &want_ts["Events"][0],
                extras("task event"),
            ));
        }
        let terminated = t["Events"]
            .as_array()
            .and_then(|e| e.iter().find(|e| e["Type"] == "Terminated"));
        assert_eq!(
            terminated.map(|e| e["Details"]["exit_code"].clone()),
            Some(Value::from("0"))
        );
    }
    let mut eval_sample = sample("GET-v1-job-ID-evaluations.json")[0].clone();
    for (k, v) in sample("GET-v1-evaluation-ID.json")
        .as_object()
        .expect("object")
    {
        eval_sample
            .as_object_mut()
            .expect("object")
            .entry(k.clone())
            .or_insert(v.clone());
    }
    let evals = d.get(&format!("/v1/job/hello-build-t1/evaluations{q}"));
    for e in evals.as_array().expect("evals") {
        errs.extend(same_shape(
            "evaluation",
            e,
            &eval_sample,
            extras("evaluation"),
        ));
        // Zero fields are omitted, as go-codec does for Evaluation.
        assert!(
            e.as_object()
                .expect("object")
                .values()
                .all(|v| !(v == "" || v == 0 || v == false || v.is_null())),
            "{e}"
        );
    }
    let blocked = evals
        .as_array()
        .expect("evals")
        .iter()
        .find(|e| e["TriggeredBy"] == "queued-allocs")
        .expect("a blocked evaluation");
    // Unblocked by the new capacity, it placed the allocation; its description is now empty
    // and therefore omitted.
    assert_eq!(blocked["Status"], "complete");
    assert!(blocked.get("StatusDescription").is_none());
    assert_eq!(stub["EvalID"], blocked["ID"]);
    let metric = &evals[0]["FailedTGAllocs"]["build"];
    errs.extend(same_shape(
        "metric",
        metric,
        &sample("POST-v1-job-ID-plan.json")["FailedTGAllocs"]["cache"],
        &[
            "NodePool",
            "QuotaExhausted",
            "ResourcesExhausted",
            "ScoreMetaData",
        ],
    ));
    let job = d.get(&format!("/v1/job/hello-build-t1{q}"));
    errs.extend(same_shape(
        "job",
        &job,
        &sample("GET-v1-job-ID.json"),
        extras("job"),
    ));
    let summary = d.get(&format!("/v1/job/hello-build-t1/summary{q}"));
    errs.extend(same_shape(
        "summary",
        &summary,
        &sample("GET-v1-job-ID-summary.json"),
        extras("summary"),
    ));
    errs.extend(same_shape(
        "summary group",
        &summary["Summary"]["build"],
        &sample("GET-v1-job-ID-summary.json")["Summary"]["cache"],
        extras("summary"),
    ));
    let alloc = d.get(&format!(
        "/v1/allocation/{}{q}",
        stub["ID"].as_str().expect("id")
    ));
    errs.extend(same_shape(
        "allocation",
        &alloc,
        &sample("GET-v1-allocation-ID.json"),
        extras("allocation"),
    ));
    let ls = d.get(&format!(
        "/v1/client/fs/ls/{}?path=alloc/logs",
        stub["ID"].as_str().expect("id")
    ));
    for f in ls.as_array().expect("files") {
        errs.extend(same_shape(
            "file",
            f,
            &sample("GET-v1-client-fs-ls-ID.json")[0],
            &[],
        ));
    }
    // A finished log, not followed: frames, then the end.
    let mut res = ureq::get(format!(
        "{}/v1/client/fs/logs/{}?task=build&type=stdout&follow=false",
        d.addr,
        stub["ID"].as_str().expect("id")
    ))
    .call()
    .expect("logs");
    let body = res.body_mut().read_to_string().expect("body");
    let frames: Vec<Value> = serde_json::Deserializer::from_str(&body)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .expect("concatenated JSON frames");
    for f in &frames {
        errs.extend(same_shape(
            "frame",
            f,
            &sample("GET-v1-client-fs-logs-ID.json")[0],
            &[],
        ));
    }
    let register = d.requests();
    assert!(register.iter().any(|q| q["method"] == "PUT"));
    let reg = ureq::put(format!("{}/v1/jobs", d.addr))
        .header("Content-Type", "application/json")
        .send(
            serde_json::to_string(&build_job("shape"))
                .expect("JSON")
                .as_str(),
        )
        .expect("register")
        .body_mut()
        .read_to_string()
        .expect("body");
    let reg: Value = serde_json::from_str(&reg).expect("JSON");
    errs.extend(same_shape(
        "register",
        &reg,
        &sample("POST-v1-jobs.json"),
        extras("register"),
    ));
    let del = ureq::delete(format!("{}/v1/job/hello-build-shape{q}", d.addr))
        .call()
        .expect("deregister")
        .body_mut()
        .read_to_string()
        .expect("body");
    let del: Value = serde_json::from_str(&del).expect("JSON");
    errs.extend(same_shape(
        "deregister",
        &del,
        &sample("DELETE-v1-job-ID.json"),
        extras("deregister"),
    ));
    assert!(errs.is_empty(), "{errs:#?}");
}

#[test]
fn a_lost_allocation_exits_126() {
    let d = Double::start("lost");
    let r = run(&d, &["run", "--run-id", "t1"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 126);
}

#[test]
fn a_task_that_never_started_exits_126_with_the_drivers_reason() {
    let d = Double::start("driver-failure");
    let r = run(&d, &["run", "--run-id", "t1"]);
    insta::assert_snapshot!(shown(&r));
    assert_eq!(r.code, 126);
}

#[test]
fn help_documents_the_exit_codes() {
    let out = Command::new(assert_cmd::cargo::cargo_bin("nomad-build"))
        .args(["run", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    for line in [
        "  124      a task was stopped by its timeout",
        "  123      not placed within --placement-timeout (the job is stopped)",
        "  130      interrupted (Ctrl-C; the running job is stopped, not purged)",
    ] {
        assert!(help.contains(line), "{help}");
    }
    let docs = std::fs::read_to_string(common::root().join("README.md")).expect("README.md");
    let table = nomad_build::cli::RUN_AFTER_HELP
        .split("\n\n")
        .next()
        .expect("the exit code table");
    assert!(
        docs.contains(table),
        "the README lacks the exit code table of `run --help`"
    );
}

#[test]
fn the_documented_run_is_what_the_binary_prints() {
    let d = Double::start("readme-minimal");
    let out = binary(&d.addr)
        .args(["run", "examples/minimal/build.hcl", "--run-id", "3f2a1c9"])
        .current_dir(common::root())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let docs = std::fs::read_to_string(common::root().join("README.md")).expect("README.md");
    let start = docs
        .find("$ nomad-build run examples/minimal/build.hcl --run-id 3f2a1c9\n")
        .expect("the example in the README");
    let block = &docs[start..];
    let block =
        &block[block.find('\n').expect("newline") + 1..block.find("```").expect("end of block")];
    assert_eq!(
        normalise(&String::from_utf8_lossy(&out.stdout)),
        normalise(block)
    );
}

#[test]
fn tls_like_the_nomad_cli() {
    let d = Double::start("tls");
    assert!(d.addr.starts_with("https://"));
    let tls = |f: &str| data(&format!("tls/{f}")).display().to_string();
    let (ca, cert, key) = (tls("ca.pem"), tls("client.pem"), tls("client-key.pem"));
    let client = [
        ("NOMAD_CLIENT_CERT", cert.as_str()),
        ("NOMAD_CLIENT_KEY", key.as_str()),
    ];
    // The CA, the client certificate, and the name the server certificate is for.
    let mut env = vec![
        ("NOMAD_CACERT", ca.as_str()),
        ("NOMAD_TLS_SERVER_NAME", "server.global.nomad"),
    ];
    env.extend(client);
    let ok = run_env(&d, &["run", "--run-id", "t1", "--phase", "build"], &env);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    // Without the name, the certificate does not fit the address.
    let wrong = run_env(
        &d,
        &["run", "--run-id", "t2", "--phase", "build"],
        &env[..1].iter().chain(&client).copied().collect::<Vec<_>>(),
    );
    assert_eq!(wrong.code, 125);
    assert_eq!(
        normalise(&wrong.stderr),
        "error: cannot reach Nomad at https://127.0.0.1:PORT: invalid peer certificate: certificate not valid for name \"127.0.0.1\"; certificate is only valid for DnsName(\"server.global.nomad\")\n"
    );
    // NOMAD_SKIP_VERIFY accepts it; the server still wants the client certificate.
    let mut skip = vec![("NOMAD_SKIP_VERIFY", "true")];
    skip.extend(client);
    assert_eq!(
        run_env(&d, &["run", "--run-id", "t3", "--phase", "build"], &skip).code,
        0
    );
    let anonymous = run_env(
        &d,
        &["run", "--run-id", "t4", "--phase", "build"],
        &[("NOMAD_SKIP_VERIFY", "true")],
    );
    assert_eq!(anonymous.code, 125);
    assert!(
        anonymous.stderr.contains("CertificateRequired"),
        "{}",
        anonymous.stderr
    );
}

#[test]
fn a_job_with_count_0_is_not_waited_on_and_status_says_why() {
    use nomad_build::cluster::wait::{self, Interrupt, Options, Outcome, PhaseJob};
    use nomad_build::commands::terminal::Terminal;
    use nomad_build::diag::Color;
    let d = Double::start("all-pass");
    let mut job = build_job("c0");
    job["Job"]["TaskGroups"][0]["Count"] = Value::from(0);
    let phases = [PhaseJob::new("build", job).expect("has an ID")];
    let opts = Options {
        placement_timeout: Duration::from_secs(60),
        detach: false,
        explain: None,
    };
    let mut out = Vec::new();
    let report = wait::run(
        &client(&d),
        &phases,
        &opts,
        &Interrupt::default(),
        &mut Terminal::new(&mut out, false, None, Color::Never),
    );
    assert_eq!(
        String::from_utf8_lossy(&out),
        "build: registered job hello-build-c0 (evaluation 00000001)\n\
         build: failed: build placed nothing: job hello-build-c0 is dead without allocations (is a task group's count 0?)\n"
    );
    assert!(matches!(report.outcome, Outcome::Lost { .. }));
    let s = run(&d, &["status", "hello-build-c0"]);
    assert_eq!(
        s.stdout,
        "job hello-build-c0 (namespace default, version 0): dead\n  No allocations placed\n\
         dead without allocations and not stopped: a task group's count is 0 (counts: build = 0)\n"
    );
}

#[test]
fn status_maps_to_the_build_hcl_only_when_it_is_the_one_the_job_came_from() {
    let d = Double::start("never-placeable");
    assert_eq!(run(&d, &["run", "--run-id", "t1", "--detach"]).code, 0);
    placement_blocked(&d, "hello-build-t1");
    let same = run(&d, &["status", "hello-build-t1"]);
    assert!(
        same.stdout.contains("╭─[build.hcl:12:3]"),
        "{}",
        same.stdout
    );
    // The same pipeline with one more comment line: another source, no mapping.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(data("pipeline/build.hcl")).expect("read");
    std::fs::write(dir.path().join("build.hcl"), format!("# edited\n{text}")).expect("write");
    let out = binary(&d.addr)
        .args(["status", "hello-build-t1"])
        .current_dir(dir.path())
        .output()
        .expect("runs");
    let other = String::from_utf8_lossy(&out.stdout);
    assert!(other.contains("* Constraint \"${attr.driver.docker.privileged.enabled} = true\": 1 nodes excluded by filter"), "{other}");
    assert!(!other.contains("build.hcl:"), "{other}");
}

#[test]
fn ctrl_c_while_waiting_for_placement_stops_the_job() {
    use nomad_build::cluster::wait::{self, Interrupt, Options, Outcome, PhaseJob};
    use nomad_build::commands::terminal::Terminal;
    use nomad_build::diag::Color;
    let d = Double::start("never-placeable");
    let phases = [PhaseJob::new("build", build_job("i1")).expect("has an ID")];
    let opts = Options {
        placement_timeout: Duration::from_secs(60),
        detach: false,
        explain: None,
    };
    let interrupt = Interrupt::default();
    let mut out = Vec::new();
    let start = Instant::now();
    // Ctrl-C once the placement failed and a blocked evaluation waits for capacity.
    let report = std::thread::scope(|scope| {
        scope.spawn(|| {
            placement_blocked(&d, "hello-build-i1");
            interrupt.trigger();
        });
        wait::run(
            &client(&d),
            &phases,
            &opts,
            &interrupt,
            &mut Terminal::new(&mut out, false, None, Color::Never),
        )
    });
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(report.outcome, Outcome::Interrupted);
    let out = String::from_utf8_lossy(&out);
    assert!(out.ends_with("interrupted: stopped job hello-build-i1 (build); it was not purged, so `nomad job status hello-build-i1` still shows it\n"), "{out}");
    assert_eq!(
        writes(&d),
        ["PUT /v1/jobs", "DELETE /v1/job/hello-build-i1"]
    );
}

#[test]
fn logs_the_token_may_not_read_are_reported_and_exit_codes_still_count() {
    // Every log read is denied; the test task exits 7.
    let d = Double::start("logs-forbidden");
    let r = run(&d, &["run", "--run-id", "t1"]);
    assert_eq!(r.stderr, "");
    assert_eq!(r.code, 7, "{}", r.stdout);
    assert_eq!(registered(&d), ["build", "test"]);
    let out = normalise(&r.stdout);
    // The two streams of a task are followed side by side, so the order of a task's two
    // denials varies; each comes after the task started and before its ending events, which
    // wait for its log followers to end.
    let denied = |l: &str| l.contains(": cannot read ");
    let lines: Vec<&str> = out.lines().collect();
    let why = "permission denied (`Permission denied`): the token lacks the `read-logs` capability in namespace `default`";
    let mut seen: Vec<&str> = lines.iter().copied().filter(|l| denied(l)).collect();
    seen.sort_unstable();
    let mut want = Vec::new();
    for task in [
        "build/build",
        "build/checkout",
        // The watchdogs' logs are followed too: their stderr says when they fired.
        "build/watchdog",
        "test/unit",
        "test/watchdog",
    ] {
        for stream in ["stderr", "stdout"] {
            want.push(format!("{task}: cannot read {stream}: {why}"));
        }
    }
    assert_eq!(seen, want);
    let at = |l: &str| lines.iter().position(|x| *x == l);
    for task in ["build/checkout", "build/build", "test/unit"] {
        let started = at(&format!("{task}: Started: Task started by client")).expect("started");
        let ended = lines
            .iter()
            .position(|l| l.starts_with(&format!("{task}: Terminated: ")))
            .expect("terminated");
        for stream in ["stdout", "stderr"] {
            let i = at(&format!("{task}: cannot read {stream}: {why}")).expect("denied");
            assert!(started < i && i < ended, "{task} {stream}:\n{out}");
        }
    }
    let rest: String = lines
        .iter()
        .filter(|l| !denied(l))
        .flat_map(|l| [*l, "\n"])
        .collect();
    assert_eq!(
        rest,
        "\
build: registered job hello-build-t1 (evaluation 00000001)
build: allocation 00000002 placed on node node-1 (task group build)
build/checkout: Started: Task started by client
build/checkout: Terminated: Exit Code: 0
build/build: Started: Task started by client
build/build: Terminated: Exit Code: 0
build: passed
test: registered job hello-test-t1 (evaluation 00000003)
test: allocation 00000004 placed on node node-1 (task group unit)
test/unit: Started: Task started by client
test/unit: Terminated: Exit Code: 7, Exit Message: \"Docker container exited with non-zero exit code: 7\"
test/unit: Not Restarting: Policy allows no restarts
test: failed: test/unit exited with code 7

PHASE    TASK      STATUS   EXIT  DURATION  ALLOC     NODE
build    checkout  passed   0     N.Ns      00000002  node-1
build    build     passed   0     N.Ns      00000002  node-1
test     unit      failed   7     N.Ns      00000004  node-1
publish  publish   not run  -     -         -         -
"
    );
}

#[test]
fn a_second_run_of_the_same_job_does_not_report_the_first_runs_results() {
    let d = Double::start("all-pass");
    assert_eq!(
        run(&d, &["run", "--run-id", "t1", "--phase", "build"]).code,
        0
    );
    let again = run(&d, &["run", "--run-id", "t1", "--phase", "build"]);
    insta::assert_snapshot!(shown(&again));
    assert_eq!(again.code, 126);
}

#[test]
fn error_bodies_never_show_the_token_or_basic_auth() {
    // A proxy answers the register with the request's headers: X-Nomad-Token and the
    // Authorization header (base64 of `user:pass`) come back in the body.
    let d = Double::start("reflect-headers");
    let r = run_env(
        &d,
        &["run", "--run-id", "t1", "--phase", "build"],
        &[
            ("NOMAD_TOKEN", "s3cr3t-nomad-token"),
            ("NOMAD_HTTP_AUTH", "ciuser:basic-pass-456"),
        ],
    );
    assert_eq!(r.code, 125);
    insta::assert_snapshot!(without_length(&shown(&r)));
    // Userinfo in the address is basic auth too: redacted in bodies, cut from the address.
    let addr = d
        .addr
        .replacen("http://", "http://addruser:addr%2Fpass-789@", 1);
    let out = binary(&addr)
        .args(["run", "--run-id", "t1", "--phase", "build"])
        .current_dir(data("pipeline"))
        .output()
        .expect("runs");
    let r2 = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: Duration::ZERO,
    };
    assert_eq!(r2.code, 125);
    insta::assert_snapshot!("error_bodies_userinfo", without_length(&shown(&r2)));
    for r in [&r, &r2] {
        let all = format!("{}{}", r.stdout, r.stderr);
        for secret in [
            "s3cr3t",
            "basic-pass",
            "Y2l1c2VyOmJhc2ljLXBhc3MtNDU2",
            "addr-pass",
            "addr%2Fpass",
            "YWRkcnVzZXI6YWRkci9wYXNzLTc4OQ==",
        ] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
    }
    assert!(d.requests().iter().all(|q| q["basic"] == true));
}

/// The job's size (reflected as `content-length`) changes with the templates.
fn without_length(s: &str) -> String {
    s.lines()
        .map(|l| match l.find("content-length: ") {
            Some(i) => format!("{}content-length: N", &l[..i]),
            None => l.to_owned(),
        })
        .flat_map(|l| [l, "\n".to_owned()])
        .collect()
}

#[test]
fn a_huge_error_body_is_cut_and_its_escapes_are_shown_escaped() {
    // 50 MB of terminal escapes and text in a 500 answer to the register.
    let d = Double::start("huge-body");
    let r = run(&d, &["run", "--run-id", "t1", "--phase", "build"]);
    assert_eq!(r.code, 125);
    assert!(!r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{9b}'));
    assert!(r.stderr.len() < 6 * 1024, "{} bytes", r.stderr.len());
    insta::assert_snapshot!(shown(&r));
}

#[test]
fn task_logs_are_read_as_bytes_cut_and_redacted() {
    let d = Double::start("log-bytes");
    let r = run_env(
        &d,
        &["run", "--run-id", "t1", "--phase", "build"],
        &[
            ("NOMAD_TOKEN", "s3cr3t-nomad-token"),
            ("VAULT_TOKEN", "hvs.vault-token-123"),
            ("NOMAD_HTTP_AUTH", "ciuser:basic-pass-456"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The 3 MB line is cut at 64 KiB: compared apart from the rest.
    let long = format!(
        "build/build | {}… [line truncated: {} bytes dropped]",
        "x".repeat(64 * 1024),
        3_000_000 - 64 * 1024
    );
    assert!(r.stdout.lines().any(|l| l == long), "no cut line");
    let rest: String = r
        .stdout
        .lines()
        .map(|l| {
            if l == long {
                "build/build | <64 KiB of x, cut>"
            } else {
                l
            }
        })
        .flat_map(|l| [l, "\n"])
        .collect();
    insta::assert_snapshot!(normalise(&rest));
}

/// A listener that accepts connections and never answers; they stay open until the test ends.
fn silent_listener() -> (
    u16,
    std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let h = held.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            h.lock().expect("lock").push(s);
        }
    });
    (port, held)
}

#[test]
fn a_cluster_that_accepts_and_never_answers_fails_in_time_with_a_message() {
    let (port, _held) = silent_listener();
    let addr = format!("http://ci:pw-in-the-address@127.0.0.1:{port}");
    let shown_addr = format!("http://127.0.0.1:{port}");
    for (args, what) in [
        (
            &["status", "hello-build-t1"][..],
            "GET /v1/job/hello-build-t1",
        ),
        (&["run", "--run-id", "t1"][..], "GET /v1/agent/members"),
    ] {
        let start = Instant::now();
        let out = binary(&addr)
            .env("NOMAD_BUILD_CLUSTER_TIMEOUT", "2s")
            .args(args)
            .current_dir(data("pipeline"))
            .output()
            .expect("runs");
        let took = start.elapsed();
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned()
            ),
            (
                Some(125),
                String::new(),
                format!(
                    "error: cannot reach Nomad at {shown_addr}: no answer to {what} within 2s\n"
                )
            ),
            "{args:?}"
        );
        assert!(took < Duration::from_secs(10), "{args:?} took {took:?}");
    }
}

#[test]
fn the_cluster_timeout_must_be_a_duration() {
    let (port, _held) = silent_listener();
    let out = binary(&format!("http://127.0.0.1:{port}"))
        .env("NOMAD_BUILD_CLUSTER_TIMEOUT", "soon")
        .args(["status", "hello-build-t1"])
        .current_dir(data("pipeline"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: NOMAD_BUILD_CLUSTER_TIMEOUT=`soon` is not a duration: give seconds (`90`) or a number with `ms`, `s` or `m` (`2m`)\n"
    );
}
