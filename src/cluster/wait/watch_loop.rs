//! The watcher threads (blocking queries on the job, its evaluations and allocations) and
//! the main loop that reacts to what they and the log followers report.

use super::{
    check_dead_tasks, describe_error, encode, interrupted, log_line, not_placed, short,
    show_failures, stop_cause, update_tasks, Action, Allocation, ApiError, Arc, AtomicBool, Client,
    DeserializeOwned, Duration, Evaluation, Event, Instant, Interrupt, Job, LogEvent, Notice,
    Options, Ordering, Out, Outcome, Phase, Receiver, RecvTimeoutError, Sender, LOG_GRACE,
    STOP_GRACE, WAIT,
};
use crate::duration::seconds;

pub(super) struct Watchers {
    clients: Vec<Client>,
    stop: Arc<AtomicBool>,
}

impl Watchers {
    pub(super) fn start(client: &Client, job_id: &str, tx: &Sender<Event>) -> Watchers {
        let stop = Arc::new(AtomicBool::new(false));
        let id = encode(job_id);
        let mut clients = Vec::new();
        let mut spawn = |path: String, kind: u8| {
            let c = client.detached();
            clients.push(c.clone());
            let tx = tx.clone();
            let stop = stop.clone();
            std::thread::spawn(move || match kind {
                0 => watch::<Job>(&c, &path, &tx, &stop, |j| Event::Job(Some(j))),
                1 => watch::<Vec<Evaluation>>(&c, &path, &tx, &stop, Event::Evals),
                _ => watch::<Vec<Allocation>>(&c, &path, &tx, &stop, Event::Allocs),
            });
        };
        spawn(format!("/v1/job/{id}"), 0);
        spawn(format!("/v1/job/{id}/evaluations"), 1);
        spawn(format!("/v1/job/{id}/allocations"), 2);
        Watchers { clients, stop }
    }

    pub(super) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        for c in &self.clients {
            c.cancel();
        }
    }
}

pub(super) fn watch<T: DeserializeOwned>(
    client: &Client,
    path: &str,
    tx: &Sender<Event>,
    stop: &AtomicBool,
    wrap: fn(T) -> Event,
) {
    let mut index = 0u64;
    while !stop.load(Ordering::SeqCst) {
        // `index=0` does not block; a table never written has index 0, so never ask for 0
        // again once answered.
        let block = (index > 0).then_some((index, WAIT));
        match client.get::<T>(path, &[], block) {
            Ok(r) => {
                if (index == 0 || r.index != index) && tx.send(wrap(r.value)).is_err() {
                    return;
                }
                index = r.index.max(1);
            }
            Err(ApiError::Cancelled) => return,
            Err(e) if e.status() == Some(404) => {
                if tx.send(Event::Job(None)).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => {
                if !stop.load(Ordering::SeqCst) {
                    let _ = tx.send(Event::WatchFailed(e));
                }
                return;
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn event_loop(
    client: &Client,
    ph: &mut Phase<'_>,
    rx: &Receiver<Event>,
    tx: &Sender<Event>,
    opts: &Options<'_>,
    interrupt: &Interrupt,
    deadline: Instant,
    out: &mut Out<'_>,
) -> Option<Outcome> {
    let phase = ph.p.phase.clone();
    let job_id = ph.p.job_id.clone();
    if interrupt.is_set() {
        let _ = tx.send(Event::Interrupt);
    }
    loop {
        let now = Instant::now();
        let wait = if ph.all_placed() {
            Duration::from_secs(1)
        } else {
            deadline
                .saturating_duration_since(now)
                .min(Duration::from_secs(1))
        };
        match rx.recv_timeout(wait) {
            Ok(Event::Evals(v)) => {
                for e in v.into_iter().filter(|e| e.create_index >= ph.since) {
                    ph.evals.insert(e.id.clone(), e);
                }
                show_failures(ph, opts, out);
            }
            Ok(Event::Allocs(v)) => {
                ph.allocs_seen = true;
                for a in v {
                    // Allocations of an earlier run of the same job are not this run's.
                    if a.create_index < ph.since {
                        ph.earlier_allocs.insert(a.id.clone());
                        continue;
                    }
                    if !ph.allocs.contains_key(&a.id) {
                        let node = if a.node_name.is_empty() {
                            short(&a.node_id).to_owned()
                        } else {
                            a.node_name.clone()
                        };
                        out.line(&format!(
                            "{phase}: allocation {} placed on node {node} (task group {})",
                            a.short_id(),
                            a.task_group
                        ));
                    }
                    ph.allocs.insert(a.id.clone(), a);
                }
                update_tasks(client, ph, tx, out);
            }
            Ok(Event::Job(j)) => {
                if j.as_ref().is_some_and(|j| j.stop) && ph.stopped_seen.is_none() && !ph.we_stopped
                {
                    ph.stopped_seen = Some(Instant::now());
                    if !ph.allocs.is_empty() {
                        out.line(&format!(
                            "{phase}: job {job_id} was stopped, and not by this run"
                        ));
                    }
                }
                if j.is_none() && ph.job.is_some() {
                    return Some(Outcome::Stopped {
                        job: job_id.clone(),
                        cause: "the job was purged (deleted) while it ran; its exit codes are gone"
                            .to_owned(),
                    });
                }
                if j.is_some() {
                    ph.job = j;
                }
            }
            Ok(Event::Log(l)) => {
                log_line(out, &l);
                if let LogEvent::Done { alloc, task, .. } = &l {
                    if let Some(t) = ph.tracks.get_mut(&(alloc.clone(), task.clone())) {
                        t.finished += 1;
                    }
                    check_dead_tasks(client, ph, out);
                }
            }
            Ok(Event::Notice(Notice::Retrying(e))) => {
                out.line(&format!("cluster: {}; retrying", e.short()));
            }
            Ok(Event::Notice(Notice::Recovered(d))) => {
                out.line(&format!("cluster: answering again after {}", seconds(d)));
            }
            Ok(Event::WatchFailed(e)) => {
                return Some(Outcome::Cluster(format!(
                    "{}; job {job_id} may still be running",
                    describe_error(&e, Action::ReadJob, &ph.ns, &job_id)
                )));
            }
            Ok(Event::Interrupt) => return Some(interrupted(client, ph, out)),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Some(Outcome::Cluster(
                    "internal: event channel closed".to_owned(),
                ))
            }
        }
        // Timers.
        let now = Instant::now();
        for t in ph.tracks.values() {
            for f in &t.followers {
                if !f.is_done() && f.stalled() {
                    f.reconnect();
                }
            }
        }
        check_dead_tasks(client, ph, out);
        // Decisions.
        if let Some(since) = ph.stopped_seen {
            let settled = ph.allocs.is_empty()
                || (ph.final_allocs().iter().all(|a| a.client_terminal()) && ph.all_reported());
            let register_done = ph
                .evals
                .values()
                .any(|e| e.triggered_by == "job-register" && e.is_terminal());
            if (settled && (register_done || !ph.allocs.is_empty())) || since.elapsed() > STOP_GRACE
            {
                let cause = stop_cause(client, ph);
                out.line(&format!("{phase}: {}", cause.describe()));
                return Some(Outcome::Stopped {
                    job: job_id.clone(),
                    cause: cause.describe(),
                });
            }
            continue;
        }
        if ph.all_terminal() {
            let since = *ph.terminal_since.get_or_insert(now);
            if ph.all_reported() {
                return None;
            }
            if since.elapsed() > LOG_GRACE {
                for t in ph.tracks.values() {
                    for f in &t.followers {
                        f.stop();
                    }
                }
                out.line(&format!(
                    "{phase}: stopped waiting for the rest of the logs after {}",
                    seconds(LOG_GRACE)
                ));
                return None;
            }
        }
        if let Some(j) = &ph.job {
            let register_done = ph.evals.values().any(|e| {
                e.triggered_by == "job-register" && e.is_terminal() && e.failed_tg_allocs.is_empty()
            });
            // The job, evaluation and allocation watchers answer in any order: decide once
            // the allocations were read, so that an earlier run's are known.
            if j.status == "dead"
                && ph.allocs_seen
                && ph.allocs.is_empty()
                && register_done
                && !j.stop
            {
                let why = if ph.earlier_allocs.is_empty() {
                    format!("placed nothing: job {job_id} is dead without allocations (is a task group's count 0?)")
                } else {
                    format!(
                        "placed nothing: job {job_id} already ran with this exact spec, and Nomad keeps a batch job's finished allocations instead of running it again; use another --run-id, or purge the job (`nomad job stop -purge {job_id}`)"
                    )
                };
                return Some(Outcome::Lost {
                    label: phase.clone(),
                    why,
                });
            }
        }
        if ph.all_placed() {
            let tasks: usize = ph.groups.iter().map(|g| g.tasks.len()).sum();
            let done = ph
                .final_allocs()
                .iter()
                .flat_map(|a| a.task_states.values())
                .filter(|t| t.state == "dead")
                .count();
            out.status(
                format!("{phase}: running — {done} of {tasks} tasks finished"),
                false,
            );
        } else if now >= deadline {
            return Some(not_placed(client, ph, opts, out));
        }
    }
}
