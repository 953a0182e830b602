//! `duplicate-attribute`: reported by the loader (`src/load/mod.rs`); this file holds its
//! declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That no attribute is set twice in one block; the second occurrence is reported, with the
    /// first as a related place. hcl-edit, the parser, refuses a repeated attribute while
    /// parsing; the loader reports that refusal under this rule (not as a `syntax-error`),
    /// and its structural check reports it for a model built without the parser's check.
    ///
    /// ## Why it matters
    ///
    /// HCL forbids it, and whichever value won would be a guess: HashiCorp's parser rejects a
    /// repeated argument too.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     timeout = "20m"
    ///     timeout = "45m"
    ///   }
    /// }
    /// ```
    DuplicateAttribute {
        id: "duplicate-attribute",
        severity: Error,
        summary: "an attribute is set twice in one block",
    }
}
