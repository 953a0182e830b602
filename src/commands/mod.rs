//! The commands: one file each, a thin layer over the library that parses nothing (clap did,
//! see [`crate::cli`]), calls [`crate::compile`] and friends, prints, and picks the exit code.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use crate::app::{self, Input, Opened, Source};
use crate::cli::{Cli, ColorChoice, Command, CompileArgs, VarArgs};
use crate::compile::{CompileOptions, Compiled};
use crate::diag::{self, Color, CommandLine, Finding, Sources};
use crate::load::VarInputs;
use crate::phase::Phase;
use crate::policy::{Policy, PolicyError};

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
pub mod terminal;
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

/// Prints why there is no usable cluster connection (`error: …`, then its hint).
fn print_refused(e: &app::connect::Refused) {
    match e.hint() {
        Some(hint) => eprintln!("error: {e}\n\nhint: {hint}"),
        None => eprintln!("error: {e}"),
    }
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
/// `failed: N errors; nothing was <done>` when it fails. `Err` is the exit code (1, or 2 for
/// an unusable policy).
fn compile_command(
    command: &'static str,
    file: &Path,
    stdin_name: Option<&str>,
    args: &CompileArgs,
    color: Color,
    done: &str,
) -> Result<Compiled, u8> {
    let policy = load_policy(args.policy.policy.as_deref(), color)?;
    let opened = open(
        command,
        file,
        stdin_name,
        args,
        args.run_id.clone(),
        policy,
        color,
        done,
    )?;
    Ok(opened.compiled)
}

/// [`app::open`] for a command: its diagnostics printed, `failed: N errors; nothing was
/// <done>` when it fails. `Err` is the exit code (1).
#[allow(clippy::too_many_arguments)]
fn open(
    command: &'static str,
    file: &Path,
    stdin_name: Option<&str>,
    args: &CompileArgs,
    run_id: Option<String>,
    policy: Option<Arc<Policy>>,
    color: Color,
    done: &str,
) -> Result<Opened, u8> {
    let options = CompileOptions {
        vars: var_inputs(&args.vars),
        run_id,
        command,
        command_line: Some(command_line()),
        nomad_version: args.target.nomad_version.clone(),
        policy,
        ..Default::default()
    };
    let input = Input {
        source: Source::Path {
            path: file.to_path_buf(),
            stdin_name: stdin_name.map(str::to_owned),
        },
        templates: args.templates.clone(),
    };
    match app::open(&input, &options) {
        Ok(mut opened) => {
            report(&mut opened.findings, &opened.sources, color);
            Ok(opened)
        }
        Err(mut failed) => {
            let errors = failed.errors();
            report(&mut failed.findings, &failed.sources, color);
            eprintln!("failed: {}; nothing was {done}", plural(errors, "error"));
            Err(1)
        }
    }
}
