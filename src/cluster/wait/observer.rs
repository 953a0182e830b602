//! What a run reports while it goes: typed events, never text. The command line's terminal
//! observer words them (and owns the live status line); the MCP server folds them into a
//! run's status.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Outcome;
use crate::cluster::api::{Allocation, TaskEvent};
use crate::cluster::logs::{LogEvent, Stream};
use crate::diag::Finding;
use crate::placement::AllocMetric;

/// One task of a phase.
#[derive(Debug, Clone, Copy)]
pub struct TaskRef<'a> {
    /// `build`, `test` or `publish`.
    pub phase: &'a str,
    /// Its group.
    pub group: &'a str,
    /// Its name.
    pub task: &'a str,
    /// `phase/task`, or `phase/group/task` when the phase has several groups.
    pub label: &'a str,
}

/// Groups of a phase the scheduler cannot place yet (those not reported before), with their
/// metrics and, when the run knows the build.hcl, the findings of the placement explainer
/// ([`crate::placement::BuildFile::findings`], the one `plan` and `status` use).
#[derive(Debug, Clone)]
pub struct Blocked {
    /// The phase.
    pub phase: String,
    /// Nomad's placement metrics of each blocked task group.
    pub groups: BTreeMap<String, AllocMetric>,
    /// Why, in build.hcl's terms (empty without the build.hcl).
    pub findings: Vec<Finding>,
}

/// Where a phase is, for a status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Registering the job.
    Submitting {
        /// The job.
        job_id: String,
    },
    /// Registered; no evaluation answered yet.
    WaitingForScheduler,
    /// Blocked: `eligible` of `pool` nodes could take the job.
    WaitingForPlacement {
        /// Eligible nodes.
        eligible: u64,
        /// Nodes in the pool.
        pool: u64,
    },
    /// Every group placed: `done` of `tasks` tasks dead.
    Running {
        /// Finished tasks.
        done: usize,
        /// Every task.
        tasks: usize,
    },
}

/// What else happens during a run.
#[derive(Debug, Clone)]
pub enum Note {
    /// Ctrl-C came before the phase was submitted.
    InterruptedBeforeSubmitting,
    /// `--detach`: the first phase was submitted, `later` were not.
    Detached {
        /// The job.
        job_id: String,
        /// Its namespace.
        namespace: String,
        /// The phases not submitted.
        later: Vec<String>,
    },
    /// A warning of the register.
    NomadWarns(String),
    /// The blocked evaluation waits for capacity until the placement timeout.
    WaitingForCapacity {
        /// The blocked evaluation.
        evaluation: String,
        /// The placement timeout.
        timeout: Duration,
    },
    /// Not placed within the placement timeout: the job was stopped, or stopping it failed.
    NotPlaced {
        /// The job.
        job_id: String,
        /// The placement timeout.
        timeout: Duration,
        /// Why stopping the job failed.
        stop_failed: Option<String>,
    },
    /// An allocation was lost.
    AllocationLost {
        /// Its short id.
        alloc: String,
        /// Why.
        why: String,
    },
    /// Someone else stopped the job while it had allocations.
    StoppedByOthers {
        /// The job.
        job_id: String,
    },
    /// Why the job stopped ([`crate::cluster::stop::StopCause::describe`]).
    StopCause(String),
    /// The cluster fails and the client retries.
    Retrying(String),
    /// The cluster answers again after this long.
    Recovered(Duration),
    /// The logs did not complete within this grace time.
    LogsCutShort(Duration),
    /// Ctrl-C after the job had finished.
    InterruptedAfterFinish {
        /// The job.
        job_id: String,
    },
    /// Ctrl-C: the job was stopped (`stop_failed`: or could not be).
    InterruptStopped {
        /// The job.
        job_id: String,
        /// Why stopping failed.
        stop_failed: Option<String>,
    },
}

/// Receives a run's events, in the order they happen. Every method does nothing by default.
#[allow(unused_variables)]
pub trait Observer {
    /// `phase` starts (its job is about to be registered).
    fn phase_begins(&mut self, phase: &str) {}
    /// Where `phase` is now.
    fn progress(&mut self, phase: &str, progress: &Progress) {}
    /// `phase`'s job was registered as `job_id`, evaluated by `evaluation`.
    fn submitted(&mut self, phase: &str, job_id: &str, evaluation: &str) {}
    /// An allocation of `phase` was placed.
    fn placed(&mut self, phase: &str, alloc: &Allocation) {}
    /// A task event (the watchdog's are not reported; a dead task's ending events come after
    /// its last log line).
    fn task_state(&mut self, task: &TaskRef<'_>, event: &TaskEvent) {}
    /// A line a task wrote.
    fn log_line(&mut self, task: &TaskRef<'_>, stream: Stream, text: &str) {}
    /// A log stream was resumed after a drop, or cannot be read.
    fn log_trouble(&mut self, event: &LogEvent) {}
    /// Groups of a phase cannot be placed yet.
    fn blocked(&mut self, blocked: &Blocked) {}
    /// Anything else worth telling.
    fn note(&mut self, phase: &str, note: &Note) {}
    /// `phase` is over: nothing more is watched (the live line goes).
    fn phase_ends(&mut self, phase: &str) {}
    /// `phase` ended with `outcome`; `watchdog` says how long the watchdog waited when it
    /// stopped a task (`timed out after 20m`).
    fn finished(&mut self, phase: &str, outcome: &Outcome, watchdog: Option<&str>) {}
}
