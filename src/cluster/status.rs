//! Explaining a job's state, read-only: running, complete, failed (which task, which exit
//! code), pending on a blocked evaluation (with the placement failures), or dead (stopped)
//! with its cause ([`super::stop`]).

use std::io::Write;

use super::api::{short, Allocation, Evaluation, Job, JobVersions};
use super::client::{encode, ApiError, Client};
use super::stop::{classify_stop, StopCause};
use super::{describe_error, watchdog, Action};
use crate::diag::Color;
use crate::placement::explain::blocked_text;
use crate::placement::BuildFile;

/// What `status` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Allocations are running.
    Running,
    /// Dead, and every task exited 0.
    Complete,
    /// A task failed.
    Failed,
    /// Waiting for placement or for the scheduler.
    Pending,
    /// Dead (stopped).
    Stopped(StopCause),
    /// Dead without allocations and not stopped (count 0).
    Empty,
}

/// Explains job `job_id`, writing the explanation to `out`.
pub fn explain(
    client: &Client,
    job_id: &str,
    file: Option<BuildFile<'_>>,
    color: Color,
    out: &mut dyn Write,
) -> Result<State, String> {
    let ns = client.namespace().to_owned();
    let id = encode(job_id);
    let fail = |e: ApiError| describe_error(&e, Action::ReadJob, &ns, job_id);
    let job = match client.get::<Job>(&format!("/v1/job/{id}"), &[], None) {
        Ok(r) => r.value,
        Err(e) if e.status() == Some(404) => {
            return Err(format!(
                "job {job_id} not found in namespace `{ns}`: it was purged, garbage-collected (dead jobs after 4h), or lives in another namespace or region"
            ))
        }
        Err(e) => return Err(fail(e)),
    };
    let versions = client
        .get::<JobVersions>(&format!("/v1/job/{id}/versions"), &[], None)
        .map(|r| r.value.versions)
        .unwrap_or_default();
    let evals = client
        .get::<Vec<Evaluation>>(&format!("/v1/job/{id}/evaluations"), &[], None)
        .map_err(fail)?
        .value;
    let allocs = client
        .get::<Vec<Allocation>>(&format!("/v1/job/{id}/allocations"), &[], None)
        .map_err(fail)?
        .value;
    let phase = job
        .meta
        .get("nomad-build.phase")
        .cloned()
        .unwrap_or_else(|| job_id.to_owned());
    let shown_status = if job.stop {
        format!("{} (stopped)", job.status)
    } else {
        job.status.clone()
    };
    let mut w = |s: String| {
        let _ = writeln!(out, "{s}");
    };
    w(format!(
        "job {job_id} (namespace {}, version {}): {shown_status}",
        if job.namespace.is_empty() {
            ns.as_str()
        } else {
            job.namespace.as_str()
        },
        job.version
    ));
    let mut allocs_sorted: Vec<&Allocation> = allocs.iter().collect();
    allocs_sorted.sort_by_key(|a| a.create_index);
    let mut failed_task: Option<(String, Option<i64>)> = None;
    let mut timed_out: Option<String> = None;
    let mut stopped_by_watchdog: Option<String> = None;
    for a in &allocs_sorted {
        let node = if a.node_name.is_empty() {
            short(&a.node_id)
        } else {
            a.node_name.as_str()
        };
        w(format!(
            "  allocation {} (task group {}) on node {node}: {}{}",
            a.short_id(),
            a.task_group,
            a.client_status,
            if a.timed_out() {
                " (exceeded max_run_duration)"
            } else {
                ""
            }
        ));
        // Prestart tasks first, in the job's order, as they run.
        let order: Vec<&str> = job
            .task_groups
            .iter()
            .filter(|g| g.name == a.task_group)
            .flat_map(|g| {
                let mut tasks: Vec<&super::api::Task> = g.tasks.iter().collect();
                tasks.sort_by_key(|t| t.lifecycle.as_ref().is_none_or(|l| l.hook != "prestart"));
                tasks.into_iter().map(|t| t.name.as_str())
            })
            .collect();
        // The watchdog (a prestart sidecar) enforces the timeout before Nomad 2.0.3.
        let dog = job
            .task_groups
            .iter()
            .filter(|g| g.name == a.task_group)
            .flat_map(|g| g.tasks.iter())
            .find(|t| t.is_sidecar());
        let fired = dog.and_then(|d| {
            let s = a.task_states.get(&d.name)?;
            watchdog::fired(s).then(|| {
                (
                    d.name.clone(),
                    watchdog::timed_out(watchdog::timeout(&d.env)),
                )
            })
        });
        let mut states: Vec<(&String, &super::api::TaskState)> = a.task_states.iter().collect();
        states.sort_by_key(|(t, _)| order.iter().position(|o| o == t).unwrap_or(usize::MAX));
        for (t, s) in states {
            let code = s.exit_code();
            let shown = match code {
                Some(c) => format!("{}, exit code {c}", s.state),
                None => s.state.clone(),
            };
            if let Some(d) = dog.filter(|d| d.name == *t) {
                let limit = watchdog::timeout(&d.env)
                    .map_or(String::new(), |l| format!(" {}", crate::duration::human(l)));
                match &fired {
                    Some((_, text)) => w(format!("    {phase}/{t}: {shown}: {text} (the watchdog)")),
                    None if s.failed => {
                        w(format!("    {phase}/{t}: {shown} (the watchdog of the{limit} timeout)"));
                        if failed_task.is_none() {
                            failed_task = Some((format!("{phase}/{t}"), code));
                        }
                    }
                    None => w(format!(
                        "    {phase}/{t}: {} (the watchdog of the{limit} timeout; not a task result)",
                        s.state
                    )),
                }
                continue;
            }
            if let Some((dog, _)) = fired.as_ref().filter(|(d, _)| watchdog::stopped_by(s, d)) {
                w(format!(
                    "    {phase}/{t}: {shown} (stopped by {phase}/{dog})"
                ));
                if stopped_by_watchdog.is_none() && s.started() {
                    stopped_by_watchdog = Some(format!("{phase}/{t}"));
                }
                continue;
            }
            w(format!("    {phase}/{t}: {shown}"));
            if failed_task.is_none() && (s.failed || code.is_some_and(|c| c != 0)) {
                failed_task = Some((format!("{phase}/{t}"), code));
            }
        }
        if let Some((_, text)) = fired {
            timed_out.get_or_insert(text);
        }
    }
    if allocs.is_empty() {
        w("  No allocations placed".to_owned());
    }
    let blocked = evals.iter().any(|e| e.status == "blocked");
    let state = if job.stop {
        let cause = classify_stop(&job, &versions, &evals, &allocs);
        w(format!("cause: {}", cause.describe()));
        State::Stopped(cause)
    } else if job.status == "pending" || blocked {
        if let Some(e) = evals
            .iter()
            .filter(|e| !e.failed_tg_allocs.is_empty())
            .max_by_key(|e| e.create_index)
        {
            for (g, m) in &e.failed_tg_allocs {
                let _ = write!(out, "{}", blocked_text(&phase, g, m));
            }
            if let Some(file) = file {
                let f = file.findings(&phase, &e.failed_tg_allocs);
                let _ = write!(out, "{}", file.render(&f, color));
            }
            if blocked {
                let _ = writeln!(out, "pending: a blocked evaluation waits for capacity");
            }
        } else {
            let _ = writeln!(out, "pending: waiting for the scheduler");
        }
        State::Pending
    } else if job.status == "running" {
        State::Running
    } else if allocs.is_empty() {
        let _ = writeln!(
            out,
            "dead without allocations and not stopped: a task group's count is 0 (counts: {})",
            job.task_groups
                .iter()
                .map(|g| format!("{} = {}", g.name, g.count))
                .collect::<Vec<_>>()
                .join(", ")
        );
        State::Empty
    } else if let Some(text) = timed_out {
        let _ = match stopped_by_watchdog {
            Some(task) => writeln!(out, "failed: {text}: the watchdog task stopped {task}"),
            None => writeln!(out, "failed: {text} (the watchdog task)"),
        };
        State::Failed
    } else if let Some((task, code)) = failed_task {
        let _ = match code {
            Some(c) => writeln!(out, "failed: {task} exited with code {c}"),
            None => writeln!(out, "failed: {task} ended without an exit code"),
        };
        State::Failed
    } else if allocs.iter().any(super::api::Allocation::timed_out) {
        let _ = writeln!(out, "failed: stopped by its timeout (max_run_duration)");
        State::Failed
    } else {
        let _ = writeln!(out, "complete: every task exited 0");
        State::Complete
    };
    Ok(state)
}
