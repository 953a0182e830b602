//! `invalid-vault-path`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// Each `credentials.path` and `pull_credentials.path` is a plain Vault path: segments
    /// separated by single `/`, no leading `/`, no `.` or `..` segment, and no whitespace,
    /// control characters, quotes (`"`, `'`, `` ` ``), backslashes or braces.
    ///
    /// ## Why it matters
    ///
    /// The path is written into consul-template data as `{{ with secret "<path>" }}`. Quotes,
    /// backslashes and `{{ }}` are escaped there, but a path that needs escaping is not one
    /// Vault serves: such characters only come from a mistake or from someone trying to
    /// change what the template reads. `.` and `..` segments and empty segments address a
    /// different secret than the text suggests once Vault cleans the path.
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
    ///       path = "secret/data/ci/registry\" }}{{ env \"HOME\""
    ///     }
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidVaultPath {
        id: "invalid-vault-path",
        severity: Error,
        summary: "a credentials `path` has characters or segments no Vault path has",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    for (rel, cr) in super::push_credentials_in_test::every_credential(cx) {
        if let Err(why) = valid_vault_path(&cr.path) {
            let f = cx
                .finding(
                    &RULE,
                    &format!("{rel}/path"),
                    format!("`{}` is not a Vault path", cr.path),
                )
                .label(why)
                .help("write the KV v2 read path, e.g. `secret/data/ci/registry`");
            cx.push(f);
        }
    }
}

/// Why `path` is not a plain Vault path, if it is not.
pub fn valid_vault_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("the path is empty");
    }
    if path.starts_with('/') {
        return Err("Vault paths do not start with `/`");
    }
    if path.chars().any(|c| {
        c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '`' | '\\' | '{' | '}')
    }) {
        return Err(
            "a Vault path has no whitespace, control characters, quotes, backslashes or braces",
        );
    }
    if path.split('/').any(|s| matches!(s, "" | "." | "..")) {
        return Err("empty, `.` and `..` segments are not allowed");
    }
    Ok(())
}
