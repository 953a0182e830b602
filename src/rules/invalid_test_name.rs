//! `invalid-test-name`.

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// That the label of each `test` block is a name Nomad and its docker driver accept for
    /// the test's group and task: it matches `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, has at most 212
    /// characters, and is not `alloc`.
    ///
    /// ## Why it matters
    ///
    /// The label names the test's task group and its task. Nomad refuses an empty group or task
    /// name, a task name with `/`, `\` or a NUL character, and, from 1.11.0, a task named
    /// `alloc`, which would share its directory with the allocation's shared `alloc/`
    /// (`TaskGroup.Validate`, `Task.Validate`): the test job fails to register. Other names
    /// register but fail when the task starts: the docker driver names the container
    /// `<task>-<allocation id>`, and Docker accepts only `[a-zA-Z0-9][a-zA-Z0-9_.-]` in
    /// container names ("Invalid container name"); the client names files and cgroups after
    /// the task (`.<task>.stdout.fifo`, `<allocation id>.<task>.scope`), which must fit the
    /// 255 bytes of a file name.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    ///   test "unit tests" {
    ///     command = ["make", "test"]
    ///   }
    /// }
    /// ```
    InvalidTestName {
        id: "invalid-test-name",
        severity: Error,
        summary: "a test name is not `[a-zA-Z0-9][a-zA-Z0-9_.-]*` of at most 212 characters, or is `alloc`",
    }
}

/// The longest test name: `<36-character allocation id>.<task>.scope` must fit a file name.
pub const MAX_LEN: usize = 255 - 36 - ".".len() - ".scope".len();

pub(super) fn check(cx: &mut Cx<'_>) {
    for tname in cx.p.test.keys() {
        let Some((label, help)) = problem(tname) else {
            continue;
        };
        let f = cx
            .finding_at_key(
                &RULE,
                &format!("/test/{}", esc(tname)),
                format!("{} is not a valid test name", shown(tname)),
            )
            .label(label)
            .help(help);
        cx.push(f);
    }
}

/// The name as shown in a message: in backticks, control characters escaped, a long one cut.
fn shown(name: &str) -> String {
    const SHOWN: usize = 40;
    if name.is_empty() {
        return "the empty string".to_owned();
    }
    let mut escaped: String = name
        .chars()
        .take(SHOWN)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if name.chars().count() > SHOWN {
        escaped.push('…');
    }
    format!("`{escaped}`")
}

/// What is wrong with a test name, as (label, help); `None` when it is valid.
fn problem(name: &str) -> Option<(String, String)> {
    let rename = "name the test with letters, digits, `_`, `.` and `-`, starting with a letter or digit (`unit`, `integration-db`)";
    if name.is_empty() {
        return Some((
            "Nomad refuses a task group and a task without a name".to_owned(),
            rename.to_owned(),
        ));
    }
    if name == "alloc" {
        return Some((
            "Nomad refuses a task named `alloc` (from 1.11.0): it would share the allocation's `alloc/` directory".to_owned(),
            "rename the test, for example to `allocation`".to_owned(),
        ));
    }
    if name.contains(['/', '\\']) {
        return Some((
            "Nomad refuses a task name with `/` or `\\`: the task's directory is named after it"
                .to_owned(),
            rename.to_owned(),
        ));
    }
    if name.contains('\0') {
        return Some((
            "Nomad refuses a task group or task name with a NUL character".to_owned(),
            rename.to_owned(),
        ));
    }
    let container = "Docker refuses the task's container name `<test>-<allocation id>`";
    let first = name.chars().next().unwrap_or_default();
    if !first.is_ascii_alphanumeric() {
        return Some((
            format!("{container}, which must start with an ASCII letter or digit"),
            rename.to_owned(),
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        let what = match bad {
            ' ' => "a space".to_owned(),
            c if c.is_control() => format!("`{}`", c.escape_default()),
            c => format!("`{c}`"),
        };
        return Some((
            format!("{container}: {what} is not one of [a-zA-Z0-9_.-]"),
            rename.to_owned(),
        ));
    }
    if name.len() > MAX_LEN {
        return Some((
            format!(
                "{} characters; at most {MAX_LEN} fit the file names Nomad makes after the task",
                name.len()
            ),
            "shorten the test name".to_owned(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{problem, MAX_LEN};

    #[test]
    fn names() {
        for ok in ["unit", "Integration.DB_2", "9-lives", &"a".repeat(MAX_LEN)] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "alloc",
            "a/b",
            "a\\b",
            "a\0b",
            "unit tests",
            "ünit",
            "-x",
            ".x",
            "_x",
            &"a".repeat(MAX_LEN + 1),
        ] {
            assert!(problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(MAX_LEN, 212);
    }
}
