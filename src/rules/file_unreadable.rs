//! `file-unreadable`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That each file given to `validate` can be read; the other files are still checked. Checked
    /// by the CLI; `render` prints a plain error instead.
    ///
    /// ## Why it matters
    ///
    /// Nothing can be checked in a file that cannot be read; a missing file in a list of many
    /// should not hide the results for the others.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build validate services/api/build.hcl   (no such file)
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    FileUnreadable {
        id: "file-unreadable",
        severity: Error,
        summary: "a file given to `validate` cannot be read",
    }
}
