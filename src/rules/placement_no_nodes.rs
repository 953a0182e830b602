//! `placement-no-nodes`: checked by `plan`, and reported by `run` and `status` for a blocked evaluation; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That some node is ready, eligible and not draining in the jobs' node pool
    /// (`nomad.node_pool`, default `default`) and in a datacenter that `nomad.datacenters`
    /// matches (default `*`; `*` is the only wildcard). Checked by `plan` against the cluster's
    /// nodes; the diagnostic lists where the nodes are instead.
    ///
    /// ## Why it matters
    ///
    /// Nomad looks for a place only among those nodes. With none, it evaluates no node at all,
    /// the job stays pending, and Nomad says only `No nodes were eligible for evaluation`: a
    /// misspelled pool or datacenter looks exactly like a cluster without capacity.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build plan --nodes nodes.json   (no node in pool "builders")
    /// pipeline "app" {
    ///   nomad {
    ///     node_pool = "builders"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    PlacementNoNodes {
        id: "placement-no-nodes",
        severity: Error,
        summary: "no ready node is in the jobs' node pool and datacenters",
    }
}
