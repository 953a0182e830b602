//! `buildah-user`.

use std::ops::Range;

use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span;

use crate::diag::{FileId, Finding};
use crate::nomad::model::Job;

declare_rule! {
    /// ## What it checks
    ///
    /// No task of the rendered `build` job sets `user`. This rule looks at the job after
    /// rendering, so it catches a `user` added by a template given with `--templates`; the
    /// embedded templates never set one.
    ///
    /// ## Why it matters
    ///
    /// The buildah image (`quay.io/buildah/stable`) runs buildah as root inside its container
    /// and has no other build user, so a task with `user = "build"` cannot start: the container
    /// runtime reports that the user is not found, after the job has been placed. The
    /// specification of the build job forbids `user` on a buildah task.
    ///
    /// ## Example
    ///
    /// A `build.nomad.hcl.j2` override that renders
    ///
    /// ```hcl
    /// task "build" {
    ///   driver = "docker"
    ///   user   = "build"
    ///   config {
    ///     image = "quay.io/buildah/stable:v1.37.5"
    ///   }
    /// }
    /// ```
    BuildahUser {
        id: "buildah-user",
        severity: Error,
        summary: "a task of the rendered build job sets `user`, which the buildah image does not have",
    }
}

/// Flags every task of a rendered `build` job with a non-empty `User`. `src` is the rendered
/// HCL jobspec (file `file`) that `job` was decoded from; spans point into it.
pub(super) fn check_rendered(phase: &str, job: &Job, file: FileId, src: &str) -> Vec<Finding> {
    if phase != "build" {
        return Vec::new();
    }
    let body = hcl_edit::parser::parse_body(src).ok();
    let mut out = Vec::new();
    for g in &job.task_groups {
        for t in &g.tasks {
            let Some(user) = t.user.as_deref().filter(|u| !u.is_empty()) else {
                continue;
            };
            let task = t.name.as_deref().unwrap_or_default();
            let span = body
                .as_ref()
                .and_then(|b| user_span(b, g.name.as_deref().unwrap_or_default(), task))
                .unwrap_or(0..0);
            out.push(
                RULE.finding(
                    file,
                    span,
                    format!("task `{task}` of the build job runs as user `{user}`"),
                )
                .label("the buildah image has no such user")
                .help("remove `user` from the template: buildah runs as root inside its container"),
            );
        }
    }
    out
}

/// The span of the `user` value of `task "<task>"` in `group "<group>"` (or anywhere, for a
/// task written directly in the job).
fn user_span(body: &Body, group: &str, task: &str) -> Option<Range<usize>> {
    let attr = |body: &Body| body.get_attribute("user").and_then(|a| a.value.span());
    for job in body.iter().filter_map(|s| match s {
        Structure::Block(b) if b.ident.as_str() == "job" => Some(&b.body),
        _ => None,
    }) {
        for s in job {
            if let Some(g) = labelled(s, "group", group) {
                if let Some(t) = g.iter().find_map(|s| labelled(s, "task", task)) {
                    return attr(t);
                }
            }
            if let Some(t) = labelled(s, "task", task) {
                return attr(t);
            }
        }
    }
    None
}

/// The body of `s` if it is a block `ident "label" { ... }`.
fn labelled<'b>(s: &'b Structure, ident: &str, label: &str) -> Option<&'b Body> {
    match s {
        Structure::Block(b) if b.ident.as_str() == ident => {
            (b.labels.first().map(hcl_edit::structure::BlockLabel::as_str) == Some(label)).then_some(&b.body)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nomad::jobspec::decode;

    const JOB: &str = r#"job "app-build-1" {
  group "build" {
    task "build" {
      driver = "docker"
      user   = "build"
      config {
        image = "quay.io/buildah/stable:v1.37.5"
      }
    }
  }
}
"#;

    #[test]
    fn flags_a_user_on_a_build_task() {
        let job = decode(JOB, 3).expect("decodes").job;
        let f = check_rendered("build", &job, 3, JOB);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].rule, RULE.id);
        assert_eq!(f[0].file, 3);
        assert_eq!(&JOB[f[0].primary.span.clone()], "\"build\"");
        assert_eq!(
            f[0].message,
            "task `build` of the build job runs as user `build`"
        );
    }

    #[test]
    fn other_phases_and_tasks_without_user_pass() {
        let job = decode(JOB, 0).expect("decodes").job;
        assert!(check_rendered("test", &job, 0, JOB).is_empty());
        let plain = JOB.replace("      user   = \"build\"\n", "");
        let job = decode(&plain, 0).expect("decodes").job;
        assert!(check_rendered("build", &job, 0, &plain).is_empty());
    }
}
