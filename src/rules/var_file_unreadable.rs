//! `var-file-unreadable`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That each `--var-file` can be read. Checked by the loader; the diagnostic points into the
    /// command line. Like build.hcl, a var file must be a regular file reached without a symlink
    /// (see `file-unreadable`).
    ///
    /// ## Why it matters
    ///
    /// The values it should have set are unknown; going on with defaults would build something else
    /// than asked.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build validate --var-file release.vars.hcl   (no such file)
    /// variable "ref" {
    ///   default = "main"
    /// }
    ///
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    VarFileUnreadable {
        id: "var-file-unreadable",
        severity: Error,
        summary: "a `--var-file` cannot be read",
    }
}
