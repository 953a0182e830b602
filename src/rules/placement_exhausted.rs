//! `placement-exhausted`: checked by `plan`, and reported by `run` and `status` for a blocked evaluation; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// For each task group that no node can take, whether the nodes that pass every constraint
    /// lack CPU, memory or disk: what the group asks for (its tasks' `resources`, a prestart
    /// task counted against the main task rather than added, and its ephemeral disk) against
    /// each node's capacity minus what the client reserves minus the allocations it runs
    /// (when the snapshot lists them). Checked by `plan`; `run` and `status` report it for
    /// what Nomad says of a blocked evaluation.
    ///
    /// ## Why it matters
    ///
    /// Nomad keeps a job that fits nowhere pending until capacity frees up, which for a build
    /// that asks for more than any client has is forever. Nomad's report names the dimension
    /// only; the diagnostic names the setting and what the nodes have free.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build plan --nodes nodes.json   (clients with 8 GB of memory)
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     resources {
    ///       memory = 16384
    ///     }
    ///   }
    /// }
    /// ```
    PlacementExhausted {
        id: "placement-exhausted",
        severity: Error,
        summary: "a task group cannot be placed: no eligible node has the CPU, memory or disk it asks for free",
    }
}
