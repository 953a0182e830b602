//! `block-expected`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That names that are blocks in `build.hcl` (`build`, `resources`, `credentials`, ...) are not
    /// written as `name = value`. Checked by the loader.
    ///
    /// ## Why it matters
    ///
    /// HCL distinguishes blocks from attributes; the value of `build = { ... }` would not be
    /// decoded as the block, so its settings would be lost.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build = {
    ///     timeout = "20m"
    ///   }
    /// }
    /// ```
    BlockExpected {
        id: "block-expected",
        severity: Error,
        summary: "a block is written as an attribute (`name = ...`)",
    }
}
