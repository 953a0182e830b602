//! The commands: one file each, a thin layer over the library that parses nothing (clap did,
//! see [`crate::cli`]), calls [`crate::compile`] and friends, prints, and picks the exit code.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use crate::cli::{Cli, ColorChoice, Command, CompileArgs, VarArgs};
use crate::compile::{self, CompileOptions, Compiled};
use crate::diag::{self, Color, CommandLine, Finding, Sources};
use crate::load::{self, VarInputs};
use crate::phase::Phase;
use crate::policy::{Policy, PolicyError};
use crate::render::{Renderer, Templates};

mod completions;
mod init;
mod local;
mod mcp;
mod nodes;
mod plan;
mod render;
mod rules;
mod run;
mod schema;
mod status;
mod validate;

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
        Command::Validate(a) => validate::run(&a, color),
        Command::Render(a) => render::run(&a, color),
        Command::Local(a) => local::run(&a, color),
        Command::Run(a) => run::run(&a, color),
        Command::Status(a) => status::run(&a, color),
        Command::Plan(a) => plan::run(&a, color),
        Command::Nodes(c) => nodes::run(&c),
        Command::Mcp(a) => mcp::run(&a, color),
        Command::Rules => rules::run(),
        Command::Schema { kind } => schema::run(kind),
        Command::Init { path } => init::run(&path),
        Command::Completions { shell } => completions::run(shell),
    };
    ExitCode::from(code)
}

/// The invocation as a diagnostics source (findings about flags point into it).
fn command_line() -> CommandLine {
    CommandLine::new(
        std::env::args_os()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned()),
    )
}

/// Prints a usage error the way clap does; returns exit code 2.
fn usage_error(msg: &str, hint: &str) -> u8 {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {msg}\n\nhint: {hint}");
    2
}

/// The usage error for a `--phase` the pipeline does not declare.
fn undeclared_phase(compiled: &Compiled, phase: Phase) -> u8 {
    let declared: Vec<&str> = compiled.declared().iter().map(|p| p.name()).collect();
    usage_error(
        &format!("the pipeline declares no `{phase}` phase"),
        &format!("declared phases: {}", declared.join(", ")),
    )
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

use crate::text::plural;

/// The operator policy of `--policy` (or `NOMAD_BUILD_POLICY`), loaded and checked. `Err` is
/// the exit code (2) after the policy's diagnostics: a command given a policy it cannot use
/// does nothing.
fn load_policy(path: Option<&Path>, color: Color) -> Result<Option<Arc<Policy>>, u8> {
    let Some(path) = path else {
        return Ok(None);
    };
    match Policy::load(path) {
        Ok(p) => Ok(Some(Arc::new(p))),
        Err(PolicyError::Unreadable(msg)) => {
            eprintln!("error: {msg}\nfailed: the operator policy cannot be used; nothing was done");
            Err(2)
        }
        Err(PolicyError::Invalid(sources, mut findings)) => {
            let (errors, _) = report(&mut findings, &sources, color);
            eprintln!(
                "failed: {} in the operator policy `{}`; nothing was done",
                plural(errors.max(1), "error"),
                path.display()
            );
            Err(2)
        }
    }
}

/// The templates of a command: the embedded ones with `--templates DIR` applied, unless the
/// policy does not allow template overrides (a `policy-templates` finding at the flag).
fn templates(
    dir: Option<&Path>,
    policy: Option<&Policy>,
    sources: &mut Sources,
) -> Result<Templates, Box<Finding>> {
    if let (Some(dir), Some(policy)) = (dir, policy) {
        if !policy.allows_templates() {
            let (cmd, span) = sources.flag_span("--templates", &dir.display().to_string());
            return Err(Box::new(policy.templates_refused(cmd, span)));
        }
    }
    compile::templates(dir, sources)
}

/// Prints the notice of [`crate::policy::unpinned_notice`] when `compiled` reads secrets and
/// no policy pins where they go.
fn notice_unpinned(compiled: &Compiled, policy: Option<&Policy>) {
    if policy.is_none() && crate::policy::uses_credentials(compiled) {
        if let Some(n) = crate::policy::unpinned_notice() {
            eprintln!("{n}");
        }
    }
}

/// Reads and compiles the file of a command that needs jobs, printing its diagnostics, then
/// `failed: N errors; nothing was <done>` when it fails. `Err` is the exit code (1).
fn compile_command(
    command: &'static str,
    file: &Path,
    stdin_name: Option<&str>,
    args: &CompileArgs,
    color: Color,
    done: &str,
) -> Result<Compiled, u8> {
    let policy = load_policy(args.policy.policy.as_deref(), color)?;
    let mut sources = Sources::default().with_command_line(Some(command_line()));
    let opts = CompileOptions {
        vars: var_inputs(&args.vars),
        run_id: args.run_id.clone(),
        command,
        nomad_version: args.target.nomad_version.clone(),
        policy: policy.clone(),
        ..Default::default()
    };
    let id = match load::read_input(file, stdin_name) {
        Ok((name, text)) => sources.add(name, text),
        Err(e) => {
            let shown = file.display().to_string();
            let (id, span) = sources.argument_span(&shown);
            let f = crate::rules::file_unreadable::RULE
                .finding(id, span, format!("cannot read `{shown}`: {e}"))
                .label("this file");
            report(&mut vec![f], &sources, color);
            eprintln!("failed: 1 error; nothing was {done}");
            return Err(1);
        }
    };
    let templates = match templates(args.templates.as_deref(), policy.as_deref(), &mut sources) {
        Ok(t) => t,
        Err(f) => {
            report(&mut vec![*f], &sources, color);
            eprintln!("failed: 1 error; nothing was {done}");
            return Err(1);
        }
    };
    let renderer = Renderer::new(&templates);
    let (compiled, mut findings) = compile::compile(&mut sources, id, file, &opts, &renderer);
    let (errors, _) = report(&mut findings, &sources, color);
    match compiled.filter(|_| errors == 0) {
        Some(c) => Ok(c),
        None => {
            eprintln!(
                "failed: {}; nothing was {done}",
                plural(errors.max(1), "error")
            );
            Err(1)
        }
    }
}
