//! One blocked evaluation, three front ends: `run` (while it waits for placement), `status`
//! (of the pending job) and the online `plan` get the same `FailedTGAllocs` from the Nomad
//! test double (`scenarios/blocked-everywhere.json` declares one metric for the blocked
//! evaluation and for the plan) and must explain it with the same findings: rule id, message
//! and build.hcl position.

mod common;

use std::time::Duration;

use common::double::{binary, data, Double};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(d: &Double, args: &[&str]) -> Run {
    let out = binary(&d.addr)
        .args(args)
        .current_dir(data("pipeline"))
        .output()
        .expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A finding as the human format shows it: rule id, message (wrapped lines joined) and
/// `file:line:column`.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Shown {
    rule: String,
    message: String,
    at: String,
}

fn findings(text: &str) -> Vec<Shown> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let is_id = line.starts_with("placement-")
            && line.chars().all(|c| c.is_ascii_lowercase() || c == '-');
        if !is_id {
            continue;
        }
        let mut rest = lines[i + 1..].iter().skip_while(|l| l.is_empty());
        let Some(first) = rest.next() else { continue };
        let mut message = first
            .trim_start()
            .trim_start_matches(['×', '⚠', '☞'])
            .trim()
            .to_owned();
        let mut at = String::new();
        for l in rest {
            if let Some(more) = l.trim_start().strip_prefix("│ ") {
                message.push(' ');
                message.push_str(more.trim());
            } else if let Some(i) = l.find("╭─[") {
                l[i + "╭─[".len()..]
                    .trim_end_matches(']')
                    .clone_into(&mut at);
                break;
            }
        }
        out.push(Shown {
            rule: (*line).to_owned(),
            message,
            at,
        });
    }
    out.sort();
    out
}

#[test]
fn run_status_and_plan_explain_a_blocked_evaluation_alike() {
    let d = Double::start("blocked-everywhere");
    let detached = run(&d, &["run", "--run-id", "t1", "--detach"]);
    assert_eq!(detached.code, 0, "{}{}", detached.stdout, detached.stderr);
    std::thread::sleep(Duration::from_millis(500));
    let status = run(&d, &["status", "hello-build-t1"]);
    assert_eq!(status.code, 0, "{}{}", status.stdout, status.stderr);
    let plan = run(&d, &["plan", "--run-id", "t1", "--phase", "build"]);
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);

    let d = Double::start("blocked-everywhere");
    let waited = run(&d, &["run", "--run-id", "t1", "--placement-timeout", "1s"]);
    assert_eq!(waited.code, 123, "{}{}", waited.stdout, waited.stderr);

    let from_run = findings(&waited.stdout);
    let expected = vec![
        Shown {
            rule: "placement-exhausted".to_owned(),
            message: "group `build` of the build job cannot be placed: 1 of 3 nodes has less \
                      than 2080 MB of memory free"
                .to_owned(),
            at: "build.hcl:12:3".to_owned(),
        },
        Shown {
            rule: "placement-filtered".to_owned(),
            message: "group `build` of the build job cannot be placed: 2 of 3 nodes fail the \
                      constraint `${attr.driver.docker.privileged.enabled} = true`"
                .to_owned(),
            at: "build.hcl:12:3".to_owned(),
        },
    ];
    assert_eq!(from_run, expected, "run:\n{}", waited.stdout);
    assert_eq!(
        findings(&status.stdout),
        expected,
        "status:\n{}",
        status.stdout
    );
    assert_eq!(findings(&plan.stderr), expected, "plan:\n{}", plan.stderr);
}
