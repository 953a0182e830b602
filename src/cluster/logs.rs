//! Following one task's stdout or stderr: `GET /v1/client/fs/logs/:alloc?follow=true`, a
//! concatenation of JSON frames with base64 `Data` and a `{}` heartbeat every second.
//!
//! Such a stream never ends on its own, even after the task is dead, so the follower stops
//! when the caller has told it the final size ([`Follower::finish_at`], from the sizes of the
//! task's log files once it is dead) and every byte up to it has arrived. A dropped or stalled
//! connection is reopened at the byte count received so far (`origin=start&offset=N` counts
//! across the rotated files), so no line is lost or repeated.

use std::io::BufReader;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine;

use super::api::LogFrame;
use super::client::{ApiError, Client};
use crate::lines::{Lines, MAX_LINE};

/// Which stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    /// `stdout` or `stderr`, as the API names it.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// What a follower reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// A complete line (or the unterminated rest at the end), without its newline.
    Line {
        /// `phase/task`.
        label: String,
        /// Which stream.
        stream: Stream,
        /// The text: invalid UTF-8 replaced, cut at [`MAX_LINE`] bytes, the client's secrets
        /// redacted.
        text: String,
    },
    /// The connection dropped and was reopened at `offset`.
    Resumed {
        /// `phase/task`.
        label: String,
        /// Which stream.
        stream: Stream,
        /// Bytes received before the drop.
        offset: u64,
        /// Why it dropped.
        reason: String,
    },
    /// The follower ended: everything up to the final size was reported, or it was stopped.
    Done {
        /// The allocation.
        alloc: String,
        /// The task.
        task: String,
        /// Which stream.
        stream: Stream,
    },
    /// The stream cannot be read; what arrived so far has been reported.
    Failed {
        /// `phase/task`.
        label: String,
        /// Which stream.
        stream: Stream,
        /// Why.
        reason: String,
    },
}

/// Silence after which a connection counts as stalled (Nomad sends a heartbeat every second).
pub const STALL: Duration = Duration::from_secs(10);

struct Shared {
    /// Bytes received since the start of the first log file.
    received: AtomicU64,
    /// The total to reach, once the task is dead.
    final_size: Mutex<Option<u64>>,
    last_activity: Mutex<Instant>,
    stop: AtomicBool,
    done: AtomicBool,
    /// The client of the current connection; replaced when a stalled one is cancelled.
    client: Mutex<Client>,
}

/// A running follower (one thread).
pub struct Follower {
    shared: Arc<Shared>,
}

impl Follower {
    /// Starts following `stream` of `task` in `alloc`; events go to `sink` through `wrap`.
    pub fn start<E: Send + 'static>(
        client: &Client,
        alloc: &str,
        task: &str,
        stream: Stream,
        label: String,
        sink: Sender<E>,
        wrap: fn(LogEvent) -> E,
    ) -> Follower {
        let shared = Arc::new(Shared {
            received: AtomicU64::new(0),
            final_size: Mutex::new(None),
            last_activity: Mutex::new(Instant::now()),
            stop: AtomicBool::new(false),
            done: AtomicBool::new(false),
            client: Mutex::new(client.detached()),
        });
        let s = shared.clone();
        let path = format!("/v1/client/fs/logs/{}", super::client::encode(alloc));
        let task = task.to_owned();
        let alloc = alloc.to_owned();
        std::thread::spawn(move || {
            let emit = |e: LogEvent| {
                let _ = sink.send(wrap(e));
            };
            follow(&s, &path, &task, stream, &label, &emit);
            s.done.store(true, Ordering::SeqCst);
            emit(LogEvent::Done {
                alloc,
                task,
                stream,
            });
        });
        Follower { shared }
    }

    /// The task is dead and its log files hold `size` bytes in all: stop once they arrived.
    pub fn finish_at(&self, size: u64) {
        *lock(&self.shared.final_size) = Some(size);
        if self.received() >= size {
            // Everything is here; do not wait for the next heartbeat to notice.
            self.stop();
        }
    }

    /// Whether the final size is known.
    pub fn finishing(&self) -> bool {
        lock(&self.shared.final_size).is_some()
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.shared.received.load(Ordering::SeqCst)
    }

    /// Whether the thread has ended (everything up to the final size sent, or stopped); its
    /// [`LogEvent::Done`] may still be on its way.
    pub fn is_done(&self) -> bool {
        self.shared.done.load(Ordering::SeqCst)
    }

    /// Whether the connection has been silent for longer than [`STALL`].
    pub fn stalled(&self) -> bool {
        lock(&self.shared.last_activity).elapsed() > STALL
    }

    /// Drops the current connection; the thread reopens it at the current offset.
    pub fn reconnect(&self) {
        let mut c = lock(&self.shared.client);
        let fresh = c.detached();
        let old = std::mem::replace(&mut *c, fresh);
        *lock(&self.shared.last_activity) = Instant::now();
        old.cancel();
    }

    /// Stops following now; a partial line is still reported.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        lock(&self.shared.client).cancel();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn reached(s: &Shared) -> bool {
    lock(&s.final_size).is_some_and(|f| s.received.load(Ordering::SeqCst) >= f)
}

fn follow(
    s: &Shared,
    path: &str,
    task: &str,
    stream: Stream,
    label: &str,
    emit: &dyn Fn(LogEvent),
) {
    // Bytes to lines: invalid UTF-8 replaced, a line held up to `MAX_LINE` bytes only.
    let mut partial = Lines::new(MAX_LINE);
    let mut delay = Duration::from_millis(200);
    let mut dropped: Option<String> = None;
    let mut failures = 0u32;
    let redactor = lock(&s.client).redactor().clone();
    let mut line = |text: String| {
        emit(LogEvent::Line {
            label: label.to_owned(),
            stream,
            text: redactor.text(&text),
        });
    };
    'outer: while !s.stop.load(Ordering::SeqCst) && !reached(s) {
        let offset = s.received.load(Ordering::SeqCst).to_string();
        let client = lock(&s.client).clone();
        let query = [
            ("task", task),
            ("type", stream.name()),
            ("follow", "true"),
            ("origin", "start"),
            ("offset", offset.as_str()),
        ];
        let reader = match client.stream(path, &query) {
            Ok(r) => r,
            Err(ApiError::Cancelled) => continue,
            Err(e) => {
                let not_started = e.status() == Some(404)
                    && e.body().is_some_and(|b| b.contains("not started yet"));
                if e.status() == Some(403) {
                    // Permissions do not change while we wait.
                    emit(LogEvent::Failed {
                        label: label.to_owned(),
                        stream,
                        reason: format!(
                            "permission denied (`{}`): the token lacks the `{}` capability in namespace `{}`",
                            e.body().unwrap_or_default(),
                            super::Action::ReadLogs.capability(),
                            client.namespace()
                        ),
                    });
                    break;
                }
                if !not_started {
                    failures += 1;
                    // A task that is dead and whose logs cannot be read any more (the client
                    // collected the allocation) gets a bounded number of tries.
                    if failures >= 8 || (failures >= 3 && lock(&s.final_size).is_some()) {
                        emit(LogEvent::Failed {
                            label: label.to_owned(),
                            stream,
                            reason: e.short(),
                        });
                        break;
                    }
                }
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        if let Some(reason) = dropped.take() {
            emit(LogEvent::Resumed {
                label: label.to_owned(),
                stream,
                offset: s.received.load(Ordering::SeqCst),
                reason,
            });
        }
        failures = 0;
        delay = Duration::from_millis(200);
        *lock(&s.last_activity) = Instant::now();
        let frames =
            serde_json::Deserializer::from_reader(BufReader::new(reader)).into_iter::<LogFrame>();
        let mut why = "the connection closed".to_owned();
        for frame in frames {
            *lock(&s.last_activity) = Instant::now();
            let frame = match frame {
                Ok(f) => f,
                Err(e) => {
                    why = if e.is_eof() {
                        "the connection closed".to_owned()
                    } else if e.is_io() {
                        "the connection failed".to_owned()
                    } else {
                        "the stream carried text that is not a frame".to_owned()
                    };
                    break;
                }
            };
            if !frame.data.is_empty() {
                match base64::engine::general_purpose::STANDARD.decode(frame.data.as_bytes()) {
                    Ok(bytes) => {
                        s.received.fetch_add(bytes.len() as u64, Ordering::SeqCst);
                        partial.push(&bytes, &mut line);
                    }
                    Err(_) => {
                        "a frame's data is not base64".clone_into(&mut why);
                        break;
                    }
                }
            }
            if frame.file_event == "file deleted" {
                // The client garbage-collected the allocation: nothing more will come.
                break 'outer;
            }
            if s.stop.load(Ordering::SeqCst) || reached(s) {
                break 'outer;
            }
        }
        if s.stop.load(Ordering::SeqCst) || reached(s) {
            break;
        }
        if client.is_cancelled() {
            why = format!("no heartbeat for {}s", STALL.as_secs());
        }
        dropped = Some(why);
        std::thread::sleep(Duration::from_millis(100));
    }
    partial.finish(&mut line);
}
