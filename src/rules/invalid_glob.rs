//! `invalid-glob`: reported by [`crate::policy`] while it reads an operator policy file.

declare_rule! {
    /// ## What it checks
    ///
    /// Every pattern of an operator policy file (the lists of `allow`, `repository` and
    /// `credentials`, and the `repository` labels) is a glob pattern: not empty, brackets and
    /// braces closed. The finding points into the policy file.
    ///
    /// ## Why it matters
    ///
    /// A policy that cannot be read as written is not used: every command that was given it
    /// stops before it reads build.hcl, rather than run with a policy that means something else
    /// than its authors think.
    ///
    /// ## Example
    ///
    /// This policy file is refused:
    ///
    /// ```hcl
    /// allow {
    ///   images = ["registry.example.com/[base/*"]
    /// }
    /// ```
    InvalidGlob {
        id: "invalid-glob",
        severity: Error,
        summary: "a pattern of the operator policy file is not a glob pattern",
    }
}
