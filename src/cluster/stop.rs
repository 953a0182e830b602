//! Why a dead job is stopped, following what Nomad's job endpoints and scheduler record
//! (hashicorp/nomad `nomad/job_endpoint.go`, `scheduler/`) for each cause:
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

use std::time::Duration;

use super::api::{Allocation, Evaluation, Job};
use crate::duration::seconds;

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
                    format!(" {} after it was submitted", seconds(d))
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
