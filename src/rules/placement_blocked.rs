//! `placement-blocked`: reported by `run` and `status`; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// While `nomad-build run` waits for a phase's job to be placed (and when `nomad-build
    /// status` explains a pending job), every reason Nomad's scheduler gave for not placing it
    /// — the `FailedTGAllocs` of the blocked evaluation: nodes filtered by a constraint, a
    /// resource dimension exhausted, no node in the node pool and datacenters — is reported at
    /// the build.hcl place that produced the constraint or the request. Constraints Nomad adds
    /// by itself (Vault, workload identity) are explained.
    ///
    /// ## Why it matters
    ///
    /// Nomad reports a placement failure as counts per constraint string, far from the file
    /// that asked for it; the job then waits silently on a blocked evaluation. Seeing the
    /// build.hcl line while waiting tells whether to fix the file or wait for capacity. `run`
    /// keeps waiting until `--placement-timeout`, then stops the job.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build run   (no client allows privileged docker containers)
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     privileged = true
    ///   }
    /// }
    /// ```
    PlacementBlocked {
        id: "placement-blocked",
        severity: Warning,
        summary: "Nomad could not place a phase's job yet, for a reason that build.hcl set",
    }
}
