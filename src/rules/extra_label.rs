//! `extra-label`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That unlabelled blocks (`build`, `image`, `nomad`, ...) have no label, and labelled ones
    /// (`pipeline`, `variable`, `registry`, `test`) exactly one. Checked by the loader.
    ///
    /// ## Why it matters
    ///
    /// An extra label is a sign of a misunderstanding (for example `build "app" { ... }` for a
    /// pipeline name); ignoring it would hide what was meant.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build "app" {}
    /// }
    /// ```
    ExtraLabel {
        id: "extra-label",
        severity: Error,
        summary: "a block has more labels than it takes",
    }
}
