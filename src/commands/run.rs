//! `nomad-build run`: compile like `render`, then run the phases on a Nomad cluster.

use std::io::{IsTerminal, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::cli::{RunArgs, VarArgs};
use crate::cluster::client::{ApiError, Client, Secret, Settings};
use crate::cluster::exit;
use crate::cluster::version::{self, Check};
use crate::cluster::wait::{self, Interrupt, Options, PhaseJob};
use crate::compile::{self, CompileOptions, Compiled};
use crate::diag::{self, Color, Finding, Sources};
use crate::load::{self, Loaded, VarInputs};
use crate::placement::BuildFile;
use crate::render::Renderer;

/// A compiled file with what `run` and `status` need besides the jobs.
pub(super) struct Prepared {
    /// Sources, the build.hcl first.
    pub sources: Sources,
    /// The compiled phases.
    pub compiled: Compiled,
    /// The loaded model (for spans).
    pub loaded: Loaded,
    /// sha256 of the build.hcl bytes.
    pub source_sha256: String,
}

/// Compiles `file` exactly like `render`, printing diagnostics; `Err` carries the exit code.
pub(super) fn prepare(
    file: &Path,
    vars: &VarArgs,
    run_id: Option<String>,
    templates: Option<&Path>,
    nomad_version: Option<String>,
    policy: Option<std::sync::Arc<crate::policy::Policy>>,
    color: Color,
) -> Result<Prepared, u8> {
    let mut sources = Sources::default();
    let (name, text) = match load::read_input(file, None) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", file.display());
            return Err(1);
        }
    };
    let source_sha256 = format!("{:x}", Sha256::digest(text.as_bytes()));
    let id = sources.add(name, text);
    let inputs = VarInputs {
        cli: vars.vars.clone(),
        files: vars.var_files.clone(),
        env: Vec::new(),
    }
    .with_process_env();
    let templates = match super::templates(templates, policy.as_deref(), &mut sources) {
        Ok(t) => t,
        Err(f) => {
            print_findings(&mut vec![*f], &sources, color);
            return Err(1);
        }
    };
    let opts = CompileOptions {
        vars: inputs.clone(),
        run_id,
        nomad_version,
        policy,
        ..CompileOptions::default()
    };
    let renderer = Renderer::new(&templates);
    let (compiled, mut findings) = compile::compile(&mut sources, id, file, &opts, &renderer);
    let errors = print_findings(&mut findings, &sources, color);
    let Some(compiled) = compiled.filter(|_| errors == 0) else {
        eprintln!(
            "failed: {} error{}; nothing was submitted",
            errors.max(1),
            if errors.max(1) == 1 { "" } else { "s" }
        );
        return Err(1);
    };
    let (loaded, _) = load::load(&mut sources, id, &inputs);
    let Some(loaded) = loaded else {
        return Err(1);
    };
    Ok(Prepared {
        sources,
        compiled,
        loaded,
        source_sha256,
    })
}

fn print_findings(findings: &mut Vec<Finding>, sources: &Sources, color: Color) -> usize {
    diag::sort(findings);
    let mut err = std::io::stderr().lock();
    for f in findings.iter() {
        let _ = write!(err, "{}", diag::render(f, sources, color));
        let _ = writeln!(err);
    }
    findings.iter().filter(|f| f.is_error()).count()
}

/// Connection settings from the environment and the flags, onto the job's namespace and
/// region (the job's win over `NOMAD_NAMESPACE`/`NOMAD_REGION`, as for `nomad job run`).
pub(super) fn settings(
    address: Option<&str>,
    token: Option<&str>,
    namespace: Option<&str>,
    region: Option<&str>,
) -> Settings {
    let mut s = Settings::from_env(|k| std::env::var(k).ok());
    // Task logs and error bodies are redacted like MCP's results (VAULT_TOKEN, *_PASSWORD…).
    s.redact = crate::redact::Redactor::from_env();
    if let Some(a) = address {
        a.clone_into(&mut s.address);
    }
    if let Some(t) = token {
        s.token = Some(Secret::new(t));
    }
    if let Some(n) = namespace {
        s.namespace = Some(n.to_owned());
    }
    // `global` is the jobs' default and means "the agent's region" to a register; a read
    // with `?region=global` would be forwarded to a region of that name, so send none.
    if let Some(r) = region.filter(|r| *r != "global") {
        s.region = Some(r.to_owned());
    }
    s
}

/// Entry point of `run`.
pub(super) fn run(a: &RunArgs, color: Color) -> u8 {
    let policy = match super::load_policy(a.compile.policy.policy.as_deref(), color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let prep = match prepare(
        &a.file,
        &a.compile.vars,
        a.compile.run_id.clone(),
        a.compile.templates.as_deref(),
        a.compile.target.nomad_version.clone(),
        policy.clone(),
        color,
    ) {
        Ok(p) => p,
        Err(code) => return code,
    };
    super::notice_unpinned(&prep.compiled, policy.as_deref());
    let selected = match prep.compiled.select(&a.phase) {
        Ok(s) => s,
        Err(missing) => return super::undeclared_phase(&prep.compiled, missing),
    };
    let mut phases = Vec::new();
    for r in prep
        .compiled
        .phases
        .iter()
        .filter(|r| selected.contains(&r.phase))
    {
        let job = serde_json::to_value(&r.job).expect("the model serializes");
        match PhaseJob::new(r.phase.name(), job) {
            Ok(p) => phases.push(p.with_roles(&r.tasks)),
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    }
    let first = &prep.compiled.phases[0].job.job;
    let settings = settings(
        a.address.as_deref(),
        a.token.as_deref(),
        first.namespace.as_deref(),
        first.region.as_deref(),
    );
    let client = match Client::new(settings) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::CLUSTER;
        }
    };
    // Not locked: the live status line (indicatif) writes to stdout from its own thread.
    let mut out = std::io::stdout();
    let t = prep.compiled.target;
    match version::check(&client, first.region.as_deref(), t) {
        Ok(Check::Supported { .. }) => {}
        Ok(Check::TooOld { server, build }) => {
            eprintln!(
                "error: the cluster is older than the jobs: server {server} runs Nomad {build}, and the jobs are compiled for Nomad {t} or later\n\nhint: upgrade the servers, or compile for the cluster's version (--nomad-version, or `nomad {{ version }}` in the build.hcl)"
            );
            return exit::CLUSTER;
        }
        Ok(Check::Unknown(why)) => {
            let _ = writeln!(out, "warning: cluster version: {why}");
        }
        Err(e) => {
            eprintln!("error: {}", cluster_error(&e, &client, "node:read"));
            return exit::CLUSTER;
        }
    }
    let interrupt = Interrupt::default();
    {
        let i = interrupt.clone();
        // A second Ctrl-C exits at once; the first lets the run stop its job.
        let _ = ctrlc::set_handler(move || {
            if i.trigger() > 1 {
                eprintln!("interrupted again: exiting without waiting");
                std::process::exit(i32::from(exit::INTERRUPTED));
            }
        });
    }
    let opts = Options {
        placement_timeout: a.placement_timeout,
        detach: a.detach,
        live: std::io::stdout().is_terminal(),
        color,
        explain: Some(BuildFile {
            sources: &prep.sources,
            loaded: &prep.loaded,
            compiled: &prep.compiled,
        }),
    };
    let report = wait::run(&client, &phases, &opts, &interrupt, &mut out);
    let nothing_ran = report
        .rows
        .iter()
        .all(|r| r.status == wait::TaskStatus::NotRun);
    let refused = nothing_ran && matches!(report.outcome, wait::Outcome::Cluster(_));
    if !a.detach && !refused {
        let _ = writeln!(out);
        let _ = write!(out, "{}", wait::summary(&report.rows));
    }
    let _ = out.flush();
    if let wait::Outcome::Cluster(msg) = &report.outcome {
        eprintln!("error: {msg}");
    }
    report.outcome.exit_code()
}

/// A failed request outside a job's life (versions, nodes, plans): `capability` is what the
/// token needs.
pub(super) fn cluster_error(e: &ApiError, client: &Client, capability: &str) -> String {
    match e {
        ApiError::Status {
            status: 403, body, ..
        } if body.ends_with("ACL token not found") => format!(
            "the cluster at {} refused the token (`{body}`); check NOMAD_TOKEN or --token",
            client.address()
        ),
        ApiError::Status {
            status: 403, body, ..
        } => format!(
            "the cluster at {} refused the token (`{body}`): it needs `{capability}`; check NOMAD_TOKEN or --token",
            client.address()
        ),
        other => other.to_string(),
    }
}
