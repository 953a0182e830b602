//! `duplicate-key`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That no object value (`env`, `meta`, `build_args`, `labels`) has the same key twice. Checked
    /// by expression evaluation on the evaluated keys. hcl-edit, the parser, already refuses two
    /// keys written the same way (`CI` twice) as a `syntax-error`; this rule catches keys written
    /// differently that mean the same string (`CI` and `"CI"`).
    ///
    /// ## Why it matters
    ///
    /// Only one of the values could reach the job, and which one would be an accident of evaluation
    /// order.
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
    ///     env = {
    ///       CI = "true"
    ///       "CI" = "1"
    ///     }
    ///   }
    /// }
    /// ```
    DuplicateKey {
        id: "duplicate-key",
        severity: Error,
        summary: "an object value has the same key twice",
    }
}
