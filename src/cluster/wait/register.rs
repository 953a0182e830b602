//! Registering a phase's job and deciding how the phase ended.

use super::{
    channel, describe_error, event_loop, log_line, not_run, rows, watchdog_fired, Action, Arc,
    BTreeMap, BTreeSet, Client, Event, HashMap, Instant, Interrupt, Mutex, Note, Observer, Options,
    Outcome, Phase, PhaseJob, PoisonError, Progress, TaskRow, TaskStatus, Watchers, WriteResponse,
};

pub(super) fn run_phase(
    client: &Client,
    p: &PhaseJob,
    opts: &Options<'_>,
    interrupt: &Interrupt,
    out: &mut dyn Observer,
) -> (Outcome, Vec<TaskRow>) {
    let ns = p.namespace();
    let (tx, rx) = channel::<Event>();
    let notify_tx = Mutex::new(tx.clone());
    let client = client.clone().with_notify(Arc::new(move |n| {
        let _ = notify_tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(Event::Notice(n));
    }));
    out.phase_begins(&p.phase);
    out.progress(
        &p.phase,
        &Progress::Submitting {
            job_id: p.job_id.clone(),
        },
    );
    let submitted = Instant::now();
    let reg = match client.put::<WriteResponse>("/v1/jobs", &p.job) {
        Ok(r) => r.value,
        Err(e) => {
            out.phase_ends(&p.phase);
            let msg = describe_error(&e, Action::Register, &ns, &p.job_id);
            return (Outcome::Cluster(msg), not_run(p));
        }
    };
    out.submitted(&p.phase, &p.job_id, &reg.eval_id);
    for w in reg
        .warnings
        .lines()
        .filter_map(|l| l.trim().strip_prefix("* "))
    {
        out.note(&p.phase, &Note::NomadWarns(w.to_owned()));
    }
    if opts.detach {
        out.phase_ends(&p.phase);
        return (Outcome::Passed, not_run(p));
    }
    interrupt.wake(Some(tx.clone()));
    let watchers = Watchers::start(&client, &p.job_id, &tx);
    let mut ph = Phase {
        p,
        groups: p.groups(),
        ns,
        evals: BTreeMap::new(),
        allocs: BTreeMap::new(),
        job: None,
        tracks: HashMap::new(),
        shown_failures: BTreeSet::new(),
        we_stopped: false,
        stopped_seen: None,
        terminal_since: None,
        since: reg.eval_create_index,
        earlier_allocs: BTreeSet::new(),
        allocs_seen: false,
    };
    out.progress(&p.phase, &Progress::WaitingForScheduler);
    let deadline = submitted + opts.placement_timeout;
    let outcome = event_loop(&client, &mut ph, &rx, &tx, opts, interrupt, deadline, out);
    interrupt.wake(None);
    watchers.stop();
    for t in ph.tracks.values() {
        for f in &t.followers {
            f.stop();
        }
    }
    // Lines already sent by the followers.
    while let Ok(ev) = rx.try_recv() {
        if let Event::Log(l) = ev {
            log_line(&ph, out, &l);
        }
    }
    out.phase_ends(&p.phase);
    let rows = rows(&ph);
    let fired = watchdog_fired(&ph);
    let outcome = outcome.unwrap_or_else(|| phase_outcome(&rows, p));
    out.finished(&p.phase, &outcome, fired.as_deref());
    (outcome, rows)
}

pub(super) fn phase_outcome(rows: &[TaskRow], p: &PhaseJob) -> Outcome {
    for r in rows {
        let label = format!("{}/{}", p.phase, r.task);
        match &r.status {
            TaskStatus::Passed | TaskStatus::NotRun => {}
            TaskStatus::TimedOut(_) => return Outcome::TimedOut { label },
            TaskStatus::Failed(code) => return Outcome::TaskFailed { label, code: *code },
            TaskStatus::Lost => {
                return Outcome::Lost {
                    label,
                    why: "was lost with its allocation (the node went down)".to_owned(),
                }
            }
            TaskStatus::NoExitCode(why) => {
                return Outcome::Lost {
                    label,
                    why: format!("ended without an exit code: {why}"),
                }
            }
            TaskStatus::Stopped(_) => {
                return Outcome::Stopped {
                    job: p.job_id.clone(),
                    cause: String::new(),
                }
            }
        }
    }
    // Tasks that never ran while none failed: something else stopped the allocation.
    if let Some(r) = rows.iter().find(|r| r.status == TaskStatus::NotRun) {
        return Outcome::Lost {
            label: format!("{}/{}", p.phase, r.task),
            why: "never ran".to_owned(),
        };
    }
    Outcome::Passed
}
