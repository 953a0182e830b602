//! `file-unreadable`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That each file given to `validate` can be read; the other files are still checked. Checked
    /// by the CLI; `render` prints a plain error instead. A file is read only when it is a regular
    /// file reached without a symlink: a `build.hcl` that is a symlink, or in a directory reached
    /// through one, is refused, and so are FIFOs, devices and files of `/proc` and `/sys`. Only
    /// the path is shown, never what it leads to.
    ///
    /// ## Why it matters
    ///
    /// Nothing can be checked in a file that cannot be read; a missing file in a list of many
    /// should not hide the results for the others. Whoever can push a branch writes the
    /// repository: a committed `build.hcl` symlinked to `/proc/self/environ` or to a file of the
    /// CI machine would otherwise print that file, secrets included, in the syntax-error snippet.
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
