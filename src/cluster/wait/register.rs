//! Registering a phase's job and deciding how the phase ended.

use super::{
    channel, describe_error, event_loop, log_line, not_run, rows, short, watchdog_fired, Action,
    Arc, BTreeMap, BTreeSet, Client, Event, HashMap, Instant, Interrupt, Mutex, Options, Out,
    Outcome, Phase, PhaseJob, PoisonError, TaskRow, TaskStatus, Watchers, WriteResponse,
};

pub(super) fn run_phase(
    client: &Client,
    p: &PhaseJob,
    opts: &Options<'_>,
    interrupt: &Interrupt,
    out: &mut Out<'_>,
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
    out.start_bar(opts.live);
    out.status(format!("{}: submitting {}", p.phase, p.job_id), false);
    let submitted = Instant::now();
    let reg = match client.put::<WriteResponse>("/v1/jobs", &p.job) {
        Ok(r) => r.value,
        Err(e) => {
            out.end_bar();
            let msg = describe_error(&e, Action::Register, &ns, &p.job_id);
            return (Outcome::Cluster(msg), not_run(p));
        }
    };
    out.line(&format!(
        "{}: registered job {} (evaluation {})",
        p.phase,
        p.job_id,
        short(&reg.eval_id)
    ));
    for w in reg
        .warnings
        .lines()
        .filter_map(|l| l.trim().strip_prefix("* "))
    {
        out.line(&format!("{}: Nomad warns: {w}", p.phase));
    }
    if opts.detach {
        out.end_bar();
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
    out.status(format!("{}: waiting for the scheduler", p.phase), false);
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
            log_line(out, &l);
        }
    }
    out.end_bar();
    let rows = rows(&ph);
    let fired = watchdog_fired(&ph);
    let outcome = outcome.unwrap_or_else(|| phase_outcome(&rows, p));
    match &outcome {
        Outcome::Passed => out.line(&format!("{}: passed", p.phase)),
        Outcome::TaskFailed { label, code } => {
            out.line(&format!(
                "{}: failed: {label} exited with code {code}",
                p.phase
            ));
        }
        Outcome::TimedOut { label } => match &fired {
            Some(timed_out) => out.line(&format!(
                "{}: failed: {timed_out}: the watchdog task stopped {label}",
                p.phase
            )),
            None => out.line(&format!(
                "{}: failed: {label} was stopped by its timeout (max_run_duration)",
                p.phase
            )),
        },
        Outcome::Lost { label, why } => out.line(&format!("{}: failed: {label} {why}", p.phase)),
        _ => {}
    }
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
