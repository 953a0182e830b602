//! The cluster tools (`run`, `run_status`, `run_cancel`, `status`, `plan`) driven over stdio
//! by the official Python MCP SDK, against a scripted cluster written, as a real
//! implementation will be, outside the crate with its public API only.
//!
//! This test binary is its own server: `cluster serve --root DIR` serves the MCP server with
//! the scripted cluster on standard input and output (what the Python client launches);
//! without arguments it runs `tests/mcp/client.py cluster`, which makes the checks. No test
//! harness, so that nothing but the protocol reaches standard output in `serve` mode.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Duration;

use nomad_build::mcp::{
    self, CancelToken, Cluster, PhaseOutcome, PhasePlan, PlanRequest, Root, RunReporter,
    RunRequest, TaskState,
};
use nomad_build::phase::Phase;

/// The `mcp` release `.ci/run` installs.
const SDK: &str = "mcp==2.3.0";

/// Plays each phase: submitted, its task running with log lines, then complete with exit code
/// 0. A run whose id starts with `slow` waits a minute per phase, long enough to be cancelled.
struct Scripted;

impl Cluster for Scripted {
    fn run(
        &self,
        request: &RunRequest,
        report: &RunReporter,
        cancel: &CancelToken,
    ) -> Result<(), String> {
        let step = if request.run_id.starts_with("slow") {
            Duration::from_secs(60)
        } else {
            Duration::from_millis(150)
        };
        for &phase in &request.phases {
            let job = request
                .compiled
                .phase(phase)
                .and_then(|r| r.job.job.id.clone())
                .ok_or_else(|| format!("no {phase} job"))?;
            report.phase_started(phase, &job);
            let task = phase.name();
            report.task(phase, "main", task, TaskState::Pending, None);
            if cancel.wait(step) {
                report.phase_finished(phase, PhaseOutcome::Cancelled);
                return Ok(());
            }
            report.task(phase, "main", task, TaskState::Running, None);
            report.log(phase, "main", task, &format!("{task}: working on {job}"));
            if cancel.wait(step) {
                report.task(phase, "main", task, TaskState::Failed, Some(130));
                report.phase_finished(phase, PhaseOutcome::Cancelled);
                return Ok(());
            }
            report.log(phase, "main", task, &format!("{task}: done"));
            report.task(phase, "main", task, TaskState::Complete, Some(0));
            report.phase_finished(phase, PhaseOutcome::Passed);
        }
        Ok(())
    }

    fn status(&self, job_id: &str) -> Result<String, String> {
        // A careless implementation that prints its token: the server redacts it.
        let token = std::env::var("NOMAD_TOKEN").unwrap_or_default();
        Ok(format!(
            "job {job_id}: dead (complete)\n  asked with token {token}"
        ))
    }

    fn plan(&self, request: &PlanRequest) -> Result<Vec<PhasePlan>, String> {
        Ok(request
            .phases
            .iter()
            .map(|&p| PhasePlan {
                phase: p,
                job_id: request
                    .opened
                    .compiled
                    .phase(p)
                    .and_then(|r| r.job.job.id.clone())
                    .unwrap_or_default(),
                placeable: p != Phase::Publish,
                failures: if p == Phase::Publish {
                    vec!["group publish: 0 of 3 nodes have `driver.docker`".to_owned()]
                } else {
                    Vec::new()
                },
            })
            .collect())
    }
}

fn serve(args: &[String]) -> ExitCode {
    let root = match args {
        [flag, dir] if flag == "--root" => PathBuf::from(dir),
        _ => {
            eprintln!("usage: cluster serve --root DIR");
            return ExitCode::from(2);
        }
    };
    let root = match Root::new(&root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    match mcp::run_stdio(root, Some(Arc::new(Scripted))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn drive() -> ExitCode {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let me = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot find this test binary: {e}");
            return ExitCode::FAILURE;
        }
    };
    let status = Command::new(&python)
        .arg(repo.join("tests/mcp/client.py"))
        .arg("cluster")
        .arg(&me)
        .arg(&repo)
        .status();
    match status {
        Ok(s) if s.success() => {
            println!("mcp_cluster: 1 passed, 0 failed");
            ExitCode::SUCCESS
        }
        Ok(s) => {
            eprintln!("the MCP client failed ({s}); it needs Python 3 with pip install '{SDK}'");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!(
                "cannot run `{python}` ({e}); the MCP test needs Python 3 with pip install '{SDK}'"
            );
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((cmd, rest)) if cmd == "serve" => serve(rest),
        // `cargo test` passes libtest flags (`--nocapture`, filters); this binary has one
        // test and runs it, unless asked only to list tests.
        _ if args.iter().any(|a| a == "--list") => {
            println!("mcp_cluster: test");
            ExitCode::SUCCESS
        }
        _ => drive(),
    }
}
