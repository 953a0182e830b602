//! Running compiled phases on a cluster: register → evaluation → placement → allocations →
//! every allocation terminal, with both log streams of every task, then the next phase.
//!
//! Waiting uses blocking queries only (`?index=&wait=`), one thread per watched list (the
//! job, its evaluations, its allocations) and one per log stream; the main loop reacts to
//! what they report, so a terminal allocation is noticed as soon as Nomad records it. Timers
//! (the placement timeout, stalled log connections) are local.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::api::{self, short, Allocation, Evaluation, FileInfo, Job, WriteResponse};
use super::client::{encode, ApiError, Client, Notice};
use super::logs::{Follower, LogEvent, Stream};
use super::stop::{self, StopCause};
use super::watchdog;
use super::{describe_error, exit, Action};
use crate::duration::seconds;
use crate::phase::{PlannedTask, Role};
use crate::placement::BuildFile;

mod allocation;
mod evaluation;
mod interrupt;
mod logs;
mod observer;
mod register;
mod watch_loop;

use self::allocation::{rows, watchdog_fired};
use self::evaluation::{not_placed, show_failures, stop_cause};
use self::interrupt::interrupted;
use self::logs::{check_dead_tasks, log_line, update_tasks};
pub use self::observer::{Blocked, Note, Observer, Progress, TaskRef};
use self::register::run_phase;
use self::watch_loop::{event_loop, Watchers};

/// How long one blocking query waits at most.
const WAIT: Duration = Duration::from_secs(30);

/// After every allocation is terminal, how long to wait for log streams to deliver the rest.
const LOG_GRACE: Duration = Duration::from_secs(15);

/// After a job was stopped by someone else, how long to wait for its allocations to end.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// One compiled phase: its name and the API JSON `{"Job": {...}}`.
#[derive(Debug, Clone)]
pub struct PhaseJob {
    /// `build`, `test` or `publish`.
    pub phase: String,
    /// The job ID (`Job.ID`).
    pub job_id: String,
    /// The register body.
    pub job: Value,
    /// `(group, task)` of the watchdog tasks, from the rendered phase's roles
    /// ([`PhaseJob::with_roles`]); `None`: the job's prestart sidecars.
    watchdogs: Option<BTreeSet<(String, String)>>,
}

impl PhaseJob {
    /// A phase from its register body; the error says what is missing.
    pub fn new(phase: impl Into<String>, job: Value) -> Result<PhaseJob, String> {
        let job_id = job
            .pointer("/Job/ID")
            .and_then(Value::as_str)
            .ok_or("the job JSON has no `Job.ID`")?
            .to_owned();
        Ok(PhaseJob {
            phase: phase.into(),
            job_id,
            job,
            watchdogs: None,
        })
    }

    /// The roles of the phase's tasks, as the plan declared them (`Rendered::tasks`): the
    /// watchdog's events and its stop at the end are not task results.
    #[must_use]
    pub fn with_roles(mut self, tasks: &[PlannedTask]) -> PhaseJob {
        self.watchdogs = Some(
            tasks
                .iter()
                .filter(|t| t.role == Role::Watchdog)
                .map(|t| (t.group.clone(), t.task.clone()))
                .collect(),
        );
        self
    }

    /// Groups and their tasks (prestart tasks first), from the job JSON.
    fn groups(&self) -> Vec<GroupSpec> {
        let groups = self
            .job
            .pointer("/Job/TaskGroups")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        groups
            .iter()
            .map(|g| {
                let tasks = g
                    .get("Tasks")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let group = g
                    .get("Name")
                    .and_then(Value::as_str)
                    .unwrap_or("group")
                    .to_owned();
                let mut watchdog = None;
                let mut specs: Vec<(bool, String)> = tasks
                    .iter()
                    .map(|t| {
                        let hook = t
                            .pointer("/Lifecycle/Hook")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        let sidecar = t
                            .pointer("/Lifecycle/Sidecar")
                            .and_then(Value::as_bool)
                            .unwrap_or(false);
                        let name = t
                            .get("Name")
                            .and_then(Value::as_str)
                            .unwrap_or("task")
                            .to_owned();
                        let is_watchdog = match &self.watchdogs {
                            Some(w) => w.contains(&(group.clone(), name.clone())),
                            None => hook == "prestart" && sidecar,
                        };
                        if is_watchdog {
                            let env: BTreeMap<String, String> = t
                                .get("Env")
                                .cloned()
                                .and_then(|e| serde_json::from_value(e).ok())
                                .unwrap_or_default();
                            watchdog = Some(WatchdogSpec {
                                task: name.clone(),
                                timeout: watchdog::timeout(&env),
                            });
                        }
                        (hook != "prestart", name)
                    })
                    .collect();
                specs.sort_by_key(|(main, _)| *main);
                GroupSpec {
                    name: group,
                    tasks: specs.into_iter().map(|(_, n)| n).collect(),
                    watchdog,
                }
            })
            .collect()
    }

    fn namespace(&self) -> String {
        self.job
            .pointer("/Job/Namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned()
    }
}

#[derive(Debug, Clone)]
struct GroupSpec {
    name: String,
    tasks: Vec<String>,
    watchdog: Option<WatchdogSpec>,
}

#[derive(Debug, Clone)]
struct WatchdogSpec {
    task: String,
    timeout: Option<Duration>,
}

impl GroupSpec {
    fn is_watchdog(&self, task: &str) -> bool {
        self.watchdog.as_ref().is_some_and(|w| w.task == task)
    }
}

/// How a run behaves.
pub struct Options<'a> {
    /// Stop the job and fail when it is not placed within this time.
    pub placement_timeout: Duration,
    /// Submit the first phase and return.
    pub detach: bool,
    /// The build.hcl the jobs came from, to explain placement failures in its terms.
    pub explain: Option<BuildFile<'a>>,
}

/// Ctrl-C, as the command's signal handler reports it.
#[derive(Clone, Default)]
pub struct Interrupt {
    inner: Arc<InterruptInner>,
}

#[derive(Default)]
struct InterruptInner {
    count: AtomicUsize,
    waker: Mutex<Option<Sender<Event>>>,
}

impl Interrupt {
    /// Records one interrupt and wakes the run; returns how many there have been.
    pub fn trigger(&self) -> usize {
        let n = self.inner.count.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(tx) = &*self
            .inner
            .waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
        {
            let _ = tx.send(Event::Interrupt);
        }
        n
    }

    /// Whether an interrupt happened.
    pub fn is_set(&self) -> bool {
        self.inner.count.load(Ordering::SeqCst) > 0
    }

    fn wake(&self, tx: Option<Sender<Event>>) {
        *self
            .inner
            .waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = tx;
    }
}

/// How one task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskStatus {
    /// Exit 0.
    Passed,
    /// A non-zero exit code.
    Failed(i64),
    /// Killed because its group's `max_run_duration` expired.
    TimedOut(Option<i64>),
    /// Its allocation was lost (node down).
    Lost,
    /// Dead without an exit code (driver failure, killed before it started, ...).
    NoExitCode(String),
    /// Killed because the job was stopped.
    Stopped(Option<i64>),
    /// Never started.
    NotRun,
}

/// One row of the summary.
#[derive(Debug, Clone)]
pub struct TaskRow {
    /// Phase.
    pub phase: String,
    /// `task`, or `group/task` when the phase has several groups.
    pub task: String,
    /// The task's group.
    pub group: String,
    /// The task's name.
    pub name: String,
    /// Outcome.
    pub status: TaskStatus,
    /// Start to finish.
    pub duration: Option<Duration>,
    /// Short allocation id.
    pub alloc: String,
    /// Node name.
    pub node: String,
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every phase passed.
    Passed,
    /// `--detach`: the first phase was submitted.
    Detached,
    /// A task exited non-zero.
    TaskFailed {
        /// `phase/task`.
        label: String,
        /// Its exit code.
        code: i64,
    },
    /// A task was stopped by its timeout.
    TimedOut {
        /// `phase/task`.
        label: String,
    },
    /// Not placed within the placement timeout (the job was stopped).
    NotPlaced {
        /// Job id.
        job: String,
    },
    /// An allocation was lost, or a task died without an exit code.
    Lost {
        /// `phase/task`.
        label: String,
        /// What happened.
        why: String,
    },
    /// The job was stopped by someone else, or submitted stopped.
    Stopped {
        /// Job id.
        job: String,
        /// Why, per the decision procedure.
        cause: String,
    },
    /// Ctrl-C.
    Interrupted,
    /// The cluster refused or could not be reached.
    Cluster(String),
}

impl Outcome {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Passed | Outcome::Detached => 0,
            Outcome::TaskFailed { code, .. } => {
                u8::try_from(*code).ok().filter(|c| *c != 0).unwrap_or(1)
            }
            Outcome::TimedOut { .. } => exit::TIMEOUT,
            Outcome::NotPlaced { .. } => exit::NOT_PLACED,
            Outcome::Lost { .. } => exit::LOST,
            Outcome::Stopped { .. } => exit::STOPPED,
            Outcome::Interrupted => exit::INTERRUPTED,
            Outcome::Cluster(_) => exit::CLUSTER,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// How it ended.
    pub outcome: Outcome,
    /// One row per task of every phase (also those never run).
    pub rows: Vec<TaskRow>,
}

/// What the watcher threads and log followers tell the main loop.
#[derive(Debug)]
pub enum Event {
    /// The job's evaluations.
    Evals(Vec<Evaluation>),
    /// The job's allocations.
    Allocs(Vec<Allocation>),
    /// The job (`None`: 404).
    Job(Option<Job>),
    /// A log follower.
    Log(LogEvent),
    /// The client retries, or recovered.
    Notice(Notice),
    /// A watcher gave up.
    WatchFailed(ApiError),
    /// Ctrl-C.
    Interrupt,
}

/// Runs the phases in order; stops at the first that does not pass.
pub fn run(
    client: &Client,
    phases: &[PhaseJob],
    opts: &Options<'_>,
    interrupt: &Interrupt,
    out: &mut dyn Observer,
) -> Report {
    let mut rows: Vec<TaskRow> = Vec::new();
    let mut outcome = Outcome::Passed;
    for (i, p) in phases.iter().enumerate() {
        if outcome != Outcome::Passed {
            rows.extend(not_run(p));
            continue;
        }
        if interrupt.is_set() {
            out.note(&p.phase, &Note::InterruptedBeforeSubmitting);
            outcome = Outcome::Interrupted;
            rows.extend(not_run(p));
            continue;
        }
        let (o, r) = run_phase(client, p, opts, interrupt, out);
        rows.extend(r);
        outcome = o;
        if opts.detach && outcome == Outcome::Passed {
            outcome = Outcome::Detached;
            let later = phases[i + 1..].iter().map(|p| p.phase.clone()).collect();
            out.note(
                &p.phase,
                &Note::Detached {
                    job_id: p.job_id.clone(),
                    namespace: p.namespace(),
                    later,
                },
            );
        }
    }
    Report { outcome, rows }
}

fn not_run(p: &PhaseJob) -> Vec<TaskRow> {
    let groups = p.groups();
    let several = groups.len() > 1;
    groups
        .iter()
        .flat_map(|g| {
            g.tasks
                .iter()
                .filter(|t| !g.is_watchdog(t))
                .map(move |t| TaskRow {
                    phase: p.phase.clone(),
                    task: column(&g.name, t, several),
                    group: g.name.clone(),
                    name: t.clone(),
                    status: TaskStatus::NotRun,
                    duration: None,
                    alloc: String::new(),
                    node: String::new(),
                })
        })
        .collect()
}

/// The task column: the task, or `group/task` when the phase has several groups and they
/// differ.
fn column(group: &str, task: &str, several: bool) -> String {
    if several && group != task {
        format!("{group}/{task}")
    } else {
        task.to_owned()
    }
}

/// The state of one task as the main loop follows it.
#[derive(Default)]
struct TaskTrack {
    /// Time of the last event printed.
    last_event: i64,
    followers: Vec<Follower>,
    /// When the task was seen dead, for the fallback when log sizes cannot be read.
    dead_since: Option<Instant>,
    /// Final sizes asked for.
    sized: bool,
    /// Streams whose [`LogEvent::Done`] arrived: all their lines have been printed.
    finished: usize,
    /// Everything (logs, events) reported.
    reported: bool,
    /// A watchdog: its events are not shown (its log lines are).
    quiet: bool,
}

struct Phase<'p> {
    p: &'p PhaseJob,
    groups: Vec<GroupSpec>,
    ns: String,
    evals: BTreeMap<String, Evaluation>,
    allocs: BTreeMap<String, Allocation>,
    job: Option<Job>,
    tracks: HashMap<(String, String), TaskTrack>,
    shown_failures: BTreeSet<(String, String)>,
    we_stopped: bool,
    stopped_seen: Option<Instant>,
    terminal_since: Option<Instant>,
    /// The raft index of the register: older evaluations and allocations are an earlier
    /// run's.
    since: u64,
    /// Allocations of an earlier run.
    earlier_allocs: BTreeSet<String>,
    /// Whether the allocation watcher answered once: until then "no allocations" and
    /// [`Phase::earlier_allocs`] are not known.
    allocs_seen: bool,
}

impl Phase<'_> {
    fn label(&self, group: &str, task: &str) -> String {
        format!(
            "{}/{}",
            self.p.phase,
            column(group, task, self.groups.len() > 1)
        )
    }

    /// The group and task of a label ([`Phase::label`]).
    fn task_of(&self, label: &str) -> Option<(&str, &str)> {
        self.groups.iter().find_map(|g| {
            g.tasks
                .iter()
                .find(|t| self.label(&g.name, t) == label)
                .map(|t| (g.name.as_str(), t.as_str()))
        })
    }

    /// The allocation that counts for each group: the newest without a replacement.
    fn final_allocs(&self) -> Vec<&Allocation> {
        let mut by_group: BTreeMap<&str, &Allocation> = BTreeMap::new();
        for a in self
            .allocs
            .values()
            .filter(|a| a.next_allocation.is_empty())
        {
            let e = by_group.entry(&a.task_group).or_insert(a);
            if a.create_index > e.create_index {
                *e = a;
            }
        }
        by_group.into_values().collect()
    }

    fn all_placed(&self) -> bool {
        self.groups
            .iter()
            .all(|g| self.allocs.values().any(|a| a.task_group == g.name))
    }

    fn all_terminal(&self) -> bool {
        self.all_placed() && self.final_allocs().iter().all(|a| a.client_terminal())
    }

    fn all_reported(&self) -> bool {
        self.final_allocs().iter().all(|a| {
            a.task_states.keys().all(|t| {
                self.tracks
                    .get(&(a.id.clone(), t.clone()))
                    .is_none_or(|k| k.reported)
            })
        })
    }
}

/// The summary table: phase, task, status, exit code, duration, allocation, node.
pub fn summary(rows: &[TaskRow]) -> String {
    let mut table = vec![[
        "PHASE".to_owned(),
        "TASK".to_owned(),
        "STATUS".to_owned(),
        "EXIT".to_owned(),
        "DURATION".to_owned(),
        "ALLOC".to_owned(),
        "NODE".to_owned(),
    ]];
    for r in rows {
        let (status, code) = match &r.status {
            TaskStatus::Passed => ("passed", "0".to_owned()),
            TaskStatus::Failed(c) => ("failed", c.to_string()),
            TaskStatus::TimedOut(c) => ("timed out", c.map_or("-".to_owned(), |c| c.to_string())),
            TaskStatus::Lost => ("lost", "-".to_owned()),
            TaskStatus::NoExitCode(_) => ("failed", "-".to_owned()),
            TaskStatus::Stopped(c) => ("stopped", c.map_or("-".to_owned(), |c| c.to_string())),
            TaskStatus::NotRun => ("not run", "-".to_owned()),
        };
        let dash = |s: &str| {
            if s.is_empty() {
                "-".to_owned()
            } else {
                s.to_owned()
            }
        };
        table.push([
            r.phase.clone(),
            r.task.clone(),
            status.to_owned(),
            code,
            r.duration.map_or("-".to_owned(), seconds),
            dash(&r.alloc),
            dash(&r.node),
        ]);
    }
    crate::text::table(&table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        let failed = |code| {
            Outcome::TaskFailed {
                label: "t".into(),
                code,
            }
            .exit_code()
        };
        assert_eq!(failed(7), 7);
        assert_eq!(failed(255), 255);
        assert_eq!(failed(256), 1);
        assert_eq!(failed(-1), 1);
        assert_eq!(Outcome::TimedOut { label: "t".into() }.exit_code(), 124);
        assert_eq!(Outcome::Interrupted.exit_code(), 130);
        assert_eq!(Outcome::Passed.exit_code(), 0);
    }

    #[test]
    fn groups_put_prestart_tasks_first() {
        let p = PhaseJob::new(
            "test",
            serde_json::json!({"Job": {"ID": "j", "TaskGroups": [
                {"Name": "unit", "Tasks": [{"Name": "unit"}, {"Name": "checkout", "Lifecycle": {"Hook": "prestart"}}]},
                {"Name": "lint", "Tasks": [{"Name": "lint"}]}]}}),
        )
        .unwrap();
        let rows = not_run(&p);
        let names: Vec<&str> = rows.iter().map(|r| r.task.as_str()).collect();
        assert_eq!(names, ["unit/checkout", "unit", "lint"]);
        assert!(PhaseJob::new("x", serde_json::json!({"Job": {}})).is_err());
    }
}
