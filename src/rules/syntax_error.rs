//! `syntax-error`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That `build.hcl` and each `--var-file` parse as HCL native syntax. Checked by the loader,
    /// which parses with hcl-edit before anything else; it reports one syntax error a file and
    /// checks nothing else in that file. An unclosed `{`, `[`, `(`, `${`, string or heredoc is
    /// reported at its opening, with where the file (or, for a string, the line) ended or what
    /// closed first; when a closing `}` is indented less than the line it closes, the `{` it
    /// closes is named as the likely culprit. Any other error is reported where the parser
    /// stopped.
    ///
    /// ## Why it matters
    ///
    /// Nothing can be decoded from a file that does not parse. The help line links the HCL native
    /// syntax specification, which Nomad's own jobspec parser follows.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   build {}
    /// }
    /// ```
    SyntaxError {
        id: "syntax-error",
        severity: Error,
        summary: "the file, or a `--var-file`, is not valid HCL syntax",
    }
}
