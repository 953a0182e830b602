//! `unknown-nomad-version`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// Whether the Nomad release the jobs are compiled for (`nomad { version }` or
    /// `--nomad-version`) is newer than the newest release this nomad-build knows (2.0.5). The
    /// jobs are then compiled for the newest known release. Checked by the compiler before it
    /// plans the jobs.
    ///
    /// ## Why it matters
    ///
    /// nomad-build cannot know what a newer release adds or changes in the job API. Nomad keeps
    /// accepting older jobspecs, so jobs for the newest known release are the best guess; an
    /// upgrade of nomad-build may make use of the newer release.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   nomad {
    ///     version = "3.0"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    UnknownNomadVersion {
        id: "unknown-nomad-version",
        severity: Warning,
        summary: "the target Nomad release is newer than every release nomad-build knows",
    }
}
