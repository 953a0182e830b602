//! `missing-variable-value`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That every declared variable gets a value from `--var`, `--var-file`,
    /// `NOMAD_BUILD_VAR_<name>` or its `default` (looked at in that order). Checked by the loader.
    ///
    /// ## Why it matters
    ///
    /// The file cannot be compiled without the value; the help line lists every way to give one.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// variable "ref" {}
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
    MissingVariableValue {
        id: "missing-variable-value",
        severity: Error,
        summary: "a variable has no value from any source and no default",
    }
}
