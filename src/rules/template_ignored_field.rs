//! `template-ignored-field`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That a rendered jobspec uses nothing Nomad accepts and then ignores: `vault { policies }`
    /// (ignored since Nomad 1.10), a task's `resources { disk }` (which Nomad's agent never copies
    /// into the job; the group's `ephemeral_disk` is the disk), and the constraint shorthands
    /// `is_set`, `is_not_set`, `set_contains_any` and `set_contains_all`, which Nomad's jobspec
    /// parser accepts and drops.
    /// Checked by the jobspec decoder, which reads every rendered HCL jobspec into nomad-build's
    /// model of Nomad's job API, following Nomad's own jobspec parser, so that the HCL file and the
    /// API JSON describe the same job. The embedded templates never trigger it; an override given
    /// with `--templates` can.
    ///
    /// ## Why it matters
    ///
    /// The job would not do what it says: `policies` grants nothing since the token workflow was
    /// removed in Nomad 1.10.0 (hashicorp/nomad#25155), and a dropped constraint places the job on
    /// any node.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// job "app-build-3f2a1c9" {
    ///   type = "batch"
    ///   group "build" {
    ///     task "build" {
    ///       driver = "docker"
    ///       vault {
    ///         policies = ["ci"]
    ///       }
    ///     }
    ///   }
    /// }
    /// ```
    TemplateIgnoredField {
        id: "template-ignored-field",
        severity: Error,
        summary: "a rendered jobspec sets something Nomad accepts but ignores",
    }
}
