//! `unused-suppression`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That each suppression comment silences at least one finding of its rule: on its own line or
    /// the next (`ignore`), or anywhere in the file (`ignore-file`). Checked by the suppression
    /// pass after validation.
    ///
    /// ## Why it matters
    ///
    /// A stale suppression would silently swallow the rule if the problem came back later, at a
    /// place nobody looked at again.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   source {
    ///     url = "https://git.example.com/acme/app.git"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   # nomad-build:ignore unprivileged-buildah -- our builders allow SYS_ADMIN
    ///   build {}
    /// }
    /// ```
    UnusedSuppression {
        id: "unused-suppression",
        severity: Warning,
        summary: "a `# nomad-build:ignore` comment silences nothing",
    }
}
