//! The command line: argument parsing, stage orchestration, exit codes.
//!
//! Exit codes: 0 success; 1 errors found (or warnings with `--deny warnings`, or stale files
//! with `render --check`); 2 bad command line.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use sha2::{Digest, Sha256};

use crate::diag::{self, Color, FileId, Finding, Sources};
use crate::emit::{self, Output};
use crate::load::{self, VarInputs};
use crate::plan::{self, GitInfo, PlanOptions};
use crate::render::{Rendered, Renderer, Templates};
use crate::validate;

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
    /// Run the phases on a Nomad cluster, following logs and exit codes.
    #[command(after_help = crate::commands::run::AFTER_HELP)]
    Run(crate::commands::run::RunArgs),
    /// Explain the state of a job on the cluster (read-only).
    #[command(after_help = crate::commands::status::AFTER_HELP)]
    Status(crate::commands::status::StatusArgs),
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

/// A phase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Phase {
    /// The buildah job.
    Build,
    /// The test job.
    Test,
    /// The publish job.
    Publish,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Build => "build",
            Phase::Test => "test",
            Phase::Publish => "publish",
        }
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// HCL jobspec.
    Hcl,
    /// API JSON (`{"Job": ...}`).
    Json,
    /// Both (only with `-o`).
    Both,
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
    /// Run id (default: the short commit id of the repository containing the file).
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    #[command(flatten)]
    pub vars: VarArgs,
    /// Directory whose `*.j2` files replace the embedded templates of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
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
    /// Run id (default: the short commit id of the repository containing the file).
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    #[command(flatten)]
    pub vars: VarArgs,
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
    /// Directory whose `*.j2` files replace the embedded templates of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = match cli.color {
        ColorChoice::Always => Color::Always,
        ColorChoice::Never => Color::Never,
        ColorChoice::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
                || !std::io::stderr().is_terminal()
            {
                Color::Never
            } else {
                Color::Always
            }
        }
    };
    let code = match cli.command {
        Command::Validate(a) => cmd_validate(&a, color),
        Command::Render(a) => cmd_render(&a, color),
        Command::Local(a) => cmd_local(&a, color),
        Command::Run(a) => crate::commands::run::run(&a, color),
        Command::Status(a) => crate::commands::status::run(&a, color),
        Command::Rules => {
            print!("{}", crate::rules::table());
            0
        }
        Command::Schema => {
            print!("{}", crate::schema::schema_json());
            0
        }
        Command::Init { path } => cmd_init(&path),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "nomad-build",
                &mut std::io::stdout(),
            );
            0
        }
    };
    ExitCode::from(code)
}

fn usage_error(msg: &str, hint: &str) -> u8 {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {msg}\n\nhint: {hint}");
    2
}

/// What a compile needs besides the file.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// Variables.
    pub vars: VarInputs,
    /// Explicit run id.
    pub run_id: Option<String>,
    /// A run id to use instead of the git commit when there is no `--run-id` (validate).
    pub fallback_run_id: Option<String>,
}

/// The embedded templates with `--templates DIR` applied; a finding when DIR is unreadable.
pub fn templates(dir: Option<&Path>, sources: &mut Sources) -> Result<Templates, Box<Finding>> {
    let mut templates = Templates::embedded();
    if let Some(dir) = dir {
        if let Err(e) = templates.override_from(dir) {
            let shown = format!("--templates {}", dir.display());
            let cmd = sources.add("command line", shown.clone());
            return Err(Box::new(
                Finding::error(
                    "templates-unreadable",
                    cmd,
                    12..shown.len(),
                    format!("cannot read the template directory: {e}"),
                )
                .label("this directory"),
            ));
        }
    }
    Ok(templates)
}

/// The result of compiling one file: every rendered phase when there is no error.
pub struct Compiled {
    /// Pipeline name.
    pub pipeline: String,
    /// Rendered phases, in run order.
    pub phases: Vec<Rendered>,
    /// The pipeline's `registry` blocks, by host.
    pub registries: indexmap::IndexMap<String, crate::config::Registry>,
}

/// Runs load → validate → plan → render on one file already in `sources`.
pub fn compile(
    sources: &mut Sources,
    file: FileId,
    path: &Path,
    opts: &CompileOptions,
    renderer: &Renderer<'_>,
) -> (Option<Compiled>, Vec<Finding>) {
    let (loaded, mut findings) = load::load(sources, file, &opts.vars);
    let Some(loaded) = loaded else {
        return (None, findings);
    };
    findings.extend(validate::check(&loaded));
    crate::suppress::apply(sources, file, &mut findings);
    if findings.iter().any(Finding::is_error) {
        return (None, findings);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Spawning git is the slowest part of a compile: only ask it what the file leaves open.
    let needs_source = loaded
        .pipeline()
        .1
        .source
        .as_ref()
        .and_then(|s| s.url.as_ref())
        .is_none();
    let needs_run_id = opts.run_id.is_none() && opts.fallback_run_id.is_none();
    let git = if needs_source || needs_run_id {
        GitInfo::discover(dir)
    } else {
        GitInfo::default()
    };
    let run_id = match opts
        .run_id
        .clone()
        .or_else(|| opts.fallback_run_id.clone())
        .or_else(|| git.short.clone())
    {
        Some(id) => id,
        None => {
            let cmd = sources.add("command line", "nomad-build render");
            findings.push(
                Finding::error("missing-run-id", cmd, 0..18, "no run id")
                    .label("no --run-id, and the file is not in a git repository with a commit")
                    .help("pass `--run-id ID` (`[a-z0-9][a-z0-9_.-]{0,40}`)"),
            );
            return (None, findings);
        }
    };
    if !valid_run_id(&run_id) {
        let shown = format!("--run-id {run_id}");
        let cmd = sources.add("command line", shown.clone());
        findings.push(
            Finding::error("invalid-run-id", cmd, 9..shown.len(), format!("`{run_id}` is not a valid run id"))
                .label("must match `[a-z0-9][a-z0-9_.-]{0,40}`")
                .help("run ids appear in job IDs and image tags; use lowercase letters, digits, `_`, `.` and `-`"),
        );
        return (None, findings);
    }
    let source_sha256 = format!("{:x}", Sha256::digest(sources.get(file).text.as_bytes()));
    let popts = PlanOptions {
        run_id,
        source_sha256,
        git,
    };
    let ctxs = match plan::plan(&loaded, &popts) {
        Ok(c) => c,
        Err(mut f) => {
            findings.append(&mut f);
            return (None, findings);
        }
    };
    let mut phases = Vec::new();
    for ctx in &ctxs {
        match renderer.render_phase(ctx, sources) {
            Ok(r) => phases.push(r),
            Err(mut f) => findings.append(&mut f),
        }
    }
    if findings.iter().any(Finding::is_error) {
        return (None, findings);
    }
    let (pipeline, p) = loaded.pipeline();
    let compiled = Compiled {
        pipeline: pipeline.to_owned(),
        phases,
        registries: p.registry.clone(),
    };
    (Some(compiled), findings)
}

fn valid_run_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 41
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'-')
        })
}

fn var_inputs(v: &VarArgs) -> VarInputs {
    VarInputs {
        cli: v.vars.clone(),
        files: v.var_files.clone(),
        env: Vec::new(),
    }
    .with_process_env()
}

/// Prints findings to stderr and returns (errors, warnings).
fn report(findings: &mut Vec<Finding>, sources: &Sources, color: Color) -> (usize, usize) {
    diag::sort(findings);
    let mut err = std::io::stderr().lock();
    for f in findings.iter() {
        let _ = write!(err, "{}", diag::render(f, sources, color));
        let _ = writeln!(err);
    }
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == diag::Severity::Warning)
        .count();
    (errors, warnings)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Expands directories into the build.hcl files below them (sorted).
fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            find_build_files(p, &mut found);
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn find_build_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let path = e.path();
        match e.file_type() {
            Ok(t)
                if t.is_dir()
                    && !name.starts_with('.')
                    && name != "target"
                    && name != "node_modules" =>
            {
                find_build_files(&path, out);
            }
            Ok(t) if t.is_file() && name == "build.hcl" => out.push(path),
            _ => {}
        }
    }
}

/// Reads and compiles one file into its own [`Sources`].
pub fn compile_file(
    path: &Path,
    stdin_name: Option<&str>,
    opts: &CompileOptions,
    renderer: &Renderer<'_>,
) -> (Sources, Option<Compiled>, Vec<Finding>) {
    let mut sources = Sources::default();
    match load::read_input(path, stdin_name) {
        Ok((name, text)) => {
            let id = sources.add(name, text);
            let (compiled, findings) = compile(&mut sources, id, path, opts, renderer);
            (sources, compiled, findings)
        }
        Err(e) => {
            let shown = path.display().to_string();
            let id = sources.add("command line", shown.clone());
            let f = Finding::error(
                "file-unreadable",
                id,
                0..shown.len(),
                format!("cannot read `{shown}`: {e}"),
            )
            .label("this file");
            (sources, None, vec![f])
        }
    }
}

/// Validates files, in parallel when there are many; returns every file's sources and
/// findings, in the order of `files`.
pub fn validate_files(
    files: &[PathBuf],
    stdin_name: Option<&str>,
    opts: &CompileOptions,
) -> Vec<(Sources, Vec<Finding>)> {
    let templates = Templates::embedded();
    let renderer = Renderer::new(&templates);
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(files.len())
        .max(1);
    if workers == 1 || files.len() < 8 {
        return files
            .iter()
            .map(|p| {
                let (s, _, f) = compile_file(p, stdin_name, opts, &renderer);
                (s, f)
            })
            .collect();
    }
    let chunk = files.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let renderer = &renderer;
                scope.spawn(move || {
                    part.iter()
                        .map(|p| {
                            let (s, _, f) = compile_file(p, stdin_name, opts, renderer);
                            (s, f)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a validation worker panicked"))
            .collect()
    })
}

fn cmd_validate(a: &ValidateArgs, color: Color) -> u8 {
    let files = expand(&a.files);
    if files.is_empty() {
        return usage_error(
            "no build.hcl files found",
            "pass files or directories that contain build.hcl",
        );
    }
    let opts = CompileOptions {
        vars: var_inputs(&a.vars),
        fallback_run_id: Some("validate".to_owned()),
        ..Default::default()
    };
    let results = validate_files(&files, a.stdin_filename.as_deref(), &opts);
    if a.format != ReportFormat::Human {
        let text = match a.format {
            ReportFormat::Json => crate::report::json_all(&results),
            ReportFormat::Sarif => crate::report::sarif_all(&results),
            _ => crate::report::github_all(&results),
        };
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
        let all = results.iter().flat_map(|(_, f)| f);
        let errors = all.clone().filter(|f| f.is_error()).count();
        let warnings = all
            .filter(|f| f.severity == diag::Severity::Warning)
            .count();
        return u8::from(errors > 0 || (warnings > 0 && a.deny == Some(Deny::Warnings)));
    }
    let (mut errors, mut warnings) = (0, 0);
    for (sources, mut findings) in results {
        let (e, w) = report(&mut findings, &sources, color);
        errors += e;
        warnings += w;
    }
    let failed = errors > 0 || (warnings > 0 && a.deny == Some(Deny::Warnings));
    if errors + warnings > 0 {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{}: {} and {} in {}",
            if failed { "failed" } else { "passed" },
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(files.len(), "file")
        );
    }
    u8::from(failed)
}

/// Reads and compiles the file of `render` or `local`, printing its diagnostics. `Err` holds
/// the number of compile errors, or `None` when the file or templates could not be read.
fn compile_command(
    file: &Path,
    stdin_name: Option<&str>,
    vars: &VarArgs,
    run_id: Option<String>,
    templates_dir: Option<&Path>,
    color: Color,
) -> Result<Compiled, Option<usize>> {
    let mut sources = Sources::default();
    let (name, text) = match load::read_input(file, stdin_name) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", file.display());
            return Err(None);
        }
    };
    let id = sources.add(name, text);
    let opts = CompileOptions {
        vars: var_inputs(vars),
        run_id,
        ..Default::default()
    };
    let templates = match templates(templates_dir, &mut sources) {
        Ok(t) => t,
        Err(f) => {
            report(&mut vec![*f], &sources, color);
            return Err(None);
        }
    };
    let renderer = Renderer::new(&templates);
    let (compiled, mut findings) = compile(&mut sources, id, file, &opts, &renderer);
    let (errors, _) = report(&mut findings, &sources, color);
    compiled.filter(|_| errors == 0).ok_or(Some(errors.max(1)))
}

fn cmd_render(a: &RenderArgs, color: Color) -> u8 {
    let format = a.format.unwrap_or(if a.out_dir.is_some() {
        Format::Both
    } else {
        Format::Hcl
    });
    if a.out_dir.is_none() && format == Format::Both {
        return usage_error(
            "`--format both` needs `-o DIR`",
            "pick `--format hcl` or `--format json` for standard output",
        );
    }
    let compiled = match compile_command(
        &a.file,
        a.stdin_filename.as_deref(),
        &a.vars,
        a.run_id.clone(),
        a.templates.as_deref(),
        color,
    ) {
        Ok(c) => c,
        Err(errors) => {
            if let Some(n) = errors {
                eprintln!("failed: {}; nothing was written", plural(n, "error"));
            }
            return 1;
        }
    };
    let declared: Vec<&str> = compiled.phases.iter().map(|r| r.phase).collect();
    let mut selected: Vec<&Rendered> = Vec::new();
    for p in &a.phase {
        match compiled.phases.iter().find(|r| r.phase == p.name()) {
            Some(r) if !selected.iter().any(|s| s.phase == r.phase) => selected.push(r),
            Some(_) => {}
            None => {
                return usage_error(
                    &format!("the pipeline declares no `{}` phase", p.name()),
                    &format!("declared phases: {}", declared.join(", ")),
                )
            }
        }
    }
    if selected.is_empty() {
        selected = compiled.phases.iter().collect();
    }
    let Some(dir) = &a.out_dir else {
        if selected.len() != 1 {
            return usage_error(
                "standard output takes exactly one phase",
                &format!(
                    "add `--phase {}`, or write files with `-o DIR`",
                    declared.first().copied().unwrap_or("build")
                ),
            );
        }
        let r = selected[0];
        let text = if format == Format::Json {
            &r.json
        } else {
            &r.hcl
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        return 0;
    };
    let mut outputs = Vec::new();
    for r in &selected {
        let base = format!("{}.{}.nomad", compiled.pipeline, r.phase);
        if format != Format::Json {
            outputs.push(Output {
                name: format!("{base}.hcl"),
                text: r.hcl.clone(),
            });
        }
        if format != Format::Hcl {
            outputs.push(Output {
                name: format!("{base}.json"),
                text: r.json.clone(),
            });
        }
    }
    if a.check {
        let diffs = emit::check(dir, &outputs);
        if diffs.is_empty() {
            return 0;
        }
        let mut out = std::io::stdout().lock();
        for d in &diffs {
            let _ = out.write_all(d.as_bytes());
        }
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{} out of date; run `nomad-build render -o {}` to update",
            plural(diffs.len(), "file"),
            dir.display()
        );
        return 1;
    }
    match emit::write_all(dir, &outputs) {
        Ok(paths) => {
            let mut err = std::io::stderr().lock();
            for p in paths {
                let _ = writeln!(err, "wrote {}", p.display());
            }
            0
        }
        Err(e) => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "error: cannot write into `{}`: {e}", dir.display());
            1
        }
    }
}

fn cmd_local(a: &LocalArgs, color: Color) -> u8 {
    let compiled = match compile_command(
        &a.file,
        None,
        &a.vars,
        a.run_id.clone(),
        a.templates.as_deref(),
        color,
    ) {
        Ok(c) => c,
        Err(errors) => {
            if let Some(n) = errors {
                eprintln!("failed: {}; nothing was run", plural(n, "error"));
            }
            return 1;
        }
    };
    let mut phases: Vec<&str> = Vec::new();
    for p in &a.phase {
        if !compiled.phases.iter().any(|r| r.phase == p.name()) {
            let declared: Vec<&str> = compiled.phases.iter().map(|r| r.phase).collect();
            return usage_error(
                &format!("the pipeline declares no `{}` phase", p.name()),
                &format!("declared phases: {}", declared.join(", ")),
            );
        }
        phases.push(p.name());
    }
    if phases.is_empty() {
        phases = compiled.phases.iter().map(|r| r.phase).collect();
    }
    let secrets = match &a.secrets {
        None => serde_json::Map::new(),
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(serde_json::Value::Object(m)) => m,
            Ok(_) => {
                eprintln!(
                    "error: `{}` must hold a JSON object of Vault paths",
                    path.display()
                );
                return 1;
            }
            Err(e) => {
                eprintln!(
                    "error: cannot read the secrets file `{}`: {e}",
                    path.display()
                );
                return 1;
            }
        },
    };
    let missing: Vec<(String, String)> = crate::local::needed_secrets(&compiled, &phases, a.clone)
        .into_iter()
        .filter(|(p, _)| !secrets.contains_key(p))
        .collect();
    if !missing.is_empty() {
        for (path, task) in &missing {
            eprintln!(
                "error: {}",
                crate::local::LocalError::MissingSecret {
                    path: path.clone(),
                    task: task.clone()
                }
            );
        }
        eprintln!("hint: pass `--secrets FILE` with a JSON object such as {{\"{}\": {{\"username\": \"...\", \"password\": \"...\"}}}}", missing[0].0);
        return 1;
    }
    let mut temp = None;
    let workdir = match &a.workdir {
        Some(d) => d.clone(),
        None => match tempfile::Builder::new()
            .prefix("nomad-build-local.")
            .tempdir()
        {
            Ok(t) => {
                let p = t.path().to_path_buf();
                temp = Some(t);
                p
            }
            Err(e) => {
                eprintln!("error: cannot create a work directory: {e}");
                return 1;
            }
        },
    };
    let file_dir = a
        .file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let toplevel = std::process::Command::new("git")
        .arg("-C")
        .arg(file_dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let source_dir = toplevel.unwrap_or_else(|| file_dir.to_path_buf());
    let source_dir = std::fs::canonicalize(&source_dir).unwrap_or(source_dir);
    let lopts = crate::local::LocalOptions {
        secrets,
        workdir: workdir.clone(),
        clone: a.clone,
        source_dir,
    };
    let mut out = std::io::stdout().lock();
    let results = crate::local::run(&compiled, &phases, &lopts, &mut out);
    let _ = writeln!(out);
    let _ = write!(out, "{}", crate::local::summary(&results));
    if a.keep || a.workdir.is_some() {
        let _ = writeln!(out, "work directory: {}", workdir.display());
    }
    if a.keep {
        // Detach the temporary directory from its cleanup guard.
        let _ = temp.map(tempfile::TempDir::keep);
    }
    let code = results.iter().find_map(|r| match r.status {
        crate::local::Status::Failed(c) => Some(c),
        _ => None,
    });
    match code {
        None => 0,
        Some(c) => u8::try_from(c).ok().filter(|c| *c != 0).unwrap_or(1),
    }
}

const STARTER: &str = include_str!("../templates/starter.build.hcl");

fn cmd_init(path: &Path) -> u8 {
    let mut err = std::io::stderr().lock();
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut f) => match f.write_all(STARTER.as_bytes()) {
            Ok(()) => {
                let _ = writeln!(
                    err,
                    "wrote {}; edit it, then run `nomad-build validate`",
                    path.display()
                );
                0
            }
            Err(e) => {
                let _ = writeln!(err, "error: cannot write `{}`: {e}", path.display());
                1
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = writeln!(
                err,
                "error: `{}` already exists; not overwriting it",
                path.display()
            );
            1
        }
        Err(e) => {
            let _ = writeln!(err, "error: cannot create `{}`: {e}", path.display());
            1
        }
    }
}
