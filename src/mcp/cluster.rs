//! [`Nomad`]: the [`Cluster`] the shipped server plugs in, on the cluster code `nomad-build
//! run`, `status` and `plan` use.
//!
//! * `run`: each phase's job goes through the phase runner of [`crate::cluster::wait`] on the
//!   run's thread. The runner reports typed events ([`Observer`]); `Reports` folds them into
//!   the run's status: the job registered, a task started or terminated, each log line. At
//!   the end of a phase its task rows give every task's final state and exit code. `run_cancel` triggers the runner's [`Interrupt`], exactly as Ctrl-C
//!   does: the running job is deregistered, not purged.
//! * `status`: the explanation of [`crate::cluster::status::explain`], without colours.
//! * `plan`: [`crate::placement::check_offline`] on a node snapshot, with the
//!   [`crate::placement::Explainer`]'s findings.
//!
//! Connection settings come from the server's environment, as for `nomad-build run`
//! (`NOMAD_ADDR`, `NOMAD_TOKEN`, `NOMAD_NAMESPACE`, `NOMAD_REGION`, `NOMAD_CACERT`, ...),
//! read once when the server starts; the jobs' own namespace and region win, as for
//! `nomad job run`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::runs::{
    CancelToken, Cluster, PhaseOutcome, PhasePlan, PlanRequest, RunReporter, RunRequest, TaskState,
};
use crate::app::connect::Connect;
use crate::cluster::api::TaskEvent;
use crate::cluster::client::Client;
use crate::cluster::logs::Stream;
use crate::cluster::status;
use crate::cluster::wait::{
    self, Interrupt, Observer, Options, Outcome, PhaseJob, TaskRef, TaskStatus,
};
use crate::diag::{self, Color};
use crate::phase::{Phase, Role};
use crate::placement::{self, explain::format_alloc_metrics, nodes, Explainer};

/// How long a phase's job may wait for placement (`nomad-build run`'s default).
pub const PLACEMENT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// A Nomad cluster reached with the settings of an environment.
pub struct Nomad {
    connect: Connect,
    placement_timeout: Duration,
}

impl Nomad {
    /// The cluster the process environment names (`NOMAD_ADDR`, `NOMAD_TOKEN`, ...).
    pub fn from_env() -> Nomad {
        Nomad::with_env(crate::process_env::vars().into_iter().collect())
    }

    /// The cluster `env` names.
    pub fn with_env(env: HashMap<String, String>) -> Nomad {
        Nomad {
            connect: Connect::with_env(env),
            placement_timeout: PLACEMENT_TIMEOUT,
        }
    }
}

impl Cluster for Nomad {
    fn run(
        &self,
        request: &RunRequest,
        report: &RunReporter,
        cancel: &CancelToken,
    ) -> Result<(), String> {
        if request.compiled.phases.is_empty() {
            return Err("the pipeline has no phase".to_owned());
        }
        let client = self
            .connect
            .to_run(&request.compiled)
            .map_err(|e| e.to_string())?
            .client;
        let interrupt = Interrupt::default();
        let done = Arc::new(AtomicBool::new(false));
        // `run_cancel` fires the token; the runner hears it as its Ctrl-C.
        let watcher = {
            let (interrupt, done, cancel) = (interrupt.clone(), Arc::clone(&done), cancel.clone());
            std::thread::spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    if cancel.wait(Duration::from_millis(100)) {
                        interrupt.trigger();
                        return;
                    }
                }
            })
        };
        let result = self.run_phases(&client, request, report, &interrupt);
        done.store(true, Ordering::SeqCst);
        let _ = watcher.join();
        result
    }

    fn status(&self, job_id: &str) -> Result<String, String> {
        let client = self.connect.client(None, None).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        status::explain(&client, job_id, None, Color::Never, &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn plan(&self, request: &PlanRequest) -> Result<Vec<PhasePlan>, String> {
        let Some(path) = &request.nodes else {
            return Err(
                "`plan` checks against a node snapshot: give `nodes`, a JSON array of the \
                 `GET /v1/node/:id` answers of the cluster's nodes (see docs/plan.md)"
                    .to_owned(),
            );
        };
        let shown = path
            .strip_prefix(&request.root)
            .unwrap_or(path)
            .display()
            .to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
        let nodes = nodes::parse(&text)
            .map_err(|e| format!("`{shown}` is not a node snapshot: {}", e.message))?;
        let opened = &request.opened;
        let placements = placement::check_offline(&opened.compiled, &request.phases, &nodes);
        let mut out = Vec::new();
        for p in &placements {
            let mut failures = Vec::new();
            for g in p.groups.iter().filter(|g| !g.placed) {
                for line in format_alloc_metrics(&g.metric, "").lines() {
                    let line = line.trim_start_matches("* ");
                    failures.push(format!("group `{}`: {line}", g.group));
                }
            }
            if !p.places() {
                if let Some(r) = opened.compiled.phase(p.phase) {
                    for f in Explainer::new(&opened.loaded).findings(&[(p, r)]) {
                        failures.push(
                            diag::render(&f, &opened.sources, Color::Never)
                                .trim_end()
                                .to_owned(),
                        );
                    }
                }
            }
            out.push(PhasePlan {
                phase: p.phase,
                job_id: p.job_id.clone(),
                placeable: p.places(),
                failures,
            });
        }
        Ok(out)
    }
}

impl Nomad {
    fn run_phases(
        &self,
        client: &Client,
        request: &RunRequest,
        report: &RunReporter,
        interrupt: &Interrupt,
    ) -> Result<(), String> {
        for &phase in &request.phases {
            if interrupt.is_set() {
                return Ok(());
            }
            let rendered = request
                .compiled
                .phase(phase)
                .ok_or_else(|| format!("the pipeline declares no `{phase}` phase"))?;
            let json = serde_json::to_value(&rendered.job)
                .map_err(|e| format!("internal error: the {phase} job: {e}"))?;
            let job = PhaseJob::new(phase.name(), json)?.with_roles(&rendered.tasks);
            let mut reports = Reports::new(report, phase, rendered);
            let opts = Options {
                placement_timeout: self.placement_timeout,
                detach: false,
                explain: None,
            };
            let done = wait::run(
                client,
                std::slice::from_ref(&job),
                &opts,
                interrupt,
                &mut reports,
            );
            for row in &done.rows {
                if !reports.is_task(&row.group, &row.name) {
                    continue;
                }
                let (state, code) = match &row.status {
                    TaskStatus::NotRun => continue,
                    TaskStatus::Passed => (TaskState::Complete, Some(0)),
                    TaskStatus::Failed(c) => (TaskState::Failed, Some(*c)),
                    TaskStatus::TimedOut(c) | TaskStatus::Stopped(c) => (TaskState::Failed, *c),
                    TaskStatus::Lost | TaskStatus::NoExitCode(_) => (TaskState::Failed, None),
                };
                let code = code.map(|c| i32::try_from(c).unwrap_or(i32::MAX));
                report.task(phase, &row.group, &row.name, state, code);
            }
            match done.outcome {
                Outcome::Passed | Outcome::Detached => {
                    report.phase_finished(phase, PhaseOutcome::Passed);
                }
                Outcome::Interrupted => {
                    if reports.submitted {
                        report.phase_finished(phase, PhaseOutcome::Cancelled);
                    }
                    return Ok(());
                }
                Outcome::Cluster(msg) => {
                    if reports.submitted {
                        report.phase_finished(phase, PhaseOutcome::Failed(msg.clone()));
                    }
                    return Err(msg);
                }
                other => {
                    report.phase_finished(phase, PhaseOutcome::Failed(reason(&other)));
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// Why a phase failed, as `nomad-build run` says it.
fn reason(o: &Outcome) -> String {
    match o {
        Outcome::TaskFailed { label, code } => format!("{label} exited with code {code}"),
        Outcome::TimedOut { label } => {
            format!("{label} was stopped by its timeout (max_run_duration)")
        }
        Outcome::NotPlaced { job } => format!(
            "job {job} was not placed within {}; it was stopped so that it cannot start later",
            crate::duration::human(PLACEMENT_TIMEOUT)
        ),
        Outcome::Lost { label, why } => format!("{label} {why}"),
        Outcome::Stopped { job, cause } if cause.is_empty() => format!("job {job} was stopped"),
        Outcome::Stopped { job, cause } => format!("job {job} was stopped: {cause}"),
        Outcome::Passed | Outcome::Detached => "passed".to_owned(),
        Outcome::Interrupted => "interrupted".to_owned(),
        Outcome::Cluster(m) => m.clone(),
    }
}

/// The events of one phase's run, folded into the run's status.
struct Reports<'a> {
    report: &'a RunReporter,
    phase: Phase,
    /// Each group's tasks; the watchdog is no task result, as in `nomad-build run`.
    groups: Vec<(String, Vec<String>)>,
    submitted: bool,
}

impl<'a> Reports<'a> {
    fn new(
        report: &'a RunReporter,
        phase: Phase,
        rendered: &crate::render::Rendered,
    ) -> Reports<'a> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for t in rendered.tasks.iter().filter(|t| t.role != Role::Watchdog) {
            match groups.iter_mut().find(|(g, _)| *g == t.group) {
                Some((_, tasks)) => tasks.push(t.task.clone()),
                None => groups.push((t.group.clone(), vec![t.task.clone()])),
            }
        }
        Reports {
            report,
            phase,
            groups,
            submitted: false,
        }
    }

    fn is_task(&self, group: &str, task: &str) -> bool {
        self.groups
            .iter()
            .any(|(g, ts)| g == group && ts.iter().any(|t| t == task))
    }
}

impl Observer for Reports<'_> {
    fn submitted(&mut self, _phase: &str, job_id: &str, _evaluation: &str) {
        self.submitted = true;
        self.report.phase_started(self.phase, job_id);
        for (g, ts) in &self.groups {
            for t in ts {
                self.report.task(self.phase, g, t, TaskState::Pending, None);
            }
        }
    }

    fn task_state(&mut self, task: &TaskRef<'_>, event: &TaskEvent) {
        if !self.is_task(task.group, task.task) {
            return;
        }
        match event.kind.as_str() {
            "Started" => {
                self.report
                    .task(self.phase, task.group, task.task, TaskState::Running, None);
            }
            // Reported once the task's logs are complete; the phase's end confirms it.
            "Terminated" => {
                let code = event
                    .details
                    .get("exit_code")
                    .and_then(|c| c.parse::<i64>().ok())
                    .unwrap_or(event.exit_code);
                let code = i32::try_from(code).unwrap_or(i32::MAX);
                let state = if code == 0 {
                    TaskState::Complete
                } else {
                    TaskState::Failed
                };
                self.report
                    .task(self.phase, task.group, task.task, state, Some(code));
            }
            _ => {}
        }
    }

    fn log_line(&mut self, task: &TaskRef<'_>, _stream: Stream, text: &str) {
        if self.is_task(task.group, task.task) {
            self.report.log(self.phase, task.group, task.task, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::runs::tests::{reporter, request};
    use crate::mcp::runs::{PhaseState, TaskStatus as Task};
    use serde_json::json;

    fn task_status(
        group: &str,
        task: &str,
        state: TaskState,
        code: Option<i32>,
        log: &[&str],
    ) -> Task {
        Task {
            group: group.to_owned(),
            task: task.to_owned(),
            state,
            exit_code: code,
            log: log.iter().map(|l| (*l).to_owned()).collect(),
        }
    }

    fn rendered(phase: Phase, tasks: &[(&str, &str, Role)]) -> crate::render::Rendered {
        crate::render::Rendered {
            phase,
            hcl: String::new(),
            job: crate::nomad::model::JobRegisterRequest::default(),
            tasks: tasks
                .iter()
                .map(|(g, t, role)| crate::phase::PlannedTask {
                    group: (*g).to_owned(),
                    task: (*t).to_owned(),
                    role: *role,
                })
                .collect(),
        }
    }

    fn event(kind: &str, exit_code: Option<&str>) -> TaskEvent {
        let mut e: TaskEvent = serde_json::from_value(json!({"Type": kind})).expect("an event");
        if let Some(c) = exit_code {
            e.details.insert("exit_code".to_owned(), c.to_owned());
        }
        e
    }

    #[test]
    fn the_runners_events_become_reports() {
        let req = request("r1", &[Phase::Test]);
        let (rr, rx) = reporter(&req);
        let r = rendered(
            Phase::Test,
            &[
                ("unit", "watchdog", Role::Watchdog),
                ("unit", "unit", Role::Test),
                ("integration", "watchdog", Role::Watchdog),
                ("integration", "integration", Role::Test),
            ],
        );
        let mut reports = Reports::new(&rr, Phase::Test, &r);
        let task = |group: &'static str, task: &'static str, label: &'static str| TaskRef {
            phase: "test",
            group,
            task,
            label,
        };
        reports.submitted("test", "app-test-r1", "00000003-0000");
        let unit = task("unit", "unit", "test/unit");
        let integration = task("integration", "integration", "test/integration");
        let watchdog = task("unit", "watchdog", "test/unit/watchdog");
        reports.task_state(&watchdog, &event("Started", None));
        reports.task_state(&unit, &event("Started", None));
        reports.log_line(&unit, Stream::Stdout, "ok 1 - adds");
        reports.log_line(&watchdog, Stream::Stdout, "watching");
        reports.log_line(&integration, Stream::Stderr, "boom: hunter2-secret");
        reports.task_state(&integration, &event("Terminated", Some("3")));
        reports.task_state(&unit, &event("Terminated", Some("0")));
        assert!(reports.submitted);
        let s = rx.borrow().clone();
        let p = &s.phases[0];
        assert_eq!(
            (p.state, p.job_id.as_deref()),
            (PhaseState::Running, Some("app-test-r1"))
        );
        assert_eq!(
            p.tasks,
            [
                task_status(
                    "unit",
                    "unit",
                    TaskState::Complete,
                    Some(0),
                    &["ok 1 - adds"]
                ),
                task_status(
                    "integration",
                    "integration",
                    TaskState::Failed,
                    Some(3),
                    &["boom: [redacted]"]
                ),
            ]
        );
    }

    #[test]
    fn reasons_read_like_the_command_line() {
        assert_eq!(
            reason(&Outcome::TaskFailed {
                label: "test/unit".into(),
                code: 7
            }),
            "test/unit exited with code 7"
        );
        assert_eq!(
            reason(&Outcome::NotPlaced { job: "j".into() }),
            "job j was not placed within 5m; it was stopped so that it cannot start later"
        );
        assert_eq!(
            reason(&Outcome::Stopped {
                job: "j".into(),
                cause: String::new()
            }),
            "job j was stopped"
        );
    }
}
