//! `invalid-expression`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That computed object keys (`(expr) = value`) evaluate to a string, number or bool, not to a
    /// list, an object or null. Checked by expression evaluation.
    ///
    /// ## Why it matters
    ///
    /// Object keys become environment variable names, labels and meta keys, which are strings.
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
    ///       (null) = "x"
    ///     }
    ///   }
    /// }
    /// ```
    InvalidExpression {
        id: "invalid-expression",
        severity: Error,
        summary: "an object key is not a string",
    }
}
