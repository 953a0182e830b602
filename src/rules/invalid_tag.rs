//! `invalid-tag`.

use super::Cx;
use crate::reference;

declare_rule! {
    /// ## What it checks
    ///
    /// Every entry of `publish.tags` is a valid image tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    ///
    /// ## Why it matters
    ///
    /// The publish job copies the staging image to `<repository>:<tag>`; a tag outside that
    /// pattern makes skopeo fail at the end of the pipeline, after build and tests have run.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    ///   publish {
    ///     tags = ["release/1.0"]
    ///   }
    /// }
    /// ```
    InvalidTag {
        id: "invalid-tag",
        severity: Error,
        summary: "a `publish.tags` entry is not a valid image tag",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let Some(pb) = &cx.p.publish else {
        return;
    };
    for (i, t) in pb.tags.iter().enumerate() {
        if !reference::valid_tag(t) {
            let f = cx
                .finding(
                    &RULE,
                    &format!("/publish/tags/{i}"),
                    format!("`{t}` is not a valid image tag"),
                )
                .label("tags match `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`");
            cx.push(f);
        }
    }
}
