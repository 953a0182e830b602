//! `invalid-duration`.

use super::{esc, Cx};
use crate::duration;

declare_rule! {
    /// ## What it checks
    ///
    /// `build.timeout` and each `test.timeout` parse as positive Go durations (`90s`, `45m`,
    /// `1h30m`), with the same parser as Nomad's jobspec.
    ///
    /// ## Why it matters
    ///
    /// The timeout becomes the group's `max_run_duration` (Nomad 2.0.3 and later) or the sleep
    /// of its `watchdog` task (before). Nomad parses durations with Go's `time.ParseDuration`,
    /// which has no `d` unit and needs a unit on every number; a bad or non-positive value
    /// makes the job fail to parse or to register.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     timeout = "1d"
    ///   }
    /// }
    /// ```
    InvalidDuration {
        id: "invalid-duration",
        severity: Error,
        summary: "a `timeout` is not a positive Go duration",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let p = cx.p;
    if let Some(t) = &p.build.timeout {
        duration(cx, "/build/timeout", t);
    }
    for (tname, t) in &p.test {
        if let Some(d) = &t.timeout {
            duration(cx, &format!("/test/{}/timeout", esc(tname)), d);
        }
    }
}

fn duration(cx: &mut Cx<'_>, rel: &str, d: &str) {
    let f = match duration::parse(d) {
        Err(why) => cx
            .finding(&RULE, rel, format!("`{d}` is not a duration"))
            .label(why.to_string())
            .help("Go durations combine numbers and units (ns, us, ms, s, m, h): `90s`, `45m`, `1h30m`"),
        Ok(ns) if ns <= 0 => cx
            .finding(&RULE, rel, format!("`{d}` is not a positive duration"))
            .label("Nomad's max_run_duration must be greater than zero"),
        Ok(_) => return,
    };
    cx.push(f);
}
