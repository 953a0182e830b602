//! The terminal observer of `run`: words each event of the run as one or more lines on
//! standard output, above a live status line when standard output is a terminal.

use std::io::Write;
use std::time::Duration;

use crate::cluster::api::{short, Allocation, TaskEvent};
use crate::cluster::logs::{LogEvent, Stream};
use crate::cluster::wait::{Blocked, Note, Observer, Outcome, Progress, TaskRef};
use crate::diag::{self, Color, Sources};
use crate::duration::{human, seconds};
use crate::placement::explain::blocked_text;
use crate::text::plural;

/// Lines on a writer, and the live status line (indicatif) when `live`.
pub struct Terminal<'a> {
    w: &'a mut dyn Write,
    live: bool,
    bar: Option<indicatif::ProgressBar>,
    status: String,
    /// The sources blocked placements' findings point into.
    sources: Option<&'a Sources>,
    color: Color,
}

impl<'a> Terminal<'a> {
    /// Lines on `w`; a live status line when `live`; blocked placements' findings rendered
    /// against `sources`.
    pub fn new(
        w: &'a mut dyn Write,
        live: bool,
        sources: Option<&'a Sources>,
        color: Color,
    ) -> Terminal<'a> {
        Terminal {
            w,
            live,
            bar: None,
            status: String::new(),
            sources,
            color,
        }
    }

    fn line(&mut self, s: &str) {
        let Terminal { w, bar, .. } = self;
        let mut write = || {
            let _ = writeln!(w, "{s}");
            let _ = w.flush();
        };
        match bar {
            Some(b) => b.suspend(write),
            None => write(),
        }
    }

    fn text(&mut self, s: &str) {
        for l in s.trim_end_matches('\n').split('\n') {
            self.line(l);
        }
    }

    /// A status: the live line on a terminal; a plain line (when it changed) when `plain`.
    fn status(&mut self, s: String, plain: bool) {
        if s == self.status {
            return;
        }
        match &self.bar {
            Some(b) => b.set_message(s.clone()),
            None if plain => self.line(&s),
            None => {}
        }
        self.status = s;
    }
}

impl Observer for Terminal<'_> {
    fn phase_begins(&mut self, _phase: &str) {
        if self.live {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stdout(),
            );
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            self.bar = Some(bar);
        }
        self.status.clear();
    }

    fn progress(&mut self, phase: &str, progress: &Progress) {
        match progress {
            Progress::Submitting { job_id } => {
                self.status(format!("{phase}: submitting {job_id}"), false);
            }
            Progress::WaitingForScheduler => {
                self.status(format!("{phase}: waiting for the scheduler"), false);
            }
            Progress::WaitingForPlacement { eligible, pool } => self.status(
                format!(
                    "{phase}: waiting for placement — {eligible} of {} eligible",
                    plural(*pool, "node")
                ),
                true,
            ),
            Progress::Running { done, tasks } => self.status(
                format!("{phase}: running — {done} of {tasks} tasks finished"),
                false,
            ),
        }
    }

    fn submitted(&mut self, phase: &str, job_id: &str, evaluation: &str) {
        self.line(&format!(
            "{phase}: registered job {job_id} (evaluation {})",
            short(evaluation)
        ));
    }

    fn placed(&mut self, phase: &str, a: &Allocation) {
        let node = if a.node_name.is_empty() {
            short(&a.node_id).to_owned()
        } else {
            a.node_name.clone()
        };
        self.line(&format!(
            "{phase}: allocation {} placed on node {node} (task group {})",
            a.short_id(),
            a.task_group
        ));
    }

    fn task_state(&mut self, task: &TaskRef<'_>, e: &TaskEvent) {
        let text = e.text();
        if text.is_empty() {
            self.line(&format!("{}: {}", task.label, e.kind));
        } else {
            self.line(&format!("{}: {}: {text}", task.label, e.kind));
        }
    }

    fn log_line(&mut self, task: &TaskRef<'_>, stream: Stream, text: &str) {
        let mark = match stream {
            Stream::Stdout => '|',
            Stream::Stderr => '!',
        };
        self.line(&format!("{} {mark} {text}", task.label));
    }

    fn log_trouble(&mut self, event: &LogEvent) {
        match event {
            LogEvent::Resumed {
                label,
                stream,
                offset,
                reason,
            } => self.line(&format!(
                "{label}: {} stream interrupted ({reason}); resumed at byte {offset}",
                stream.name()
            )),
            LogEvent::Failed {
                label,
                stream,
                reason,
            } => self.line(&format!("{label}: cannot read {}: {reason}", stream.name())),
            LogEvent::Line { .. } | LogEvent::Done { .. } => {}
        }
    }

    fn blocked(&mut self, b: &Blocked) {
        for (group, metric) in &b.groups {
            self.text(&blocked_text(&b.phase, group, metric));
        }
        if let (false, Some(sources)) = (b.findings.is_empty(), self.sources) {
            let rendered: String = b
                .findings
                .iter()
                .map(|f| diag::render(f, sources, self.color))
                .collect();
            self.text(&rendered);
        }
    }

    fn note(&mut self, phase: &str, note: &Note) {
        let line = match note {
            Note::InterruptedBeforeSubmitting => {
                "interrupted before submitting; nothing was stopped".to_owned()
            }
            Note::Detached {
                job_id,
                namespace,
                later,
            } => {
                self.line(&format!(
                    "detached: follow it with `nomad-build status {job_id}` or `nomad job status -namespace {namespace} {job_id}`"
                ));
                if later.is_empty() {
                    return;
                }
                format!(
                    "not submitted: {} (they run only after the phase before them passed)",
                    later.join(", ")
                )
            }
            Note::NomadWarns(w) => format!("{phase}: Nomad warns: {w}"),
            Note::WaitingForCapacity {
                evaluation,
                timeout,
            } => format!(
                "{phase}: evaluation {} is waiting for capacity; giving up after {} (--placement-timeout)",
                short(evaluation),
                human(*timeout)
            ),
            Note::NotPlaced {
                job_id,
                timeout,
                stop_failed,
            } => {
                let waited = human(*timeout);
                match stop_failed {
                    None => format!(
                        "{phase}: not placed within {waited} (--placement-timeout); stopped job {job_id} so that it cannot start later"
                    ),
                    Some(e) => format!(
                        "{phase}: not placed within {waited} (--placement-timeout); stopping job {job_id} failed: {e}"
                    ),
                }
            }
            Note::AllocationLost { alloc, why } => {
                format!("{phase}: allocation {alloc} was lost: {why}")
            }
            Note::StoppedByOthers { job_id } => {
                format!("{phase}: job {job_id} was stopped, and not by this run")
            }
            Note::StopCause(cause) => format!("{phase}: {cause}"),
            Note::Retrying(e) => format!("cluster: {e}; retrying"),
            Note::Recovered(d) => format!("cluster: answering again after {}", seconds(*d)),
            Note::LogsCutShort(d) => format!(
                "{phase}: stopped waiting for the rest of the logs after {}",
                seconds(*d)
            ),
            Note::InterruptedAfterFinish { job_id } => format!(
                "interrupted: job {job_id} ({phase}) had already finished; nothing was stopped"
            ),
            Note::InterruptStopped {
                job_id,
                stop_failed: None,
            } => format!(
                "interrupted: stopped job {job_id} ({phase}); it was not purged, so `nomad job status {job_id}` still shows it"
            ),
            Note::InterruptStopped {
                job_id,
                stop_failed: Some(e),
            } => format!("interrupted: could not stop job {job_id} ({phase}): {e}"),
        };
        self.line(&line);
    }

    fn phase_ends(&mut self, _phase: &str) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }

    fn finished(&mut self, phase: &str, outcome: &Outcome, watchdog: Option<&str>) {
        let line = match outcome {
            Outcome::Passed => format!("{phase}: passed"),
            Outcome::TaskFailed { label, code } => {
                format!("{phase}: failed: {label} exited with code {code}")
            }
            Outcome::TimedOut { label } => match watchdog {
                Some(timed_out) => {
                    format!("{phase}: failed: {timed_out}: the watchdog task stopped {label}")
                }
                None => format!(
                    "{phase}: failed: {label} was stopped by its timeout (max_run_duration)"
                ),
            },
            Outcome::Lost { label, why } => format!("{phase}: failed: {label} {why}"),
            _ => return,
        };
        self.line(&line);
    }
}
