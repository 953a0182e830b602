//! `path-outside-repository`.

use super::Cx;
use crate::confine;

declare_rule! {
    /// ## What it checks
    ///
    /// `image.context` is a relative path that stays inside the repository once normalised
    /// (`.` and empty components dropped, each `..` removing the one before it), and
    /// `image.containerfile`, taken relative to the context, does too and names a file. The
    /// planner checks the same again before it renders a job.
    ///
    /// ## Why it matters
    ///
    /// The build task hands both paths to buildah, which reads whatever they name. `build.hcl`
    /// is written by whoever can push a branch, and a context of `../..` or a Containerfile of
    /// `/etc/passwd` reads the machine the task runs on: the task's `secrets/` in a Nomad job,
    /// the whole host under `nomad-build local`. Symlinks committed in the repository are
    /// checked when the task runs (the build script and `local` refuse a context or
    /// Containerfile that resolves outside the checkout).
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository    = "registry.example.com/acme/app"
    ///     context       = "../../etc"
    ///     containerfile = "/etc/passwd"
    ///   }
    ///   build {}
    /// }
    /// ```
    PathOutsideRepository {
        id: "path-outside-repository",
        severity: Error,
        summary: "`image.context` or `image.containerfile` is not a relative path inside the repository",
    }
}

/// The image's build context and Containerfile, normalized and inside the repository: what
/// the check established, and all `plan` needs of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePaths {
    /// The build context, relative to the repository root (`.` for the root).
    pub context: String,
    /// The Containerfile, relative to the repository root; `None`: the context's default.
    pub containerfile: Option<String>,
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let image = &cx.p.image;
    let context = match &image.context {
        None => Some(".".to_owned()),
        Some(c) => match confine::normalize(c) {
            Ok(n) => Some(n),
            Err(e) => {
                let f = cx
                    .finding(
                        &RULE,
                        "/image/context",
                        format!("the build context `{c}` is not a path inside the repository"),
                    )
                    .label(e.reason())
                    .help("write a directory relative to the repository root, e.g. `services/api`");
                cx.push(f);
                None
            }
        },
    };
    let Some(file) = &image.containerfile else {
        cx.image = context.map(|context| ImagePaths {
            context,
            containerfile: None,
        });
        return;
    };
    // Against the root when the context itself is refused: `/etc/passwd` is wrong either way.
    let base = context.as_deref().unwrap_or(".");
    match confine::containerfile_under(base, file) {
        Ok(containerfile) => {
            cx.image = context.map(|context| ImagePaths {
                context,
                containerfile: Some(containerfile),
            });
        }
        Err(e) => {
        let f = cx
            .finding(
                &RULE,
                "/image/containerfile",
                format!("the Containerfile `{file}` is not a path inside the repository"),
            )
            .label(e.reason())
            .help("write a file relative to `context`, e.g. `Containerfile` or `deploy/Containerfile`");
            cx.push(f);
        }
    }
}
