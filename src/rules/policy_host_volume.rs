//! `policy-host-volume`: reported by [`crate::policy`] when an operator policy is in force.

declare_rule! {
    /// ## What it checks
    ///
    /// `build.cache.host_volume` matches a pattern of `allow.host_volumes`.
    ///
    /// ## Why it matters
    ///
    /// A host volume is mounted read-write into the privileged build: whatever is on it can be read
    /// and changed by the Containerfile of any branch.
    ///
    /// ## Example
    ///
    /// With this operator policy:
    ///
    /// ```hcl
    /// allow {
    ///   host_volumes = ["buildah-cache"]
    /// }
    /// ```
    ///
    /// this build.hcl is refused:
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     cache {
    ///       host_volume = "docker-sock"
    ///     }
    ///   }
    /// }
    /// ```
    PolicyHostVolume {
        id: "policy-host-volume",
        severity: Error,
        summary: "a host volume is not one the operator policy allows",
    }
}
