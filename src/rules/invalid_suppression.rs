//! `invalid-suppression`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That every suppression comment, `# nomad-build:ignore <rule-id> -- <reason>` (one finding,
    /// on its line or the next) or `# nomad-build:ignore-file <rule-id> -- <reason>` (the whole
    /// file), names exactly one rule of this catalogue, gives a reason after `--`, and names a
    /// rule that can be suppressed: a warning, a note, or an error of a heuristic that can be a
    /// false positive (such as `literal-secret`; `nomad-build rules` and the catalogue say which).
    /// Checked by the suppression pass after validation.
    ///
    /// ## Why it matters
    ///
    /// A suppression that names no real rule silences nothing and hides a typo; one without a
    /// reason leaves the next reader to guess whether it still applies. Any other error means the
    /// jobs would be wrong or unparseable, so silencing it would only move the failure to the
    /// cluster.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   source {
    ///     url = "https://git.example.com/acme/app.git"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     # nomad-build:ignore unprivileged-buildah
    ///     privileged = false
    ///   }
    /// }
    /// ```
    InvalidSuppression {
        id: "invalid-suppression",
        severity: Error,
        summary: "a `# nomad-build:ignore` comment is malformed, has no reason, or names an unknown rule or one that cannot be suppressed",
    }
}
