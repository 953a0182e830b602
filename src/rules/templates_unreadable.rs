//! `templates-unreadable`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That the directory given with `--templates DIR` and its `*.j2` files can be read. Checked by
    /// the CLI.
    ///
    /// ## Why it matters
    ///
    /// Rendering with the embedded templates instead would produce jobs other than the ones the
    /// overrides describe.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build render --templates ci/templates/ -o out/   (no such directory)
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    TemplatesUnreadable {
        id: "templates-unreadable",
        severity: Error,
        summary: "the `--templates` directory cannot be read",
    }
}
