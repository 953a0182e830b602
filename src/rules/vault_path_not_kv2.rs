//! `vault-path-not-kv2`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// Each `credentials.path` contains `/data/`, as a Vault KV version 2 read path
    /// (`<mount>/data/<path>`) does.
    ///
    /// ## Why it matters
    ///
    /// The credential templates read `.Data.data.<field>`, the shape of a KV v2 response. A KV
    /// v1 path, or a v2 path without `data/`, returns a different shape (or nothing), and the
    /// template fails with a missing key when the task starts, after placement.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   vault {
    ///     role = "nomad-workloads"
    ///   }
    ///   source {
    ///     url = "https://git.example.com/acme/app.git"
    ///     credentials {
    ///       path = "secret/ci/git"
    ///     }
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    VaultPathNotKv2 {
        id: "vault-path-not-kv2",
        severity: Warning,
        summary: "a credentials `path` is not a Vault KV v2 read path (`<mount>/data/<path>`)",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    for (rel, cr) in super::push_credentials_in_test::every_credential(cx) {
        if !cr.path.contains("/data/") {
            let f = cx
                .finding(
                    &RULE,
                    &format!("{rel}/path"),
                    format!("`{}` is not a KV v2 read path", cr.path),
                )
                .label("KV v2 secrets are read at `<mount>/data/<path>`")
                .help("e.g. `secret/data/nomad/jobs/registry`; a v1 path makes `.Data.data` missing and the template fail");
            cx.push(f);
        }
    }
}
