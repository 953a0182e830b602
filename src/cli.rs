//! The command line's types (clap): what each command takes. What the commands do is in
//! [`crate::commands`].
//!
//! Exit codes: 0 success; 1 errors found (or warnings with `--deny warnings`, or stale files
//! with `render --check`, or a phase `plan` would not place); 2 bad command line, or an
//! operator policy (`--policy`) that cannot be read or is not valid; 3 (`plan`) a node snapshot
//! that cannot be read or is not one.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::emit::Format;
pub use crate::phase::Phase;

const AFTER_HELP: &str = "Examples:
  nomad-build validate                      check ./build.hcl
  nomad-build render -o nomad/              write every phase's job as HCL and JSON
  nomad-build render --phase build | nomad job run -
  nomad-build render --phase build --format json | nomad job run -json -";

/// Compile build.hcl into Nomad batch jobs that build, test and publish container images.
#[derive(Debug, Parser)]
#[command(name = "nomad-build", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    /// When to use colours (NO_COLOR in the environment means never, unless `always`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard error is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check build.hcl files and report every problem.
    #[command(
        after_help = "Examples:\n  nomad-build validate\n  nomad-build validate services/*/build.hcl --deny warnings\n  cat build.hcl | nomad-build validate - --stdin-filename build.hcl"
    )]
    Validate(ValidateArgs),
    /// Compile build.hcl into Nomad jobs (HCL jobspec and API JSON).
    #[command(after_help = AFTER_HELP)]
    Render(RenderArgs),
    /// Run the phases on this machine with buildah, skopeo and git, without Nomad.
    #[command(
        after_help = "Examples:\n  nomad-build local --secrets secrets.json\n  nomad-build local --phase build --phase test --run-id dev1 --keep --workdir /tmp/nb"
    )]
    Local(LocalArgs),
    /// Predict whether each phase's job would be placed: asking the cluster (`POST
    /// /v1/job/:id/plan`, which stores nothing), or offline on a node snapshot (--nodes).
    #[command(after_help = PLAN_AFTER_HELP)]
    Plan(PlanArgs),
    /// Work with the cluster's nodes (`nodes snapshot` writes what `plan --nodes` reads).
    #[command(subcommand)]
    Nodes(NodesCommand),
    /// Run the phases on a Nomad cluster, following logs and exit codes.
    #[command(after_help = RUN_AFTER_HELP)]
    Run(RunArgs),
    /// Explain the state of a job on the cluster (read-only).
    #[command(after_help = STATUS_AFTER_HELP)]
    Status(StatusArgs),
    /// List every rule: id, severity and what it checks (docs/rules.md has the details).
    #[command(after_help = "Example:\n  nomad-build rules | grep warning")]
    Rules,
    /// Print the JSON Schema of build.hcl (or of the operator policy file).
    #[command(
        after_help = "Examples:\n  nomad-build schema > build.schema.json\n  nomad-build schema policy > policy.schema.json"
    )]
    Schema {
        /// Which file's schema.
        #[arg(value_enum, default_value_t = SchemaKind::Build)]
        kind: SchemaKind,
    },
    /// Write a commented starter build.hcl (never overwrites).
    #[command(after_help = "Example:\n  nomad-build init && $EDITOR build.hcl")]
    Init {
        /// Where to write it.
        #[arg(default_value = "build.hcl")]
        path: PathBuf,
    },
    /// Serve the compiler as Model Context Protocol tools on standard input and output.
    #[command(
        after_help = "Example:\n  nomad-build mcp --root ~/src/app    (register it with an MCP client; see docs/mcp.md)"
    )]
    Mcp(McpArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  nomad-build completions bash > /etc/bash_completion.d/nomad-build"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `schema`'s argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// build.hcl.
    Build,
    /// The operator policy file (docs/policy.md).
    Policy,
}

/// The operator policy, shared by every command that compiles.
#[derive(Debug, Args, Clone, Default)]
pub struct PolicyArgs {
    /// Operator policy: an HCL file, owned by the platform team and kept outside the
    /// repository, that pins what build.hcl may choose (namespaces, node pools, Vault roles,
    /// pipeline names, images, host volumes, privileges, where each secret may be sent;
    /// docs/policy.md). A policy that cannot be read or is not valid exits 2.
    #[arg(long, value_name = "FILE", env = crate::policy::ENV)]
    pub policy: Option<PathBuf>,
}

/// Variable inputs shared by `validate` and `render`.
#[derive(Debug, Args, Clone, Default)]
pub struct VarArgs {
    /// Set a variable (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from an HCL file of `name = value` lines (repeatable). Symlinks are not
    /// followed (README: Security model).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

/// What every command that compiles jobs takes besides the file: run id, variables, templates,
/// the target Nomad release.
#[derive(Debug, Args, Clone, Default)]
pub struct CompileArgs {
    /// Run id (default: the short commit id of the repository containing the file).
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    #[command(flatten)]
    pub vars: VarArgs,
    /// Directory whose `*.j2` files replace the embedded templates of the same name. Templates
    /// are code: they write the jobs (any driver, privileges, host mounts, Vault access), so
    /// use only a directory you trust as you trust this binary, never one a branch can change.
    /// Under --policy only when it sets `allow { templates = true }`.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// The Nomad release the jobs are compiled for, shared by every command that compiles.
#[derive(Debug, Args, Clone, Default)]
pub struct TargetArgs {
    /// The oldest Nomad release the jobs must run on, `X.Y` or `X.Y.Z` (default: the file's
    /// `nomad { version }`, else 1.9.0).
    #[arg(long = "nomad-version", value_name = "X.Y[.Z]")]
    pub nomad_version: Option<String>,
}

/// `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or directories (searched for build.hcl); `-` reads standard input. No component
    /// of a path may be a symlink, and files must be regular files (README: Security model).
    #[arg(default_value = "build.hcl")]
    pub files: Vec<PathBuf>,
    /// Name to show for standard input.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Make warnings fail too.
    #[arg(long, value_enum, value_name = "KIND")]
    pub deny: Option<Deny>,
    /// Output format: miette diagnostics on stderr, or a document on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// `--deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Warnings fail validation.
    Warnings,
}

/// `validate --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Diagnostics with snippets, labels and help (stderr).
    Human,
    /// Shaped like `terraform validate -json` (stdout).
    Json,
    /// SARIF 2.1.0 (stdout).
    Sarif,
    /// GitHub Actions workflow commands (stdout).
    Github,
}

/// `render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The build.hcl; `-` reads standard input.
    #[arg(default_value = "build.hcl")]
    pub file: PathBuf,
    /// Phases to render (repeatable; default: every declared phase).
    #[arg(long, value_enum)]
    pub phase: Vec<Phase>,
    /// Output format (default: `both` with -o, `hcl` on stdout).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write `<pipeline>.<phase>.nomad.{hcl,json}` files into this directory (mode 0644). No
    /// component of DIR may be a symlink.
    #[arg(short = 'o', long = "out-dir", value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    pub compile: CompileArgs,
    /// With -o: write nothing; fail with a diff when the files on disk are not up to date. A
    /// file that is a symlink or not a regular file is out of date and never shown.
    #[arg(long, requires = "out_dir")]
    pub check: bool,
    /// Name to show for standard input.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
}

/// `mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// The directory the tools may read below (default: the working directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Accept the tools' `templates` argument (a directory below --root whose `*.j2` files
    /// replace the embedded templates). Templates are code that writes the jobs, and the root
    /// is usually a repository anyone with push access changes: without this flag the
    /// argument is refused; under --policy it also needs `allow { templates = true }`.
    #[arg(long)]
    pub allow_templates: bool,
}

/// `local`.
#[derive(Debug, Args)]
pub struct LocalArgs {
    /// The build.hcl.
    #[arg(default_value = "build.hcl")]
    pub file: PathBuf,
    /// Phases to run, in pipeline order (repeatable; default: every declared phase).
    #[arg(long, value_enum)]
    pub phase: Vec<Phase>,
    #[command(flatten)]
    pub compile: CompileArgs,
    /// JSON object mapping a Vault KV v2 path to its data; stands in for Vault.
    #[arg(long, value_name = "FILE")]
    pub secrets: Option<PathBuf>,
    /// Directory for allocations and container storage (default: a temporary one). Must be
    /// new, empty, or one an earlier run made; yours and not writable by everyone.
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// Keep the work directory afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Buildah's layer cache (its graph root), kept across runs; default: in the work
    /// directory. Runs may share it at the same time.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Run the `checkout` tasks (clone `source.url`) instead of using the working tree.
    #[arg(long)]
    pub clone: bool,
}

/// `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The build.hcl; `-` reads standard input.
    #[arg(default_value = "build.hcl")]
    pub file: PathBuf,
    /// Plan offline on this node snapshot, a JSON array of the `GET /v1/node/:id` of each node
    /// (docs/plan.md; `nomad-build nodes snapshot` writes one). Without it, ask the cluster.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["address", "token"])]
    pub nodes: Option<PathBuf>,
    /// Nomad address (default: NOMAD_ADDR, then http://127.0.0.1:4646).
    #[arg(long, value_name = "URL")]
    pub address: Option<String>,
    /// ACL token (default: NOMAD_TOKEN); the plan needs `submit-job` in the job's namespace.
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Phases to plan (repeatable; default: every declared phase).
    #[arg(long, value_enum)]
    pub phase: Vec<Phase>,
    /// Output format: the plan on stdout and diagnostics on stderr, or a document on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub compile: CompileArgs,
    /// Name to show for standard input.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
}

/// `plan --help` after the options.
pub const PLAN_AFTER_HELP: &str = "Examples:
  nomad-build plan                          (asks the cluster at NOMAD_ADDR)
  nomad-build plan --nodes nodes.json       (offline, on a node snapshot)
  nomad-build plan --nodes nodes.json --phase build --format github

Online, each phase's job goes to `POST /v1/job/:id/plan` (Diff: true): Nomad's scheduler
answers without registering, placing or storing anything.

Exit status:
  0        every phase would be placed
  1        a phase would not be placed, or build.hcl has errors
  2        bad command line
  3        the node snapshot (--nodes) cannot be read or is not one
  125      cluster or API error (unreachable, permission denied, job rejected)

Environment (online): NOMAD_ADDR, NOMAD_TOKEN, NOMAD_REGION, NOMAD_CACERT, NOMAD_CAPATH,
NOMAD_CLIENT_CERT, NOMAD_CLIENT_KEY, NOMAD_TLS_SERVER_NAME, NOMAD_SKIP_VERIFY, NOMAD_HTTP_AUTH";

/// `nodes`.
#[derive(Debug, Subcommand)]
pub enum NodesCommand {
    /// Write the full `GET /v1/node/:id` of every node into one file, the snapshot
    /// `plan --nodes` reads.
    #[command(
        after_help = "Examples:\n  nomad-build nodes snapshot -o nodes.json\n  nomad-build nodes snapshot -o nodes.json --with-allocations\n\nExit status: 0 written; 1 the file cannot be written; 2 bad command line;\n125 cluster or API error (the token needs `node:read`)."
    )]
    Snapshot(NodesSnapshotArgs),
}

/// `nodes snapshot`.
#[derive(Debug, Args)]
pub struct NodesSnapshotArgs {
    /// Where to write the snapshot (written atomically: a temporary file, then renamed).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: PathBuf,
    /// Add each node's current allocations (`GET /v1/node/:id/allocations`, their resources
    /// and status only), so that `plan --nodes` counts what they use.
    #[arg(long)]
    pub with_allocations: bool,
    /// Nomad address (default: NOMAD_ADDR, then http://127.0.0.1:4646).
    #[arg(long, value_name = "URL")]
    pub address: Option<String>,
    /// ACL token (default: NOMAD_TOKEN); it needs `node:read`.
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// `run --help` after the options: the exit codes and the connection variables.
pub const RUN_AFTER_HELP: &str = "Exit status:
  0        every phase passed (or, with --detach, the first phase was submitted)
  1        invalid build.hcl (as `validate`)
  2        bad command line
  1-255    the exit code of the first task that exited non-zero
  122      the job was stopped by someone else, or submitted stopped
  123      not placed within --placement-timeout (the job is stopped)
  124      a task was stopped by its timeout
  125      cluster or API error (unreachable, permission denied, job rejected, Nomad too old)
  126      an allocation was lost, or a task ended without an exit code
  130      interrupted (Ctrl-C; the running job is stopped, not purged)

Connection (as for the `nomad` CLI): NOMAD_ADDR (default http://127.0.0.1:4646),
NOMAD_TOKEN, NOMAD_REGION, NOMAD_CACERT, NOMAD_CAPATH, NOMAD_CLIENT_CERT, NOMAD_CLIENT_KEY,
NOMAD_TLS_SERVER_NAME, NOMAD_SKIP_VERIFY, NOMAD_HTTP_AUTH. The namespace and region come from
build.hcl.

Examples:
  nomad-build run --run-id pr-42
  nomad-build run --phase build --placement-timeout 10m
  nomad-build run --detach";

/// `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The build.hcl.
    #[arg(default_value = "build.hcl")]
    pub file: PathBuf,
    /// Phases to run, in pipeline order (repeatable; default: every declared phase).
    #[arg(long, value_enum)]
    pub phase: Vec<Phase>,
    #[command(flatten)]
    pub compile: CompileArgs,
    /// Stop the job and fail when it is not placed within this time (Go duration).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_timeout)]
    pub placement_timeout: Duration,
    /// Submit the first phase, print how to follow it, and exit.
    #[arg(long)]
    pub detach: bool,
    /// Nomad address (default: NOMAD_ADDR, then http://127.0.0.1:4646).
    #[arg(long, value_name = "URL")]
    pub address: Option<String>,
    /// ACL token (default: NOMAD_TOKEN).
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    match crate::duration::parse(s) {
        Ok(ns) if ns > 0 => Ok(Duration::from_nanos(ns.unsigned_abs())),
        Ok(_) => Err("must be greater than zero".to_owned()),
        Err(e) => Err(format!("{e} (use a Go duration such as `90s` or `5m`)")),
    }
}

/// `status --help` after the options.
pub const STATUS_AFTER_HELP: &str =
    "Exit status: 0 when the job's state was explained (whatever it is), 1 when the job is
not found or build.hcl is invalid, 2 on a bad command line, 125 on a cluster or API error.

When the job's `nomad-build.source` meta matches the build.hcl (FILE), constraints and
resources are mapped to its lines.

Examples:
  nomad-build status hello-build-3f2a1c9
  nomad-build status --run-id pr-42";

/// `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The job ID; without it, every phase of `--run-id` in the build.hcl.
    pub job: Option<String>,
    /// The build.hcl.
    #[arg(long, default_value = "build.hcl")]
    pub file: PathBuf,
    /// Run id of the jobs to explain (with the build.hcl).
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    #[command(flatten)]
    pub vars: VarArgs,
    /// Namespace (default: the build.hcl's, then NOMAD_NAMESPACE, then `default`).
    #[arg(long)]
    pub namespace: Option<String>,
    /// Nomad address (default: NOMAD_ADDR, then http://127.0.0.1:4646).
    #[arg(long, value_name = "URL")]
    pub address: Option<String>,
    /// ACL token (default: NOMAD_TOKEN).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
}
