//! `invalid-value`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That enumerated values (`storage_driver`, `isolation`, variable `type`) are one of their
    /// choices, with the closest one as help. Checked by the loader, which also uses this rule,
    /// without a span, if a checked document still fails to decode into the model (which the schema
    /// checks should make impossible).
    ///
    /// ## Why it matters
    ///
    /// The generated script passes these values to buildah; an unknown one would fail the build
    /// after placement.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     storage_driver = "btrfs"
    ///   }
    /// }
    /// ```
    InvalidValue {
        id: "invalid-value",
        severity: Error,
        summary: "a value is not one of the allowed choices",
    }
}
