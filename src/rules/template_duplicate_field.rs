//! `template-duplicate-field`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That a rendered jobspec has one `job` block, gives no single-use block twice (a map such as
    /// `meta` counts once, whether written as a block or an attribute), and no two labelled blocks
    /// the same label. A repeated attribute is already refused by the parser, as
    /// `template-output-syntax`. Checked by the jobspec decoder, which reads every rendered HCL
    /// jobspec into nomad-build's model of Nomad's job API, following Nomad's own jobspec parser,
    /// so that the HCL file and the API JSON describe the same job. The embedded templates never
    /// trigger it; an override given with `--templates` can.
    ///
    /// ## Why it matters
    ///
    /// A jobspec file holds one job, and of two single-use blocks one would be lost, so the HCL and
    /// JSON outputs could describe different jobs.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// job "app-build-3f2a1c9" {
    ///   type = "batch"
    /// }
    ///
    /// job "app-test-3f2a1c9" {
    ///   type = "batch"
    /// }
    /// ```
    TemplateDuplicateField {
        id: "template-duplicate-field",
        severity: Error,
        summary: "a rendered jobspec has two `job` blocks, or a single-use block twice",
    }
}
