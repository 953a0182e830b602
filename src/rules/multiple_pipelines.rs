//! `multiple-pipelines`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That the file has only one `pipeline` block; each one after the first is reported. Checked
    /// by the loader.
    ///
    /// ## Why it matters
    ///
    /// A `build.hcl` describes the one image its repository builds; job IDs, the staging tag and
    /// `render` output are all per pipeline.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "api" {
    ///   image {
    ///     repository = "registry.example.com/acme/api"
    ///   }
    ///   build {}
    /// }
    ///
    /// pipeline "worker" {
    ///   image {
    ///     repository = "registry.example.com/acme/worker"
    ///   }
    ///   build {}
    /// }
    /// ```
    MultiplePipelines {
        id: "multiple-pipelines",
        severity: Error,
        summary: "the file has more than one `pipeline` block",
    }
}
