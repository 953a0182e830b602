//! `vault-audience-missing`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// When credentials are configured, the `vault` block sets `audience` as well as `role`.
    ///
    /// ## Why it matters
    ///
    /// The tasks that read credentials log in to Vault with their `vault_default` workload
    /// identity. With `audience`, each such task carries `identity "vault_default"` with that
    /// audience. Without it, the identity must come from the Nomad servers' agent configuration,
    /// `vault { default_identity { aud = [...] } }`. If the servers have none, Nomad still accepts
    /// the job, but the task cannot get a token: `failed to retrieve signed workload identity` is a
    /// recoverable error, so the task keeps retrying with backoff instead of failing, until the
    /// job's `timeout` if it has one (Nomad's `client/allocrunner/taskrunner/vault_hook.go`).
    ///
    /// This is a note, not a warning: a cluster whose servers set `default_identity` needs
    /// nothing more.
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
    ///       path = "secret/data/ci/registry"
    ///     }
    ///   }
    ///   build {}
    /// }
    /// ```
    VaultAudienceMissing {
        id: "vault-audience-missing",
        severity: Note,
        summary: "credentials are read with the servers' default Vault identity, which must exist",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let Some(vault) = &cx.p.vault else {
        return;
    };
    if vault.role.is_empty()
        || vault.audience.is_some()
        || super::push_credentials_in_test::every_credential(cx).is_empty()
    {
        return;
    }
    let f = cx
        .finding_at_key(
            &RULE,
            "/vault",
            "`vault` has no `audience`: the Nomad servers must provide the workload identity",
        )
        .label("no `audience`")
        .help("set `audience = [\"vault.io\"]` (the audience your JWT auth role expects), or make sure the Nomad servers' `vault` block has `default_identity`; without either, the tasks keep retrying \"failed to retrieve signed workload identity\"");
    cx.push(f);
}
