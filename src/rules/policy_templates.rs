//! `policy-templates`: reported by the commands (and the MCP tools) when `--templates` is given
//! under an operator policy that does not allow template overrides.

declare_rule! {
    /// ## What it checks
    ///
    /// Under an operator policy, `--templates DIR` (and the MCP `templates` argument) is given
    /// only when the policy sets `allow { templates = true }`. The finding points at the
    /// `--templates` flag of the command line.
    ///
    /// ## Why it matters
    ///
    /// Template overrides are code: they write the jobs, so they can add `raw_exec` tasks,
    /// privileged containers, host mounts or `vault { env = true }`, whatever build.hcl says
    /// and whatever the policy pins. A directory inside the repository is written by whoever
    /// can push a branch.
    ///
    /// ## Example
    ///
    /// With this operator policy (no `templates = true`):
    ///
    /// ```hcl
    /// allow {
    ///   privileged = false
    /// }
    /// ```
    ///
    /// `nomad-build render --policy policy.hcl --templates ci/templates` is refused, whatever
    /// the build.hcl:
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     privileged = false
    ///   }
    /// }
    /// ```
    PolicyTemplates {
        id: "policy-templates",
        severity: Error,
        summary: "template overrides are used and the operator policy does not allow them",
    }
}
