//! `missing-required`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That required blocks and attributes are present: `image` and `build` in the pipeline,
    /// `repository` in `image`, `role` in `vault`, `path` in `credentials`. Checked by the loader,
    /// from the `required` lists of the schema.
    ///
    /// ## Why it matters
    ///
    /// Without them there is nothing to build, nowhere to push it, or no way to read the secret.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {}
    ///   build {}
    /// }
    /// ```
    MissingRequired {
        id: "missing-required",
        severity: Error,
        summary: "a required block or attribute is missing",
    }
}
