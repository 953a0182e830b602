//! `invalid-credential-field`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// The `username` and `password` field names of each `credentials` block are Go
    /// identifiers: `[A-Za-z_][A-Za-z0-9_]*`.
    ///
    /// ## Why it matters
    ///
    /// The credential templates read the fields as `.Data.data.<field>`, a consul-template (Go
    /// `text/template`) field access. A name with `-`, `.` or a space is not a field name
    /// there: the template does not parse, and the task fails when it starts.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   vault {
    ///     role = "nomad-workloads"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   registry "registry.example.com" {
    ///     credentials {
    ///       path     = "secret/data/ci/registry"
    ///       password = "api-token"
    ///     }
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidCredentialField {
        id: "invalid-credential-field",
        severity: Error,
        summary: "a credentials `username` or `password` field name is not a Go identifier",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    for (rel, cr) in super::push_credentials_in_test::every_credential(cx) {
        for (field, value) in [("username", &cr.username), ("password", &cr.password)] {
            let Some(v) = value else { continue };
            if !is_go_identifier(v) {
                let f = cx
                    .finding(
                        &RULE,
                        &format!("{rel}/{field}"),
                        format!("`{v}` is not a usable secret field name"),
                    )
                    .label("field names must match `[A-Za-z_][A-Za-z0-9_]*`")
                    .help("rename the field in the Vault secret");
                cx.push(f);
            }
        }
    }
}

fn is_go_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
