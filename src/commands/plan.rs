//! `nomad-build plan [--nodes FILE]`: would each phase's job be placed, on these nodes or on
//! the cluster (`PUT /v1/job/:id/plan`, which stores nothing), and which build.hcl setting to
//! change when not.

use std::io::Write;
use std::path::Path;

use super::{command_line, plural, report, undeclared_phase, var_inputs};
use crate::app::connect::Connect;
use crate::app::{self, Input, Source as FileSource};
use crate::cli::{PlanArgs, ReportFormat};
use crate::cluster::client::Client;
use crate::cluster::{self, describe_error, exit, Action};
use crate::compile::{self, CompileOptions};
use crate::diag::{self, Color, Finding, Sources};
use crate::placement::{self, nodes, Explainer};

/// Exit code when the node snapshot cannot be read or is not one.
const SNAPSHOT_ERROR: u8 = 3;

/// Where the plan comes from.
enum Source {
    /// `--nodes`: the offline checker on a snapshot.
    Snapshot(Vec<nodes::Node>),
    /// The cluster's scheduler.
    Cluster(Client),
}

/// Exit 0 when every phase would be placed, 1 when one would not or build.hcl has errors, 2 on
/// usage errors, 3 when the snapshot is unusable, 125 when the cluster fails or refuses.
pub(super) fn run(a: &PlanArgs, color: Color) -> u8 {
    let policy = match super::load_policy(a.compile.policy.policy.as_deref(), color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let options = CompileOptions {
        policy: policy.clone(),
        vars: var_inputs(&a.compile.vars),
        run_id: a.compile.run_id.clone(),
        command: "nomad-build plan",
        command_line: Some(command_line()),
        nomad_version: a.compile.target.nomad_version.clone(),
        ..Default::default()
    };
    let input = Input {
        source: FileSource::Path {
            path: a.file.clone(),
            stdin_name: a.stdin_filename.clone(),
        },
        templates: a.compile.templates.clone(),
    };
    let (mut sources, mut findings, compiled) = match app::open(&input, &options) {
        Ok(o) => (o.sources, o.findings, Some((o.compiled, o.loaded))),
        Err(f) => (f.sources, f.findings, None),
    };
    let nodes = match &a.nodes {
        Some(path) => match read_snapshot(path, &mut sources) {
            Ok(n) => Some(Source::Snapshot(n)),
            Err(f) => {
                findings.push(*f);
                None
            }
        },
        None => None,
    };
    // Online: the client is made once the jobs compiled (they carry namespace and region).
    let nodes = match (nodes, &compiled) {
        (Some(n), _) => Some(n),
        (None, Some((c, _))) if a.nodes.is_none() => {
            match Connect::from_process(a.address.as_deref(), a.token.as_deref()).for_jobs(c) {
                Ok(client) => Some(Source::Cluster(client)),
                Err(e) => {
                    super::print_refused(&e);
                    return exit::CLUSTER;
                }
            }
        }
        (None, _) => None,
    };
    let (Some((compiled, loaded)), Some(nodes)) = (compiled, nodes) else {
        let code = if findings.iter().any(|f| f.rule == "invalid-node-snapshot") {
            SNAPSHOT_ERROR
        } else {
            1
        };
        let errors = findings.iter().filter(|f| f.is_error()).count();
        output(a, &mut findings, &sources, color, None);
        if a.format == ReportFormat::Human {
            eprintln!(
                "failed: {}; nothing was planned",
                plural(errors.max(1), "error")
            );
        }
        return code;
    };
    let phases = match compiled.select(&a.phase) {
        Ok(p) => p,
        Err(missing) => return undeclared_phase(&compiled, missing),
    };
    let placements = match &nodes {
        Source::Snapshot(n) => placement::check_offline(&compiled, &phases, n),
        Source::Cluster(client) => match plan_online(client, &compiled, &phases) {
            Ok(p) => p,
            Err(msg) => {
                eprintln!("error: {msg}");
                return exit::CLUSTER;
            }
        },
    };
    // The spans of build.hcl's values point at the settings behind each constraint.
    let pairs: Vec<_> = placements
        .iter()
        .filter_map(|p| compiled.phase(p.phase).map(|r| (p, r)))
        .collect();
    findings.extend(Explainer::new(&loaded).findings(&pairs));
    let failed = placements.iter().filter(|p| !p.places()).count();
    let errors = findings.iter().filter(|f| f.is_error()).count();
    output(a, &mut findings, &sources, color, Some(&placements));
    if a.format == ReportFormat::Human {
        let on = match &nodes {
            Source::Snapshot(n) => format!(
                "on the {} of `{}`",
                plural(n.len(), "node"),
                a.nodes.as_deref().unwrap_or(Path::new("-")).display()
            ),
            Source::Cluster(c) => format!("on the cluster at {}", c.address()),
        };
        if failed > 0 {
            eprintln!(
                "failed: {failed} of {} would not be placed {on}",
                plural(placements.len(), "phase")
            );
        } else if errors > 0 {
            eprintln!("failed: {}", plural(errors, "error"));
        } else {
            eprintln!("passed: every phase would be placed {on}");
        }
    }
    u8::from(failed > 0 || errors > 0)
}

/// Asks the cluster's scheduler about each phase (`PUT /v1/job/:id/plan`, `Diff: true`).
fn plan_online(
    client: &Client,
    compiled: &compile::Compiled,
    phases: &[crate::phase::Phase],
) -> Result<Vec<placement::PhasePlacement>, String> {
    let mut out = Vec::new();
    for r in compiled.phases.iter().filter(|r| phases.contains(&r.phase)) {
        let job_id = r.job.job.id.clone().unwrap_or_default();
        let body = serde_json::to_value(&r.job).expect("the model serializes");
        let answer = cluster::plan::plan(client, &job_id, &body)
            .map_err(|e| describe_error(&e, Action::Plan, client.namespace(), &job_id))?;
        for w in answer
            .warnings
            .lines()
            .filter_map(|l| l.trim().strip_prefix("* "))
        {
            eprintln!("warning: {}: Nomad warns: {w}", r.phase);
        }
        out.push(placement::PhasePlacement::from_nomad(
            r.phase,
            &r.job.job,
            &answer.failed_tg_allocs,
        ));
    }
    Ok(out)
}

/// Reads and parses `--nodes`; an `invalid-node-snapshot` finding when it cannot.
fn read_snapshot(path: &Path, sources: &mut Sources) -> Result<Vec<nodes::Node>, Box<Finding>> {
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let (id, span) = sources.flag_span("--nodes", &shown);
            return Err(Box::new(
                crate::rules::invalid_node_snapshot::RULE
                    .finding(id, span, format!("cannot read `{shown}`: {e}"))
                    .label("this file"),
            ));
        }
    };
    nodes::parse(&text).map_err(|e| {
        let mut at = e.at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        let id = sources.add(shown, text);
        Box::new(
            crate::rules::invalid_node_snapshot::RULE
                .finding(id, at..end, format!("not a node snapshot: {}", e.message))
                .label("here")
                .help(
                    "write the `GET /v1/node/:id` of every node into one JSON array \
                     (see docs/plan.md)",
                ),
        )
    })
}

/// Prints the findings (and the placements) in the chosen format.
fn output(
    a: &PlanArgs,
    findings: &mut Vec<Finding>,
    sources: &Sources,
    color: Color,
    placements: Option<&[placement::PhasePlacement]>,
) {
    let mut out = std::io::stdout().lock();
    match a.format {
        ReportFormat::Human => {
            report(findings, sources, color);
            if let Some(p) = placements {
                let _ = out.write_all(placement::explain::summary(p).as_bytes());
            }
        }
        ReportFormat::Json => {
            let text = diag::report::json(findings, sources);
            let mut doc: serde_json::Value =
                serde_json::from_str(&text).expect("the report is JSON");
            doc["placement"] =
                serde_json::to_value(placements.unwrap_or_default()).expect("placements serialize");
            let mut text = serde_json::to_string_pretty(&doc).expect("the document serializes");
            text.push('\n');
            let _ = out.write_all(text.as_bytes());
        }
        ReportFormat::Sarif => {
            let _ = out.write_all(diag::report::sarif(findings, sources).as_bytes());
        }
        ReportFormat::Github => {
            let _ = out.write_all(diag::report::github(findings, sources).as_bytes());
        }
    }
}
