//! `missing-run-id`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That `render` has a run id: `--run-id`, or the short commit id of the git repository that
    /// contains the file. Checked by the CLI; `validate` uses a placeholder run id.
    ///
    /// ## Why it matters
    ///
    /// The run id is part of every job ID and of the staging tag `build-<run-id>`; without one the
    /// jobs of two runs would collide.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build render -o out/   (outside a git repository)
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    MissingRunId {
        id: "missing-run-id",
        severity: Error,
        summary: "`render` has no run id: no `--run-id` and no git commit",
    }
}
