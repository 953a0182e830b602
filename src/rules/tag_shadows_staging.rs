//! `tag-shadows-staging`.

use super::Cx;
use crate::reference;

declare_rule! {
    /// ## What it checks
    ///
    /// No `publish.tags` entry starts with `build-`.
    ///
    /// ## Why it matters
    ///
    /// The build job pushes its image as `<repository>:build-<run-id>`, and test and publish
    /// read it back by that tag. A published tag of the same shape can be overwritten by a
    /// later build, or make a later run test and publish an image it did not build.
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
    ///     tags = ["build-42"]
    ///   }
    /// }
    /// ```
    TagShadowsStaging {
        id: "tag-shadows-staging",
        severity: Warning,
        summary: "a published tag looks like a staging tag (`build-<run-id>`)",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let Some(pb) = &cx.p.publish else {
        return;
    };
    for (i, t) in pb.tags.iter().enumerate() {
        if reference::valid_tag(t) && t.starts_with("build-") {
            let f = cx
                .finding(
                    &RULE,
                    &format!("/publish/tags/{i}"),
                    format!("tag `{t}` looks like a staging tag"),
                )
                .label("staging images are tagged `build-<run-id>`")
                .help("pick a tag that cannot collide with `build-<run-id>`");
            cx.push(f);
        }
    }
}
