//! `nomad-build status`: explain the state of a job, read-only.

use std::io::Write;

use crate::app::connect::Connect;
use crate::cli::{CompileArgs, StatusArgs};
use crate::cluster::status::{self, State};
use crate::cluster::{api, exit};
use crate::diag::Color;

/// Entry point of `status`.
pub(super) fn run(a: &StatusArgs, color: Color) -> u8 {
    if a.job.is_none() && a.run_id.is_none() {
        eprintln!("error: give a JOB_ID, or --run-id with the build.hcl\n\nhint: nomad-build status hello-build-3f2a1c9");
        return 2;
    }
    // The build.hcl is needed for --run-id, and optional with a job ID.
    let with_file = a.run_id.is_some() || a.file.exists();
    let prep = if with_file {
        let run_id = a.run_id.clone().or_else(|| Some("status".to_owned()));
        let args = CompileArgs {
            vars: a.vars.clone(),
            ..CompileArgs::default()
        };
        match super::open(
            "nomad-build status",
            &a.file,
            None,
            &args,
            run_id,
            None,
            color,
            "submitted",
        ) {
            Ok(p) => Some(p),
            Err(code) if a.run_id.is_some() => return code,
            Err(_) => None,
        }
    } else {
        None
    };
    let jobs: Vec<String> = match (&a.job, &prep) {
        (Some(j), _) => vec![j.clone()],
        (None, Some(p)) => p
            .compiled
            .phases
            .iter()
            .filter_map(|r| r.job.job.id.clone())
            .collect(),
        (None, None) => return 1,
    };
    let first = prep.as_ref().map(|p| &p.compiled.phases[0].job.job);
    let namespace = a
        .namespace
        .clone()
        .or_else(|| first.and_then(|j| j.namespace.clone()));
    let region = first.and_then(|j| j.region.clone());
    let connect = Connect::from_process(a.address.as_deref(), a.token.as_deref());
    let client = match connect.client(namespace.as_deref(), region.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            super::print_refused(&e);
            return exit::CLUSTER;
        }
    };
    let mut out = std::io::stdout().lock();
    let mut code = 0;
    for (i, job) in jobs.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out);
        }
        // Map to the file only when the job was compiled from exactly this build.hcl.
        let source = match client.get::<api::Job>(
            &format!("/v1/job/{}", crate::cluster::client::encode(job)),
            &[],
            None,
        ) {
            Ok(r) => r.value.meta.get("nomad-build.source").cloned(),
            // An answer (a missing job, a refused token) is explained below; a cluster that
            // cannot be reached is not asked again (each request would wait its deadline).
            Err(e) if e.status().is_some() => None,
            Err(e) => {
                let _ = out.flush();
                eprintln!("error: {e}");
                return exit::CLUSTER;
            }
        };
        let matching = match (&prep, &source) {
            (Some(p), Some(s)) => *s == p.source_sha256(),
            _ => false,
        };
        let explain = prep
            .as_ref()
            .filter(|_| matching)
            .map(crate::app::Opened::build_file);
        match status::explain(&client, job, explain, color, &mut out) {
            Ok(
                State::Stopped(_)
                | State::Running
                | State::Complete
                | State::Failed
                | State::Pending
                | State::Empty,
            ) => {}
            Err(e) if e.contains("not found") => {
                let _ = out.flush();
                eprintln!("error: {e}");
                code = code.max(1);
            }
            Err(e) => {
                let _ = out.flush();
                eprintln!("error: {e}");
                code = exit::CLUSTER;
            }
        }
    }
    code
}
