//! `policy-namespace`: reported by [`crate::policy`] when an operator policy is in force.

declare_rule! {
    /// ## What it checks
    ///
    /// `nomad.namespace` (or the default, `default`, when build.hcl sets none) matches a pattern of
    /// `allow.namespaces` in the operator policy (`--policy`, `NOMAD_BUILD_POLICY`). Checked only
    /// under a policy that sets `allow.namespaces`.
    ///
    /// ## Why it matters
    ///
    /// The namespace decides which ACL policies, quotas and Vault roles apply to the jobs. build.hcl
    /// is written by whoever can push a branch; without a pin, a branch can move its jobs into a
    /// namespace whose workloads are trusted with more. A value outside the policy is an error at its
    /// line, and no comment in build.hcl silences it.
    ///
    /// ## Example
    ///
    /// With this operator policy:
    ///
    /// ```hcl
    /// allow {
    ///   namespaces = ["ci-*"]
    /// }
    /// ```
    ///
    /// this build.hcl is refused:
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   nomad {
    ///     namespace = "prod"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    PolicyNamespace {
        id: "policy-namespace",
        severity: Error,
        summary: "the Nomad namespace is not one the operator policy allows",
    }
}
