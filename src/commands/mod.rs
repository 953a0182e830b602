//! The commands: one file each, a thin layer over the library that parses nothing (clap did,
//! see [`crate::cli`]), calls [`crate::compile`] and friends, prints, and picks the exit code.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, ColorChoice, Command, CompileArgs, VarArgs};
use crate::compile::{self, CompileOptions, Compiled};
use crate::diag::{self, Color, CommandLine, Finding, Sources};
use crate::load::{self, VarInputs};
use crate::phase::Phase;
use crate::render::Renderer;

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
        Command::Mcp(a) => mcp::run(&a),
        Command::Rules => rules::run(),
        Command::Schema => schema::run(),
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

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
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
    let mut sources = Sources::default().with_command_line(Some(command_line()));
    let opts = CompileOptions {
        vars: var_inputs(&args.vars),
        run_id: args.run_id.clone(),
        command,
        nomad_version: args.target.nomad_version.clone(),
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
    let templates = match compile::templates(args.templates.as_deref(), &mut sources) {
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
