//! `policy-vault-role`: reported by [`crate::policy`] when an operator policy is in force.

declare_rule! {
    /// ## What it checks
    ///
    /// `vault.role` matches a pattern of `allow.vault_roles` in the operator policy.
    ///
    /// ## Why it matters
    ///
    /// The Vault role decides which secrets the jobs' workload identity can read. A branch that
    /// picks another team's role reads that team's secrets.
    ///
    /// ## Example
    ///
    /// With this operator policy:
    ///
    /// ```hcl
    /// allow {
    ///   vault_roles = ["nomad-build-*"]
    /// }
    /// ```
    ///
    /// this build.hcl is refused:
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   vault {
    ///     role = "admin"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    PolicyVaultRole {
        id: "policy-vault-role",
        severity: Error,
        summary: "the Vault role is not one the operator policy allows",
    }
}
