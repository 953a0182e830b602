//! `invalid-test-name`.

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// Each `test` label is usable as a Nomad group and task name and as a directory name: not
    /// empty, `.` or `..`, without `/`, `\` or control characters, and none of the names the
    /// jobs use themselves: `alloc` (Nomad's shared directory), `checkout`, `build` and
    /// `publish` (the script tasks).
    ///
    /// ## Why it matters
    ///
    /// The label names the test's task group and task. Nomad refuses task names with `/` or
    /// `\` and the name `alloc` when the job is submitted; the allocation directory and
    /// `nomad-build local` make a directory of that name, which `..` or `/` would put
    /// elsewhere. A test named `checkout` collides with the group's checkout task, and
    /// `nomad-build local` runs tasks named `checkout`, `build` and `publish` as scripts on the
    /// host rather than inside the test's image.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    ///   test "build" {
    ///     command = ["/bin/sh", "-c", "make test"]
    ///   }
    /// }
    /// ```
    InvalidTestName {
        id: "invalid-test-name",
        severity: Error,
        summary: "a `test` label is not a usable task name or is one the jobs use themselves",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    for tname in cx.p.test.keys() {
        let Err(why) = valid_test_name(tname) else {
            continue;
        };
        let f = cx
            .finding_at_key(
                &RULE,
                &format!("/test/{}", esc(tname)),
                format!("`{tname}` cannot name a test"),
            )
            .label(why)
            .help("name the test after what it checks, e.g. `unit` or `integration`");
        cx.push(f);
    }
}

/// Why `name` cannot name a test, if it cannot.
pub fn valid_test_name(name: &str) -> Result<(), &'static str> {
    match name {
        "" => Err("the name is empty"),
        "." | ".." => Err("`.` and `..` are not directory names"),
        "alloc" => Err("Nomad reserves `alloc` for the allocation's shared directory"),
        "checkout" | "build" | "publish" => {
            Err("`checkout`, `build` and `publish` name nomad-build's own script tasks")
        }
        n if n.contains(['/', '\\']) => Err("task names cannot contain `/` or `\\`"),
        n if n.chars().any(char::is_control) => Err("task names cannot contain control characters"),
        _ => Ok(()),
    }
}
