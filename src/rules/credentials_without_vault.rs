//! `credentials-without-vault`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// When any `credentials` block is configured (in `source` or a `registry`), the pipeline
    /// has a `vault` block.
    ///
    /// ## Why it matters
    ///
    /// Credentials are read from Vault by Nomad `template` blocks, which need a Vault token. The
    /// token comes from a JWT login with the task's workload identity and the `vault.role`; with
    /// no `vault` block there is no token, and the job cannot read its secrets.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   registry "registry.example.com" {
    ///     credentials {
    ///       path = "secret/data/ci/registry"
    ///     }
    ///   }
    ///   build {}
    /// }
    /// ```
    CredentialsWithoutVault {
        id: "credentials-without-vault",
        severity: Error,
        summary: "credentials are configured but there is no `vault` block",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    if cx.p.vault.is_some() {
        return;
    }
    let creds = super::push_credentials_in_test::every_credential(cx);
    let Some(((first, _), rest)) = creds.split_first() else {
        return;
    };
    let mut f = cx
        .finding_at_key(
            &RULE,
            first,
            "credentials are configured but there is no `vault` block",
        )
        .label("these credentials are read from Vault")
        .help("add `vault { role = \"<jwt auth role>\" }` to the pipeline");
    for (other, _) in rest {
        f = f.also(cx.key_at(other), "also read from Vault");
    }
    cx.push(f);
}
