//! `invalid-test-name`.

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// That each `test` label is a name Nomad and its docker driver accept for the test's
    /// group and task, and not one of the names the jobs use themselves: it matches
    /// `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, has at most 212 characters, and is none of `alloc`,
    /// `checkout`, `watchdog`, `build` and `publish`.
    ///
    /// ## Why it matters
    ///
    /// The label names the test's task group and its task, and a directory of the allocation
    /// (and of `nomad-build local`'s work directory). Nomad refuses an empty group or task
    /// name, a task name with `/`, `\` or a NUL character, and, from 1.11.0, a task named
    /// `alloc`, which would share its directory with the allocation's shared `alloc/`
    /// (`TaskGroup.Validate`, `Task.Validate`): the test job fails to register. `.` and `..`
    /// would put the task's directory elsewhere. Other names register but fail when the task
    /// starts: the docker driver names the container `<task>-<allocation id>`, and Docker
    /// accepts only `[a-zA-Z0-9][a-zA-Z0-9_.-]` in container names ("Invalid container name");
    /// the client names files and cgroups after the task (`.<task>.stdout.fifo`,
    /// `<allocation id>.<task>.scope`), which must fit the 255 bytes of a file name.
    ///
    /// `checkout` and `watchdog` are tasks nomad-build adds to a test's group (with
    /// `checkout = true`, and for a `timeout` before Nomad 2.0.3), and Nomad refuses a group
    /// with two tasks of one name ("Task 2 redefines 'checkout' from task 1"); `build` and
    /// `publish` name the script tasks of the other jobs. All of them are reserved whatever
    /// the test's settings and the target release, so that a name means one task everywhere.
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
    ///   test "checkout" {
    ///     command  = ["make", "test"]
    ///     checkout = true
    ///   }
    /// }
    /// ```
    InvalidTestName {
        id: "invalid-test-name",
        severity: Error,
        summary: "a `test` label is not a usable task name or is one the jobs use themselves",
    }
}

/// The longest test name: `<36-character allocation id>.<task>.scope` must fit a file name.
pub const MAX_LEN: usize = 255 - 36 - ".".len() - ".scope".len();

/// The names of the tasks nomad-build lays out itself.
pub const RESERVED: [&str; 4] = ["checkout", "watchdog", "build", "publish"];

pub(super) fn check(cx: &mut Cx<'_>) {
    for tname in cx.p.test.keys() {
        let Err((label, help)) = valid_test_name(tname) else {
            continue;
        };
        let f = cx
            .finding_at_key(
                &RULE,
                &format!("/test/{}", esc(tname)),
                format!("{} cannot name a test", shown(tname)),
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

/// Why `name` cannot name a test, as (label, help), if it cannot.
pub fn valid_test_name(name: &str) -> Result<(), (String, String)> {
    let rename = || {
        "name the test after what it checks, with letters, digits, `_`, `.` and `-`, starting with a letter or digit (`unit`, `integration-db`)".to_owned()
    };
    let why = |label: &str| Err((label.to_owned(), rename()));
    match name {
        "" => return why("Nomad refuses a task group and a task without a name"),
        "." | ".." => return why("`.` and `..` are not directory names"),
        "alloc" => {
            return Err((
                "Nomad refuses a task named `alloc` (from 1.11.0): it would share the allocation's `alloc/` directory".to_owned(),
                "rename the test, for example to `allocation`".to_owned(),
            ))
        }
        n if RESERVED.contains(&n) => {
            let what = match n {
                "checkout" => "the task that clones the source, which a test's group gets with `checkout = true`",
                "watchdog" => "the task that enforces a group's `timeout` before Nomad 2.0.3",
                "build" => "the build job's buildah task",
                _ => "the publish job's skopeo task",
            };
            return Err((
                format!("nomad-build names {what}"),
                format!("rename the test, for example to `{n}-test`: `checkout`, `watchdog`, `build` and `publish` are reserved"),
            ));
        }
        n if n.contains(['/', '\\']) => {
            return why("Nomad refuses a task name with `/` or `\\`: the task's directory is named after it")
        }
        n if n.contains('\0') => {
            return why("Nomad refuses a task group or task name with a NUL character")
        }
        _ => {}
    }
    let container = "Docker refuses the task's container name `<test>-<allocation id>`";
    let first = name.chars().next().unwrap_or_default();
    if !first.is_ascii_alphanumeric() {
        return Err((
            format!("{container}, which must start with an ASCII letter or digit"),
            rename(),
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        let what = match bad {
            ' ' => "a space".to_owned(),
            c if c.is_ascii() => format!("`{}`", c.escape_default()),
            c if c.is_alphanumeric() => format!("`{c}` (U+{:04X})", u32::from(c)),
            c => format!("U+{:04X}", u32::from(c)),
        };
        return Err((
            format!("{container}: {what} is not one of [a-zA-Z0-9_.-]"),
            rename(),
        ));
    }
    if name.len() > MAX_LEN {
        return Err((
            format!(
                "{} characters; at most {MAX_LEN} fit the file names Nomad makes after the task",
                name.len()
            ),
            "shorten the test name".to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{valid_test_name, MAX_LEN, RESERVED};

    #[test]
    fn names() {
        for ok in [
            "unit",
            "Integration.DB_2",
            "9-lives",
            "checkout-test",
            &"a".repeat(MAX_LEN),
        ] {
            assert_eq!(valid_test_name(ok), Ok(()), "{ok}");
        }
        let long = "a".repeat(MAX_LEN + 1);
        let mut bad = vec![
            "",
            ".",
            "..",
            "../escape",
            "alloc",
            "a/b",
            "a\\b",
            "a\0b",
            "a\nb",
            "unit tests",
            "ünit",
            "-x",
            ".x",
            "_x",
            long.as_str(),
        ];
        bad.extend(RESERVED);
        for name in bad {
            assert!(valid_test_name(name).is_err(), "{name:?}");
        }
        assert_eq!(MAX_LEN, 212);
    }
}
