//! `invalid-namespace`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// `nomad.namespace` matches Nomad's namespace name pattern `[a-zA-Z0-9-]{1,128}`.
    ///
    /// ## Why it matters
    ///
    /// Nomad creates namespaces only with names of that pattern, so a job in any other namespace is
    /// refused at registration with `job "..." is in nonexistent namespace "..."` (Nomad's
    /// `nomad/job_endpoint_validators.go`).
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   nomad {
    ///     namespace = "ci/builds"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidNamespace {
        id: "invalid-namespace",
        severity: Error,
        summary: "`nomad.namespace` is not a valid Nomad namespace name",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let Some(ns) = &cx.p.nomad.namespace else {
        return;
    };
    let valid = !ns.is_empty()
        && ns.len() <= 128
        && ns.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !valid {
        let f = cx
            .finding(
                &RULE,
                "/nomad/namespace",
                format!("`{ns}` is not a valid Nomad namespace"),
            )
            .label("Nomad namespaces match `[a-zA-Z0-9-]{1,128}`");
        cx.push(f);
    }
}
