//! `env-value-interpolated`.

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// No `test.env` value contains a `${NAME}` that Nomad's client resolves: `NOMAD_*`,
    /// `attr.*`, `meta.*` or `node.*`.
    ///
    /// ## Why it matters
    ///
    /// The Nomad client runs task `env` values through its `${...}` replacement (`ReplaceEnv` in
    /// Nomad's `helper/args/args.go`) before the task starts, and that replacement has no escape. A
    /// value meant to reach the task literally (a template, a shell snippet) arrives with the
    /// reference already replaced. Unknown names are left as they are, so only names Nomad knows
    /// are reported.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    ///   test "unit" {
    ///     command = ["make", "test"]
    ///     env = {
    ///       REPORT_DIR = "${NOMAD_ALLOC_DIR}/reports"
    ///     }
    ///   }
    /// }
    /// ```
    EnvValueInterpolated {
        id: "env-value-interpolated",
        severity: Warning,
        security: true,
        summary: "a test `env` value contains a `${...}` that Nomad replaces at run time",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    for (tname, t) in &cx.p.test {
        for (k, v) in &t.env {
            if let Some(name) = nomad_env_reference(v) {
                let f = cx
                    .finding(
                        &RULE,
                        &format!("/test/{}/env/{}", esc(tname), esc(k)),
                        format!("Nomad replaces `${{{name}}}` in this value at run time"),
                    )
                    .label("task env values pass through Nomad's ${...} replacement, which has no escape")
                    .help("if the task should see the text itself, build it in the command instead (`$VAR` in a shell)");
                cx.push(f);
            }
        }
    }
}

/// The first `${NAME}` in `v` that Nomad's env replacement resolves (`NOMAD_*`, `attr.*`,
/// `meta.*`, `node.*`): the names `helper/args.ReplaceEnv` finds in a task's environment.
fn nomad_env_reference(v: &str) -> Option<&str> {
    let mut rest = v;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .unwrap_or(after.len());
        let name = &after[..len];
        if after[len..].starts_with('}')
            && ["NOMAD_", "attr.", "meta.", "node."]
                .iter()
                .any(|p| name.starts_with(p))
        {
            return Some(name);
        }
        rest = after;
    }
    None
}
