//! `template-error`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That every job template (embedded, or an override given with `--templates`) renders: no
    /// syntax error, no undefined value (templates are strict), no failing filter. Checked by the
    /// renderer; the diagnostic points into the template.
    ///
    /// ## Why it matters
    ///
    /// A template that renders with a hole would produce a job that does not do what `build.hcl`
    /// says; strict undefined values turn every such hole into an error.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # with --templates overrides/, where overrides/build.nomad.hcl.j2 uses {= job.nmae =}
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    TemplateError {
        id: "template-error",
        severity: Error,
        summary: "a job template fails to render",
    }
}
