//! `missing-pipeline`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That the file has a `pipeline` block. Checked by the loader.
    ///
    /// ## Why it matters
    ///
    /// A `build.hcl` without a pipeline produces no job; it is most likely the wrong file or an
    /// unfinished one.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// variable "ref" {
    ///   default = "main"
    /// }
    /// ```
    MissingPipeline {
        id: "missing-pipeline",
        severity: Error,
        summary: "the file has no `pipeline` block",
    }
}
