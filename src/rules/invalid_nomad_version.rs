//! `invalid-nomad-version`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That the Nomad release the jobs are compiled for, `nomad { version }` in build.hcl or
    /// `--nomad-version` on the command line (which wins), is written `X.Y` or `X.Y.Z` and is
    /// 1.9.0 or later. Checked by the compiler before it plans the jobs; a bad `--nomad-version`
    /// is reported in the command line, a bad `version` at the attribute.
    ///
    /// ## Why it matters
    ///
    /// The target decides what the jobs may contain: each field of Nomad's job API exists from
    /// some release on, and a field the target lacks is refused by its HCL parser or, in the API
    /// JSON, dropped without a word. nomad-build knows the job API of Nomad 1.9.0 and later
    /// only, so it cannot promise that a job runs on an older release.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   nomad {
    ///     version = "1.8"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidNomadVersion {
        id: "invalid-nomad-version",
        severity: Error,
        summary: "the target Nomad release is not `X.Y[.Z]`, or is older than 1.9.0",
    }
}
