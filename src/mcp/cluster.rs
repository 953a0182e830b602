//! [`Nomad`]: the [`Cluster`] the shipped server plugs in, on the cluster code `nomad-build
//! run`, `status` and `plan` use.
//!
//! * `run`: each phase's job goes through the phase runner of [`crate::cluster::wait`] on the
//!   run's thread. The runner writes what happens as lines (what `nomad-build run` prints);
//!   [`Lines`] turns them into reports: the job registered, an allocation placed, a task
//!   started, each log line. At the end of a phase its task rows give every task's final
//!   state and exit code. `run_cancel` triggers the runner's [`Interrupt`], exactly as Ctrl-C
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
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::runs::{
    CancelToken, Cluster, PhaseOutcome, PhasePlan, PlanRequest, RunReporter, RunRequest, TaskState,
};
use crate::cluster::client::{ApiError, Client, Settings};
use crate::cluster::status;
use crate::cluster::version::{self, Check};
use crate::cluster::wait::{self, Interrupt, Options, Outcome, PhaseJob, TaskStatus};
use crate::diag::{self, Color, Sources};
use crate::phase::Phase;
use crate::placement::{self, explain::format_alloc_metrics, nodes, Explainer};

/// How long a phase's job may wait for placement (`nomad-build run`'s default).
pub const PLACEMENT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// A Nomad cluster reached with the settings of an environment.
pub struct Nomad {
    env: HashMap<String, String>,
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
            env,
            placement_timeout: PLACEMENT_TIMEOUT,
        }
    }

    /// Connection settings, onto a job's namespace and region (which win over
    /// `NOMAD_NAMESPACE` and `NOMAD_REGION`, as `nomad-build run` does).
    fn settings(&self, namespace: Option<&str>, region: Option<&str>) -> Settings {
        let mut s = Settings::from_env(|k| self.env.get(k).cloned());
        if let Some(n) = namespace {
            s.namespace = Some(n.to_owned());
        }
        // `global` means "the agent's region" to a register; a read with `?region=global`
        // would go to a region of that name.
        if let Some(r) = region.filter(|r| *r != "global") {
            s.region = Some(r.to_owned());
        }
        s
    }

    fn client(&self, namespace: Option<&str>, region: Option<&str>) -> Result<Client, String> {
        Client::new(self.settings(namespace, region)).map_err(|e| e.to_string())
    }
}

fn cluster_error(e: &ApiError, client: &Client) -> String {
    match e {
        ApiError::Status {
            status: 403, body, ..
        } => format!(
            "the cluster at {} refused the token (`{body}`); check NOMAD_TOKEN",
            client.address()
        ),
        other => other.to_string(),
    }
}

impl Cluster for Nomad {
    fn run(
        &self,
        request: &RunRequest,
        report: &RunReporter,
        cancel: &CancelToken,
    ) -> Result<(), String> {
        let first = &request
            .compiled
            .phases
            .first()
            .ok_or("the pipeline has no phase")?
            .job
            .job;
        let client = self.client(first.namespace.as_deref(), first.region.as_deref())?;
        let t = request.compiled.target;
        match version::check(&client, first.region.as_deref(), t) {
            Ok(Check::Supported { .. } | Check::Unknown(_)) => {}
            Ok(Check::TooOld { server, build }) => {
                return Err(format!(
                    "the cluster is older than the jobs: server {server} runs Nomad {build}, \
                     and the jobs are compiled for Nomad {}.{}.{} or later",
                    t.major, t.minor, t.patch
                ))
            }
            Err(e) => return Err(cluster_error(&e, &client)),
        }
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
        let client = self.client(None, None)?;
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
        let placements = placement::check_offline(&request.compiled, &request.phases, &nodes);
        let mut sources = Sources::default();
        let id = sources.add(request.shown.clone(), request.text.clone());
        let (loaded, _) = crate::load::load(&mut sources, id, &request.vars);
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
                if let (Some(loaded), Some(r)) = (&loaded, request.compiled.phase(p.phase)) {
                    for f in Explainer::new(loaded).findings(&[(p, r)]) {
                        failures.push(
                            diag::render(&f, &sources, Color::Never)
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
            let mut lines = Lines::new(report, phase, &job, Some(rendered));
            let opts = Options {
                placement_timeout: self.placement_timeout,
                detach: false,
                live: false,
                color: Color::Never,
                explain: None,
            };
            let done = wait::run(
                client,
                std::slice::from_ref(&job),
                &opts,
                interrupt,
                &mut lines,
            );
            lines.end();
            for row in &done.rows {
                let Some((group, task)) = lines.tasks.get(&format!("{phase}/{}", row.task)) else {
                    continue;
                };
                let (state, code) = match &row.status {
                    TaskStatus::NotRun => continue,
                    TaskStatus::Passed => (TaskState::Complete, Some(0)),
                    TaskStatus::Failed(c) => (TaskState::Failed, Some(*c)),
                    TaskStatus::TimedOut(c) | TaskStatus::Stopped(c) => (TaskState::Failed, *c),
                    TaskStatus::Lost | TaskStatus::NoExitCode(_) => (TaskState::Failed, None),
                };
                let code = code.map(|c| i32::try_from(c).unwrap_or(i32::MAX));
                report.task(phase, group, task, state, code);
            }
            match done.outcome {
                Outcome::Passed | Outcome::Detached => {
                    report.phase_finished(phase, PhaseOutcome::Passed);
                }
                Outcome::Interrupted => {
                    if lines.submitted {
                        report.phase_finished(phase, PhaseOutcome::Cancelled);
                    }
                    return Ok(());
                }
                Outcome::Cluster(msg) => {
                    if lines.submitted {
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

/// The runner's output for one phase, turned into reports line by line.
struct Lines<'a> {
    report: &'a RunReporter,
    phase: Phase,
    /// `phase/task` or `phase/group/task` (the runner's labels) to (group, task).
    tasks: HashMap<String, (String, String)>,
    /// Each group's tasks.
    groups: Vec<(String, Vec<String>)>,
    job_id: String,
    submitted: bool,
    buf: Vec<u8>,
}

impl<'a> Lines<'a> {
    /// The watchdog is no task result, as in `nomad-build run`: it is left out of the rows.
    fn new(
        report: &'a RunReporter,
        phase: Phase,
        job: &PhaseJob,
        rendered: Option<&crate::render::Rendered>,
    ) -> Lines<'a> {
        let groups: Vec<(String, Vec<String>)> = job
            .job
            .pointer("/Job/TaskGroups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|g| {
                let name = g.get("Name").and_then(Value::as_str).unwrap_or("group");
                let tasks = g
                    .get("Tasks")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.get("Name").and_then(Value::as_str).map(str::to_owned))
                    .filter(|t| {
                        rendered.and_then(|r| r.role(name, t)) != Some(crate::phase::Role::Watchdog)
                    })
                    .collect();
                (name.to_owned(), tasks)
            })
            .collect();
        let several = groups.len() > 1;
        let mut tasks = HashMap::new();
        for (g, ts) in &groups {
            for t in ts {
                // The runner's task column: `group/task` when the phase has several groups.
                let column = if several && g != t {
                    format!("{g}/{t}")
                } else {
                    t.clone()
                };
                tasks.insert(format!("{phase}/{column}"), (g.clone(), t.clone()));
            }
        }
        Lines {
            report,
            phase,
            tasks,
            groups,
            job_id: job.job_id.clone(),
            submitted: false,
            buf: Vec::new(),
        }
    }

    fn line(&mut self, line: &str) {
        let phase = self.phase;
        if line.starts_with(&format!("{phase}: registered job {} ", self.job_id)) {
            self.submitted = true;
            self.report.phase_started(phase, &self.job_id);
            for (g, ts) in &self.groups {
                for t in ts {
                    self.report.task(phase, g, t, TaskState::Pending, None);
                }
            }
            return;
        }
        for (label, (group, task)) in &self.tasks {
            let Some(rest) = line.strip_prefix(label.as_str()) else {
                continue;
            };
            if let Some(text) = rest
                .strip_prefix(" | ")
                .or_else(|| rest.strip_prefix(" ! "))
            {
                self.report.log(phase, group, task, text);
                return;
            }
            if rest == ": Started" || rest.starts_with(": Started: ") {
                self.report
                    .task(phase, group, task, TaskState::Running, None);
                return;
            }
            // Printed once the task's logs are complete; the phase's end confirms it.
            if let Some(code) = rest
                .strip_prefix(": Terminated: Exit Code: ")
                .and_then(|c| c.split(',').next())
                .and_then(|c| c.trim().parse::<i32>().ok())
            {
                let state = if code == 0 {
                    TaskState::Complete
                } else {
                    TaskState::Failed
                };
                self.report.task(phase, group, task, state, Some(code));
                return;
            }
        }
    }

    /// The last line, when the output did not end with a newline.
    fn end(&mut self) {
        if !self.buf.is_empty() {
            let rest = std::mem::take(&mut self.buf);
            self.line(&String::from_utf8_lossy(&rest));
        }
    }
}

impl Write for Lines<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        while let Some(i) = self.buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=i).collect();
            let line = String::from_utf8_lossy(&line[..i]).into_owned();
            self.line(&line);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::runs::tests::{reporter, request};
    use crate::mcp::runs::{PhaseState, TaskStatus as Task};
    use serde_json::json;

    fn task(group: &str, task: &str, state: TaskState, code: Option<i32>, log: &[&str]) -> Task {
        Task {
            group: group.to_owned(),
            task: task.to_owned(),
            state,
            exit_code: code,
            log: log.iter().map(|l| (*l).to_owned()).collect(),
        }
    }

    #[test]
    fn the_runners_lines_become_reports() {
        let req = request("r1", &[Phase::Test]);
        let (r, rx) = reporter(&req);
        let group = |name: &str| {
            json!({"Name": name, "Tasks": [
                {"Name": "watchdog", "Lifecycle": {"Hook": "prestart"}},
                {"Name": name}
            ]})
        };
        let job = PhaseJob::new(
            "test",
            json!({"Job": {"ID": "app-test-r1", "TaskGroups": [group("unit"), group("integration")]}}),
        )
        .expect("has an ID");
        let mut lines = Lines::new(&r, Phase::Test, &job, None);
        let transcript = "\
test: registered job app-test-r1 (evaluation 00000003)
test: allocation 00000004 placed on node node-1 (task group unit)
test/unit/watchdog: Started: Task started by client
test/unit: Started: Task started by client
test/unit | ok 1 - adds
test/unit2 | not a task of this phase
test/integration/watchdog: Started: Task started by client
test/integration ! boom: hunter2-secret
test/integration: Terminated: Exit Code: 3
test/unit: Terminated: Exit Code: 0
cluster: connection refused; retrying
test/unit | the last line, without a newline";
        // The runner writes in pieces that need not end at a line's end.
        for chunk in transcript.as_bytes().chunks(7) {
            lines.write_all(chunk).expect("never fails");
        }
        lines.end();
        assert!(lines.submitted);
        let s = rx.borrow().clone();
        let p = &s.phases[0];
        assert_eq!(
            (p.state, p.job_id.as_deref()),
            (PhaseState::Running, Some("app-test-r1"))
        );
        assert_eq!(
            p.tasks,
            [
                task("unit", "watchdog", TaskState::Running, None, &[]),
                task(
                    "unit",
                    "unit",
                    TaskState::Complete,
                    Some(0),
                    &["ok 1 - adds", "the last line, without a newline"]
                ),
                task("integration", "watchdog", TaskState::Running, None, &[]),
                task(
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
    fn a_phase_with_one_group_is_labelled_by_task() {
        let req = request("r2", &[Phase::Build]);
        let (r, rx) = reporter(&req);
        let job = PhaseJob::new(
            "build",
            json!({"Job": {"ID": "app-build-r2", "TaskGroups": [
                {"Name": "build", "Tasks": [{"Name": "checkout"}, {"Name": "build"}]}
            ]}}),
        )
        .expect("has an ID");
        let mut lines = Lines::new(&r, Phase::Build, &job, None);
        lines
            .write_all(b"build: registered job app-build-r2 (evaluation 1)\nbuild/checkout | checked out\nbuild/build: Started: Task started by client\n")
            .expect("never fails");
        let s = rx.borrow().clone();
        assert_eq!(
            s.phases[0].tasks,
            [
                task(
                    "build",
                    "checkout",
                    TaskState::Pending,
                    None,
                    &["checked out"]
                ),
                task("build", "build", TaskState::Running, None, &[]),
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

    #[test]
    fn the_jobs_namespace_and_region_win_over_the_environment() {
        let env: HashMap<String, String> = [
            ("NOMAD_ADDR", "http://nomad.example:4646"),
            ("NOMAD_TOKEN", "hunter2-secret"),
            ("NOMAD_NAMESPACE", "env-ns"),
            ("NOMAD_REGION", "env-region"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let n = Nomad::with_env(env);
        let s = n.settings(Some("builds"), Some("global"));
        assert_eq!(s.address, "http://nomad.example:4646");
        assert_eq!(
            s.token.as_ref().map(crate::cluster::client::Secret::expose),
            Some("hunter2-secret")
        );
        assert_eq!(s.namespace.as_deref(), Some("builds"));
        // `global` stands for the agent's region: the environment's stays.
        assert_eq!(s.region.as_deref(), Some("env-region"));
        let s = n.settings(None, Some("eu"));
        assert_eq!(
            (s.namespace.as_deref(), s.region.as_deref()),
            (Some("env-ns"), Some("eu"))
        );
    }
}
