//! `duplicate-label`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That no two `variable`, `registry` or `test` blocks share a label. Checked by the loader.
    ///
    /// ## Why it matters
    ///
    /// Labels name task groups (`test`), registries and variables; a second block with the same
    /// label would silently replace the first.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    ///   test "unit" {
    ///     command = ["make", "test"]
    ///   }
    ///   test "unit" {
    ///     command = ["make", "check"]
    ///   }
    /// }
    /// ```
    DuplicateLabel {
        id: "duplicate-label",
        severity: Error,
        summary: "two blocks of one type share a label",
    }
}
