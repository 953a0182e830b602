//! `placement-computed-class`: reported by `run` and `status`; this file holds its declaration
//! and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// Nothing in build.hcl: when Nomad's placement failure counts nodes as `computed class
    /// ineligible`, `run` and `status` say what that count means, at the place in build.hcl that
    /// decides where the jobs may run.
    ///
    /// ## Why it matters
    ///
    /// Nomad checks one node of each computed class and skips the identical ones after a
    /// failure, counting them as `computed class ineligible`. The count looks like a separate
    /// reason but is the same failure as the constraint reported next to it.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # nomad-build run   (many identical clients without Vault)
    /// pipeline "app" {
    ///   vault {
    ///     role = "ci"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    PlacementComputedClass {
        id: "placement-computed-class",
        severity: Note,
        summary: "a placement failure counts nodes skipped because an identical node failed first",
    }
}
