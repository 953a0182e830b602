//! `policy-node-pool`: reported by [`crate::policy`] when an operator policy is in force.

declare_rule! {
    /// ## What it checks
    ///
    /// `nomad.node_pool` (or the default, `default`) matches a pattern of `allow.node_pools` in the
    /// operator policy.
    ///
    /// ## Why it matters
    ///
    /// A privileged build is root on its node. Platform teams put builds on a node pool of their
    /// own so that a build cannot reach other workloads; a build.hcl that names another pool would
    /// land next to them.
    ///
    /// ## Example
    ///
    /// With this operator policy:
    ///
    /// ```hcl
    /// allow {
    ///   node_pools = ["builds"]
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
    ///   build {}
    /// }
    /// ```
    PolicyNodePool {
        id: "policy-node-pool",
        severity: Error,
        summary: "the node pool is not one the operator policy allows",
    }
}
