//! Task events and log lines, in order: a dead task's ending events wait for its logs.

use super::{
    api, encode, Allocation, Client, Duration, Event, FileInfo, Follower, Instant, LogEvent, Note,
    Observer, Phase, Sender, Stream, TaskRef, TaskTrack,
};

pub(super) fn log_line(ph: &Phase<'_>, out: &mut dyn Observer, l: &LogEvent) {
    match l {
        LogEvent::Line {
            label,
            stream,
            text,
        } => {
            let (group, task) = ph.task_of(label).unwrap_or_default();
            let task = TaskRef {
                phase: &ph.p.phase,
                group,
                task,
                label,
            };
            out.log_line(&task, *stream, text);
        }
        LogEvent::Resumed { .. } | LogEvent::Failed { .. } => out.log_trouble(l),
        LogEvent::Done { .. } => {}
    }
}

pub(super) fn update_tasks(
    client: &Client,
    ph: &mut Phase<'_>,
    tx: &Sender<Event>,
    out: &mut dyn Observer,
) {
    let mut allocs: Vec<Allocation> = ph.allocs.values().cloned().collect();
    allocs.sort_by_key(|a| a.create_index);
    for a in &allocs {
        let Some(g) = ph.groups.iter().find(|g| g.name == a.task_group).cloned() else {
            continue;
        };
        for t in &g.tasks {
            let Some(state) = a.task_states.get(t) else {
                continue;
            };
            let label = ph.label(&g.name, t);
            let key = (a.id.clone(), t.clone());
            let track = ph.tracks.entry(key).or_default();
            track.quiet = g.is_watchdog(t);
            if state.started() && track.followers.is_empty() && !track.reported {
                for s in [Stream::Stdout, Stream::Stderr] {
                    track.followers.push(Follower::start(
                        client,
                        &a.id,
                        t,
                        s,
                        label.clone(),
                        tx.clone(),
                        Event::Log,
                    ));
                }
            }
            if state.state == "dead" && track.dead_since.is_none() {
                track.dead_since = Some(Instant::now());
            }
            // The ending events of a dead task wait until its logs are complete.
            if !track.reported {
                let task = TaskRef {
                    phase: &ph.p.phase,
                    group: &g.name,
                    task: t,
                    label: &label,
                };
                print_events(out, &task, state, track, state.state != "dead");
            }
        }
    }
    check_dead_tasks(client, ph, out);
}

/// Events that end a task: from the first of them after the last start, a dead task's
/// events wait until its logs are complete, so that they come after its last line.
pub(super) const ENDING: &[&str] = &[
    "Terminated",
    "Killed",
    "Not Restarting",
    "Sibling Task Failed",
    "Driver Failure",
    "Failed Validation",
    "Setup Failure",
    "Failed Artifact Download",
];

pub(super) fn print_events(
    out: &mut dyn Observer,
    task: &TaskRef<'_>,
    state: &api::TaskState,
    track: &mut TaskTrack,
    all: bool,
) {
    let mut events: &[api::TaskEvent] = &state.events;
    if !all {
        let start = events
            .iter()
            .rposition(|e| e.kind == "Started")
            .unwrap_or(0);
        let end = events[start..]
            .iter()
            .position(|e| ENDING.contains(&e.kind.as_str()))
            .map_or(events.len(), |i| start + i);
        events = &events[..end];
    }
    let since = track.last_event;
    for e in events.iter().filter(|e| e.time > since) {
        track.last_event = e.time;
        if track.quiet || matches!(e.kind.as_str(), "Received" | "Task Setup") {
            continue;
        }
        out.task_state(task, e);
    }
}

/// For dead tasks: tell the followers the final sizes; once they are done, print the
/// remaining events and mark the task reported.
pub(super) fn check_dead_tasks(client: &Client, ph: &mut Phase<'_>, out: &mut dyn Observer) {
    let allocs: Vec<Allocation> = ph.allocs.values().cloned().collect();
    for a in &allocs {
        let Some(g) = ph.groups.iter().find(|g| g.name == a.task_group).cloned() else {
            continue;
        };
        if a.client_status == "lost" {
            // The node is gone: no more logs or task updates will come from it.
            let mut first = false;
            for t in &g.tasks {
                if let Some(track) = ph.tracks.get_mut(&(a.id.clone(), t.clone())) {
                    for f in &track.followers {
                        f.stop();
                    }
                    first |= !track.reported;
                    track.reported = true;
                }
            }
            if first {
                let why = if a.desired_description.is_empty() {
                    "its node is down".to_owned()
                } else {
                    a.desired_description.clone()
                };
                out.note(
                    &ph.p.phase,
                    &Note::AllocationLost {
                        alloc: a.short_id().to_owned(),
                        why,
                    },
                );
            }
            continue;
        }
        let mut sizes: Option<Vec<FileInfo>> = None;
        for t in &g.tasks {
            let Some(state) = a.task_states.get(t) else {
                continue;
            };
            if state.state != "dead" {
                continue;
            }
            let label = ph.label(&g.name, t);
            let Some(track) = ph.tracks.get_mut(&(a.id.clone(), t.clone())) else {
                continue;
            };
            if track.reported {
                continue;
            }
            if !track.sized && !track.followers.is_empty() {
                track.sized = true;
                if sizes.is_none() {
                    let path = format!("/v1/client/fs/ls/{}", encode(&a.id));
                    sizes = Some(
                        client
                            .get::<Vec<FileInfo>>(&path, &[("path", "alloc/logs")], None)
                            .map(|r| r.value)
                            .unwrap_or_default(),
                    );
                }
                let files = sizes.as_deref().unwrap_or_default();
                for (i, f) in track.followers.iter().enumerate() {
                    let stream = if i == 0 {
                        Stream::Stdout
                    } else {
                        Stream::Stderr
                    };
                    let prefix = format!("{t}.{}.", stream.name());
                    let matching: Vec<&FileInfo> = files
                        .iter()
                        .filter(|i| {
                            !i.is_dir
                                && i.name
                                    .strip_prefix(&prefix)
                                    .is_some_and(|n| n.parse::<u64>().is_ok())
                        })
                        .collect();
                    if matching.is_empty() {
                        // Sizes unknown (no such file, or the listing failed): take what
                        // arrives within two seconds, as `nomad alloc logs -f` users do.
                        continue;
                    }
                    f.finish_at(matching.iter().map(|i| i.size).sum());
                }
            }
            let fallback = track
                .dead_since
                .is_some_and(|d| d.elapsed() > Duration::from_secs(2));
            if fallback {
                for f in track.followers.iter().filter(|f| !f.finishing()) {
                    f.stop();
                }
            }
            if track.finished >= track.followers.len() {
                let task = TaskRef {
                    phase: &ph.p.phase,
                    group: &g.name,
                    task: t,
                    label: &label,
                };
                print_events(out, &task, state, track, true);
                track.reported = true;
            }
        }
    }
}
