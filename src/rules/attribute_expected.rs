//! `attribute-expected`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That names that are attributes, including map-valued ones such as `meta`, `env`,
    /// `build_args` and `labels`, are not written as blocks. Checked by the loader.
    ///
    /// ## Why it matters
    ///
    /// Map-valued settings are attributes in `build.hcl` so that their keys can be any string
    /// (`"org.opencontainers.image.source"`); a block body would be decoded differently or not at
    /// all.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   nomad {
    ///     meta {
    ///       team = "payments"
    ///     }
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    AttributeExpected {
        id: "attribute-expected",
        severity: Error,
        summary: "an attribute is written as a block (`name { ... }`)",
    }
}
