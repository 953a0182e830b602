//! `invalid-node-snapshot`: checked by `plan --nodes`; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That the file given to `plan --nodes` can be read and is a node snapshot: a JSON array
    /// of node objects as `GET /v1/node/:id` returns them, each with its `ID`, `Attributes`
    /// and `NodeResources`. Checked by `plan`, which then plans nothing and exits with 3.
    ///
    /// ## Why it matters
    ///
    /// A placement prediction is only as good as the nodes it is made against. The entries of
    /// `GET /v1/nodes` look like nodes but lack the attributes, drivers and resources that
    /// placement depends on: planning against them would report every node as unfit.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # curl "$NOMAD_ADDR/v1/nodes" > nodes.json   (list entries, not full nodes)
    /// # nomad-build plan --nodes nodes.json
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidNodeSnapshot {
        id: "invalid-node-snapshot",
        severity: Error,
        summary: "the `--nodes` file of `plan` cannot be read or is not a snapshot of Nomad nodes",
    }
}
