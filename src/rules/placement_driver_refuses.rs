//! `placement-driver-refuses`: checked by `plan`, and reported by `run` and `status` for a blocked evaluation; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// Whether every node a task group would be placed on has a docker driver that refuses one
    /// of the group's tasks when it starts: a privileged container where the node does not
    /// report `driver.docker.privileged.enabled`, or a host path or docker volume where it
    /// does not report `driver.docker.volumes.enabled`. Checked by `plan`. The jobs nomad-build
    /// renders constrain a privileged build to nodes that allow it, so this can only come from
    /// templates that drop that constraint.
    ///
    /// ## Why it matters
    ///
    /// Nomad does not look at these settings when it places a job: it places it, and the task
    /// then fails on the client with `Docker privileged mode is disabled on this Nomad agent`.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build plan --nodes nodes.json --templates templates/
    /// # (the build group's template without its privileged constraint)
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     privileged = true
    ///   }
    /// }
    /// ```
    PlacementDriverRefuses {
        id: "placement-driver-refuses",
        severity: Error,
        summary: "every node a task group would be placed on has a docker driver that refuses the task",
    }
}
