//! `template-missing-field`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That a rendered jobspec has a `job` block, and every block the attributes the model
    /// requires. Checked by the jobspec decoder, which reads every rendered HCL jobspec into
    /// nomad-build's model of Nomad's job API, following Nomad's own jobspec parser, so that the
    /// HCL file and the API JSON describe the same job. The embedded templates never trigger it; an
    /// override given with `--templates` can.
    ///
    /// ## Why it matters
    ///
    /// Nomad would refuse the job at registration, or there would be no job at all.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// group "build" {
    ///   count = 1
    /// }
    /// ```
    TemplateMissingField {
        id: "template-missing-field",
        severity: Error,
        summary: "a rendered jobspec lacks a required attribute or the `job` block",
    }
}
