//! `template-unknown-field`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That every block and attribute of a rendered jobspec exists at its place in the job model,
    /// in its form (block or attribute), and is not one the decoder refuses: `update` and `migrate`
    /// (not allowed in batch jobs), blocks nomad-build does not model, and deprecated fields (a
    /// job-level `stop` is `forbidden-job-field`). Checked by the jobspec decoder, which reads every rendered
    /// HCL jobspec into nomad-build's model of Nomad's job API, following Nomad's own jobspec
    /// parser, so that the HCL file and the API JSON describe the same job. The embedded templates
    /// never trigger it; an override given with `--templates` can.
    ///
    /// ## Why it matters
    ///
    /// Nomad's JSON decoding ignores unknown keys (Go's `encoding/json`, `decodeBody` in Nomad's
    /// `command/agent/http.go`), and the servers do not validate driver `config`, whose errors
    /// surface only on the client after placement, so a misspelt field would be dropped silently or
    /// fail late.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// job "app-build-3f2a1c9" {
    ///   type    = "batch"
    ///   datacentres = ["dc1"]
    /// }
    /// ```
    TemplateUnknownField {
        id: "template-unknown-field",
        severity: Error,
        summary: "a rendered jobspec has a block or attribute Nomad's job does not have",
    }
}
