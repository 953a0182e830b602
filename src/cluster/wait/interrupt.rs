//! Ctrl-C: stop the running job, or say that it had already finished.

use super::{describe_error, encode, Action, Client, Out, Outcome, Phase, WriteResponse};

pub(super) fn interrupted(client: &Client, ph: &mut Phase<'_>, out: &mut Out<'_>) -> Outcome {
    let phase = ph.p.phase.clone();
    let terminal = ph.all_terminal() || ph.job.as_ref().is_some_and(|j| j.status == "dead");
    if terminal {
        out.line(&format!(
            "interrupted: job {} ({phase}) had already finished; nothing was stopped",
            ph.p.job_id
        ));
        return Outcome::Interrupted;
    }
    ph.we_stopped = true;
    match client.delete::<WriteResponse>(&format!("/v1/job/{}", encode(&ph.p.job_id)), &[]) {
        Ok(_) => out.line(&format!(
            "interrupted: stopped job {} ({phase}); it was not purged, so `nomad job status {}` still shows it",
            ph.p.job_id, ph.p.job_id
        )),
        Err(e) => out.line(&format!(
            "interrupted: could not stop job {} ({phase}): {}",
            ph.p.job_id,
            describe_error(&e, Action::Deregister, &ph.ns, &ph.p.job_id)
        )),
    }
    Outcome::Interrupted
}
