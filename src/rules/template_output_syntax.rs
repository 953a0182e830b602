//! `template-output-syntax`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That a rendered jobspec parses as HCL. Checked by the jobspec decoder, which reads every
    /// rendered HCL jobspec into nomad-build's model of Nomad's job API, following Nomad's own
    /// jobspec parser, so that the HCL file and the API JSON describe the same job. The embedded
    /// templates never trigger it; an override given with `--templates` can.
    ///
    /// ## Why it matters
    ///
    /// `nomad job run` would refuse the file; the error points at the rendered line so that the
    /// template text producing it can be found.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// job "app-build-3f2a1c9" {
    ///   type = "batch"
    /// ```
    TemplateOutputSyntax {
        id: "template-output-syntax",
        severity: Error,
        summary: "a rendered jobspec is not valid HCL",
    }
}
