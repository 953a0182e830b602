//! The watchdog task: on targets before Nomad 2.0.3 a group's `timeout` is a prestart
//! sidecar that sleeps for the timeout, prints `timed out after …` and exits 124, so that
//! Nomad kills its siblings (`Sibling Task Failed`). When the main tasks end first, Nomad
//! stops it (`Main Tasks Dead`, then killed; it traps the signal and exits 0): that is not a
//! task result.

use std::collections::BTreeMap;
use std::time::Duration;

use super::api::TaskState;
use crate::duration::human;

/// The exit code of a watchdog that fired (and of `run` when a phase timed out).
pub const EXIT: i64 = 124;

/// Whether the watchdog's state says it fired: it exited 124 by itself, not after a kill.
pub fn fired(s: &TaskState) -> bool {
    s.state == "dead"
        && s.exit_code() == Some(EXIT)
        && !s.events.iter().any(|e| e.kind == "Killing")
}

/// Whether a task was killed because the watchdog `watchdog` fired.
pub fn stopped_by(s: &TaskState, watchdog: &str) -> bool {
    s.events
        .iter()
        .any(|e| e.kind == "Sibling Task Failed" && e.failed_sibling == watchdog)
}

/// The timeout the watchdog enforces, from its `TIMEOUT_SECONDS` environment variable.
pub fn timeout(env: &BTreeMap<String, String>) -> Option<Duration> {
    env.get("TIMEOUT_SECONDS")
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// `timed out after 20m`, or `timed out` when the timeout is unknown.
pub fn timed_out(timeout: Option<Duration>) -> String {
    match timeout {
        Some(d) => format!("timed out after {}", human(d)),
        None => "timed out".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::api::TaskEvent;

    fn event(kind: &str, exit: Option<i64>, sibling: &str) -> TaskEvent {
        let mut e = TaskEvent {
            kind: kind.to_owned(),
            failed_sibling: sibling.to_owned(),
            ..TaskEvent::default()
        };
        if let Some(c) = exit {
            e.details.insert("exit_code".to_owned(), c.to_string());
        }
        e
    }

    fn state(events: Vec<TaskEvent>) -> TaskState {
        TaskState {
            state: "dead".to_owned(),
            events,
            ..TaskState::default()
        }
    }

    #[test]
    fn a_watchdog_fired_only_when_it_exited_124_by_itself() {
        assert!(fired(&state(vec![
            event("Started", None, ""),
            event("Terminated", Some(124), "")
        ])));
        // Stopped at the end (Main Tasks Dead): it traps the signal and exits 0.
        assert!(!fired(&state(vec![
            event("Main Tasks Dead", None, ""),
            event("Killing", None, ""),
            event("Terminated", Some(0), ""),
            event("Killed", None, "")
        ])));
        // 124 after a kill is the signal's answer, not the timeout.
        assert!(!fired(&state(vec![
            event("Killing", None, ""),
            event("Terminated", Some(124), "")
        ])));
    }

    #[test]
    fn siblings_stopped_by_the_watchdog_and_the_timeout_text() {
        let s = state(vec![event("Sibling Task Failed", None, "watchdog")]);
        assert!(stopped_by(&s, "watchdog"));
        assert!(!stopped_by(&s, "checkout"));
        let env = BTreeMap::from([("TIMEOUT_SECONDS".to_owned(), "1200".to_owned())]);
        assert_eq!(timed_out(timeout(&env)), "timed out after 20m");
        assert_eq!(timed_out(None), "timed out");
    }
}
