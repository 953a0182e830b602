//! Stage 3, plan: turns a validated file into the template context of each phase.
//!
//! Everything a template needs is computed here (job ids, the staging image, which task uses
//! which credential), so templates only lay text out. Values are raw user strings: templates
//! escape them with the filters of [`crate::render`].

use std::path::Path;
use std::process::Command;

use serde::Serialize;

use crate::config::{Credentials, Isolation, Pipeline, StorageDriver};
use crate::confine;
use crate::diag::{Finding, Sources};
use crate::phase::{Phase, PlannedTask, Role};
use crate::reference;
use crate::rules::{invalid_source_url, Checked};
use crate::target::NomadVersion;

/// Default images; pinned to a release so that a build is reproducible.
///
/// The builder is buildah 1.37.5, the first 1.37 release with the fixes for CVE-2024-9407
/// (bind-propagation in `RUN --mount`, fixed in 1.37.4) and CVE-2024-9675 (`--mount
/// type=cache` reaching host paths, fixed in 1.37.5), both reachable from a Containerfile,
/// which is the input a branch controls. `quay.io/buildah/stable:vX.Y.Z` is the image
/// containers/image_build publishes for each release (rebuilt daily while current);
/// `quay.io/containers/buildah:vX.Y.Z-immutable` never changes once pushed, for those who pin.
pub const DEFAULT_BUILDER_IMAGE: &str = "quay.io/buildah/stable:v1.37.5";
/// Image for the `checkout` task.
pub const DEFAULT_GIT_IMAGE: &str = "docker.io/alpine/git:v2.47.2";
/// Image for the `publish` task.
pub const DEFAULT_SKOPEO_IMAGE: &str = "quay.io/skopeo/stable:v1.16.1";

/// Facts about the git repository that contains the file.
#[derive(Debug, Clone, Default)]
pub struct GitInfo {
    /// `origin` remote URL without its credentials, checked like `source.url`: safe to write
    /// into a job. `None` without an `origin`, or when its URL is refused ([`Self::origin_issue`]).
    pub origin: Option<String>,
    /// What was wrong with the `origin` URL as git has it; see [`GitInfo::origin_findings`].
    pub origin_issue: Option<OriginIssue>,
    /// Full HEAD commit id.
    pub head: Option<String>,
    /// Short HEAD commit id (the default run id).
    pub short: Option<String>,
}

/// What was wrong with the `origin` remote's URL. Neither variant holds the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginIssue {
    /// It carried credentials; [`GitInfo::origin`] is the URL without them.
    Credentials {
        /// The URL with the credentials replaced by `***`.
        shown: String,
        /// Where `***` is in `shown`.
        span: std::ops::Range<usize>,
    },
    /// It is not a usable clone URL, even without credentials; [`GitInfo::origin`] is `None`.
    Refused {
        /// The URL with any credentials masked and control characters escaped.
        shown: String,
        /// Why, in the words of `invalid-source-url`.
        why: &'static str,
    },
}

/// The name of the source that findings about the `origin` remote point into.
pub const ORIGIN_SOURCE: &str = "git remote get-url origin";

/// The `origin` remote's URL as git has it → what a job may clone, and what was wrong.
pub fn check_origin(raw: &str) -> (Option<String>, Option<OriginIssue>) {
    let (url, _) = invalid_source_url::strip_credentials(raw);
    let masked = invalid_source_url::credentials_span(raw).map(|span| {
        let mask = if raw[span.clone()].ends_with('@') {
            "***@"
        } else {
            ":***"
        };
        let mut shown = raw.to_owned();
        shown.replace_range(span.clone(), mask);
        let at = if mask.starts_with(':') {
            span.start + 1
        } else {
            span.start
        };
        (shown, at..at + 3)
    });
    if let Err(why) = invalid_source_url::valid_git_url(&url) {
        let shown = masked.map_or_else(|| raw.to_owned(), |(s, _)| s);
        let shown = shown
            .chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect();
        return (None, Some(OriginIssue::Refused { shown, why }));
    }
    let issue = masked.map(|(shown, span)| OriginIssue::Credentials { shown, span });
    (Some(url), issue)
}

impl GitInfo {
    /// Reads the repository containing `dir` (all `None` outside a repository). With `root`
    /// (the MCP server's root), git does not look for a repository above it
    /// (`confine::confine_git`), and one whose working tree is not below it is ignored.
    pub fn discover(dir: &Path, root: Option<&Path>) -> GitInfo {
        let git = |args: &[&str]| -> Option<String> {
            let mut cmd = Command::new("git");
            cmd.arg("-C").arg(dir).args(args);
            if let Some(root) = root {
                if !confine::confine_git(&mut cmd, root) {
                    return None;
                }
            }
            let out = cmd.output().ok()?;
            let s = String::from_utf8(out.stdout).ok()?.trim().to_owned();
            (out.status.success() && !s.is_empty()).then_some(s)
        };
        if let Some(root) = root {
            let below = git(&["rev-parse", "--show-toplevel"])
                .and_then(|top| std::fs::canonicalize(top).ok())
                .zip(std::fs::canonicalize(root).ok())
                .is_some_and(|(top, root)| top.starts_with(root));
            if !below {
                return GitInfo::default();
            }
        }
        let (origin, origin_issue) = match git(&["remote", "get-url", "origin"]) {
            Some(raw) => check_origin(&raw),
            None => (None, None),
        };
        GitInfo {
            origin,
            origin_issue,
            head: git(&["rev-parse", "--verify", "-q", "HEAD"]),
            short: git(&["rev-parse", "--short", "HEAD"]),
        }
    }

    /// The findings about the `origin` URL (a warning when its credentials were taken out, an
    /// error when it is refused), pointing into a source named [`ORIGIN_SOURCE`]. Only worth
    /// reporting when the jobs clone the origin (no `source.url`).
    pub fn origin_findings(&self, sources: &mut Sources) -> Vec<Finding> {
        match &self.origin_issue {
            None => Vec::new(),
            Some(OriginIssue::Credentials { shown, span }) => {
                let file = sources.add(ORIGIN_SOURCE, shown.clone());
                vec![crate::rules::origin_url_credentials::RULE
                    .finding(
                        file,
                        span.clone(),
                        "the `origin` remote's URL carries credentials; the jobs clone it without them",
                    )
                    .label("a user name or password was here; it is not written anywhere")
                    .help(
                        "git credentials belong in Vault: `source { credentials { path = \"...\" } }`; \
                         set `source.url` to the URL without them to silence this",
                    )]
            }
            Some(OriginIssue::Refused { shown, why }) => {
                let file = sources.add(ORIGIN_SOURCE, shown.clone());
                vec![invalid_source_url::RULE
                    .finding(
                        file,
                        0..shown.len(),
                        format!("the `origin` remote `{shown}` is not a usable clone URL"),
                    )
                    .label(*why)
                    .help(
                        "set `source.url` in build.hcl to the repository to clone; the `origin` \
                         remote is cloned only when there is none",
                    )]
            }
        }
    }

    /// The root of the working tree that contains `dir`, if any.
    pub fn toplevel(dir: &Path) -> Option<std::path::PathBuf> {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["rev-parse", "--show-toplevel"])
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let s = String::from_utf8(out.stdout).ok()?;
        let s = s.trim();
        (!s.is_empty()).then(|| std::path::PathBuf::from(s))
    }
}

/// Options of one compile.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// The run id (validated by the caller).
    pub run_id: String,
    /// sha256 of the build.hcl bytes, hex.
    pub source_sha256: String,
    /// Facts about the surrounding git repository.
    pub git: GitInfo,
    /// The Nomad release the jobs must run on.
    pub target: NomadVersion,
}

/// A Vault KV v2 secret with a user name and password, and what it unlocks.
#[derive(Debug, Clone, Serialize)]
pub struct Secret {
    /// KV v2 read path.
    pub path: String,
    /// Field with the user name.
    pub username: String,
    /// Field with the password.
    pub password: String,
    /// Registry `host[:port]` or git host the secret is for.
    pub host: String,
}

/// How a registry is reached.
#[derive(Debug, Clone, Serialize)]
pub struct RegistryCtx {
    /// `host[:port]`.
    pub host: String,
    /// Plain HTTP / no TLS verification.
    pub insecure: bool,
    /// Credentials, when configured.
    pub secret: Option<Secret>,
}

/// Job-level settings shared by all phases.
#[derive(Debug, Clone, Serialize)]
pub struct JobCtx {
    /// Job ID and name.
    pub id: String,
    /// Region.
    pub region: String,
    /// Namespace.
    pub namespace: String,
    /// Datacenters.
    pub datacenters: Vec<String>,
    /// Node pool.
    pub node_pool: String,
    /// Priority.
    pub priority: i64,
    /// User constraints.
    pub constraints: Vec<ConstraintCtx>,
    /// Meta, identity keys first.
    pub meta: Vec<(String, String)>,
}

/// A placement constraint.
#[derive(Debug, Clone, Serialize)]
pub struct ConstraintCtx {
    /// Left side.
    pub attribute: String,
    /// Operator.
    pub operator: String,
    /// Right side (empty for `is_set`-like operators).
    pub value: Option<String>,
}

/// Task resources.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ResourcesCtx {
    /// MHz.
    pub cpu: i64,
    /// MB.
    pub memory: i64,
    /// MB of ephemeral disk for the group.
    pub disk: i64,
}

/// The `checkout` task.
#[derive(Debug, Clone, Serialize)]
pub struct CheckoutCtx {
    /// Clone URL.
    pub url: String,
    /// Branch, tag or commit.
    pub git_ref: String,
    /// Image with git.
    pub image: String,
    /// Git credentials.
    pub secret: Option<Secret>,
}

/// The build task.
#[derive(Debug, Clone, Serialize)]
pub struct BuildCtx {
    /// Buildah image.
    pub builder_image: String,
    /// `vfs` or `overlay`.
    pub storage_driver: &'static str,
    /// `chroot`, `oci` or `rootless`.
    pub isolation: &'static str,
    /// Privileged container.
    pub privileged: bool,
    /// Pass `/dev/fuse`.
    pub fuse: bool,
    /// Host volume for `/var/lib/containers`.
    pub cache_volume: Option<String>,
    /// Repository for `--cache-to`/`--cache-from`.
    pub cache_registry: Option<String>,
    /// Whether the build reuses layers (`--layers`): with a host volume or a registry cache.
    pub layers: bool,
    /// Containerfile as passed to buildah: relative to the checkout (not to the context, which
    /// buildah would try second), normalised, behind `./` (see `confine::as_argument`).
    pub containerfile: Option<String>,
    /// Context directory as passed to buildah: relative to the checkout, normalised, `.` or
    /// behind `./`.
    pub context: String,
    /// Multi-stage target.
    pub target: Option<String>,
    /// Build arguments.
    pub build_args: Vec<(String, String)>,
    /// Labels.
    pub labels: Vec<(String, String)>,
    /// Registries with credentials the build may pull from or push to (auth.json).
    pub auth: Vec<Secret>,
    /// Whether any declared registry is insecure (TLS verification off for pulls).
    pub insecure_pull: bool,
    /// Whether the staging registry is insecure.
    pub insecure_push: bool,
    /// Resources.
    pub resources: ResourcesCtx,
    /// Go duration, as written.
    pub timeout: Option<String>,
    /// The group's `max_run_duration`: the timeout, when the target has the field.
    pub max_run_duration: Option<String>,
    /// The watchdog task that enforces the timeout when the target lacks `max_run_duration`.
    pub watchdog: Option<WatchdogCtx>,
}

/// The watchdog task of a group whose `timeout` the target cannot enforce with
/// `max_run_duration` (before Nomad 2.0.3): a prestart sidecar that sleeps for the timeout
/// and exits 124, so that Nomad kills the group's other tasks (`TaskSiblingFailed`).
#[derive(Debug, Clone, Serialize)]
pub struct WatchdogCtx {
    /// Image with `sh` and `sleep`: the checkout task's, which every pipeline already pulls.
    pub image: String,
    /// The timeout as written (for messages).
    pub timeout: String,
    /// The timeout in whole seconds, rounded up (what `sleep` takes everywhere).
    pub seconds: u64,
}

/// One test group.
#[derive(Debug, Clone, Serialize)]
pub struct TestCtx {
    /// Test name (group and task name).
    pub name: String,
    /// Image to run.
    pub image: String,
    /// Credentials for pulling the image: the registry's `pull_credentials`, else its
    /// `credentials`. The test command can read them.
    pub pull_secret: Option<Secret>,
    /// Command; empty runs the image's default.
    pub command: Vec<String>,
    /// Environment.
    pub env: Vec<(String, String)>,
    /// Resources.
    pub resources: ResourcesCtx,
    /// Go duration, as written.
    pub timeout: Option<String>,
    /// The group's `max_run_duration`: the timeout, when the target has the field.
    pub max_run_duration: Option<String>,
    /// The watchdog task that enforces the timeout when the target lacks `max_run_duration`.
    pub watchdog: Option<WatchdogCtx>,
    /// Clone the source first.
    pub checkout: bool,
}

/// The publish task.
#[derive(Debug, Clone, Serialize)]
pub struct PublishCtx {
    /// Image with skopeo.
    pub image: String,
    /// Every `repository:tag` to copy to.
    pub targets: Vec<CopyTarget>,
    /// Credentials of every registry involved (auth.json).
    pub auth: Vec<Secret>,
    /// Whether the staging registry is insecure.
    pub src_insecure: bool,
}

/// One copy destination.
#[derive(Debug, Clone, Serialize)]
pub struct CopyTarget {
    /// `repository:tag`.
    pub image: String,
    /// Plain HTTP / no TLS verification.
    pub insecure: bool,
}

/// Vault login.
#[derive(Debug, Clone, Serialize)]
pub struct VaultCtx {
    /// JWT auth role.
    pub role: String,
    /// Audience of an explicit `vault_default` identity.
    pub audience: Option<Vec<String>>,
}

/// The Nomad release the jobs are compiled for, as the templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct TargetCtx {
    /// `major.minor.patch`.
    pub version: NomadVersion,
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Patch release.
    pub patch: u32,
    /// Whether task groups have `max_run_duration` (2.0.3 and later).
    pub has_max_run_duration: bool,
}

impl From<NomadVersion> for TargetCtx {
    fn from(v: NomadVersion) -> Self {
        TargetCtx {
            version: v,
            major: v.major,
            minor: v.minor,
            patch: v.patch,
            has_max_run_duration: v.has_max_run_duration(),
        }
    }
}

/// Everything one phase's templates see.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseCtx {
    /// nomad-build's version.
    pub version: &'static str,
    /// The Nomad release the jobs must run on.
    pub target: TargetCtx,
    /// Pipeline name.
    pub pipeline: String,
    /// The phase.
    pub phase: Phase,
    /// Names of the tasks the templates lay out (`task {= names.checkout | hcl =}`).
    pub names: TaskNames,
    /// Every task of the job, with its group and role, in job order.
    pub tasks: Vec<PlannedTask>,
    /// Run id.
    pub run_id: String,
    /// Job settings.
    pub job: JobCtx,
    /// `<repository>:build-<run-id>`.
    pub staging_image: String,
    /// Registry of the staging image.
    pub staging_registry: RegistryCtx,
    /// Vault login (present when any credential is configured).
    pub vault: Option<VaultCtx>,
    /// Source checkout.
    pub checkout: CheckoutCtx,
    /// Build task (build phase).
    pub build: BuildCtx,
    /// Test groups (test phase).
    pub tests: Vec<TestCtx>,
    /// Publish task (publish phase).
    pub publish: Option<PublishCtx>,
}

/// The names of the tasks a phase's template declares (test tasks are named after their test).
#[derive(Debug, Clone, Serialize)]
pub struct TaskNames {
    /// The prestart task that clones the source.
    pub checkout: &'static str,
    /// The buildah task (and its group).
    pub build: &'static str,
    /// The skopeo task (and its group).
    pub publish: &'static str,
    /// The task that enforces a group's timeout before Nomad 2.0.3.
    pub watchdog: &'static str,
}

/// The task names of every phase's job.
pub const TASK_NAMES: TaskNames = TaskNames {
    checkout: "checkout",
    build: "build",
    publish: "publish",
    watchdog: "watchdog",
};

/// The phases this pipeline declares, in run order.
pub fn declared_phases(p: &Pipeline) -> Vec<Phase> {
    Phase::ALL
        .into_iter()
        .filter(|ph| match ph {
            Phase::Build => true,
            Phase::Test => !p.test.is_empty(),
            Phase::Publish => p.publish.is_some(),
        })
        .collect()
}

/// The tasks of `phase`'s job, group by group, in job order.
pub fn planned_tasks(phase: Phase, build: &BuildCtx, tests: &[TestCtx]) -> Vec<PlannedTask> {
    let n = &TASK_NAMES;
    let task = |group: &str, task: &str, role| PlannedTask {
        group: group.to_owned(),
        task: task.to_owned(),
        role,
    };
    match phase {
        Phase::Build => {
            let mut tasks = vec![task(n.build, n.checkout, Role::Checkout)];
            if build.watchdog.is_some() {
                tasks.push(task(n.build, n.watchdog, Role::Watchdog));
            }
            tasks.push(task(n.build, n.build, Role::Build));
            tasks
        }
        Phase::Test => tests
            .iter()
            .flat_map(|t| {
                let checkout = t
                    .checkout
                    .then(|| task(&t.name, n.checkout, Role::Checkout));
                let watchdog = t
                    .watchdog
                    .as_ref()
                    .map(|_| task(&t.name, n.watchdog, Role::Watchdog));
                checkout
                    .into_iter()
                    .chain(watchdog)
                    .chain([task(&t.name, &t.name, Role::Test)])
            })
            .collect(),
        Phase::Publish => vec![task(n.publish, n.publish, Role::Publish)],
    }
}

/// How a group's `timeout` is enforced on `target`: its `max_run_duration` from Nomad 2.0.3,
/// a watchdog task in `image` before.
fn enforce_timeout(
    timeout: Option<&String>,
    target: NomadVersion,
    image: &str,
) -> (Option<String>, Option<WatchdogCtx>) {
    let Some(timeout) = timeout else {
        return (None, None);
    };
    if target.has_max_run_duration() {
        return (Some(timeout.clone()), None);
    }
    // The check stage refused a timeout that is not a positive duration.
    let ns = u64::try_from(crate::duration::parse(timeout).unwrap_or(1)).unwrap_or(1);
    let watchdog = WatchdogCtx {
        image: image.to_owned(),
        timeout: timeout.clone(),
        seconds: ns.div_ceil(1_000_000_000).max(1),
    };
    (None, Some(watchdog))
}

fn secret(c: &Credentials, host: &str) -> Secret {
    Secret {
        path: c.path.clone(),
        username: c.username.clone().unwrap_or_else(|| "username".to_owned()),
        password: c.password.clone().unwrap_or_else(|| "password".to_owned()),
        host: host.to_owned(),
    }
}

fn registry(p: &Pipeline, host: &str) -> RegistryCtx {
    let r = p.registry.get(host);
    RegistryCtx {
        host: host.to_owned(),
        insecure: r.is_some_and(|r| r.insecure),
        secret: r
            .and_then(|r| r.credentials.as_ref())
            .map(|c| secret(c, host)),
    }
}

/// The credentials a test task pulls `host` with: `pull_credentials`, else `credentials`.
fn pull_secret(p: &Pipeline, host: &str) -> Option<Secret> {
    let r = p.registry.get(host)?;
    r.pull_credentials
        .as_ref()
        .or(r.credentials.as_ref())
        .map(|c| secret(c, host))
}

fn host_of(image: &str) -> String {
    reference::parse(image).map(|r| r.host).unwrap_or_default()
}

/// The host part of a git URL (`https://host/x`, `ssh://git@host/x`, `git@host:x`).
pub fn git_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    if url.contains("://") {
        rest.to_owned()
    } else {
        rest.split(':').next().unwrap_or_default().to_owned()
    }
}

/// Plans every declared phase of a checked file. What validation refused cannot reach here;
/// only facts from outside the file can still fail: no source repository when the file names
/// none and git has no `origin`.
pub fn plan(checked: &Checked, opts: &PlanOptions) -> Result<Vec<PhaseCtx>, Vec<Finding>> {
    let loaded = checked.loaded();
    let (name, p) = loaded.pipeline();
    let ptr = format!("/pipeline/{name}");
    let source = p.source.as_ref();
    let url = source
        .and_then(|s| s.url.clone())
        .or_else(|| opts.git.origin.clone());
    let Some(url) = url else {
        let at = match source {
            Some(_) => loaded.key_span(&format!("{ptr}/source")),
            None => loaded.key_span(&ptr),
        };
        return Err(vec![crate::rules::missing_source::RULE.finding(loaded.file, at, "no source repository to build")
            .label("no `source.url`, and the file is not in a git repository with an `origin` remote")
            .help("add `source { url = \"https://...\" }`, or run inside a git clone that has an `origin` remote")]);
    };
    let git_ref = match source.and_then(|s| s.git_ref.clone()) {
        Some(r) => r,
        None if source.and_then(|s| s.url.as_ref()).is_none() => {
            opts.git.head.clone().unwrap_or_else(|| "main".to_owned())
        }
        None => "main".to_owned(),
    };
    let checkout = CheckoutCtx {
        secret: source
            .and_then(|s| s.credentials.as_ref())
            .map(|c| secret(c, &git_host(&url))),
        url,
        git_ref,
        image: source
            .and_then(|s| s.git_image.clone())
            .unwrap_or_else(|| DEFAULT_GIT_IMAGE.to_owned()),
    };

    let staging_image = format!("{}:build-{}", p.image.repository, opts.run_id);
    let staging_registry = registry(p, &host_of(&p.image.repository));
    let all_auth: Vec<Secret> = p
        .registry
        .iter()
        .filter_map(|(h, r)| r.credentials.as_ref().map(|c| secret(c, h)))
        .collect();
    let image = checked.image();
    let context = confine::as_argument(&image.context);
    let containerfile = image.containerfile.as_deref().map(confine::as_argument);
    let b = &p.build;
    let build_res = b.resources.unwrap_or_default();
    let (max_run_duration, watchdog) =
        enforce_timeout(b.timeout.as_ref(), opts.target, &checkout.image);
    let build = BuildCtx {
        builder_image: b
            .builder_image
            .clone()
            .unwrap_or_else(|| DEFAULT_BUILDER_IMAGE.to_owned()),
        storage_driver: match b.storage_driver.unwrap_or(StorageDriver::Vfs) {
            StorageDriver::Vfs => "vfs",
            StorageDriver::Overlay => "overlay",
        },
        isolation: match b.isolation.unwrap_or(Isolation::Chroot) {
            Isolation::Chroot => "chroot",
            Isolation::Oci => "oci",
            Isolation::Rootless => "rootless",
        },
        privileged: b.privileged.unwrap_or(true),
        fuse: b.fuse.unwrap_or(false),
        cache_volume: b.cache.as_ref().and_then(|c| c.host_volume.clone()),
        cache_registry: b.cache.as_ref().and_then(|c| c.registry.clone()),
        layers: b
            .cache
            .as_ref()
            .is_some_and(|c| c.host_volume.is_some() || c.registry.is_some()),
        containerfile,
        context,
        target: p.image.target.clone(),
        build_args: p
            .image
            .build_args
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        labels: p
            .image
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        auth: all_auth.clone(),
        // Buildah's one `--tls-verify` covers pulls and the cache's pushes alike.
        insecure_pull: p.registry.values().any(|r| r.insecure),
        insecure_push: staging_registry.insecure,
        resources: ResourcesCtx {
            cpu: build_res.cpu.unwrap_or(1000),
            memory: build_res.memory.unwrap_or(2048),
            disk: build_res.disk.unwrap_or(4096),
        },
        timeout: b.timeout.clone(),
        max_run_duration,
        watchdog,
    };
    let tests: Vec<TestCtx> = p
        .test
        .iter()
        .map(|(tname, t)| {
            let image = t.image.clone().unwrap_or_else(|| staging_image.clone());
            let r = t.resources.unwrap_or_default();
            let (max_run_duration, watchdog) =
                enforce_timeout(t.timeout.as_ref(), opts.target, &checkout.image);
            TestCtx {
                name: tname.clone(),
                pull_secret: pull_secret(p, &host_of(&image)),
                image,
                command: t.command.clone(),
                env: t.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                resources: ResourcesCtx {
                    cpu: r.cpu.unwrap_or(500),
                    memory: r.memory.unwrap_or(512),
                    disk: r.disk.unwrap_or(1024),
                },
                timeout: t.timeout.clone(),
                max_run_duration,
                watchdog,
                checkout: t.checkout,
            }
        })
        .collect();
    let publish = p.publish.as_ref().map(|pb| {
        let mut targets = Vec::new();
        let mut repos = vec![p.image.repository.clone()];
        repos.extend(pb.repositories.iter().cloned());
        let mut hosts = vec![staging_registry.host.clone()];
        for repo in &repos {
            let reg = registry(p, &host_of(repo));
            hosts.push(reg.host.clone());
            for tag in &pb.tags {
                targets.push(CopyTarget {
                    image: format!("{repo}:{tag}"),
                    insecure: reg.insecure,
                });
            }
        }
        PublishCtx {
            image: pb
                .skopeo_image
                .clone()
                .unwrap_or_else(|| DEFAULT_SKOPEO_IMAGE.to_owned()),
            targets,
            auth: all_auth
                .iter()
                .filter(|s| hosts.contains(&s.host))
                .cloned()
                .collect(),
            src_insecure: staging_registry.insecure,
        }
    });

    let n = &p.nomad;
    let job_base = |phase: Phase| {
        let mut meta = vec![
            ("nomad-build.pipeline".to_owned(), name.to_owned()),
            ("nomad-build.phase".to_owned(), phase.name().to_owned()),
            ("nomad-build.run-id".to_owned(), opts.run_id.clone()),
            ("nomad-build.source".to_owned(), opts.source_sha256.clone()),
            (
                "nomad-build.version".to_owned(),
                env!("CARGO_PKG_VERSION").to_owned(),
            ),
            (
                "nomad-build.nomad-version".to_owned(),
                opts.target.to_string(),
            ),
        ];
        meta.extend(
            n.meta
                .iter()
                .filter(|(k, _)| !k.starts_with("nomad-build."))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        JobCtx {
            id: format!("{name}-{phase}-{}", opts.run_id),
            region: n.region.clone().unwrap_or_else(|| "global".to_owned()),
            namespace: n.namespace.clone().unwrap_or_else(|| "default".to_owned()),
            datacenters: n
                .datacenters
                .clone()
                .unwrap_or_else(|| vec!["*".to_owned()]),
            node_pool: n.node_pool.clone().unwrap_or_else(|| "default".to_owned()),
            priority: n.priority.unwrap_or(50),
            constraints: n
                .constraint
                .iter()
                .map(|c| ConstraintCtx {
                    attribute: c.attribute.clone().unwrap_or_default(),
                    operator: c.operator.clone().unwrap_or_else(|| "=".to_owned()),
                    value: c.value.clone(),
                })
                .collect(),
            meta,
        }
    };
    let vault = p.vault.as_ref().map(|v| VaultCtx {
        role: v.role.clone(),
        audience: v.audience.clone(),
    });
    Ok(declared_phases(p)
        .into_iter()
        .map(|phase| PhaseCtx {
            version: env!("CARGO_PKG_VERSION"),
            target: opts.target.into(),
            pipeline: name.to_owned(),
            phase,
            names: TASK_NAMES,
            tasks: planned_tasks(phase, &build, &tests),
            run_id: opts.run_id.clone(),
            job: job_base(phase),
            staging_image: staging_image.clone(),
            staging_registry: staging_registry.clone(),
            vault: vault.clone(),
            checkout: checkout.clone(),
            build: build.clone(),
            tests: if phase == Phase::Test {
                tests.clone()
            } else {
                Vec::new()
            },
            publish: if phase == Phase::Publish {
                publish.clone()
            } else {
                None
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{git_host, DEFAULT_BUILDER_IMAGE};

    /// The default builder runs a branch's Containerfile: it must be a buildah release with
    /// the fixes for CVE-2024-9407 (1.37.4) and CVE-2024-9675 (1.37.5).
    #[test]
    fn the_default_builder_has_the_cve_fixes() {
        let tag = DEFAULT_BUILDER_IMAGE
            .rsplit_once(":v")
            .map(|(_, t)| t)
            .expect("a version tag");
        let version: Vec<u32> = tag
            .split('.')
            .map(|p| p.parse().expect("numeric"))
            .collect();
        assert!(
            version >= vec![1, 37, 5],
            "{DEFAULT_BUILDER_IMAGE} predates the fixes for CVE-2024-9407 and CVE-2024-9675"
        );
    }

    #[test]
    fn git_hosts() {
        assert_eq!(
            git_host("https://git.example.com/acme/x.git"),
            "git.example.com"
        );
        assert_eq!(
            git_host("https://u@git.example.com:8443/x"),
            "git.example.com:8443"
        );
        assert_eq!(git_host("git@github.com:acme/x.git"), "github.com");
    }
}
