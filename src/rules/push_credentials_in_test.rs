//! `push-credentials-in-test`.

use indexmap::IndexMap;

use super::{esc, Cx};
use crate::config::Credentials;
use crate::reference;

declare_rule! {
    /// ## What it checks
    ///
    /// No test task pulls its image with the `credentials` of a registry the pipeline pushes
    /// to (the staging image's registry, or one of `publish.repositories`), unless that
    /// registry has `pull_credentials` for test pulls.
    ///
    /// ## Why it matters
    ///
    /// Test tasks run the repository's own code, and whoever can push a branch writes it. The
    /// docker driver reads the pull credentials from the task's environment (a `template` with
    /// `env = true` in `secrets/`), so the test command can read them too. Credentials the build
    /// pushes with could then overwrite the staging image, or any tag, from a branch. Give the
    /// registry read-only `pull_credentials { path = "..." }`: test tasks use those instead.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   vault {
    ///     role     = "nomad-workloads"
    ///     audience = ["vault.io"]
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
    ///   test "unit" {
    ///     command = ["make", "test"]
    ///   }
    /// }
    /// ```
    PushCredentialsInTest {
        id: "push-credentials-in-test",
        severity: Warning,
        security: true,
        summary: "a test task pulls with credentials the pipeline also pushes with",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let p = cx.p;
    let host = |image: &str| reference::parse(image).map(|r| r.host).unwrap_or_default();
    let mut push_hosts = vec![host(&p.image.repository)];
    if let Some(pb) = &p.publish {
        push_hosts.extend(pb.repositories.iter().map(|r| host(r)));
    }
    let mut exposed: IndexMap<String, Vec<&str>> = IndexMap::new();
    for (tname, t) in &p.test {
        let h = host(t.image.as_deref().unwrap_or(&p.image.repository));
        let Some(r) = p.registry.get(&h) else {
            continue;
        };
        if r.credentials.is_some() && r.pull_credentials.is_none() && push_hosts.contains(&h) {
            exposed.entry(h).or_default().push(tname);
        }
    }
    for (h, tests) in exposed {
        let names: Vec<String> = tests.iter().map(|t| format!("`{t}`")).collect();
        let f = cx
            .finding_at_key(
                &RULE,
                &format!("/registry/{}/credentials", esc(&h)),
                format!(
                    "{} {} with the credentials the pipeline pushes to `{h}` with",
                    crate::text::plural_word(names.len(), "test"),
                    names.join(", ") + if names.len() == 1 { " pulls" } else { " pull" }
                ),
            )
            .label("these credentials reach the test task's environment, where the test command can read them")
            .help("add `pull_credentials { path = \"...\" }` with read-only access to this registry block; test tasks pull with those");
        cx.push(f);
    }
}

/// Every configured credential with its pointer: [`Cx::credentials`] (the source's, then each
/// registry's `credentials`), then each registry's `pull_credentials`.
pub(super) fn every_credential<'a>(cx: &Cx<'a>) -> Vec<(String, &'a Credentials)> {
    let mut out = cx.credentials();
    for (host, r) in &cx.p.registry {
        if let Some(c) = &r.pull_credentials {
            out.push((format!("/registry/{}/pull_credentials", esc(host)), c));
        }
    }
    out
}
