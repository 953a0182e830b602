//! `nomad-build run`: compile like `render`, then run the phases on a Nomad cluster.

use std::io::{IsTerminal, Write};

use crate::app::connect::Connect;
use crate::cli::RunArgs;
use crate::cluster::exit;
use crate::cluster::version::Check;
use crate::cluster::wait::{self, Interrupt, Options, PhaseJob};
use crate::diag::Color;

use super::terminal::Terminal;

/// Entry point of `run`.
pub(super) fn run(a: &RunArgs, color: Color) -> u8 {
    let policy = match super::load_policy(a.compile.policy.policy.as_deref(), color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let prep = match super::open(
        "nomad-build run",
        &a.file,
        None,
        &a.compile,
        a.compile.run_id.clone(),
        policy.clone(),
        color,
        "submitted",
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
    let connect = Connect::from_process(a.address.as_deref(), a.token.as_deref());
    // Not locked: the live status line (indicatif) writes to stdout from its own thread.
    let mut out = std::io::stdout();
    let client = match connect.to_run(&prep.compiled) {
        Ok(c) => {
            if let Check::Unknown(why) = &c.version {
                let _ = writeln!(out, "warning: cluster version: {why}");
            }
            c.client
        }
        Err(e) => {
            super::print_refused(&e);
            return exit::CLUSTER;
        }
    };
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
        explain: Some(prep.build_file()),
    };
    let live = std::io::stdout().is_terminal();
    let report = {
        let mut terminal = Terminal::new(&mut out, live, Some(&prep.sources), color);
        wait::run(&client, &phases, &opts, &interrupt, &mut terminal)
    };
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
