//! `undefined-variable`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That every `var.<name>` in the pipeline names a declared variable (the help line suggests
    /// the closest one), and that variable defaults and `--var-file` values, where no variables
    /// exist, use none. Checked by expression evaluation.
    ///
    /// ## Why it matters
    ///
    /// The value is unknown, so the file cannot be compiled.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// variable "ref" {
    ///   default = "main"
    /// }
    ///
    /// pipeline "app" {
    ///   source {
    ///     url = "https://git.example.com/acme/app.git"
    ///     ref = var.rfe
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    UndefinedVariable {
        id: "undefined-variable",
        severity: Error,
        summary: "`var.<name>` refers to a variable that is not declared",
    }
}
