//! Pipeline runs in the background: the [`Cluster`] trait the cluster tools are written
//! against, and [`Runs`], the registry of the runs the `run` tool started.
//!
//! A run is one call of [`Cluster::run`] on a thread of its own. The implementation reports
//! what happens through the [`RunReporter`] it is given (a phase's job submitted, a task's
//! state and exit code, log lines, a phase's outcome); the registry folds the reports into a
//! [`RunStatus`], which `run_status` returns and whose every change is sent to a watching
//! client as an MCP progress notification ([`follow`]). `run_cancel` fires the run's
//! [`CancelToken`]; the implementation stops the run's jobs, as Ctrl-C does for
//! `nomad-build run`, and returns.
//!
//! Every text a report carries goes through the server's [`Redactor`] before it is stored.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::safety::Redactor;
use crate::compile::Compiled;
use crate::phase::Phase;

/// What the cluster tools need from a Nomad cluster. An implementation blocks: the registry
/// calls [`Cluster::run`] on a thread of its own, and the server calls the others off its
/// event loop.
pub trait Cluster: Send + Sync + 'static {
    /// Runs `request`'s phases in order, each phase's job after the previous one passed,
    /// reporting through `report`, and returns when the run is over: `Ok` when every phase
    /// ran to its outcome (reported with [`RunReporter::phase_finished`]), `Err` with the
    /// reason when the run could not go on (the cluster unreachable, a job refused). When
    /// `cancel` fires it stops the run's jobs and returns promptly.
    fn run(
        &self,
        request: &RunRequest,
        report: &RunReporter,
        cancel: &CancelToken,
    ) -> Result<(), String>;

    /// What `nomad-build status JOB` prints about the job `job_id`.
    fn status(&self, job_id: &str) -> Result<String, String>;

    /// Whether each requested phase's job can be placed: on the cluster's nodes, or on the
    /// nodes of the snapshot file `request.nodes`.
    fn plan(&self, request: &PlanRequest) -> Result<Vec<PhasePlan>, String>;
}

/// A run to start.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The run id the jobs were compiled with.
    pub run_id: String,
    /// The build.hcl, canonical and below the server's root.
    pub file: PathBuf,
    /// How results name the file (relative to the root).
    pub shown: String,
    /// The compiled pipeline.
    pub compiled: Compiled,
    /// The phases to run, in run order, each declared by the pipeline.
    pub phases: Vec<Phase>,
}

/// A placement check to make.
#[derive(Debug)]
pub struct PlanRequest {
    /// The compiled pipeline, with the loaded build.hcl its findings point into.
    pub opened: crate::app::Opened,
    /// The phases to check, in run order, each declared by the pipeline.
    pub phases: Vec<Phase>,
    /// A node snapshot file (canonical, below the root) instead of the cluster's nodes.
    pub nodes: Option<PathBuf>,
    /// The server's root (canonical), for naming files in messages.
    pub root: PathBuf,
}

/// Whether one phase's job can be placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PhasePlan {
    /// The phase.
    pub phase: Phase,
    /// The job's ID.
    pub job_id: String,
    /// Whether every group of the job can be placed.
    pub placeable: bool,
    /// Why not: one explanation per failure (a group, the constraint or resource that fails
    /// and on how many nodes).
    pub failures: Vec<String>,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    /// Its phases are running.
    Running,
    /// `run_cancel` asked it to stop; its jobs are being stopped.
    Cancelling,
    /// Every phase passed.
    Passed,
    /// A phase failed, or the run could not go on (see `error`).
    Failed,
    /// Stopped by `run_cancel`.
    Cancelled,
}

impl RunState {
    /// Whether the run is over.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunState::Passed | RunState::Failed | RunState::Cancelled
        )
    }
}

/// Where one phase of a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PhaseState {
    /// Not started yet.
    Pending,
    /// Its job is on the cluster.
    Running,
    /// Every task succeeded.
    Passed,
    /// A task failed, or the job could not run.
    Failed,
    /// Stopped by `run_cancel`.
    Cancelled,
    /// Never started: an earlier phase failed, or the run was cancelled first.
    Skipped,
}

/// What a phase ended with, as an implementation reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhaseOutcome {
    /// Every task succeeded.
    Passed,
    /// It failed, and why.
    Failed(String),
    /// Its job was stopped because the run was cancelled.
    Cancelled,
}

/// Where one task of a phase's job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    /// Waiting to be placed or started.
    Pending,
    /// Running.
    Running,
    /// Finished successfully.
    Complete,
    /// Finished unsuccessfully (see the exit code), or could not start.
    Failed,
}

/// One task of a phase's job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TaskStatus {
    /// Its group.
    pub group: String,
    /// Its name.
    pub task: String,
    /// Its state.
    pub state: TaskState,
    /// Its exit code, once it has one.
    pub exit_code: Option<i32>,
    /// Its last log lines (standard output and error), oldest first.
    pub log: Vec<String>,
}

/// One phase of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PhaseStatus {
    /// The phase.
    pub phase: Phase,
    /// Its state.
    pub state: PhaseState,
    /// Its job's ID, once submitted.
    pub job_id: Option<String>,
    /// Why it failed.
    pub reason: Option<String>,
    /// Its tasks, in the order they were first reported.
    pub tasks: Vec<TaskStatus>,
}

/// A run as `run`, `run_status` and `run_cancel` return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunStatus {
    /// The run id.
    pub run_id: String,
    /// The build.hcl, relative to the root.
    pub file: String,
    /// Where the run is.
    pub state: RunState,
    /// The phase running now, or the last one that ran.
    pub phase: Option<Phase>,
    /// Every phase of the run, in run order.
    pub phases: Vec<PhaseStatus>,
    /// Why the run could not go on.
    pub error: Option<String>,
    /// How many times the status changed (the progress of the run's progress notifications).
    pub updates: u64,
}

impl RunStatus {
    fn new(request: &RunRequest) -> RunStatus {
        RunStatus {
            run_id: request.run_id.clone(),
            file: request.shown.clone(),
            state: RunState::Running,
            phase: None,
            phases: request
                .phases
                .iter()
                .map(|p| PhaseStatus {
                    phase: *p,
                    state: PhaseState::Pending,
                    job_id: None,
                    reason: None,
                    tasks: Vec::new(),
                })
                .collect(),
            error: None,
            updates: 0,
        }
    }

    /// One line: the run's state and its current phase's (`running; build: running (2 tasks)`).
    pub fn summary(&self) -> String {
        let state = serde_json::to_value(self.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let mut out = format!("run {}: {state}", self.run_id);
        if let Some(p) = self
            .phase
            .and_then(|p| self.phases.iter().find(|s| s.phase == p))
        {
            let ps = serde_json::to_value(p.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let name = serde_json::to_value(p.phase)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            out.push_str(&format!("; {name}: {ps}"));
            let done = p
                .tasks
                .iter()
                .filter(|t| matches!(t.state, TaskState::Complete | TaskState::Failed))
                .count();
            if !p.tasks.is_empty() {
                out.push_str(&format!(" ({done}/{} tasks done)", p.tasks.len()));
            }
        }
        if let Some(e) = &self.error {
            out.push_str(&format!("; {e}"));
        }
        out
    }

    fn phase_mut(&mut self, phase: Phase) -> Option<&mut PhaseStatus> {
        self.phases.iter_mut().find(|p| p.phase == phase)
    }
}

/// How many log lines a task keeps.
pub const LOG_LINES: usize = 20;

/// The longest log line kept, in bytes; longer ones are cut.
const LOG_LINE_MAX: usize = 2000;

/// Fired by `run_cancel`; an implementation checks it, or sleeps on it between polls.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl CancelToken {
    /// A token that has not fired.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Fires the token.
    pub fn cancel(&self) {
        let (lock, cvar) = &*self.inner;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        cvar.notify_all();
    }

    /// Whether it has fired.
    pub fn is_cancelled(&self) -> bool {
        *self.inner.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps for `timeout` or until the token fires; returns whether it has fired.
    pub fn wait(&self, timeout: Duration) -> bool {
        let (lock, cvar) = &*self.inner;
        let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
        let (guard, _) = cvar
            .wait_timeout_while(guard, timeout, |fired| !*fired)
            .unwrap_or_else(PoisonError::into_inner);
        *guard
    }
}

/// What an implementation of [`Cluster::run`] reports a run's events through.
pub struct RunReporter {
    tx: watch::Sender<RunStatus>,
    redactor: Arc<Redactor>,
}

impl RunReporter {
    fn update(&self, f: impl FnOnce(&mut RunStatus)) {
        self.tx.send_modify(|s| {
            f(s);
            s.updates += 1;
        });
    }

    /// `phase`'s job was submitted as `job_id`.
    pub fn phase_started(&self, phase: Phase, job_id: &str) {
        let job_id = self.redactor.text(job_id);
        self.update(|s| {
            s.phase = Some(phase);
            if let Some(p) = s.phase_mut(phase) {
                p.state = PhaseState::Running;
                p.job_id = Some(job_id);
            }
        });
    }

    /// A task of `phase` is in `state`, with `exit_code` once it has exited.
    pub fn task(
        &self,
        phase: Phase,
        group: &str,
        task: &str,
        state: TaskState,
        exit_code: Option<i32>,
    ) {
        self.update(|s| {
            if let Some(p) = s.phase_mut(phase) {
                let t = task_mut(p, group, task);
                t.state = state;
                if exit_code.is_some() {
                    t.exit_code = exit_code;
                }
            }
        });
    }

    /// A line a task of `phase` printed.
    pub fn log(&self, phase: Phase, group: &str, task: &str, line: &str) {
        let mut line = self.redactor.text(line.trim_end_matches(['\n', '\r']));
        if line.len() > LOG_LINE_MAX {
            let mut cut = LOG_LINE_MAX;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
            line.push('…');
        }
        self.update(|s| {
            if let Some(p) = s.phase_mut(phase) {
                let t = task_mut(p, group, task);
                t.log.push(line);
                if t.log.len() > LOG_LINES {
                    let extra = t.log.len() - LOG_LINES;
                    t.log.drain(..extra);
                }
            }
        });
    }

    /// `phase` ended with `outcome`.
    pub fn phase_finished(&self, phase: Phase, outcome: PhaseOutcome) {
        let outcome = match outcome {
            PhaseOutcome::Failed(reason) => PhaseOutcome::Failed(self.redactor.text(&reason)),
            o => o,
        };
        self.update(|s| {
            s.phase = Some(phase);
            if let Some(p) = s.phase_mut(phase) {
                (p.state, p.reason) = match outcome {
                    PhaseOutcome::Passed => (PhaseState::Passed, None),
                    PhaseOutcome::Failed(r) => (PhaseState::Failed, Some(r)),
                    PhaseOutcome::Cancelled => (PhaseState::Cancelled, None),
                };
            }
        });
    }

    /// The run is over: `result` is what [`Cluster::run`] returned (`None` when it panicked).
    fn finish(&self, result: Option<Result<(), String>>, cancelled: bool) {
        let error = match result {
            None => Some("the run stopped on an internal error".to_owned()),
            Some(Err(e)) => Some(self.redactor.text(&e)),
            Some(Ok(())) => None,
        };
        self.update(|s| {
            for p in &mut s.phases {
                p.state = match p.state {
                    PhaseState::Pending => PhaseState::Skipped,
                    PhaseState::Running if cancelled => PhaseState::Cancelled,
                    PhaseState::Running => PhaseState::Failed,
                    other => other,
                };
            }
            let all_passed = s.phases.iter().all(|p| p.state == PhaseState::Passed);
            s.state = if cancelled {
                RunState::Cancelled
            } else if error.is_none() && all_passed {
                RunState::Passed
            } else {
                RunState::Failed
            };
            s.error = error;
        });
    }
}

fn task_mut<'a>(p: &'a mut PhaseStatus, group: &str, task: &str) -> &'a mut TaskStatus {
    let i = match p
        .tasks
        .iter()
        .position(|t| t.group == group && t.task == task)
    {
        Some(i) => i,
        None => {
            p.tasks.push(TaskStatus {
                group: group.to_owned(),
                task: task.to_owned(),
                state: TaskState::Pending,
                exit_code: None,
                log: Vec::new(),
            });
            p.tasks.len() - 1
        }
    };
    &mut p.tasks[i]
}

struct Entry {
    rx: watch::Receiver<RunStatus>,
    cancel: CancelToken,
    /// The status's sender, for `cancelling`.
    tx: watch::Sender<RunStatus>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// The runs this server started, by run id.
#[derive(Clone)]
pub struct Runs {
    entries: Arc<Mutex<HashMap<String, Arc<Entry>>>>,
    redactor: Arc<Redactor>,
}

impl Runs {
    /// An empty registry whose reports go through `redactor`.
    pub fn new(redactor: Arc<Redactor>) -> Runs {
        Runs {
            entries: Arc::default(),
            redactor,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Entry>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts `request` on a thread of its own; returns its first status at once. Refused
    /// while a run of the same id is not over.
    pub fn start(
        &self,
        cluster: Arc<dyn Cluster>,
        request: RunRequest,
    ) -> Result<RunStatus, String> {
        let mut entries = self.lock();
        if let Some(e) = entries.get(&request.run_id) {
            if !e.rx.borrow().state.is_final() {
                return Err(format!(
                    "run `{}` is still going; wait for it (run_status) or stop it \
                     (run_cancel) first",
                    request.run_id
                ));
            }
        }
        let first = RunStatus::new(&request);
        let (tx, rx) = watch::channel(first.clone());
        let cancel = CancelToken::new();
        let reporter = RunReporter {
            tx: tx.clone(),
            redactor: Arc::clone(&self.redactor),
        };
        let token = cancel.clone();
        let thread = std::thread::Builder::new()
            .name(format!("run {}", request.run_id))
            .spawn(move || {
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    cluster.run(&request, &reporter, &token)
                }))
                .ok();
                reporter.finish(result, token.is_cancelled());
            })
            .map_err(|e| format!("cannot start the run: {e}"))?;
        let id = first.run_id.clone();
        entries.insert(
            id,
            Arc::new(Entry {
                rx,
                cancel,
                tx,
                thread: Mutex::new(Some(thread)),
            }),
        );
        Ok(first)
    }

    fn entry(&self, run_id: &str) -> Option<Arc<Entry>> {
        self.lock().get(run_id).cloned()
    }

    /// The status of run `run_id`.
    pub fn status(&self, run_id: &str) -> Option<RunStatus> {
        self.entry(run_id).map(|e| e.rx.borrow().clone())
    }

    /// A receiver of run `run_id`'s status, for [`follow`].
    pub fn watch(&self, run_id: &str) -> Option<watch::Receiver<RunStatus>> {
        self.entry(run_id).map(|e| e.rx.clone())
    }

    /// Every run's status, by run id.
    pub fn list(&self) -> Vec<RunStatus> {
        let mut out: Vec<RunStatus> = self
            .lock()
            .values()
            .map(|e| e.rx.borrow().clone())
            .collect();
        out.sort_by(|a, b| a.run_id.cmp(&b.run_id));
        out
    }

    /// Asks run `run_id` to stop; returns its status (`cancelling` until its thread is done).
    pub fn cancel(&self, run_id: &str) -> Option<RunStatus> {
        let e = self.entry(run_id)?;
        if !e.rx.borrow().state.is_final() {
            e.cancel.cancel();
            e.tx.send_if_modified(|s| {
                if s.state == RunState::Running {
                    s.state = RunState::Cancelling;
                    s.updates += 1;
                    true
                } else {
                    false
                }
            });
        }
        let status = e.rx.borrow().clone();
        Some(status)
    }

    /// Cancels every run that is not over and waits up to `timeout` for their threads.
    pub fn shutdown(&self, timeout: Duration) {
        let entries: Vec<Arc<Entry>> = self.lock().values().cloned().collect();
        for e in &entries {
            if !e.rx.borrow().state.is_final() {
                e.cancel.cancel();
            }
        }
        let deadline = Instant::now() + timeout;
        for e in &entries {
            let handle = e
                .thread
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            let Some(handle) = handle else { continue };
            while !handle.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if handle.is_finished() {
                let _ = handle.join();
            }
        }
    }
}

/// Follows a run until it is over or `deadline` passes, calling `each` with its first status
/// and then with every changed one; returns the last status. Changes that come faster than
/// `each` takes are folded into one.
pub async fn follow<F, Fut>(
    mut rx: watch::Receiver<RunStatus>,
    deadline: tokio::time::Instant,
    mut each: F,
) -> RunStatus
where
    F: FnMut(RunStatus) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    loop {
        let status = rx.borrow_and_update().clone();
        each(status.clone()).await;
        if status.state.is_final() {
            return status;
        }
        match tokio::time::timeout_at(deadline, rx.changed()).await {
            Ok(Ok(())) => {}
            // The deadline passed, or the run's thread and registry entry are gone.
            Ok(Err(_)) | Err(_) => return rx.borrow().clone(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A cluster that plays a script: each phase starts, its task runs and logs, then the
    /// phase passes, unless the phase is listed in `fail` (task exits 1) or the run is
    /// cancelled while a phase waits `step`.
    pub(crate) struct FakeCluster {
        pub fail: Vec<Phase>,
        pub step: Duration,
        pub error: Option<String>,
        pub stopped: AtomicUsize,
    }

    impl FakeCluster {
        pub(crate) fn new(step: Duration) -> FakeCluster {
            FakeCluster {
                fail: Vec::new(),
                step,
                error: None,
                stopped: AtomicUsize::new(0),
            }
        }
    }

    impl Cluster for FakeCluster {
        fn run(
            &self,
            request: &RunRequest,
            report: &RunReporter,
            cancel: &CancelToken,
        ) -> Result<(), String> {
            if let Some(e) = &self.error {
                return Err(e.clone());
            }
            for &phase in &request.phases {
                let job = format!("{}-{phase}-{}", request.compiled.pipeline, request.run_id);
                report.phase_started(phase, &job);
                report.task(phase, "main", phase.name(), TaskState::Running, None);
                for i in 0..30 {
                    report.log(phase, "main", phase.name(), &format!("line {i}\n"));
                }
                if cancel.wait(self.step) {
                    self.stopped.fetch_add(1, Ordering::SeqCst);
                    report.task(phase, "main", phase.name(), TaskState::Failed, Some(130));
                    report.phase_finished(phase, PhaseOutcome::Cancelled);
                    return Ok(());
                }
                if self.fail.contains(&phase) {
                    report.task(phase, "main", phase.name(), TaskState::Failed, Some(1));
                    report.phase_finished(phase, PhaseOutcome::Failed("task exited 1".into()));
                    return Ok(());
                }
                report.task(phase, "main", phase.name(), TaskState::Complete, Some(0));
                report.phase_finished(phase, PhaseOutcome::Passed);
            }
            Ok(())
        }

        fn status(&self, job_id: &str) -> Result<String, String> {
            Ok(format!("job {job_id}: complete"))
        }

        fn plan(&self, request: &PlanRequest) -> Result<Vec<PhasePlan>, String> {
            Ok(request
                .phases
                .iter()
                .map(|p| PhasePlan {
                    phase: *p,
                    job_id: format!("{}-{p}", request.opened.compiled.pipeline),
                    placeable: !self.fail.contains(p),
                    failures: if self.fail.contains(p) {
                        vec!["group main: no node has driver podman".into()]
                    } else {
                        Vec::new()
                    },
                })
                .collect())
        }
    }

    pub(crate) fn request(run_id: &str, phases: &[Phase]) -> RunRequest {
        RunRequest {
            run_id: run_id.to_owned(),
            file: PathBuf::from("/nowhere/build.hcl"),
            shown: "build.hcl".to_owned(),
            compiled: Compiled {
                pipeline: "app".to_owned(),
                phases: Vec::new(),
                registries: indexmap::IndexMap::default(),
                target: crate::target::DEFAULT,
            },
            phases: phases.to_vec(),
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    /// Follows the run to its end (10 s at most); returns every status seen.
    fn follow_all(runs: &Runs, id: &str) -> Vec<RunStatus> {
        let rx = runs.watch(id).expect("registered");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = Arc::clone(&seen);
        rt().block_on(async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            follow(rx, deadline, |s| {
                s2.lock().unwrap().push(s);
                async {}
            })
            .await
        });
        let out = seen.lock().unwrap().clone();
        out
    }

    fn runs() -> Runs {
        Runs::new(Arc::new(Redactor::default().with("hunter2-secret")))
    }

    #[test]
    fn a_run_goes_from_running_to_passed_with_increasing_updates() {
        let runs = runs();
        let cluster = Arc::new(FakeCluster::new(Duration::from_millis(10)));
        let first = runs
            .start(cluster, request("r1", &[Phase::Build, Phase::Test]))
            .expect("starts");
        assert_eq!(first.state, RunState::Running);
        assert_eq!(first.phases.len(), 2);
        let seen = follow_all(&runs, "r1");
        let last = seen.last().expect("a status").clone();
        assert_eq!(last.state, RunState::Passed, "{last:?}");
        assert!(seen.windows(2).all(|w| w[0].updates < w[1].updates));
        assert_eq!(last.phase, Some(Phase::Test));
        for p in &last.phases {
            assert_eq!(p.state, PhaseState::Passed);
            assert_eq!(p.tasks.len(), 1);
            let t = &p.tasks[0];
            assert_eq!((t.state, t.exit_code), (TaskState::Complete, Some(0)));
            assert_eq!(t.log.len(), LOG_LINES);
            assert_eq!(t.log.last().map(String::as_str), Some("line 29"));
        }
        assert_eq!(last.phases[0].job_id.as_deref(), Some("app-build-r1"));
        assert_eq!(runs.status("r1"), Some(last));
        assert!(runs.status("nope").is_none());
    }

    #[test]
    fn a_failing_phase_fails_the_run_and_skips_the_rest() {
        let runs = runs();
        let mut fake = FakeCluster::new(Duration::from_millis(1));
        fake.fail = vec![Phase::Build];
        runs.start(Arc::new(fake), request("r2", &[Phase::Build, Phase::Test]))
            .expect("starts");
        let last = follow_all(&runs, "r2").pop().expect("a status");
        assert_eq!(last.state, RunState::Failed);
        assert_eq!(last.phases[0].state, PhaseState::Failed);
        assert_eq!(last.phases[0].reason.as_deref(), Some("task exited 1"));
        assert_eq!(last.phases[0].tasks[0].exit_code, Some(1));
        assert_eq!(last.phases[1].state, PhaseState::Skipped);
    }

    #[test]
    fn an_implementation_error_is_reported_redacted() {
        let runs = runs();
        let mut fake = FakeCluster::new(Duration::from_millis(1));
        fake.error = Some("403 for token hunter2-secret".into());
        runs.start(Arc::new(fake), request("r3", &[Phase::Build]))
            .expect("starts");
        let last = follow_all(&runs, "r3").pop().expect("a status");
        assert_eq!(last.state, RunState::Failed);
        assert_eq!(last.error.as_deref(), Some("403 for token [redacted]"));
        assert_eq!(last.phases[0].state, PhaseState::Skipped);
        assert!(last.summary().contains("[redacted]") && !last.summary().contains("hunter2"));
    }

    #[test]
    fn cancel_stops_the_run() {
        let runs = runs();
        let cluster = Arc::new(FakeCluster::new(Duration::from_secs(60)));
        runs.start(
            Arc::clone(&cluster) as Arc<dyn Cluster>,
            request("r4", &[Phase::Build, Phase::Publish]),
        )
        .expect("starts");
        let refused = runs
            .start(
                Arc::clone(&cluster) as Arc<dyn Cluster>,
                request("r4", &[Phase::Build]),
            )
            .expect_err("same id while running");
        assert!(refused.contains("still going"), "{refused}");
        // Wait for the build phase to be running, then cancel.
        let rx = runs.watch("r4").expect("registered");
        rt().block_on(async {
            let mut rx = rx;
            tokio::time::timeout(
                Duration::from_secs(10),
                rx.wait_for(|s| s.phases[0].state == PhaseState::Running),
            )
            .await
            .expect("build starts")
            .expect("sender alive");
        });
        let s = runs.cancel("r4").expect("registered");
        assert!(matches!(
            s.state,
            RunState::Cancelling | RunState::Cancelled
        ));
        let last = follow_all(&runs, "r4").pop().expect("a status");
        assert_eq!(last.state, RunState::Cancelled);
        assert_eq!(last.phases[0].state, PhaseState::Cancelled);
        assert_eq!(last.phases[0].tasks[0].exit_code, Some(130));
        assert_eq!(last.phases[1].state, PhaseState::Skipped);
        assert_eq!(cluster.stopped.load(Ordering::SeqCst), 1);
        // Over: the id can be used again; cancelling a finished run changes nothing.
        assert_eq!(
            runs.cancel("r4").map(|s| s.state),
            Some(RunState::Cancelled)
        );
        runs.start(cluster, request("r4", &[Phase::Build]))
            .expect("a finished id is reusable");
        runs.shutdown(Duration::from_secs(10));
        assert_eq!(
            runs.status("r4").map(|s| s.state),
            Some(RunState::Cancelled)
        );
        assert_eq!(runs.list().len(), 1);
    }

    #[test]
    fn a_panicking_implementation_fails_the_run() {
        struct Panics;
        impl Cluster for Panics {
            fn run(&self, _: &RunRequest, _: &RunReporter, _: &CancelToken) -> Result<(), String> {
                panic!("boom")
            }
            fn status(&self, _: &str) -> Result<String, String> {
                Err("no".into())
            }
            fn plan(&self, _: &PlanRequest) -> Result<Vec<PhasePlan>, String> {
                Err("no".into())
            }
        }
        let runs = runs();
        runs.start(Arc::new(Panics), request("r5", &[Phase::Build]))
            .expect("starts");
        let last = follow_all(&runs, "r5").pop().expect("a status");
        assert_eq!(last.state, RunState::Failed);
        assert_eq!(
            last.error.as_deref(),
            Some("the run stopped on an internal error")
        );
    }

    /// A reporter for `request` outside a registry, and its status.
    pub(crate) fn reporter(request: &RunRequest) -> (RunReporter, watch::Receiver<RunStatus>) {
        let (tx, rx) = watch::channel(RunStatus::new(request));
        let r = RunReporter {
            tx,
            redactor: Arc::new(Redactor::default().with("hunter2-secret")),
        };
        (r, rx)
    }

    #[test]
    fn log_lines_are_redacted_and_cut() {
        let (tx, rx) = watch::channel(RunStatus::new(&request("r6", &[Phase::Test])));
        let r = RunReporter {
            tx,
            redactor: Arc::new(Redactor::default().with("hunter2-secret")),
        };
        r.log(Phase::Test, "g", "t", "pw=hunter2-secret\r\n");
        r.log(Phase::Test, "g", "t", &"é".repeat(LOG_LINE_MAX));
        r.log(Phase::Build, "g", "t", "not in this run");
        let s = rx.borrow().clone();
        let log = &s.phases[0].tasks[0].log;
        assert_eq!(log[0], "pw=[redacted]");
        assert!(log[1].len() <= LOG_LINE_MAX + '…'.len_utf8() && log[1].ends_with('…'));
        assert_eq!(s.updates, 3);
    }
}
