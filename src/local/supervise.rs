//! Running a task's process under its group's deadline: a process group of its own, `TERM` to
//! everything it started when the deadline comes, `KILL` after a grace period.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::KILL_GRACE;
use crate::duration::human;
use crate::lines::{read_lines, MAX_LINE};

/// How a supervised command ended.
#[derive(Debug)]
pub(super) enum Outcome {
    /// It exited by itself.
    Exited(std::process::ExitStatus),
    /// It was stopped at its deadline; the timeout.
    TimedOut(Duration),
}

/// Runs `cmd` in a process group of its own, passing each line of its output to `line` (read
/// as bytes: invalid UTF-8 replaced, lines cut at [`MAX_LINE`]),
/// until it exits or `deadline` (with the timeout it stands for) comes. At the deadline every
/// process it started gets `TERM`, and `KILL` after [`KILL_GRACE`] (or once the command itself
/// is gone). Output that arrives meanwhile is still passed on; a process that escaped and holds
/// the pipes open is not waited for. `Err` says why it could not run.
pub(super) fn supervise(
    mut cmd: Command,
    deadline: Option<(Instant, Duration)>,
    line: &mut dyn FnMut(&str),
) -> Result<Outcome, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so that a timeout reaches what it started.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().map_err(|e| format!("cannot start: {e}"))?;
    // Bounded: a task that prints faster than the output is written waits for it.
    let (tx, rx) = std::sync::mpsc::sync_channel::<String>(256);
    let mut readers = Vec::new();
    if let Some(o) = child.stdout.take() {
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            read_lines(o, MAX_LINE, &mut |l| drop(tx.send(l)));
        }));
    }
    if let Some(e) = child.stderr.take() {
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            read_lines(e, MAX_LINE, &mut |l| drop(tx.send(l)));
        }));
    }
    drop(tx);
    let wait = |child: &mut std::process::Child| {
        child
            .wait()
            .map(Outcome::Exited)
            .map_err(|e| format!("wait failed: {e}"))
    };
    let Some((deadline, limit)) = deadline else {
        for l in rx {
            line(&l);
        }
        for r in readers {
            let _ = r.join();
        }
        return wait(&mut child);
    };
    let mut output_open = true;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if output_open {
            match rx.recv_timeout(left) {
                Ok(l) => {
                    line(&l);
                    continue;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => output_open = false,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
            }
        }
        // The output is closed; the command may still run (until the deadline).
        match child.try_wait() {
            Ok(Some(_)) => {
                for r in std::mem::take(&mut readers) {
                    let _ = r.join();
                }
                return wait(&mut child);
            }
            Ok(None) if left.is_zero() => break,
            Ok(None) => std::thread::sleep(left.min(Duration::from_millis(50))),
            Err(e) => return Err(format!("wait failed: {e}")),
        }
    }
    line(&format!(
        "nomad-build: timed out after {}; stopping the task",
        human(limit)
    ));
    // Remembered: a process whose parent exits is re-parented and no longer found below it.
    let mut tree = descendants(child.id());
    signal(child.id(), &tree, "TERM");
    let grace = Instant::now() + KILL_GRACE;
    let mut killed = false;
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(l) => line(&l),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        let exited = matches!(child.try_wait(), Ok(Some(_)));
        if !killed && (Instant::now() >= grace || exited) {
            // After the grace period, or once the command itself is gone: whatever it left
            // behind is killed too.
            tree.extend(descendants(child.id()));
            signal(child.id(), &tree, "KILL");
            killed = true;
        }
        if killed && (exited || Instant::now() >= grace + KILL_GRACE) {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    while let Ok(l) = rx.try_recv() {
        line(&l);
    }
    Ok(Outcome::TimedOut(limit))
}

/// Sends `signal` to process `pid`, its process group and `others`, with the shell's `kill`.
/// Processes that are already gone are skipped.
fn signal(pid: u32, others: &[u32], signal: &str) {
    let mut targets = vec![format!("-{pid}"), pid.to_string()];
    targets.extend(others.iter().map(u32::to_string));
    let _ = Command::new("/bin/sh")
        .arg("-c")
        .arg("kill -s \"$0\" -- \"$@\" 2>/dev/null")
        .arg(signal)
        .args(&targets)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Every process whose chain of parents leads to `root`, from `/proc/<pid>/stat` (which also
/// shows the processes of the containers buildah runs).
fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parent_of.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(
            parent_of
                .iter()
                .filter(|(_, pp)| *pp == p)
                .map(|(c, _)| *c)
                .filter(|c| *c != root),
        );
        i += 1;
    }
    found.remove(0);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    /// Runs `script` under [`supervise`] with a timeout of `limit`; returns the outcome, the
    /// output lines and how long it took.
    fn supervised(script: &str, limit: Duration) -> (Outcome, Vec<String>, Duration) {
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", script]);
        let mut lines = Vec::new();
        let started = Instant::now();
        let outcome = supervise(cmd, Some((started + limit, limit)), &mut |l| {
            lines.push(l.to_owned());
        })
        .expect("sh runs");
        (outcome, lines, started.elapsed())
    }

    #[test]
    fn supervise_stops_a_command_at_its_deadline() {
        let second = Duration::from_secs(1);
        // Exits by itself in time: its own status.
        let (o, lines, _) = supervised("echo hi; exit 3", Duration::from_secs(30));
        assert!(
            matches!(o, Outcome::Exited(s) if s.code() == Some(3)),
            "{o:?}"
        );
        assert_eq!(lines, ["hi"]);
        // Sleeps past the deadline: stopped at it, with a notice.
        let (o, lines, took) = supervised("echo sleeping; sleep 60", second);
        assert!(matches!(o, Outcome::TimedOut(d) if d == second), "{o:?}");
        assert_eq!(
            lines,
            [
                "sleeping",
                "nomad-build: timed out after 1s; stopping the task"
            ]
        );
        assert!(took < Duration::from_secs(10), "{took:?}");
        // Closes its output first: still stopped at the deadline.
        let (o, _, took) = supervised("exec >/dev/null 2>&1; sleep 60", second);
        assert!(matches!(o, Outcome::TimedOut(_)), "{o:?}");
        assert!(took < Duration::from_secs(10), "{took:?}");
        // Ignores TERM: killed after the grace period.
        let (o, _, took) = supervised("trap '' TERM; sleep 60 & wait $!; sleep 60", second);
        assert!(matches!(o, Outcome::TimedOut(_)), "{o:?}");
        assert!(
            took >= second + KILL_GRACE && took < Duration::from_secs(15),
            "{took:?}"
        );
    }

    #[test]
    fn output_is_read_as_bytes_with_long_lines_cut() {
        // Invalid UTF-8, then more lines on both streams; a 3 MB line; an unterminated rest.
        // The two streams are read by two threads: only the order within a stream is kept.
        let script = "printf 'bad \\377\\376 byte\\nafter\\n'; \
                      head -c 3000000 /dev/zero | tr '\\0' x; printf '\\nlast'; \
                      sleep 0.2; printf 'err\\n' >&2";
        let (o, lines, _) = supervised(script, Duration::from_secs(30));
        assert!(matches!(o, Outcome::Exited(s) if s.success()), "{o:?}");
        // The long line is compared apart, without printing 64 KiB when it differs.
        let long = lines.get(2).cloned().unwrap_or_default();
        let marker = format!("… [line truncated: {} bytes dropped]", 3_000_000 - MAX_LINE);
        let mut rest = lines.clone();
        if rest.len() > 2 {
            rest[2] = "LONG".to_owned();
        }
        let on_stderr = rest.iter().filter(|l| *l == "err").count();
        assert_eq!(on_stderr, 1, "{rest:?}");
        rest.retain(|l| l != "err");
        assert_eq!(rest, ["bad \u{fffd}\u{fffd} byte", "after", "LONG", "last"]);
        assert!(long.ends_with(&marker), "{}", &long[MAX_LINE - 10..]);
        assert_eq!(long.len(), MAX_LINE + marker.len());
        assert!(long[..MAX_LINE].bytes().all(|b| b == b'x'));
    }

    /// `(pid, session)` of every live process with `arg` as one whole argument (from
    /// `/proc/<pid>/cmdline` and `stat`); zombies have exited and are left out.
    fn carrying(arg: &str) -> Vec<(u32, u32)> {
        let mut found = Vec::new();
        for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else {
                continue;
            };
            if !cmdline.split(|b| *b == 0).any(|a| a == arg.as_bytes()) {
                continue;
            }
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // `pid (comm) state ppid pgrp session ...`
            let rest: Vec<&str> = stat
                .rsplit_once(')')
                .map(|(_, r)| r.split_whitespace().collect())
                .unwrap_or_default();
            let session = rest.get(3).and_then(|s| s.parse::<u32>().ok());
            if let (Some(state), Some(session)) = (rest.first(), session) {
                if *state != "Z" {
                    found.push((pid, session));
                }
            }
        }
        found
    }

    /// Kills whatever still carries the mark when the test ends, passed or not.
    struct Sweep(String);

    impl Drop for Sweep {
        fn drop(&mut self) {
            let left: Vec<u32> = carrying(&self.0).iter().map(|(p, _)| *p).collect();
            if !left.is_empty() {
                signal(left[0], &left, "KILL");
            }
        }
    }

    #[test]
    fn a_timeout_stops_what_the_task_started() {
        // A mark that only this run's processes carry: a number of seconds `sleep` accepts,
        // made of this process's id and the clock.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .subsec_nanos();
        let mark = format!("3599.{}{nanos:09}", std::process::id());
        let _sweep = Sweep(mark.clone());
        assert_eq!(carrying(&mark), [], "nothing carries the mark yet");
        let own_session = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .and_then(|(_, r)| r.split_whitespace().nth(3)?.parse::<u32>().ok())
            })
            .expect("this process's session");
        // The task leaves a grandchild in a session of its own (out of its process group,
        // which the first signal reaches) and waits on another `sleep`.
        let script = format!("setsid sleep {mark} & echo started; sleep {mark}");
        let limit = Duration::from_secs(1);
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", &script]);
        let mut lines = Vec::new();
        let mut tree = Vec::new();
        let started = Instant::now();
        let outcome = supervise(cmd, Some((started + limit, limit)), &mut |l| {
            lines.push(l.to_owned());
            if l != "started" {
                return;
            }
            // Both sleeps run (the escaped one after its `setsid`) before the deadline is
            // looked at again: supervise reads the next line only when this returns.
            let wait = Instant::now() + Duration::from_secs(10);
            while Instant::now() < wait {
                tree = carrying(&mark);
                let escaped = tree.iter().filter(|(_, s)| *s != own_session).count();
                if tree.len() == 2 && escaped == 1 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
        .expect("sh runs");
        assert!(
            matches!(outcome, Outcome::TimedOut(d) if d == limit),
            "{outcome:?}"
        );
        assert_eq!(
            lines,
            [
                "started",
                "nomad-build: timed out after 1s; stopping the task"
            ]
        );
        assert_eq!(tree.len(), 2, "both sleeps ran: {tree:?}");
        assert!(
            tree.iter().any(|(_, s)| *s != own_session),
            "one sleep is in a session of its own: {tree:?}"
        );
        // Everything that carried the mark is gone: killed processes that are only not yet
        // reaped are zombies, left out.
        let wait = Instant::now() + Duration::from_secs(5);
        let mut left = carrying(&mark);
        while !left.is_empty() && Instant::now() < wait {
            std::thread::sleep(Duration::from_millis(20));
            left = carrying(&mark);
        }
        assert_eq!(left, [], "still running after the timeout (of {tree:?})");
    }
}
