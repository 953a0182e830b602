//! `duplicate-attribute`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That no attribute is set twice in one block; the second occurrence is reported, with the
    /// first as a related place. Checked by the loader for every block. hcl-edit, the parser,
    /// already refuses a repeated attribute while parsing, so today such a file is reported as
    /// `syntax-error` (`found redefined attribute`) before this check runs; the rule keeps the
    /// loader correct on its own.
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
