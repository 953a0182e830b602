//! `publish-without-tags`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// A `publish` block has at least one entry in `tags`.
    ///
    /// ## Why it matters
    ///
    /// The publish job copies the staging image to each tag of each repository; with no tags
    /// it is a job that runs, succeeds and publishes nothing.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    ///   publish {}
    /// }
    /// ```
    PublishWithoutTags {
        id: "publish-without-tags",
        severity: Warning,
        summary: "`publish` has no tags, so it copies nothing",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    if cx.p.publish.as_ref().is_some_and(|pb| pb.tags.is_empty()) {
        let f = cx
            .finding(
                &RULE,
                "/publish",
                "`publish` has no tags, so it copies nothing",
            )
            .label("no `tags`")
            .help("add `tags = [\"latest\"]`, or remove the `publish` block");
        cx.push(f);
    }
}
