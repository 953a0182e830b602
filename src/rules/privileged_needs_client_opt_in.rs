//! `privileged-needs-client-opt-in`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// Whether `build.privileged = true` is written in the file.
    ///
    /// ## Why it matters
    ///
    /// A privileged docker task runs only on clients whose docker plugin sets
    /// `allow_privileged = true`; elsewhere it fails with
    /// `Docker privileged mode is disabled on this Nomad agent`. nomad-build adds the constraint
    /// `${attr.driver.docker.privileged.enabled} = true` to the build group, so on a cluster
    /// without such clients the job stays pending with a placement failure at plan time instead of
    /// failing after placement. The docker driver sets that node attribute exactly when its plugin
    /// allows privileged containers (Nomad's `drivers/docker/fingerprint.go`).
    ///
    /// Privileged mode is the default, and the note is given only when `privileged = true` is
    /// written out, so that files relying on the default stay quiet: writing it says the
    /// cluster requirement is deliberate, and this note says what the requirement is.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     privileged = true
    ///   }
    /// }
    /// ```
    PrivilegedNeedsClientOptIn {
        id: "privileged-needs-client-opt-in",
        severity: Note,
        summary: "privileged buildah runs only on clients with the docker plugin's `allow_privileged = true`",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    if cx.p.build.privileged != Some(true) {
        return;
    }
    let f = cx
        .finding(
            &RULE,
            "/build/privileged",
            "the build task runs privileged: only clients with `allow_privileged = true` can run it",
        )
        .label("the job is constrained to `${attr.driver.docker.privileged.enabled} = true`")
        .help("enable `plugin \"docker\" { config { allow_privileged = true } }` on the build clients; without any, the job stays pending with a placement failure");
    cx.push(f);
}
