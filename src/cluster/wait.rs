//! Running compiled phases on a cluster: register → evaluation → placement → allocations →
//! every allocation terminal, with both log streams of every task, then the next phase.
//!
//! Waiting uses blocking queries only (`?index=&wait=`), one thread per watched list (the
//! job, its evaluations, its allocations) and one per log stream; the main loop reacts to
//! what they report, so a terminal allocation is noticed as soon as Nomad records it. Timers
//! (the placement timeout, stalled log connections) are local.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::api::{self, short, Allocation, Evaluation, FileInfo, Job, WriteResponse};
use super::client::{encode, ApiError, Client, Notice};
use super::explain::{self, Mapping};
use super::logs::{Follower, LogEvent, Stream};
use super::status::{self, StopCause};
use super::watchdog;
use super::{describe_error, exit, Action};
use crate::diag::{Color, Sources};
use crate::phase::{PlannedTask, Role};

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
    /// One live status line per phase (a terminal) instead of plain lines.
    pub live: bool,
    /// Colours in diagnostics.
    pub color: Color,
    /// Where placement requirements come from in build.hcl.
    pub explain: Option<(&'a Sources, &'a Mapping)>,
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

/// Where lines go: plain lines, or above a live status line.
struct Out<'a> {
    w: &'a mut dyn Write,
    bar: Option<indicatif::ProgressBar>,
    status: String,
}

impl Out<'_> {
    fn line(&mut self, s: &str) {
        let Out { w, bar, .. } = self;
        let mut write = || {
            let _ = writeln!(w, "{s}");
            let _ = w.flush();
        };
        match bar {
            Some(b) => b.suspend(write),
            None => write(),
        }
    }

    fn text(&mut self, s: &str) {
        for l in s.trim_end_matches('\n').split('\n') {
            self.line(l);
        }
    }

    /// A status: the live line on a terminal; a plain line (when it changed) when `plain`.
    fn status(&mut self, s: String, plain: bool) {
        if s == self.status {
            return;
        }
        match &self.bar {
            Some(b) => b.set_message(s.clone()),
            None if plain => self.line(&s),
            None => {}
        }
        self.status = s;
    }

    fn start_bar(&mut self, live: bool) {
        if live {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stdout(),
            );
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            self.bar = Some(bar);
        }
        self.status.clear();
    }

    fn end_bar(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// Runs the phases in order; stops at the first that does not pass.
pub fn run(
    client: &Client,
    phases: &[PhaseJob],
    opts: &Options<'_>,
    interrupt: &Interrupt,
    out: &mut dyn Write,
) -> Report {
    let mut out = Out {
        w: out,
        bar: None,
        status: String::new(),
    };
    let mut rows: Vec<TaskRow> = Vec::new();
    let mut outcome = Outcome::Passed;
    for (i, p) in phases.iter().enumerate() {
        if outcome != Outcome::Passed {
            rows.extend(not_run(p));
            continue;
        }
        if interrupt.is_set() {
            out.line("interrupted before submitting; nothing was stopped");
            outcome = Outcome::Interrupted;
            rows.extend(not_run(p));
            continue;
        }
        let (o, r) = run_phase(client, p, opts, interrupt, &mut out);
        rows.extend(r);
        outcome = o;
        if opts.detach && outcome == Outcome::Passed {
            outcome = Outcome::Detached;
            let later: Vec<&str> = phases[i + 1..].iter().map(|p| p.phase.as_str()).collect();
            out.line(&format!(
                "detached: follow it with `nomad-build status {}` or `nomad job status -namespace {} {}`",
                p.job_id,
                p.namespace(),
                p.job_id
            ));
            if !later.is_empty() {
                out.line(&format!(
                    "not submitted: {} (they run only after the phase before them passed)",
                    later.join(", ")
                ));
            }
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

struct Watchers {
    clients: Vec<Client>,
    stop: Arc<AtomicBool>,
}

impl Watchers {
    fn start(client: &Client, job_id: &str, tx: &Sender<Event>) -> Watchers {
        let stop = Arc::new(AtomicBool::new(false));
        let id = encode(job_id);
        let mut clients = Vec::new();
        let mut spawn = |path: String, kind: u8| {
            let c = client.detached();
            clients.push(c.clone());
            let tx = tx.clone();
            let stop = stop.clone();
            std::thread::spawn(move || match kind {
                0 => watch::<Job>(&c, &path, &tx, &stop, |j| Event::Job(Some(j))),
                1 => watch::<Vec<Evaluation>>(&c, &path, &tx, &stop, Event::Evals),
                _ => watch::<Vec<Allocation>>(&c, &path, &tx, &stop, Event::Allocs),
            });
        };
        spawn(format!("/v1/job/{id}"), 0);
        spawn(format!("/v1/job/{id}/evaluations"), 1);
        spawn(format!("/v1/job/{id}/allocations"), 2);
        Watchers { clients, stop }
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        for c in &self.clients {
            c.cancel();
        }
    }
}

fn watch<T: DeserializeOwned>(
    client: &Client,
    path: &str,
    tx: &Sender<Event>,
    stop: &AtomicBool,
    wrap: fn(T) -> Event,
) {
    let mut index = 0u64;
    while !stop.load(Ordering::SeqCst) {
        // `index=0` does not block; a table never written has index 0, so never ask for 0
        // again once answered.
        let block = (index > 0).then_some((index, WAIT));
        match client.get::<T>(path, &[], block) {
            Ok(r) => {
                if (index == 0 || r.index != index) && tx.send(wrap(r.value)).is_err() {
                    return;
                }
                index = r.index.max(1);
            }
            Err(ApiError::Cancelled) => return,
            Err(e) if e.status() == Some(404) => {
                if tx.send(Event::Job(None)).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => {
                if !stop.load(Ordering::SeqCst) {
                    let _ = tx.send(Event::WatchFailed(e));
                }
                return;
            }
        }
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
}

impl Phase<'_> {
    fn label(&self, group: &str, task: &str) -> String {
        format!(
            "{}/{}",
            self.p.phase,
            column(group, task, self.groups.len() > 1)
        )
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

fn run_phase(
    client: &Client,
    p: &PhaseJob,
    opts: &Options<'_>,
    interrupt: &Interrupt,
    out: &mut Out<'_>,
) -> (Outcome, Vec<TaskRow>) {
    let ns = p.namespace();
    let (tx, rx) = channel::<Event>();
    let notify_tx = Mutex::new(tx.clone());
    let client = client.clone().with_notify(Arc::new(move |n| {
        let _ = notify_tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(Event::Notice(n));
    }));
    out.start_bar(opts.live);
    out.status(format!("{}: submitting {}", p.phase, p.job_id), false);
    let submitted = Instant::now();
    let reg = match client.put::<WriteResponse>("/v1/jobs", &p.job) {
        Ok(r) => r.value,
        Err(e) => {
            out.end_bar();
            let msg = describe_error(&e, Action::Register, &ns, &p.job_id);
            return (Outcome::Cluster(msg), not_run(p));
        }
    };
    out.line(&format!(
        "{}: registered job {} (evaluation {})",
        p.phase,
        p.job_id,
        short(&reg.eval_id)
    ));
    for w in reg
        .warnings
        .lines()
        .filter_map(|l| l.trim().strip_prefix("* "))
    {
        out.line(&format!("{}: Nomad warns: {w}", p.phase));
    }
    if opts.detach {
        out.end_bar();
        return (Outcome::Passed, not_run(p));
    }
    interrupt.wake(Some(tx.clone()));
    let watchers = Watchers::start(&client, &p.job_id, &tx);
    let mut ph = Phase {
        p,
        groups: p.groups(),
        ns,
        evals: BTreeMap::new(),
        allocs: BTreeMap::new(),
        job: None,
        tracks: HashMap::new(),
        shown_failures: BTreeSet::new(),
        we_stopped: false,
        stopped_seen: None,
        terminal_since: None,
        since: reg.eval_create_index,
        earlier_allocs: BTreeSet::new(),
    };
    out.status(format!("{}: waiting for the scheduler", p.phase), false);
    let deadline = submitted + opts.placement_timeout;
    let outcome = event_loop(&client, &mut ph, &rx, &tx, opts, interrupt, deadline, out);
    interrupt.wake(None);
    watchers.stop();
    for t in ph.tracks.values() {
        for f in &t.followers {
            f.stop();
        }
    }
    // Lines already sent by the followers.
    while let Ok(ev) = rx.try_recv() {
        if let Event::Log(l) = ev {
            log_line(out, &l);
        }
    }
    out.end_bar();
    let rows = rows(&ph);
    let fired = watchdog_fired(&ph);
    let outcome = outcome.unwrap_or_else(|| phase_outcome(&rows, p));
    match &outcome {
        Outcome::Passed => out.line(&format!("{}: passed", p.phase)),
        Outcome::TaskFailed { label, code } => {
            out.line(&format!(
                "{}: failed: {label} exited with code {code}",
                p.phase
            ));
        }
        Outcome::TimedOut { label } => match &fired {
            Some(timed_out) => out.line(&format!(
                "{}: failed: {timed_out}: the watchdog task stopped {label}",
                p.phase
            )),
            None => out.line(&format!(
                "{}: failed: {label} was stopped by its timeout (max_run_duration)",
                p.phase
            )),
        },
        Outcome::Lost { label, why } => out.line(&format!("{}: failed: {label} {why}", p.phase)),
        _ => {}
    }
    (outcome, rows)
}

fn phase_outcome(rows: &[TaskRow], p: &PhaseJob) -> Outcome {
    for r in rows {
        let label = format!("{}/{}", p.phase, r.task);
        match &r.status {
            TaskStatus::Passed | TaskStatus::NotRun => {}
            TaskStatus::TimedOut(_) => return Outcome::TimedOut { label },
            TaskStatus::Failed(code) => return Outcome::TaskFailed { label, code: *code },
            TaskStatus::Lost => {
                return Outcome::Lost {
                    label,
                    why: "was lost with its allocation (the node went down)".to_owned(),
                }
            }
            TaskStatus::NoExitCode(why) => {
                return Outcome::Lost {
                    label,
                    why: format!("ended without an exit code: {why}"),
                }
            }
            TaskStatus::Stopped(_) => {
                return Outcome::Stopped {
                    job: p.job_id.clone(),
                    cause: String::new(),
                }
            }
        }
    }
    // Tasks that never ran while none failed: something else stopped the allocation.
    if let Some(r) = rows.iter().find(|r| r.status == TaskStatus::NotRun) {
        return Outcome::Lost {
            label: format!("{}/{}", p.phase, r.task),
            why: "never ran".to_owned(),
        };
    }
    Outcome::Passed
}

#[allow(clippy::too_many_arguments)]
fn event_loop(
    client: &Client,
    ph: &mut Phase<'_>,
    rx: &Receiver<Event>,
    tx: &Sender<Event>,
    opts: &Options<'_>,
    interrupt: &Interrupt,
    deadline: Instant,
    out: &mut Out<'_>,
) -> Option<Outcome> {
    let phase = ph.p.phase.clone();
    let job_id = ph.p.job_id.clone();
    if interrupt.is_set() {
        let _ = tx.send(Event::Interrupt);
    }
    loop {
        let now = Instant::now();
        let wait = if ph.all_placed() {
            Duration::from_secs(1)
        } else {
            deadline
                .saturating_duration_since(now)
                .min(Duration::from_secs(1))
        };
        match rx.recv_timeout(wait) {
            Ok(Event::Evals(v)) => {
                for e in v.into_iter().filter(|e| e.create_index >= ph.since) {
                    ph.evals.insert(e.id.clone(), e);
                }
                show_failures(ph, opts, out);
            }
            Ok(Event::Allocs(v)) => {
                for a in v {
                    // Allocations of an earlier run of the same job are not this run's.
                    if a.create_index < ph.since {
                        ph.earlier_allocs.insert(a.id.clone());
                        continue;
                    }
                    if !ph.allocs.contains_key(&a.id) {
                        let node = if a.node_name.is_empty() {
                            short(&a.node_id).to_owned()
                        } else {
                            a.node_name.clone()
                        };
                        out.line(&format!(
                            "{phase}: allocation {} placed on node {node} (task group {})",
                            a.short_id(),
                            a.task_group
                        ));
                    }
                    ph.allocs.insert(a.id.clone(), a);
                }
                update_tasks(client, ph, tx, out);
            }
            Ok(Event::Job(j)) => {
                if j.as_ref().is_some_and(|j| j.stop) && ph.stopped_seen.is_none() && !ph.we_stopped
                {
                    ph.stopped_seen = Some(Instant::now());
                    if !ph.allocs.is_empty() {
                        out.line(&format!(
                            "{phase}: job {job_id} was stopped, and not by this run"
                        ));
                    }
                }
                if j.is_none() && ph.job.is_some() {
                    return Some(Outcome::Stopped {
                        job: job_id.clone(),
                        cause: "the job was purged (deleted) while it ran; its exit codes are gone"
                            .to_owned(),
                    });
                }
                if j.is_some() {
                    ph.job = j;
                }
            }
            Ok(Event::Log(l)) => {
                log_line(out, &l);
                if let LogEvent::Done { alloc, task, .. } = &l {
                    if let Some(t) = ph.tracks.get_mut(&(alloc.clone(), task.clone())) {
                        t.finished += 1;
                    }
                    check_dead_tasks(client, ph, out);
                }
            }
            Ok(Event::Notice(Notice::Retrying(e))) => {
                out.line(&format!("cluster: {}; retrying", e.short()));
            }
            Ok(Event::Notice(Notice::Recovered(d))) => {
                out.line(&format!("cluster: answering again after {}", secs(d)));
            }
            Ok(Event::WatchFailed(e)) => {
                return Some(Outcome::Cluster(format!(
                    "{}; job {job_id} may still be running",
                    describe_error(&e, Action::ReadJob, &ph.ns, &job_id)
                )));
            }
            Ok(Event::Interrupt) => return Some(interrupted(client, ph, out)),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Some(Outcome::Cluster(
                    "internal: event channel closed".to_owned(),
                ))
            }
        }
        // Timers.
        let now = Instant::now();
        for t in ph.tracks.values() {
            for f in &t.followers {
                if !f.is_done() && f.stalled() {
                    f.reconnect();
                }
            }
        }
        check_dead_tasks(client, ph, out);
        // Decisions.
        if let Some(since) = ph.stopped_seen {
            let settled = ph.allocs.is_empty()
                || (ph.final_allocs().iter().all(|a| a.client_terminal()) && ph.all_reported());
            let register_done = ph
                .evals
                .values()
                .any(|e| e.triggered_by == "job-register" && e.is_terminal());
            if (settled && (register_done || !ph.allocs.is_empty())) || since.elapsed() > STOP_GRACE
            {
                let cause = stop_cause(client, ph);
                out.line(&format!("{phase}: {}", cause.describe()));
                return Some(Outcome::Stopped {
                    job: job_id.clone(),
                    cause: cause.describe(),
                });
            }
            continue;
        }
        if ph.all_terminal() {
            let since = *ph.terminal_since.get_or_insert(now);
            if ph.all_reported() {
                return None;
            }
            if since.elapsed() > LOG_GRACE {
                for t in ph.tracks.values() {
                    for f in &t.followers {
                        f.stop();
                    }
                }
                out.line(&format!(
                    "{phase}: stopped waiting for the rest of the logs after {}",
                    secs(LOG_GRACE)
                ));
                return None;
            }
        }
        if let Some(j) = &ph.job {
            let register_done = ph.evals.values().any(|e| {
                e.triggered_by == "job-register" && e.is_terminal() && e.failed_tg_allocs.is_empty()
            });
            if j.status == "dead" && ph.allocs.is_empty() && register_done && !j.stop {
                let why = if ph.earlier_allocs.is_empty() {
                    format!("placed nothing: job {job_id} is dead without allocations (is a task group's count 0?)")
                } else {
                    format!(
                        "placed nothing: job {job_id} already ran with this exact spec, and Nomad keeps a batch job's finished allocations instead of running it again; use another --run-id, or purge the job (`nomad job stop -purge {job_id}`)"
                    )
                };
                return Some(Outcome::Lost {
                    label: phase.clone(),
                    why,
                });
            }
        }
        if !ph.all_placed() {
            if now >= deadline {
                return Some(not_placed(client, ph, opts, out));
            }
        } else {
            let tasks: usize = ph.groups.iter().map(|g| g.tasks.len()).sum();
            let done = ph
                .final_allocs()
                .iter()
                .flat_map(|a| a.task_states.values())
                .filter(|t| t.state == "dead")
                .count();
            out.status(
                format!("{phase}: running — {done} of {tasks} tasks finished"),
                false,
            );
        }
    }
}

fn log_line(out: &mut Out<'_>, l: &LogEvent) {
    match l {
        LogEvent::Line {
            label,
            stream: Stream::Stdout,
            text,
        } => out.line(&format!("{label} | {text}")),
        LogEvent::Line {
            label,
            stream: Stream::Stderr,
            text,
        } => out.line(&format!("{label} ! {text}")),
        LogEvent::Resumed {
            label,
            stream,
            offset,
            reason,
        } => out.line(&format!(
            "{label}: {} stream interrupted ({reason}); resumed at byte {offset}",
            stream.name()
        )),
        LogEvent::Failed {
            label,
            stream,
            reason,
        } => {
            out.line(&format!("{label}: cannot read {}: {reason}", stream.name()));
        }
        LogEvent::Done { .. } => {}
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// Prints new placement failures (those of an evaluation whose blocked evaluation is still
/// waiting), once each, and the waiting status.
fn show_failures(ph: &mut Phase<'_>, opts: &Options<'_>, out: &mut Out<'_>) {
    let phase = ph.p.phase.clone();
    // The failures that still hold: those of a blocked evaluation, or of an evaluation whose
    // blocked evaluation still waits. A later successful evaluation cancels blocked ones.
    let waiting = |e: &Evaluation| {
        e.status == "blocked"
            || (!e.blocked_eval.is_empty()
                && ph
                    .evals
                    .get(&e.blocked_eval)
                    .is_none_or(|b| !b.is_terminal()))
    };
    let latest = ph
        .evals
        .values()
        .filter(|e| !e.failed_tg_allocs.is_empty() && waiting(e))
        .max_by_key(|e| (e.modify_index, e.create_index));
    let Some(e) = latest else { return };
    let blocked = if e.status == "blocked" {
        e.id.clone()
    } else {
        e.blocked_eval.clone()
    };
    let mut lines = Vec::new();
    let mut status = None;
    for (g, m) in &e.failed_tg_allocs {
        let (ok, pool) = explain::eligible(m);
        status = Some(format!(
            "{phase}: waiting for placement — {ok} of {pool} node{} eligible",
            if pool == 1 { "" } else { "s" }
        ));
        // The register evaluation and its blocked evaluation usually carry the same
        // metrics: print each distinct picture once.
        let text = explain::group_text(&phase, g, m);
        if ph.shown_failures.insert((g.clone(), text.clone())) {
            lines.push(text);
            if let Some((sources, mapping)) = opts.explain {
                let f = explain::findings(mapping, &format!("{phase}/{g}"), m);
                if !f.is_empty() {
                    lines.push(explain::render(&f, sources, opts.color));
                }
            }
        }
    }
    if !lines.is_empty() {
        lines.push(format!(
            "{phase}: evaluation {} is waiting for capacity; giving up after {} (--placement-timeout)",
            short(&blocked),
            humanize(opts.placement_timeout)
        ));
    }
    for l in lines {
        out.text(&l);
    }
    if let Some(s) = status {
        out.status(s, true);
    }
}

/// A duration as `--placement-timeout` takes it: `5m`, `90s`, `1m30s`, `1.5s`.
pub fn humanize(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{}s", d.as_secs_f64());
    }
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, s) => format!("{h}h{m}m{s}s"),
    }
}

fn update_tasks(client: &Client, ph: &mut Phase<'_>, tx: &Sender<Event>, out: &mut Out<'_>) {
    let mut allocs: Vec<Allocation> = ph.allocs.values().cloned().collect();
    allocs.sort_by_key(|a| a.create_index);
    for a in &allocs {
        let Some(g) = ph.groups.iter().find(|g| g.name == a.task_group).cloned() else {
            continue;
        };
        for t in &g.tasks {
            let Some(state) = a.task_states.get(t) else {
                continue;
            };
            let label = ph.label(&g.name, t);
            let key = (a.id.clone(), t.clone());
            let track = ph.tracks.entry(key).or_default();
            track.quiet = g.is_watchdog(t);
            if state.started() && track.followers.is_empty() && !track.reported {
                for s in [Stream::Stdout, Stream::Stderr] {
                    track.followers.push(Follower::start(
                        client,
                        &a.id,
                        t,
                        s,
                        label.clone(),
                        tx.clone(),
                        Event::Log,
                    ));
                }
            }
            if state.state == "dead" && track.dead_since.is_none() {
                track.dead_since = Some(Instant::now());
            }
            // The ending events of a dead task wait until its logs are complete.
            if !track.reported {
                print_events(out, &label, state, track, state.state != "dead");
            }
        }
    }
    check_dead_tasks(client, ph, out);
}

/// Events that end a task: from the first of them after the last start, a dead task's
/// events wait until its logs are complete, so that they come after its last line.
const ENDING: &[&str] = &[
    "Terminated",
    "Killed",
    "Not Restarting",
    "Sibling Task Failed",
    "Driver Failure",
    "Failed Validation",
    "Setup Failure",
    "Failed Artifact Download",
];

fn print_events(
    out: &mut Out<'_>,
    label: &str,
    state: &api::TaskState,
    track: &mut TaskTrack,
    all: bool,
) {
    let mut events: &[api::TaskEvent] = &state.events;
    if !all {
        let start = events
            .iter()
            .rposition(|e| e.kind == "Started")
            .unwrap_or(0);
        let end = events[start..]
            .iter()
            .position(|e| ENDING.contains(&e.kind.as_str()))
            .map_or(events.len(), |i| start + i);
        events = &events[..end];
    }
    let since = track.last_event;
    for e in events.iter().filter(|e| e.time > since) {
        track.last_event = e.time;
        if track.quiet || matches!(e.kind.as_str(), "Received" | "Task Setup") {
            continue;
        }
        let text = e.text();
        if text.is_empty() {
            out.line(&format!("{label}: {}", e.kind));
        } else {
            out.line(&format!("{label}: {}: {text}", e.kind));
        }
    }
}

/// For dead tasks: tell the followers the final sizes; once they are done, print the
/// remaining events and mark the task reported.
fn check_dead_tasks(client: &Client, ph: &mut Phase<'_>, out: &mut Out<'_>) {
    let allocs: Vec<Allocation> = ph.allocs.values().cloned().collect();
    for a in &allocs {
        let Some(g) = ph.groups.iter().find(|g| g.name == a.task_group).cloned() else {
            continue;
        };
        if a.client_status == "lost" {
            // The node is gone: no more logs or task updates will come from it.
            let mut first = false;
            for t in &g.tasks {
                if let Some(track) = ph.tracks.get_mut(&(a.id.clone(), t.clone())) {
                    for f in &track.followers {
                        f.stop();
                    }
                    first |= !track.reported;
                    track.reported = true;
                }
            }
            if first {
                let why = if a.desired_description.is_empty() {
                    "its node is down".to_owned()
                } else {
                    a.desired_description.clone()
                };
                out.line(&format!(
                    "{}: allocation {} was lost: {why}",
                    ph.p.phase,
                    a.short_id()
                ));
            }
            continue;
        }
        let mut sizes: Option<Vec<FileInfo>> = None;
        for t in &g.tasks {
            let Some(state) = a.task_states.get(t) else {
                continue;
            };
            if state.state != "dead" {
                continue;
            }
            let label = ph.label(&g.name, t);
            let Some(track) = ph.tracks.get_mut(&(a.id.clone(), t.clone())) else {
                continue;
            };
            if track.reported {
                continue;
            }
            if !track.sized && !track.followers.is_empty() {
                track.sized = true;
                if sizes.is_none() {
                    let path = format!("/v1/client/fs/ls/{}", encode(&a.id));
                    sizes = Some(
                        client
                            .get::<Vec<FileInfo>>(&path, &[("path", "alloc/logs")], None)
                            .map(|r| r.value)
                            .unwrap_or_default(),
                    );
                }
                let files = sizes.as_deref().unwrap_or_default();
                for (i, f) in track.followers.iter().enumerate() {
                    let stream = if i == 0 {
                        Stream::Stdout
                    } else {
                        Stream::Stderr
                    };
                    let prefix = format!("{t}.{}.", stream.name());
                    let matching: Vec<&FileInfo> = files
                        .iter()
                        .filter(|i| {
                            !i.is_dir
                                && i.name
                                    .strip_prefix(&prefix)
                                    .is_some_and(|n| n.parse::<u64>().is_ok())
                        })
                        .collect();
                    if matching.is_empty() {
                        // Sizes unknown (no such file, or the listing failed): take what
                        // arrives within two seconds, as `nomad alloc logs -f` users do.
                        continue;
                    }
                    f.finish_at(matching.iter().map(|i| i.size).sum());
                }
            }
            let fallback = track
                .dead_since
                .is_some_and(|d| d.elapsed() > Duration::from_secs(2));
            if fallback {
                for f in track.followers.iter().filter(|f| !f.finishing()) {
                    f.stop();
                }
            }
            if track.finished >= track.followers.len() {
                print_events(out, &label, state, track, true);
                track.reported = true;
            }
        }
    }
}

fn stop_cause(client: &Client, ph: &Phase<'_>) -> StopCause {
    let id = encode(&ph.p.job_id);
    let job = ph.job.clone().unwrap_or_default();
    let versions = client
        .get::<api::JobVersions>(&format!("/v1/job/{id}/versions"), &[], None)
        .map(|r| r.value.versions)
        .unwrap_or_default();
    let evals: Vec<Evaluation> = ph.evals.values().cloned().collect();
    let allocs: Vec<Allocation> = ph.allocs.values().cloned().collect();
    status::classify_stop(&job, &versions, &evals, &allocs)
}

fn interrupted(client: &Client, ph: &mut Phase<'_>, out: &mut Out<'_>) -> Outcome {
    let phase = ph.p.phase.clone();
    let terminal = ph.all_terminal() || ph.job.as_ref().is_some_and(|j| j.status == "dead");
    if terminal {
        out.line(&format!(
            "interrupted: job {} ({phase}) had already finished; nothing was stopped",
            ph.p.job_id
        ));
        return Outcome::Interrupted;
    }
    ph.we_stopped = true;
    match client.delete::<WriteResponse>(&format!("/v1/job/{}", encode(&ph.p.job_id)), &[]) {
        Ok(_) => out.line(&format!(
            "interrupted: stopped job {} ({phase}); it was not purged, so `nomad job status {}` still shows it",
            ph.p.job_id, ph.p.job_id
        )),
        Err(e) => out.line(&format!(
            "interrupted: could not stop job {} ({phase}): {}",
            ph.p.job_id,
            describe_error(&e, Action::Deregister, &ph.ns, &ph.p.job_id)
        )),
    }
    Outcome::Interrupted
}

fn not_placed(
    client: &Client,
    ph: &mut Phase<'_>,
    opts: &Options<'_>,
    out: &mut Out<'_>,
) -> Outcome {
    let phase = ph.p.phase.clone();
    let job_id = ph.p.job_id.clone();
    ph.we_stopped = true;
    let stopped = client.delete::<WriteResponse>(&format!("/v1/job/{}", encode(&job_id)), &[]);
    let waited = humanize(opts.placement_timeout);
    match stopped {
        Ok(_) => out.line(&format!(
            "{phase}: not placed within {waited} (--placement-timeout); stopped job {job_id} so that it cannot start later"
        )),
        Err(e) => out.line(&format!(
            "{phase}: not placed within {waited} (--placement-timeout); stopping job {job_id} failed: {}",
            describe_error(&e, Action::Deregister, &ph.ns, &job_id)
        )),
    }
    Outcome::NotPlaced { job: job_id }
}

fn rows(ph: &Phase<'_>) -> Vec<TaskRow> {
    let several = ph.groups.len() > 1;
    let finals = ph.final_allocs();
    let externally_stopped = ph.stopped_seen.is_some();
    let mut rows = Vec::new();
    for g in &ph.groups {
        let alloc = finals.iter().find(|a| a.task_group == g.name);
        // Without an allocation the watchdog has no state worth a row.
        let tasks: Vec<&String> = g
            .tasks
            .iter()
            .filter(|t| alloc.is_some() || !g.is_watchdog(t))
            .collect();
        for t in tasks {
            let mut row = TaskRow {
                phase: ph.p.phase.clone(),
                task: column(&g.name, t, several),
                status: TaskStatus::NotRun,
                duration: None,
                alloc: String::new(),
                node: String::new(),
            };
            if let Some(a) = alloc {
                row.alloc = a.short_id().to_owned();
                row.node = if a.node_name.is_empty() {
                    short(&a.node_id).to_owned()
                } else {
                    a.node_name.clone()
                };
                if let Some(s) = a.task_states.get(t) {
                    row.duration = s.duration();
                    row.status = task_status(a, s, externally_stopped);
                    // Still running when this run stopped the job (Ctrl-C).
                    if ph.we_stopped && s.state == "running" {
                        row.status = TaskStatus::Stopped(None);
                    }
                } else if a.client_status == "lost" {
                    row.status = TaskStatus::Lost;
                }
            }
            rows.push(row);
        }
        if let (Some(w), Some(a)) = (&g.watchdog, alloc) {
            watchdog_rows(&mut rows, g, w, a, several);
        }
    }
    rows
}

/// The watchdog of group `g` is not a task result: when it fired, the siblings it had
/// Nomad kill timed out; otherwise its row goes, unless it failed by itself.
fn watchdog_rows(
    rows: &mut Vec<TaskRow>,
    g: &GroupSpec,
    w: &WatchdogSpec,
    a: &Allocation,
    several: bool,
) {
    let name = column(&g.name, &w.task, several);
    let first = rows.len() - g.tasks.len();
    let Some(state) = a.task_states.get(&w.task) else {
        remove_row(rows, first, &name);
        return;
    };
    if watchdog::fired(state) {
        let mut any = false;
        for (row, t) in rows[first..].iter_mut().zip(&g.tasks) {
            let stopped = a
                .task_states
                .get(t)
                .is_some_and(|s| watchdog::stopped_by(s, &w.task) && s.started());
            if t != &w.task && stopped {
                let code = a.task_states.get(t).and_then(api::TaskState::exit_code);
                row.status = TaskStatus::TimedOut(code);
                any = true;
            }
        }
        if any {
            remove_row(rows, first, &name);
        } else if let Some(r) = rows[first..].iter_mut().find(|r| r.task == name) {
            r.status = TaskStatus::TimedOut(Some(watchdog::EXIT));
        }
        return;
    }
    let keep = rows[first..].iter().any(|r| {
        r.task == name && matches!(r.status, TaskStatus::Failed(_) | TaskStatus::NoExitCode(_))
    });
    if !keep {
        remove_row(rows, first, &name);
    }
}

fn remove_row(rows: &mut Vec<TaskRow>, first: usize, name: &str) {
    if let Some(i) = rows[first..].iter().position(|r| r.task == name) {
        rows.remove(first + i);
    }
}

/// `timed out after 20m` when a watchdog of the phase fired.
fn watchdog_fired(ph: &Phase<'_>) -> Option<String> {
    let finals = ph.final_allocs();
    ph.groups.iter().find_map(|g| {
        let w = g.watchdog.as_ref()?;
        let a = finals.iter().find(|a| a.task_group == g.name)?;
        let s = a.task_states.get(&w.task)?;
        watchdog::fired(s).then(|| watchdog::timed_out(w.timeout))
    })
}

fn task_status(a: &Allocation, s: &api::TaskState, stopped: bool) -> TaskStatus {
    let code = s.exit_code();
    let killed_by_timeout = s
        .events
        .iter()
        .any(|e| e.kind == "Killing" && e.display_message == api::MAX_RUN_DURATION_EXCEEDED);
    if a.client_status == "lost" && s.state != "dead" {
        return TaskStatus::Lost;
    }
    if s.state != "dead" {
        return if a.client_status == "lost" {
            TaskStatus::Lost
        } else {
            TaskStatus::NotRun
        };
    }
    if killed_by_timeout || (a.timed_out() && code != Some(0)) {
        return TaskStatus::TimedOut(code);
    }
    if stopped && s.events.iter().any(|e| e.kind == "Killing") {
        return TaskStatus::Stopped(code);
    }
    if !s.started() {
        // The most specific reason: the failure itself, before the restart decision.
        let specific = [
            "Driver Failure",
            "Failed Validation",
            "Setup Failure",
            "Failed Artifact Download",
            "Task hook failed",
        ];
        let event = s
            .events
            .iter()
            .rev()
            .find(|e| specific.contains(&e.kind.as_str()))
            .or_else(|| s.events.iter().rev().find(|e| e.fails_task));
        if s.events.iter().any(|e| e.kind == "Sibling Task Failed") && event.is_none() {
            return TaskStatus::NotRun;
        }
        let why = event.map(|e| format!("{}: {}", e.kind, e.text()));
        return match why {
            Some(w) => TaskStatus::NoExitCode(w),
            None => TaskStatus::NotRun,
        };
    }
    match code {
        Some(0) if !s.failed => TaskStatus::Passed,
        Some(0) | None => {
            let why = s
                .events
                .iter()
                .rev()
                .find(|e| e.fails_task || e.kind == "Killing" || e.kind == "Killed")
                .map_or_else(
                    || "no Terminated event".to_owned(),
                    |e| format!("{}: {}", e.kind, e.text()),
                );
            if s.failed || code.is_none() {
                TaskStatus::NoExitCode(why)
            } else {
                TaskStatus::Passed
            }
        }
        Some(c) => TaskStatus::Failed(c),
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
            r.duration.map_or("-".to_owned(), secs),
            dash(&r.alloc),
            dash(&r.node),
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|i| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for r in table {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        s.push_str(cells.join("  ").trim_end());
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_the_flag() {
        assert_eq!(humanize(Duration::from_secs(300)), "5m");
        assert_eq!(humanize(Duration::from_secs(90)), "1m30s");
        assert_eq!(humanize(Duration::from_secs(2)), "2s");
        assert_eq!(humanize(Duration::from_millis(1500)), "1.5s");
        assert_eq!(humanize(Duration::from_secs(7200)), "2h");
    }

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
