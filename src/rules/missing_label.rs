//! `missing-label`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That `pipeline`, `variable`, `registry` and `test` blocks have their label (the pipeline
    /// name, the variable name, the registry host, the test name). Checked by the loader.
    ///
    /// ## Why it matters
    ///
    /// The label is the block's identity: it names jobs, task groups and variables, and selects the
    /// registry a credential belongs to. There is no sensible default.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    ///   test {
    ///     command = ["make", "test"]
    ///   }
    /// }
    /// ```
    MissingLabel {
        id: "missing-label",
        severity: Error,
        summary: "a block that needs a label has none",
    }
}
