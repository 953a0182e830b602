//! `nomad-build local`: runs the compiled phases on this machine, without Nomad.
//!
//! The runner executes the jobs exactly as compiled (the decoded [`crate::nomad::model`] jobs,
//! not a re-implementation): each task gets a directory laid out like a Nomad allocation
//! (`alloc/`, `<task>/local`, `<task>/secrets`) and the `NOMAD_*` variables Nomad would set;
//! task `config` strings go through the same `${...}` interpolation pass as on a Nomad client;
//! credential templates are rendered from `--secrets` by [`ctmpl`], as consul-template
//! would render them from Vault. Script tasks (`checkout`, `build`, `publish`) run their
//! `sh -c` script with the host's git, buildah and skopeo; test tasks run their command inside
//! their image with `buildah from` + `buildah run`.
//!
//! A group's timeout (its `max_run_duration`, or the `TIMEOUT_SECONDS` of its watchdog task
//! before Nomad 2.0.3) runs from the start of the group, as on a Nomad client: the runner
//! skips the watchdog and, when the time is up, kills the running task with every process it
//! started. The task then counts as timed out, with exit status 124 as from `timeout(1)`.

pub mod ctmpl;
mod env;
mod supervise;
mod workdir;

pub use env::{interpolate, parse_env_file, replace_env};
use supervise::{supervise, Outcome};
pub use workdir::{Workdir, WorkdirError, MARKER as WORKDIR_MARKER};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::compile::Compiled;
use crate::duration;
use crate::nomad::model::{Job, Task, TaskGroup};
use crate::phase::{Phase, Role};
use crate::plan::GitInfo;
use crate::redact::Redactor;
use crate::reference;
use crate::render::Rendered;

/// The exit status of a task stopped by its group's timeout (that of `timeout(1)`).
pub const TIMED_OUT_EXIT: i32 = 124;

/// How long a task stopped by its timeout has to exit after `TERM` before it is killed.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// Options of a local run.
#[derive(Debug, Clone)]
pub struct LocalOptions {
    /// `--secrets FILE` contents: KV v2 path → data.
    pub secrets: Map<String, Value>,
    /// Where allocations and container storage live.
    pub workdir: PathBuf,
    /// Run the `checkout` tasks (clone) instead of using the working tree.
    pub clone: bool,
    /// The working tree that stands in for the checkout.
    pub source_dir: PathBuf,
    /// Buildah's graph root (the layer cache): `--cache-dir`, else `containers/graph` in the
    /// work directory. The run root stays in the work directory.
    pub cache_dir: Option<PathBuf>,
}

/// How one task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Exit 0.
    Passed,
    /// Non-zero exit, or could not start.
    Failed(i32),
    /// Stopped when its group's timeout (this long) was reached; exit status 124.
    TimedOut(Duration),
    /// Not run, for this reason: the working tree stands in for it, or it is the watchdog
    /// whose timeout the runner enforces itself.
    Skipped(&'static str),
    /// Not run: an earlier task failed.
    NotRun,
}

impl Status {
    /// Whether the task ended the run (a failure or a timeout).
    pub fn is_failure(&self) -> bool {
        matches!(self, Status::Failed(_) | Status::TimedOut(_))
    }
}

/// Why `local` does not run a checkout task.
const SKIP_CHECKOUT: &str = "the working tree stands in for the checkout";
/// Why `local` does not run a watchdog task.
const SKIP_WATCHDOG: &str = "local enforces the group's timeout itself";

/// One row of the summary.
#[derive(Debug, Clone)]
pub struct TaskResult {
    /// Phase name.
    pub phase: String,
    /// Task name (test tasks are named after their test).
    pub task: String,
    /// Outcome.
    pub status: Status,
    /// Wall time.
    pub duration: Option<Duration>,
}

/// A task failure before or while running.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// A template reads a secret the secrets file lacks.
    #[error("the secrets file has no `{path}`, which task `{task}` reads")]
    MissingSecret {
        /// KV v2 path.
        path: String,
        /// `phase/task`.
        task: String,
    },
    /// The rendered job has a task the plan did not ask the templates for, so its role (and
    /// how to run it) is unknown.
    #[error(
        "task `{task}` of group `{group}` in the {phase} job is not one the plan asked for; a \
         template override must name its tasks with `names.*` and the test names"
    )]
    UnplannedTask {
        /// The phase.
        phase: Phase,
        /// Group name.
        group: String,
        /// Task name.
        task: String,
    },
}

/// Every task of `phases` whose role the plan does not know, as errors.
pub fn unplanned_tasks(compiled: &Compiled, phases: &[Phase]) -> Vec<LocalError> {
    let mut out = Vec::new();
    for r in compiled.phases.iter().filter(|r| phases.contains(&r.phase)) {
        for g in &r.job.job.task_groups {
            let group = g.name.as_deref().unwrap_or_default();
            for t in &g.tasks {
                if r.role(group, task_name(t)).is_none() {
                    out.push(LocalError::UnplannedTask {
                        phase: r.phase,
                        group: group.to_owned(),
                        task: task_name(t).to_owned(),
                    });
                }
            }
        }
    }
    out
}

/// Reads a `--secrets` file: a JSON object mapping Vault KV v2 paths to their data.
pub fn load_secrets(path: &Path) -> Result<Map<String, Value>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the secrets file `{}`: {e}", path.display()))?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(format!(
            "`{}` must hold a JSON object of Vault paths",
            path.display()
        )),
        Err(e) => Err(format!(
            "cannot read the secrets file `{}`: {e}",
            path.display()
        )),
    }
}

/// The working tree that stands in for the checkout of `file`: the root of the git working
/// tree that contains it, else its directory; canonical.
pub fn source_dir(file: &Path) -> PathBuf {
    let file_dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = GitInfo::toplevel(file_dir).unwrap_or_else(|| file_dir.to_path_buf());
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

/// The exit status of a run: the first failing task's exit code (1 when it has none; 124 for
/// a timeout).
pub fn exit_code(results: &[TaskResult]) -> u8 {
    let code = results.iter().find_map(|r| match r.status {
        Status::Failed(c) => Some(c),
        Status::TimedOut(_) => Some(TIMED_OUT_EXIT),
        _ => None,
    });
    match code {
        None => 0,
        Some(c) => u8::try_from(c).ok().filter(|c| *c != 0).unwrap_or(1),
    }
}

/// Every secret path the tasks that will run read, with the first task that reads it.
pub fn needed_secrets(compiled: &Compiled, phases: &[Phase], clone: bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in compiled.phases.iter().filter(|r| phases.contains(&r.phase)) {
        for g in &r.job.job.task_groups {
            for t in &g.tasks {
                let role = r.role(g.name.as_deref().unwrap_or_default(), task_name(t));
                if role == Some(Role::Checkout) && !clone {
                    continue;
                }
                for tmpl in &t.templates {
                    for p in ctmpl::secret_paths(tmpl.embedded_tmpl.as_deref().unwrap_or_default())
                    {
                        if !out.iter().any(|(q, _)| *q == p) {
                            out.push((p, format!("{}/{}", r.phase, task_name(t))));
                        }
                    }
                }
            }
        }
    }
    out
}

/// Runs the phases in order, stopping at the first failure. Returns the summary rows. Every
/// task must have a planned role (check with [`unplanned_tasks`] first).
pub fn run(
    compiled: &Compiled,
    phases: &[Phase],
    opts: &LocalOptions,
    out: &mut dyn Write,
) -> Vec<TaskResult> {
    let redact = Redactor::default().with_secrets(&opts.secrets);
    let storage = opts.workdir.join("containers");
    let _ = std::fs::create_dir_all(&storage);
    let conf = storage.join("storage.conf");
    let _ = std::fs::write(
        &conf,
        format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{}\"\nrunroot = \"{}\"\n",
            opts.cache_dir
                .clone()
                .unwrap_or_else(|| storage.join("graph"))
                .display(),
            storage.join("run").display()
        ),
    );
    let mut results = Vec::new();
    let mut failed = false;
    for r in compiled.phases.iter().filter(|r| phases.contains(&r.phase)) {
        let job = &r.job.job;
        for g in &job.task_groups {
            // Prestart tasks first, then the main ones, as Nomad's lifecycle does.
            let mut tasks: Vec<&Task> = g.tasks.iter().filter(|t| t.lifecycle.is_some()).collect();
            tasks.extend(g.tasks.iter().filter(|t| t.lifecycle.is_none()));
            let group = g.name.as_deref().unwrap_or("group");
            let alloc = opts.workdir.join(r.phase.name()).join(group);
            // Every run lays the group's directory anew, as a Nomad client gives each
            // allocation a new one: nothing an earlier run (or anyone else) left there, a
            // stale clone or a planted `alloc/src` symlink, is built.
            let mut prepared = if failed {
                Ok(())
            } else {
                workdir::fresh_dir(&alloc)
                    .map_err(|e| format!("cannot lay out {}: {e}", alloc.display()))
            };
            // The group's clock starts with its first task, as an allocation's does.
            let timeout = group_timeout(r, g);
            let deadline = timeout.map(|d| Instant::now() + d);
            for t in tasks {
                let mut row = TaskResult {
                    phase: r.phase.name().to_owned(),
                    task: task_name(t).to_owned(),
                    status: Status::NotRun,
                    duration: None,
                };
                if failed {
                    results.push(row);
                    continue;
                }
                // The caller refused unplanned tasks before the run ([`unplanned_tasks`]).
                let role = r.role(group, task_name(t)).unwrap_or(Role::Test);
                let ctx = TaskCtx {
                    job,
                    group: g,
                    task: t,
                    role,
                    alloc: &alloc,
                    opts,
                    conf: &conf,
                    compiled,
                    redact: &redact,
                    deadline: deadline.zip(timeout),
                };
                let start = Instant::now();
                let _ = writeln!(out, "▶ {}/{}", r.phase, task_name(t));
                row.status = match std::mem::replace(&mut prepared, Ok(())) {
                    Ok(()) => ctx.run(r.phase.name(), out),
                    Err(e) => ctx.fail(out, r.phase.name(), &e),
                };
                row.duration = Some(start.elapsed());
                let mark = match row.status {
                    Status::Passed => "✓",
                    Status::Skipped(_) => "–",
                    _ => "✗",
                };
                let detail = match &row.status {
                    Status::Passed => format!("passed in {}", secs(row.duration)),
                    Status::Failed(code) => {
                        format!("failed with exit code {code} after {}", secs(row.duration))
                    }
                    Status::TimedOut(limit) => format!(
                        "timed out after {} (exit status {TIMED_OUT_EXIT})",
                        duration::human(*limit)
                    ),
                    Status::Skipped(why) => format!("skipped: {why}"),
                    Status::NotRun => String::new(),
                };
                let _ = writeln!(out, "{mark} {}/{} {detail}", r.phase, task_name(t));
                failed |= row.status.is_failure();
                results.push(row);
            }
        }
    }
    results
}

/// The commit time (seconds since the epoch) of HEAD in `dir`, as the cluster's checkout
/// writes it for the build's `--timestamp`; `None` when `dir` is not a git working tree with a
/// commit. In a repository, a failed query is an error, not "no time": the image would
/// silently get wall-clock timestamps and not be reproducible.
fn commit_time(dir: &Path) -> Result<Option<u64>, String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))
    };
    if !git(&["rev-parse", "--verify", "-q", "HEAD"])?
        .status
        .success()
    {
        return Ok(None);
    }
    let what = "`git log -1 --format=%ct`";
    let out = git(&["log", "-1", "--format=%ct"])?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let why = stderr.lines().next().unwrap_or("no message").trim();
        return Err(format!("{what} failed ({}): {why}", out.status));
    }
    stdout.trim().parse().map(Some).map_err(|_| {
        format!(
            "{what} printed {:?}, not a number of seconds",
            stdout.trim()
        )
    })
}

fn task_name(t: &Task) -> &str {
    t.name.as_deref().unwrap_or("task")
}

/// The timeout of group `g` of `r` as compiled: its `max_run_duration` (Nomad 2.0.3+), else
/// the `TIMEOUT_SECONDS` of its watchdog task.
pub fn group_timeout(r: &Rendered, g: &TaskGroup) -> Option<Duration> {
    if let Some(ns) = g.max_run_duration {
        return u64::try_from(ns).ok().map(Duration::from_nanos);
    }
    let group = g.name.as_deref().unwrap_or_default();
    g.tasks
        .iter()
        .filter(|t| r.role(group, task_name(t)) == Some(Role::Watchdog))
        .find_map(|t| t.env.get("TIMEOUT_SECONDS")?.parse().ok())
        .map(Duration::from_secs)
}

fn secs(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".to_owned(), duration::seconds)
}

/// The summary table.
pub fn summary(results: &[TaskResult]) -> String {
    let mut rows = vec![[
        "PHASE".to_owned(),
        "TASK".to_owned(),
        "STATUS".to_owned(),
        "EXIT".to_owned(),
        "DURATION".to_owned(),
    ]];
    for r in results {
        let (status, code) = match r.status {
            Status::Passed => ("passed", "0".to_owned()),
            Status::Failed(c) => ("failed", c.to_string()),
            Status::TimedOut(_) => ("timed out", TIMED_OUT_EXIT.to_string()),
            Status::Skipped(_) => ("skipped", "-".to_owned()),
            Status::NotRun => ("not run", "-".to_owned()),
        };
        let duration = if matches!(
            r.status,
            Status::Passed | Status::Failed(_) | Status::TimedOut(_)
        ) {
            secs(r.duration)
        } else {
            "-".to_owned()
        };
        rows.push([
            r.phase.clone(),
            r.task.clone(),
            status.to_owned(),
            code,
            duration,
        ]);
    }
    crate::text::table(&rows)
}

struct TaskCtx<'a> {
    job: &'a Job,
    group: &'a TaskGroup,
    task: &'a Task,
    role: Role,
    alloc: &'a Path,
    opts: &'a LocalOptions,
    conf: &'a Path,
    compiled: &'a Compiled,
    redact: &'a Redactor,
    /// When the group's timeout is reached, and the timeout.
    deadline: Option<(Instant, Duration)>,
}

impl TaskCtx<'_> {
    fn fail(&self, out: &mut dyn Write, phase: &str, msg: &str) -> Status {
        let _ = writeln!(out, "{phase}/{} | error: {msg}", task_name(self.task));
        Status::Failed(1)
    }

    fn run(&self, phase: &str, out: &mut dyn Write) -> Status {
        let t = self.task;
        let alloc_dir = self.alloc.join("alloc");
        let task_dir = self.alloc.join(task_name(t));
        let local = task_dir.join("local");
        let secrets = task_dir.join("secrets");
        for d in [&alloc_dir, &local] {
            if let Err(e) = std::fs::create_dir_all(d) {
                return self.fail(out, phase, &format!("cannot create {}: {e}", d.display()));
            }
        }
        // The secrets directory is the user's alone, like Nomad's (0700 before anything is
        // written into it); the group's directory is new, so it cannot be there yet.
        if let Err(e) = workdir::private_dir(&secrets) {
            return self.fail(
                out,
                phase,
                &format!("cannot create {}: {e}", secrets.display()),
            );
        }
        if self.role == Role::Checkout {
            // The checkout lays `alloc/src` anew: the script clones into a new directory, or
            // the working tree is linked. Whatever is there goes, a symlink never followed.
            let src = alloc_dir.join("src");
            if let Err(e) = workdir::remove(&src) {
                return self.fail(out, phase, &format!("cannot remove {}: {e}", src.display()));
            }
        }
        if self.role == Role::Checkout && !self.opts.clone {
            let src = alloc_dir.join("src");
            #[cfg(unix)]
            if let Err(e) = std::os::unix::fs::symlink(&self.opts.source_dir, &src) {
                return self.fail(out, phase, &format!("cannot link the working tree: {e}"));
            }
            // What the checkout writes for the build's `--timestamp`: HEAD's commit time.
            match commit_time(&self.opts.source_dir) {
                Ok(Some(epoch)) => {
                    let file = alloc_dir.join("source-date-epoch");
                    if let Err(e) = std::fs::write(&file, format!("{epoch}\n")) {
                        let msg = format!("cannot write {}: {e}", file.display());
                        return self.fail(out, phase, &msg);
                    }
                }
                Ok(None) => {
                    let _ = writeln!(
                        out,
                        "{phase}/{} | note: not a git working tree with a commit: the image \
                         gets wall-clock timestamps and is not reproducible",
                        task_name(t)
                    );
                }
                Err(e) => {
                    let msg =
                        format!("cannot read HEAD's commit time for a reproducible build: {e}");
                    return self.fail(out, phase, &msg);
                }
            }
            return Status::Skipped(SKIP_CHECKOUT);
        }
        if self.role == Role::Watchdog {
            return Status::Skipped(SKIP_WATCHDOG);
        }
        if let Some((deadline, limit)) = self.deadline {
            if Instant::now() >= deadline {
                return Status::TimedOut(limit);
            }
        }
        if let Err(e) = crate::confine::check_task(t, &alloc_dir.join("src")) {
            return self.fail(out, phase, &e);
        }
        // Nomad's environment for this task (host paths: script tasks run on the host).
        let mut env = self.nomad_env(&alloc_dir, &local, &secrets);
        for (k, v) in &t.env {
            env.insert(k.clone(), replace_env(v, &env));
        }
        // Templates, rendered as consul-template would, into the task directory.
        for tmpl in &t.templates {
            let text = tmpl.embedded_tmpl.as_deref().unwrap_or_default();
            let rendered = match ctmpl::render(text, &self.opts.secrets) {
                Ok(r) => r,
                Err(e) => {
                    return self.fail(
                        out,
                        phase,
                        &format!("template {}: {e}", tmpl.dest_path.as_deref().unwrap_or("?")),
                    )
                }
            };
            let dest = task_dir.join(tmpl.dest_path.as_deref().unwrap_or("local/template"));
            if let Err(e) = write_private(&dest, &rendered, tmpl.perms.as_deref()) {
                return self.fail(out, phase, &format!("cannot write {}: {e}", dest.display()));
            }
            if tmpl.envvars == Some(true) {
                match parse_env_file(&rendered) {
                    Ok(vars) => env.extend(vars),
                    Err(e) => {
                        return self.fail(
                            out,
                            phase,
                            &format!("template {}: {e}", tmpl.dest_path.as_deref().unwrap_or("?")),
                        )
                    }
                }
            }
        }
        // The client-side interpolation pass over the driver config.
        let config = match interpolate(&Value::Object(t.config.clone()), &env) {
            Ok(Value::Object(c)) => c,
            Ok(_) => unreachable!("an object stays an object"),
            Err(e) => return self.fail(out, phase, &format!("failed to parse config: {e}")),
        };
        let strings = |k: &str| -> Vec<String> {
            config
                .get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let entrypoint = strings("entrypoint");
        let args = strings("args");
        let script_task = self.role.is_script()
            && entrypoint == ["/bin/sh"]
            && args.first().map(String::as_str) == Some("-c");
        let mut cmd;
        if script_task {
            cmd = Command::new("/bin/sh");
            cmd.arg("-c")
                .arg(&args[1])
                .args(&args[2..])
                .current_dir(&task_dir);
            cmd.env_clear();
            for k in ["PATH", "HOME", "TMPDIR", "LANG"] {
                if let Some(v) = std::env::var_os(k) {
                    cmd.env(k, v);
                }
            }
            cmd.env("CONTAINERS_STORAGE_CONF", self.conf);
            cmd.envs(&env);
        } else {
            let image = config
                .get("image")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if entrypoint.is_empty() {
                return self.fail(
                    out,
                    phase,
                    "a test without `command` cannot run locally: buildah run needs a command",
                );
            }
            let ctr = match self.from(&image, &config, &secrets, phase, out) {
                Ok(c) => c,
                Err(status) => return status,
            };
            let status = self.buildah_run(
                &ctr,
                &entrypoint,
                &args,
                &config,
                &alloc_dir,
                &local,
                &secrets,
                phase,
                out,
            );
            let _ = self.buildah().args(["rm", &ctr]).output();
            return status;
        }
        self.stream(cmd, phase, out)
    }

    fn buildah(&self) -> Command {
        let mut c = Command::new("buildah");
        c.env("CONTAINERS_STORAGE_CONF", self.conf);
        c
    }

    fn insecure(&self, image: &str) -> bool {
        reference::parse(image)
            .ok()
            .and_then(|r| {
                self.compiled
                    .registries
                    .get(&r.host)
                    .map(|reg| reg.insecure)
            })
            .unwrap_or(false)
    }

    /// `buildah from`, pulling with the task's `auth` block when it has one.
    fn from(
        &self,
        image: &str,
        config: &Map<String, Value>,
        secrets: &Path,
        phase: &str,
        out: &mut dyn Write,
    ) -> Result<String, Status> {
        let mut c = self.buildah();
        c.args(["from", "--quiet", "--pull-always"]);
        if self.insecure(image) {
            c.arg("--tls-verify=false");
        }
        let auth = config
            .get("auth")
            .and_then(|a| a.as_array().and_then(|l| l.first()).or(Some(a)))
            .and_then(Value::as_object);
        if let Some(auth) = auth {
            let user = auth
                .get("username")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let pass = auth
                .get("password")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let host = reference::parse(image).map(|r| r.host).unwrap_or_default();
            let token = ctmpl::base64(format!("{user}:{pass}").as_bytes());
            let file = secrets.join("pull-auth.json");
            let body = serde_json::json!({ "auths": { host: { "auth": token } } }).to_string();
            if let Err(e) = write_private(&file, &body, Some("0400")) {
                return Err(self.fail(
                    out,
                    phase,
                    &format!("cannot write {}: {e}", file.display()),
                ));
            }
            c.arg("--authfile").arg(&file);
        }
        c.arg(format!("docker://{image}"));
        let res = c.output();
        match res {
            Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().to_owned()),
            Ok(o) => {
                for line in String::from_utf8_lossy(&o.stderr).lines() {
                    let _ = writeln!(
                        out,
                        "{phase}/{} | {}",
                        task_name(self.task),
                        self.redact.text(line)
                    );
                }
                Err(self.fail(out, phase, &format!("cannot pull `{image}`")))
            }
            Err(e) => Err(self.fail(out, phase, &format!("cannot run buildah: {e}"))),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn buildah_run(
        &self,
        ctr: &str,
        entrypoint: &[String],
        args: &[String],
        config: &Map<String, Value>,
        alloc: &Path,
        local: &Path,
        secrets: &Path,
        phase: &str,
        out: &mut dyn Write,
    ) -> Status {
        let mut c = self.buildah();
        c.args(["run", "--isolation=chroot"]);
        // Inside the container the directories sit where Nomad's docker driver mounts them.
        for (host, inner) in [(alloc, "/alloc"), (local, "/local"), (secrets, "/secrets")] {
            c.arg("-v").arg(format!("{}:{inner}", host.display()));
        }
        if let Some(dir) = config.get("work_dir").and_then(Value::as_str) {
            c.arg("--workingdir").arg(dir);
        }
        let mut env = self.nomad_env(
            Path::new("/alloc"),
            Path::new("/local"),
            Path::new("/secrets"),
        );
        for (k, v) in &self.task.env {
            env.insert(k.clone(), replace_env(v, &env));
        }
        for (k, v) in &env {
            c.arg("--env").arg(format!("{k}={v}"));
        }
        c.arg(ctr).arg("--").args(entrypoint).args(args);
        self.stream(c, phase, out)
    }

    fn nomad_env(&self, alloc: &Path, local: &Path, secrets: &Path) -> IndexMap<String, String> {
        let job = self.job;
        let id = job.id.clone().unwrap_or_default();
        let mut env = IndexMap::new();
        let mut set = |k: &str, v: String| {
            env.insert(k.to_owned(), v);
        };
        set("NOMAD_ALLOC_DIR", alloc.display().to_string());
        set("NOMAD_TASK_DIR", local.display().to_string());
        set("NOMAD_SECRETS_DIR", secrets.display().to_string());
        set(
            "NOMAD_ALLOC_ID",
            "00000000-0000-0000-0000-000000000000".to_owned(),
        );
        set(
            "NOMAD_ALLOC_NAME",
            format!("{id}.{}[0]", self.group.name.as_deref().unwrap_or_default()),
        );
        set("NOMAD_ALLOC_INDEX", "0".to_owned());
        set("NOMAD_JOB_ID", id.clone());
        set("NOMAD_JOB_NAME", job.name.clone().unwrap_or(id));
        set(
            "NOMAD_GROUP_NAME",
            self.group.name.clone().unwrap_or_default(),
        );
        set("NOMAD_TASK_NAME", task_name(self.task).to_owned());
        set(
            "NOMAD_NAMESPACE",
            job.namespace
                .clone()
                .unwrap_or_else(|| "default".to_owned()),
        );
        set(
            "NOMAD_REGION",
            job.region.clone().unwrap_or_else(|| "global".to_owned()),
        );
        set("NOMAD_DC", "local".to_owned());
        for (k, v) in &job.meta {
            let key: String = k
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            set(&format!("NOMAD_META_{key}"), v.clone());
            set(
                &format!("NOMAD_META_{}", key.to_ascii_uppercase()),
                v.clone(),
            );
        }
        env
    }

    /// Runs `cmd`, streaming its output with a `phase/task` prefix; returns its status. When
    /// the group's deadline comes first, stops it with every process it started.
    fn stream(&self, cmd: Command, phase: &str, out: &mut dyn Write) -> Status {
        let mut print = |line: &str| {
            let _ = writeln!(
                out,
                "{phase}/{} | {}",
                task_name(self.task),
                self.redact.text(line)
            );
        };
        let outcome = supervise(cmd, self.deadline, &mut print);
        match outcome {
            Ok(Outcome::Exited(s)) if s.success() => Status::Passed,
            Ok(Outcome::Exited(s)) => Status::Failed(s.code().unwrap_or(128)),
            Ok(Outcome::TimedOut(limit)) => Status::TimedOut(limit),
            Err(e) => self.fail(out, phase, &e),
        }
    }
}

/// Writes a file of a task directory with `perms` (octal, default 0644), replacing what was
/// there: a file or symlink at `path` is removed (never followed), and the file is created anew
/// with its final mode ([`workdir::create_file`]), so neither a planted symlink nor a moment of
/// wider permissions exposes a secret.
fn write_private(path: &Path, text: &str, perms: Option<&str>) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    workdir::remove(path)?;
    let mode = perms
        .and_then(|p| u32::from_str_radix(p, 8).ok())
        .unwrap_or(0o644);
    workdir::create_file(path, text, mode)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn summary_lines_up() {
        let rows = vec![
            TaskResult {
                phase: "build".into(),
                task: "checkout".into(),
                status: Status::Skipped(SKIP_CHECKOUT),
                duration: None,
            },
            TaskResult {
                phase: "test".into(),
                task: "unit".into(),
                status: Status::Failed(3),
                duration: Some(Duration::from_millis(1500)),
            },
        ];
        assert_eq!(
            summary(&rows),
            "PHASE  TASK      STATUS   EXIT  DURATION\nbuild  checkout  skipped  -     -\ntest   unit      failed   3     1.5s\n"
        );
    }

    #[test]
    fn a_timeout_is_its_own_status_with_exit_124() {
        let row = |status| TaskResult {
            phase: "test".into(),
            task: "unit".into(),
            status,
            duration: Some(Duration::from_millis(3100)),
        };
        let timed_out = row(Status::TimedOut(Duration::from_secs(3)));
        assert_eq!(
            summary(std::slice::from_ref(&timed_out)),
            "PHASE  TASK  STATUS     EXIT  DURATION\ntest   unit  timed out  124   3.1s\n"
        );
        assert_eq!(exit_code(&[row(Status::Passed), timed_out.clone()]), 124);
        assert_eq!(exit_code(&[row(Status::Failed(7)), timed_out]), 7);
        assert_eq!(exit_code(&[row(Status::Skipped(SKIP_WATCHDOG))]), 0);
    }
}
