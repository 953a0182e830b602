//! `invalid-var-flag`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That each `--var` argument has the form `NAME=VALUE`. Checked by the loader; the diagnostic
    /// points into the command line.
    ///
    /// ## Why it matters
    ///
    /// Without `=` there is no value to set.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build validate --var ref
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
    InvalidVarFlag {
        id: "invalid-var-flag",
        severity: Error,
        summary: "a `--var` argument is not `NAME=VALUE`",
    }
}
