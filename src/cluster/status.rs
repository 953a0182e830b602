//! Explaining a job's state, read-only: running, complete, failed (which task, which exit
//! code), pending on a blocked evaluation (with the placement failures), or dead (stopped)
//! with its cause, following what Nomad's job endpoints and scheduler record (hashicorp/nomad
//! `nomad/job_endpoint.go`, `scheduler/`) for each cause of a dead (stopped) job:
//!
//! - **A** `Stop: true` in the submitted job: the first stopped version is version 0 (or the
//!   version the submit wrote), and there is no `job-deregister` evaluation;
//! - **B** a deregister (`nomad job stop`, `DELETE /v1/job/:id`): a `job-deregister`
//!   evaluation exists; when the register evaluation's `SnapshotIndex` is at or after the
//!   deregister's `CreateIndex` and nothing was placed, the stop came before the scheduler
//!   ran; after the deregister evaluation is garbage-collected (1 h), a stopped version whose
//!   `SubmitTime` matches no register evaluation still reveals it;
//! - **C/D** a later register with `Stop: true`, or a revert to a stopped version: the
//!   stopped version was written by a `job-register` evaluation.

use std::io::Write;
use std::time::Duration;

use super::api::{short, Allocation, Evaluation, Job, JobVersions};
use super::client::{encode, ApiError, Client};
use super::explain::{self, Mapping};
use super::{describe_error, watchdog, Action};
use crate::diag::{Color, Sources};

/// Why a job is stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopCause {
    /// A: the submitted job had `Stop: true`.
    SubmittedStopped {
        /// The version written stopped.
        version: u64,
    },
    /// B: deregistered.
    Deregistered {
        /// Time from the register to the deregister, when both evaluations are known.
        after_submit: Option<Duration>,
        /// Whether the scheduler saw only the stopped job (nothing was ever placed).
        before_scheduling: bool,
    },
    /// C/D: a register of a stopped version (a later submit with `Stop: true`, or a revert).
    RegisteredStopped {
        /// The stopped version.
        version: u64,
    },
    /// Stopped, with too little left to say how.
    Unknown,
}

impl StopCause {
    /// One sentence.
    pub fn describe(&self) -> String {
        match self {
            StopCause::SubmittedStopped { version } => format!(
                "the job was submitted with `Stop: true` (version {version}): Nomad registered it stopped and evaluated it, so nothing was placed and there are no placement failures"
            ),
            StopCause::Deregistered {
                after_submit,
                before_scheduling,
            } => {
                let when = after_submit.map_or_else(String::new, |d| {
                    format!(" {:.1}s after it was submitted", d.as_secs_f64())
                });
                if *before_scheduling {
                    format!(
                        "the job was stopped (deregistered: `nomad job stop` or `DELETE /v1/job/:id`){when}, before the scheduler placed it, so it never ran"
                    )
                } else {
                    format!(
                        "the job was stopped (deregistered: `nomad job stop` or `DELETE /v1/job/:id`){when}"
                    )
                }
            }
            StopCause::RegisteredStopped { version } => format!(
                "version {version} of the job was registered with `Stop: true` (a later submit of the stopped job, or a revert to a stopped version)"
            ),
            StopCause::Unknown => "the job is stopped; its evaluations are gone, so the cause is unknown".to_owned(),
        }
    }
}

/// Applies §9 to a stopped job.
pub fn classify_stop(
    job: &Job,
    versions: &[Job],
    evals: &[Evaluation],
    allocs: &[Allocation],
) -> StopCause {
    let mut registers: Vec<&Evaluation> = evals
        .iter()
        .filter(|e| e.triggered_by == "job-register")
        .collect();
    registers.sort_by_key(|e| e.create_index);
    if let Some(dereg) = evals
        .iter()
        .filter(|e| e.triggered_by == "job-deregister")
        .max_by_key(|e| e.create_index)
    {
        let register = registers
            .iter()
            .rev()
            .find(|e| e.create_index < dereg.create_index);
        let after_submit = register.and_then(|r| {
            u64::try_from(dereg.create_time - r.create_time)
                .ok()
                .map(Duration::from_nanos)
        });
        let before_scheduling = allocs.is_empty()
            && register.is_some_and(|r| r.is_terminal() && r.snapshot_index >= dereg.create_index);
        return StopCause::Deregistered {
            after_submit,
            before_scheduling,
        };
    }
    // The run of stopped versions up to the current one (versions are newest first).
    let mut sorted: Vec<&Job> = versions.iter().collect();
    sorted.sort_by_key(|v| std::cmp::Reverse(v.version));
    let first_stopped = sorted
        .iter()
        .take_while(|v| v.stop)
        .last()
        .copied()
        .or_else(|| job.stop.then_some(job));
    let Some(first) = first_stopped else {
        return StopCause::Unknown;
    };
    if first.version == 0 {
        return StopCause::SubmittedStopped {
            version: first.version,
        };
    }
    let written_by_register = registers.iter().any(|e| {
        e.job_modify_index == first.job_modify_index || e.create_time == first.submit_time
    });
    if written_by_register {
        // With the running version before it in the history, a later submit stopped the
        // job; without it, the submit that created what is left was already stopped.
        let previous_known = sorted.iter().any(|v| v.version + 1 == first.version);
        return if previous_known {
            StopCause::RegisteredStopped {
                version: first.version,
            }
        } else {
            StopCause::SubmittedStopped {
                version: first.version,
            }
        };
    }
    // No evaluation wrote it: a deregister whose evaluation was garbage-collected.
    StopCause::Deregistered {
        after_submit: None,
        before_scheduling: allocs.is_empty(),
    }
}

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
    mapping: Option<(&Sources, &Mapping)>,
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
                let _ = write!(out, "{}", explain::group_text(&phase, g, m));
                if let Some((sources, mapping)) = mapping {
                    let f = explain::findings(mapping, &format!("{phase}/{g}"), m);
                    let _ = write!(out, "{}", explain::render(&f, sources, color));
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(trigger: &str, create: u64, snapshot: u64, time: i64) -> Evaluation {
        Evaluation {
            id: format!("e{create}"),
            triggered_by: trigger.into(),
            status: "complete".into(),
            create_index: create,
            snapshot_index: snapshot,
            create_time: time,
            ..Evaluation::default()
        }
    }

    fn version(v: u64, stop: bool, jmi: u64, submit: i64) -> Job {
        Job {
            version: v,
            stop,
            job_modify_index: jmi,
            submit_time: submit,
            ..Job::default()
        }
    }

    #[test]
    fn cause_a_submitted_stopped() {
        let job = version(0, true, 10, 100);
        let c = classify_stop(
            &job,
            std::slice::from_ref(&job),
            &[eval("job-register", 10, 10, 100)],
            &[],
        );
        assert_eq!(c, StopCause::SubmittedStopped { version: 0 });
    }

    #[test]
    fn cause_b_deregistered_before_scheduling() {
        let job = version(1, true, 12, 1_700_000_000);
        let versions = [job.clone(), version(0, false, 10, 500_000_000)];
        let evals = [
            eval("job-register", 10, 12, 500_000_000),
            eval("job-deregister", 12, 12, 1_700_000_000),
        ];
        let c = classify_stop(&job, &versions, &evals, &[]);
        assert_eq!(
            c,
            StopCause::Deregistered {
                after_submit: Some(Duration::from_millis(1200)),
                before_scheduling: true
            }
        );
        assert!(c
            .describe()
            .contains("1.2s after it was submitted, before the scheduler placed it"));
    }

    #[test]
    fn cause_c_registered_stopped_and_b_after_gc() {
        let job = version(1, true, 14, 900);
        let versions = [job.clone(), version(0, false, 10, 100)];
        let evals = [
            eval("job-register", 10, 10, 100),
            eval("job-register", 14, 14, 900),
        ];
        assert_eq!(
            classify_stop(&job, &versions, &evals, &[]),
            StopCause::RegisteredStopped { version: 1 }
        );
        // The deregister evaluation is gone and no register wrote version 1.
        let evals = [eval("job-register", 10, 10, 100)];
        assert!(matches!(
            classify_stop(&job, &versions, &evals, &[]),
            StopCause::Deregistered {
                after_submit: None,
                ..
            }
        ));
    }
}
