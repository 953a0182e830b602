//! `template-type-mismatch`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That every value of a rendered jobspec has the type of its field in the job model. Checked
    /// by the jobspec decoder, which reads every rendered HCL jobspec into nomad-build's model of
    /// Nomad's job API, following Nomad's own jobspec parser, so that the HCL file and the API JSON
    /// describe the same job. The embedded templates never trigger it; an override given with
    /// `--templates` can.
    ///
    /// ## Why it matters
    ///
    /// The API rejects a type mismatch with a 400 decode error (Go's `encoding/json`, `decodeBody`
    /// in Nomad's `command/agent/http.go`); the HCL and JSON outputs would disagree about the job.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// job "app-build-3f2a1c9" {
    ///   type     = "batch"
    ///   priority = "50"
    /// }
    /// ```
    TemplateTypeMismatch {
        id: "template-type-mismatch",
        severity: Error,
        summary: "a rendered jobspec has a value of the wrong type",
    }
}
