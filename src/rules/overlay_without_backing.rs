//! `overlay-without-backing`.

use super::Cx;
use crate::config::StorageDriver;

declare_rule! {
    /// ## What it checks
    ///
    /// `build.storage_driver = "overlay"` comes with something overlay can stack on: a
    /// `cache { host_volume = ... }` (a host directory at `/var/lib/containers`) or
    /// `fuse = true` (fuse-overlayfs). `cache { registry = ... }` alone does not count: the
    /// layers it pulls are stored in the task's own filesystem.
    ///
    /// ## Why it matters
    ///
    /// Kernel overlayfs cannot use the docker container's own overlay root filesystem as its
    /// upper directory, so buildah's first layer fails with a mount error, after the job has
    /// been placed and the source cloned.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     storage_driver = "overlay"
    ///   }
    /// }
    /// ```
    OverlayWithoutBacking {
        id: "overlay-without-backing",
        severity: Warning,
        summary: "overlay storage without a cache volume or fuse-overlayfs to back it",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let b = &cx.p.build;
    let has_cache = b.cache.as_ref().is_some_and(|c| c.host_volume.is_some());
    if b.storage_driver == Some(StorageDriver::Overlay) && !has_cache && !b.fuse.unwrap_or(false) {
        let f = cx
            .finding(
                &RULE,
                "/build/storage_driver",
                "overlay storage on the container's own overlay root fails",
            )
            .label("overlay cannot stack on the task's overlay filesystem")
            .help("add `cache { host_volume = \"...\" }`, set `fuse = true` for fuse-overlayfs, or use `vfs`");
        cx.push(f);
    }
}
