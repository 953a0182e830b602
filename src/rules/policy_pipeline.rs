//! `policy-pipeline`: reported by [`crate::policy`] when an operator policy is in force.

declare_rule! {
    /// ## What it checks
    ///
    /// The pipeline's name matches a pattern of `allow.pipelines`, and, when the policy has
    /// `repository "<url pattern>"` blocks, the source URL (`source.url`, else the `origin` remote)
    /// matches one of them and the name matches a pattern of a matching block's `pipelines`.
    ///
    /// ## Why it matters
    ///
    /// The pipeline name makes the job IDs (`<pipeline>-<phase>-<run id>`), and Vault roles bind to
    /// jobs through the `nomad_job_id` claim of their workload identity. A branch that names its
    /// pipeline after another repository's would read that repository's secrets.
    ///
    /// ## Example
    ///
    /// With this operator policy:
    ///
    /// ```hcl
    /// repository "https://git.example.com/acme/app.git" {
    ///   pipelines = ["app"]
    /// }
    /// ```
    ///
    /// this build.hcl is refused:
    ///
    /// ```hcl
    /// pipeline "billing" {
    ///   source {
    ///     url = "https://git.example.com/acme/app.git"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    PolicyPipeline {
        id: "policy-pipeline",
        severity: Error,
        summary: "the pipeline name is not one the operator policy allows (for this repository)",
    }
}
