//! `placement-filtered`: checked by `plan`, and reported by `run` and `status` for a blocked evaluation; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// For each task group that no node can take, each reason Nomad excludes nodes: a
    /// constraint the nodes fail (`nomad.constraint`, the build group's
    /// `${attr.driver.docker.privileged.enabled} = true` when the build is privileged, and the
    /// constraints Nomad adds itself: `${attr.vault.version} semver >= 0.6.1` for tasks with a
    /// `vault` block, `${attr.nomad.version} semver >= 1.7.0-a` for tasks with a workload
    /// identity), a driver that is not detected and healthy, or a missing host volume (the
    /// build cache). Checked by `plan`, and reported by `run` and `status` for a blocked
    /// evaluation, pointing at the build.hcl setting that led to it.
    ///
    /// ## Why it matters
    ///
    /// Nomad reports these as counts per constraint string after the job is submitted, and the
    /// job stays pending. The implicit constraints appear nowhere in build.hcl or in the
    /// rendered job, so `${attr.vault.version} semver >= 0.6.1` is hard to trace back to the
    /// Vault credentials that caused it.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build plan --nodes nodes.json   (no client allows privileged containers)
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     privileged = true
    ///   }
    /// }
    /// ```
    PlacementFiltered {
        id: "placement-filtered",
        severity: Error,
        summary: "a task group cannot be placed: the nodes fail a constraint, lack a driver or a host volume",
    }
}
