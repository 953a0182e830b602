//! `duplicate-block`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That `nomad`, `vault`, `source`, `image`, `build`, `publish`, `credentials`, `cache` and
    /// `resources` appear at most once in their parent. Checked by the loader.
    ///
    /// ## Why it matters
    ///
    /// Two `build` blocks do not merge; one of them would be silently lost.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     timeout = "20m"
    ///   }
    ///   build {
    ///     privileged = false
    ///   }
    /// }
    /// ```
    DuplicateBlock {
        id: "duplicate-block",
        severity: Error,
        summary: "a block that may appear once appears twice",
    }
}
