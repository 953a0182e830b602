//! `unprivileged-buildah`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// Whether `build.privileged = false`.
    ///
    /// ## Why it matters
    ///
    /// Without privileged mode, buildah still needs to mount filesystems for `RUN` steps, so the
    /// build task carries `cap_add = ["SYS_ADMIN"]` and
    /// `security_opt = ["seccomp=unconfined", "apparmor=unconfined"]` instead. The docker driver's
    /// default `allow_caps` does not include `SYS_ADMIN`, and it is checked on the client only
    /// after placement: the task fails with
    /// `driver does not allow the following capabilities: ...`. Nomad has no node attribute for
    /// `allow_caps` (the docker driver's fingerprint, `drivers/docker/fingerprint.go`, publishes
    /// none), so no constraint can steer the job to clients that allow it. The build clients need
    /// `plugin "docker" { config { allow_caps = [<the default list>, "SYS_ADMIN"] } }`.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     privileged = false
    ///   }
    /// }
    /// ```
    UnprivilegedBuildah {
        id: "unprivileged-buildah",
        severity: Warning,
        summary: "unprivileged buildah needs `SYS_ADMIN`, which clients refuse by default after placement",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    if cx.p.build.privileged != Some(false) {
        return;
    }
    let f = cx
        .finding(
            &RULE,
            "/build/privileged",
            "unprivileged buildah adds the `SYS_ADMIN` capability, which Nomad clients refuse by default",
        )
        .label("the build task gets `cap_add = [\"SYS_ADMIN\"]` and unconfined seccomp and apparmor")
        .help("on the build clients, add \"SYS_ADMIN\" to the docker plugin's `allow_caps` (`plugin \"docker\" { config { allow_caps = [..., \"SYS_ADMIN\"] } }`); no constraint can check it, so a client without it fails the task after placement");
    cx.push(f);
}
