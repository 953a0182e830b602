//! `undeclared-variable`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That each `--var NAME=VALUE` and each line of a `--var-file` names a declared variable.
    /// Checked by the loader while resolving variable values.
    ///
    /// ## Why it matters
    ///
    /// A value for a variable that does not exist is usually a typo in the name, and the intended
    /// variable silently keeps its default.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build validate --var rfe=v1.2.0
    /// variable "ref" {
    ///   default = "main"
    /// }
    ///
    /// pipeline "app" {
    ///   source {
    ///     url = "https://git.example.com/acme/app.git"
    ///     ref = var.ref
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    UndeclaredVariable {
        id: "undeclared-variable",
        severity: Error,
        summary: "`--var` or a `--var-file` sets a variable the file does not declare",
    }
}
