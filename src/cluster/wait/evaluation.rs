//! Evaluations: placement failures while waiting, the placement timeout, and who stopped
//! the job.

use super::{
    api, describe_error, encode, stop, Action, Allocation, Blocked, Client, Evaluation, Note,
    Observer, Options, Outcome, Phase, Progress, StopCause, WriteResponse,
};
use std::collections::BTreeMap;

use crate::placement::explain::blocked_text;

/// Prints new placement failures (those of an evaluation whose blocked evaluation is still
/// waiting), once each, and the waiting status.
pub(super) fn show_failures(ph: &mut Phase<'_>, opts: &Options<'_>, out: &mut dyn Observer) {
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
    let mut status = None;
    let mut new = BTreeMap::new();
    for (g, m) in &e.failed_tg_allocs {
        let (eligible, pool) = m.eligible();
        status = Some(Progress::WaitingForPlacement { eligible, pool });
        // The register evaluation and its blocked evaluation usually carry the same
        // metrics: report each distinct picture once.
        let text = blocked_text(&phase, g, m);
        if ph.shown_failures.insert((g.clone(), text)) {
            new.insert(g.clone(), m.clone());
        }
    }
    if !new.is_empty() {
        // One explanation of the new failures together, as `plan` explains a phase.
        let findings = opts
            .explain
            .map_or_else(Vec::new, |file| file.findings(&phase, &new));
        out.blocked(&Blocked {
            phase: phase.clone(),
            groups: new,
            findings,
        });
        out.note(
            &phase,
            &Note::WaitingForCapacity {
                evaluation: blocked,
                timeout: opts.placement_timeout,
            },
        );
    }
    if let Some(s) = status {
        out.progress(&phase, &s);
    }
}

pub(super) fn not_placed(
    client: &Client,
    ph: &mut Phase<'_>,
    opts: &Options<'_>,
    out: &mut dyn Observer,
) -> Outcome {
    let job_id = ph.p.job_id.clone();
    ph.we_stopped = true;
    let stopped = client.delete::<WriteResponse>(&format!("/v1/job/{}", encode(&job_id)), &[]);
    let stop_failed = stopped
        .err()
        .map(|e| describe_error(&e, Action::Deregister, &ph.ns, &job_id));
    out.note(
        &ph.p.phase,
        &Note::NotPlaced {
            job_id: job_id.clone(),
            timeout: opts.placement_timeout,
            stop_failed,
        },
    );
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
