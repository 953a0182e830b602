//! `unknown-block`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That every block type is one its parent defines: `variable` and `pipeline` at the top level,
    /// the blocks of the language inside the pipeline, and none in a `--var-file` (which holds only
    /// `name = value` lines). The help line names the closest valid block. Checked by the loader.
    ///
    /// ## Why it matters
    ///
    /// An unknown block would otherwise be dropped with everything in it: a misspelt `tset` block
    /// would leave the pipeline without its tests and nobody would notice.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    ///   tset "unit" {
    ///     command = ["make", "test"]
    ///   }
    /// }
    /// ```
    UnknownBlock {
        id: "unknown-block",
        severity: Error,
        summary: "a block type that `build.hcl` does not define",
    }
}
