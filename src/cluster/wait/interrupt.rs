//! Ctrl-C: stop the running job, or say that it had already finished.

use super::{
    describe_error, encode, Action, Client, Note, Observer, Outcome, Phase, WriteResponse,
};

pub(super) fn interrupted(client: &Client, ph: &mut Phase<'_>, out: &mut dyn Observer) -> Outcome {
    let phase = ph.p.phase.clone();
    let terminal = ph.all_terminal() || ph.job.as_ref().is_some_and(|j| j.status == "dead");
    if terminal {
        out.note(
            &phase,
            &Note::InterruptedAfterFinish {
                job_id: ph.p.job_id.clone(),
            },
        );
        return Outcome::Interrupted;
    }
    ph.we_stopped = true;
    let stop_failed = client
        .delete::<WriteResponse>(&format!("/v1/job/{}", encode(&ph.p.job_id)), &[])
        .err()
        .map(|e| describe_error(&e, Action::Deregister, &ph.ns, &ph.p.job_id));
    out.note(
        &phase,
        &Note::InterruptStopped {
            job_id: ph.p.job_id.clone(),
            stop_failed,
        },
    );
    Outcome::Interrupted
}
