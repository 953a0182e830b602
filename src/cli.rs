//! The command line's types (clap): what each command takes. What the commands do is in
//! [`crate::commands`].
//!
//! Exit codes: 0 success; 1 errors found (or warnings with `--deny warnings`, or stale files
//! with `render --check`); 2 bad command line.

use std::path::PathBuf;

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
    /// List every rule: id, severity and what it checks (docs/rules.md has the details).
    #[command(after_help = "Example:\n  nomad-build rules | grep warning")]
    Rules,
    /// Print the JSON Schema of build.hcl.
    #[command(after_help = "Example:\n  nomad-build schema > build.schema.json")]
    Schema,
    /// Write a commented starter build.hcl (never overwrites).
    #[command(after_help = "Example:\n  nomad-build init && $EDITOR build.hcl")]
    Init {
        /// Where to write it.
        #[arg(default_value = "build.hcl")]
        path: PathBuf,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  nomad-build completions bash > /etc/bash_completion.d/nomad-build"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Variable inputs shared by `validate` and `render`.
#[derive(Debug, Args, Clone, Default)]
pub struct VarArgs {
    /// Set a variable (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from an HCL file of `name = value` lines (repeatable).
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
    /// Directory whose `*.j2` files replace the embedded templates of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
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
    /// Files or directories (searched for build.hcl); `-` reads standard input.
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
    /// Write `<pipeline>.<phase>.nomad.{hcl,json}` files into this directory.
    #[arg(short = 'o', long = "out-dir", value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    pub compile: CompileArgs,
    /// With -o: write nothing; fail with a diff when the files on disk are not up to date.
    #[arg(long, requires = "out_dir")]
    pub check: bool,
    /// Name to show for standard input.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
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
    /// Directory for allocations and container storage (default: a temporary one).
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// Keep the work directory afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Run the `checkout` tasks (clone `source.url`) instead of using the working tree.
    #[arg(long)]
    pub clone: bool,
}
