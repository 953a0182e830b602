//! Evaluations: placement failures while waiting, the placement timeout, and who stopped
//! the job.

use super::{
    api, describe_error, encode, short, stop, Action, Allocation, Client, Evaluation, Options, Out,
    Outcome, Phase, StopCause, WriteResponse,
};
use std::collections::BTreeMap;

use crate::duration::human;
use crate::placement::explain::blocked_text;
use crate::text::plural;

/// Prints new placement failures (those of an evaluation whose blocked evaluation is still
/// waiting), once each, and the waiting status.
pub(super) fn show_failures(ph: &mut Phase<'_>, opts: &Options<'_>, out: &mut Out<'_>) {
    let phase = ph.p.phase.clone();
    // The failures that still hold: those of a blocked evaluation, or of an evaluation whose
    // blocked evaluation still waits. A later successful evaluation cancels blocked ones.
    let waiting = |e: &Evaluation| {
        e.status == "blocked"
            || (!e.blocked_eval.is_empty()
                && ph
                    .evals
                    .get(&e.blocked_eval)
                    .is_none_or(|b| !b.is_terminal()))
    };
    let latest = ph
        .evals
        .values()
        .filter(|e| !e.failed_tg_allocs.is_empty() && waiting(e))
        .max_by_key(|e| (e.modify_index, e.create_index));
    let Some(e) = latest else { return };
    let blocked = if e.status == "blocked" {
        e.id.clone()
    } else {
        e.blocked_eval.clone()
    };
    let mut lines = Vec::new();
    let mut status = None;
    let mut new = BTreeMap::new();
    for (g, m) in &e.failed_tg_allocs {
        let (ok, pool) = m.eligible();
        status = Some(format!(
            "{phase}: waiting for placement — {ok} of {} eligible",
            plural(pool, "node")
        ));
        // The register evaluation and its blocked evaluation usually carry the same
        // metrics: print each distinct picture once.
        let text = blocked_text(&phase, g, m);
        if ph.shown_failures.insert((g.clone(), text.clone())) {
            lines.push(text);
            new.insert(g.clone(), m.clone());
        }
    }
    if let Some(file) = opts.explain.as_ref().filter(|_| !new.is_empty()) {
        let f = file.findings(&phase, &new);
        if !f.is_empty() {
            lines.push(file.render(&f, opts.color));
        }
    }
    if !lines.is_empty() {
        lines.push(format!(
            "{phase}: evaluation {} is waiting for capacity; giving up after {} (--placement-timeout)",
            short(&blocked),
            human(opts.placement_timeout)
        ));
    }
    for l in lines {
        out.text(&l);
    }
    if let Some(s) = status {
        out.status(s, true);
    }
}

pub(super) fn not_placed(
    client: &Client,
    ph: &mut Phase<'_>,
    opts: &Options<'_>,
    out: &mut Out<'_>,
) -> Outcome {
    let phase = ph.p.phase.clone();
    let job_id = ph.p.job_id.clone();
    ph.we_stopped = true;
    let stopped = client.delete::<WriteResponse>(&format!("/v1/job/{}", encode(&job_id)), &[]);
    let waited = human(opts.placement_timeout);
    match stopped {
        Ok(_) => out.line(&format!(
            "{phase}: not placed within {waited} (--placement-timeout); stopped job {job_id} so that it cannot start later"
        )),
        Err(e) => out.line(&format!(
            "{phase}: not placed within {waited} (--placement-timeout); stopping job {job_id} failed: {}",
            describe_error(&e, Action::Deregister, &ph.ns, &job_id)
        )),
    }
    Outcome::NotPlaced { job: job_id }
}

pub(super) fn stop_cause(client: &Client, ph: &Phase<'_>) -> StopCause {
    let id = encode(&ph.p.job_id);
    let job = ph.job.clone().unwrap_or_default();
    let versions = client
        .get::<api::JobVersions>(&format!("/v1/job/{id}/versions"), &[], None)
        .map(|r| r.value.versions)
        .unwrap_or_default();
    let evals: Vec<Evaluation> = ph.evals.values().cloned().collect();
    let allocs: Vec<Allocation> = ph.allocs.values().cloned().collect();
    stop::classify_stop(&job, &versions, &evals, &allocs)
}
