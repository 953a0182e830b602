//! `invalid-run-id`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That the run id (from `--run-id` or the git commit) matches `[a-z0-9][a-z0-9_.-]{0,40}`.
    /// Checked by the CLI.
    ///
    /// ## Why it matters
    ///
    /// The run id appears in job IDs and image tags; registries reject uppercase letters and `/` in
    /// tags.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build render --run-id Bad/ID
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidRunId {
        id: "invalid-run-id",
        severity: Error,
        summary: "`--run-id` is not `[a-z0-9][a-z0-9_.-]{0,40}`",
    }
}
