//! `missing-source`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That there is a repository to clone: `source.url`, or else the `origin` remote of the git
    /// repository that contains the file. Checked by the planner.
    ///
    /// ## Why it matters
    ///
    /// The checkout task must clone something; there is nothing sensible to guess.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # outside a git clone with an `origin` remote
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    MissingSource {
        id: "missing-source",
        severity: Error,
        summary: "there is no repository to build: no `source.url` and no `origin` remote",
    }
}
