//! Allocations: the summary rows and how each task ended (watchdog-aware).

use super::{
    api, column, short, watchdog, Allocation, GroupSpec, Phase, TaskRow, TaskStatus, WatchdogSpec,
};

pub(super) fn rows(ph: &Phase<'_>) -> Vec<TaskRow> {
    let several = ph.groups.len() > 1;
    let finals = ph.final_allocs();
    let externally_stopped = ph.stopped_seen.is_some();
    let mut rows = Vec::new();
    for g in &ph.groups {
        let alloc = finals.iter().find(|a| a.task_group == g.name);
        // Without an allocation the watchdog has no state worth a row.
        let tasks: Vec<&String> = g
            .tasks
            .iter()
            .filter(|t| alloc.is_some() || !g.is_watchdog(t))
            .collect();
        for t in tasks {
            let mut row = TaskRow {
                phase: ph.p.phase.clone(),
                task: column(&g.name, t, several),
                group: g.name.clone(),
                name: (*t).clone(),
                status: TaskStatus::NotRun,
                duration: None,
                alloc: String::new(),
                node: String::new(),
            };
            if let Some(a) = alloc {
                a.short_id().clone_into(&mut row.alloc);
                row.node = if a.node_name.is_empty() {
                    short(&a.node_id).to_owned()
                } else {
                    a.node_name.clone()
                };
                if let Some(s) = a.task_states.get(t) {
                    row.duration = s.duration();
                    row.status = task_status(a, s, externally_stopped);
                    // Still running when this run stopped the job (Ctrl-C).
                    if ph.we_stopped && s.state == "running" {
                        row.status = TaskStatus::Stopped(None);
                    }
                } else if a.client_status == "lost" {
                    row.status = TaskStatus::Lost;
                }
            }
            rows.push(row);
        }
        if let (Some(w), Some(a)) = (&g.watchdog, alloc) {
            watchdog_rows(&mut rows, g, w, a, several);
        }
    }
    rows
}

/// The watchdog of group `g` is not a task result: when it fired, the siblings it had
/// Nomad kill timed out; otherwise its row goes, unless it failed by itself.
pub(super) fn watchdog_rows(
    rows: &mut Vec<TaskRow>,
    g: &GroupSpec,
    w: &WatchdogSpec,
    a: &Allocation,
    several: bool,
) {
    let name = column(&g.name, &w.task, several);
    let first = rows.len() - g.tasks.len();
    let Some(state) = a.task_states.get(&w.task) else {
        remove_row(rows, first, &name);
        return;
    };
    if watchdog::fired(state) {
        let mut any = false;
        for (row, t) in rows[first..].iter_mut().zip(&g.tasks) {
            let stopped = a
                .task_states
                .get(t)
                .is_some_and(|s| watchdog::stopped_by(s, &w.task) && s.started());
            if t != &w.task && stopped {
                let code = a.task_states.get(t).and_then(api::TaskState::exit_code);
                row.status = TaskStatus::TimedOut(code);
                any = true;
            }
        }
        if any {
            remove_row(rows, first, &name);
        } else if let Some(r) = rows[first..].iter_mut().find(|r| r.task == name) {
            r.status = TaskStatus::TimedOut(Some(watchdog::EXIT));
        }
        return;
    }
    let keep = rows[first..].iter().any(|r| {
        r.task == name && matches!(r.status, TaskStatus::Failed(_) | TaskStatus::NoExitCode(_))
    });
    if !keep {
        remove_row(rows, first, &name);
    }
}

pub(super) fn remove_row(rows: &mut Vec<TaskRow>, first: usize, name: &str) {
    if let Some(i) = rows[first..].iter().position(|r| r.task == name) {
        rows.remove(first + i);
    }
}

/// `timed out after 20m` when a watchdog of the phase fired.
pub(super) fn watchdog_fired(ph: &Phase<'_>) -> Option<String> {
    let finals = ph.final_allocs();
    ph.groups.iter().find_map(|g| {
        let w = g.watchdog.as_ref()?;
        let a = finals.iter().find(|a| a.task_group == g.name)?;
        let s = a.task_states.get(&w.task)?;
        watchdog::fired(s).then(|| watchdog::timed_out(w.timeout))
    })
}

pub(super) fn task_status(a: &Allocation, s: &api::TaskState, stopped: bool) -> TaskStatus {
    let code = s.exit_code();
    let killed_by_timeout = s
        .events
        .iter()
        .any(|e| e.kind == "Killing" && e.display_message == api::MAX_RUN_DURATION_EXCEEDED);
    if a.client_status == "lost" && s.state != "dead" {
        return TaskStatus::Lost;
    }
    if s.state != "dead" {
        return if a.client_status == "lost" {
            TaskStatus::Lost
        } else {
            TaskStatus::NotRun
        };
    }
    if killed_by_timeout || (a.timed_out() && code != Some(0)) {
        return TaskStatus::TimedOut(code);
    }
    if stopped && s.events.iter().any(|e| e.kind == "Killing") {
        return TaskStatus::Stopped(code);
    }
    if !s.started() {
        // The most specific reason: the failure itself, before the restart decision.
        let specific = [
            "Driver Failure",
            "Failed Validation",
            "Setup Failure",
            "Failed Artifact Download",
            "Task hook failed",
        ];
        let event = s
            .events
            .iter()
            .rev()
            .find(|e| specific.contains(&e.kind.as_str()))
            .or_else(|| s.events.iter().rev().find(|e| e.fails_task));
        if s.events.iter().any(|e| e.kind == "Sibling Task Failed") && event.is_none() {
            return TaskStatus::NotRun;
        }
        let why = event.map(|e| format!("{}: {}", e.kind, e.text()));
        return match why {
            Some(w) => TaskStatus::NoExitCode(w),
            None => TaskStatus::NotRun,
        };
    }
    match code {
        Some(0) if !s.failed => TaskStatus::Passed,
        Some(0) | None => {
            let why = s
                .events
                .iter()
                .rev()
                .find(|e| e.fails_task || e.kind == "Killing" || e.kind == "Killed")
                .map_or_else(
                    || "no Terminated event".to_owned(),
                    |e| format!("{}: {}", e.kind, e.text()),
                );
            if s.failed || code.is_none() {
                TaskStatus::NoExitCode(why)
            } else {
                TaskStatus::Passed
            }
        }
        Some(c) => TaskStatus::Failed(c),
    }
}
