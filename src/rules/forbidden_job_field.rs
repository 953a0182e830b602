//! `forbidden-job-field`.

declare_rule! {
    /// ## What it checks
    ///
    /// That a rendered job has no `Stop` field and no `vault { policies }`. nomad-build makes both
    /// impossible by construction: its model of Nomad's job has no `Stop` and no `Vault.Policies`,
    /// so nothing can write them into the API JSON, and the decoder of rendered jobspecs refuses
    /// them in an HCL template given with `--templates`: a job-level `stop` under this rule,
    /// `policies` as a field Nomad ignores (`template-ignored-field`).
    ///
    /// ## Why it matters
    ///
    /// A job submitted with `"Stop": true` is registered stopped: Nomad creates an evaluation that
    /// places nothing, and the job shows as `dead (stopped)` with "No allocations placed"
    /// (`nomad job status`, Nomad's `command/job_status.go`). `vault { policies }` is silently
    /// ignored since Nomad 1.10, which removed the token workflow: Vault access comes only from the
    /// `role` and the task's workload identity (Nomad 1.10.0 changelog, hashicorp/nomad#25155), so
    /// a template relying on `policies` would get a token without the access it asks for.
    ///
    /// ## Example
    ///
    /// A template override that renders
    ///
    /// ```hcl
    /// job "app-build-3f2a1c9" {
    ///   stop = true
    /// }
    /// ```
    ForbiddenJobField {
        id: "forbidden-job-field",
        severity: Error,
        summary: "a job with `Stop` or `vault.policies` (impossible by construction)",
    }
}
