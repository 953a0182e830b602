//! `invalid-host-volume`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// That `build.cache.host_volume`, when set, is not empty.
    ///
    /// ## Why it matters
    ///
    /// The name becomes the `source` of the build group's host `volume`; Nomad refuses a volume
    /// with an empty source ("volume has an empty source", `VolumeRequest.Validate`, called by
    /// `TaskGroup.Validate`), so the build job would not register.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     cache {
    ///       host_volume = ""
    ///     }
    ///   }
    /// }
    /// ```
    InvalidHostVolume {
        id: "invalid-host-volume",
        severity: Error,
        summary: "`build.cache.host_volume` is empty",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let empty = cx
        .p
        .build
        .cache
        .as_ref()
        .and_then(|c| c.host_volume.as_deref())
        == Some("");
    if empty {
        let f = cx
            .finding(&RULE, "/build/cache/host_volume", "empty host volume name")
            .label("Nomad refuses a volume with an empty source")
            .help("name a host volume of the clients' `host_volume` configuration, or remove the `cache` block");
        cx.push(f);
    }
}
