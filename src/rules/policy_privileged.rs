//! `policy-privileged`: reported by [`crate::policy`] when an operator policy is in force.

declare_rule! {
    /// ## What it checks
    ///
    /// Under `allow { privileged = false }`, `build.privileged` is set to `false`. Builds are
    /// privileged by default, so a build.hcl that does not set it is refused too.
    ///
    /// ## Why it matters
    ///
    /// A privileged container is root on its node: every `RUN` line of the Containerfile, which
    /// any branch can change, runs with it.
    ///
    /// ## Example
    ///
    /// With this operator policy:
    ///
    /// ```hcl
    /// allow {
    ///   privileged = false
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
    PolicyPrivileged {
        id: "policy-privileged",
        severity: Error,
        summary: "the build runs privileged and the operator policy refuses it",
    }
}
