//! `type-mismatch`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That every value has the type the schema gives it, for values written in the file and for
    /// `--var`, `--var-file` and `NOMAD_BUILD_VAR_*` values of typed variables; and that only
    /// strings, numbers and bools are interpolated into strings. Checked by the loader and by
    /// expression evaluation.
    ///
    /// ## Why it matters
    ///
    /// A quoted number or a string where a list belongs would otherwise be coerced or fail later in
    /// Nomad with an error that points at the generated job rather than at `build.hcl`.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     resources {
    ///       cpu = "2000"
    ///     }
    ///   }
    /// }
    /// ```
    TypeMismatch {
        id: "type-mismatch",
        severity: Error,
        summary: "a value has the wrong type",
    }
}
