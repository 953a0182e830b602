//! `test-without-command`.

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// Each `test` block has a non-empty `command`.
    ///
    /// ## Why it matters
    ///
    /// Without a command the test task runs the image's own entrypoint and command: for the
    /// staging image that usually starts the application, which either never exits (the test
    /// job runs until its timeout) or exits 0 without testing anything.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    ///   test "unit" {}
    /// }
    /// ```
    TestWithoutCommand {
        id: "test-without-command",
        severity: Warning,
        summary: "a `test` has no `command`, so it runs the image's default command",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    for (tname, t) in &cx.p.test {
        if t.command.is_empty() {
            let f = cx
                .finding_at_key(
                    &RULE,
                    &format!("/test/{}", esc(tname)),
                    format!("test `{tname}` has no `command`"),
                )
                .label("runs the image's default entrypoint and command")
                .help("add `command = [\"make\", \"test\"]`");
            cx.push(f);
        }
    }
}
