//! `template-invalid-label`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That the blocks of a rendered jobspec have the labels they take: one for `job`, `group` and
    /// `task`, none for most others. Checked by the jobspec decoder, which reads every rendered HCL
    /// jobspec into nomad-build's model of Nomad's job API, following Nomad's own jobspec parser,
    /// so that the HCL file and the API JSON describe the same job. The embedded templates never
    /// trigger it; an override given with `--templates` can.
    ///
    /// ## Why it matters
    ///
    /// Labels are job, group and task names; without them the job cannot be registered.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// job {
    ///   type = "batch"
    /// }
    /// ```
    TemplateInvalidLabel {
        id: "template-invalid-label",
        severity: Error,
        summary: "a rendered jobspec block has the wrong number of labels",
    }
}
