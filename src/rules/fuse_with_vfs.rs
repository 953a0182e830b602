//! `fuse-with-vfs`.

use super::Cx;
use crate::config::StorageDriver;

declare_rule! {
    /// ## What it checks
    ///
    /// `build.fuse = true` is not combined with the `vfs` storage driver (the default).
    ///
    /// ## Why it matters
    ///
    /// `fuse = true` passes the host's `/dev/fuse` into the build task, which only fuse-overlayfs
    /// (the `overlay` driver) uses. Docker `devices` are invisible to Nomad's scheduler: Nomad adds
    /// no constraint for them and its feasibility checks (`scheduler/feasible/feasible.go`) do not
    /// look at them, so on a client without `/dev/fuse` the task fails at container creation, after
    /// placement, for a device vfs never reads.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     fuse = true
    ///   }
    /// }
    /// ```
    FuseWithVfs {
        id: "fuse-with-vfs",
        severity: Warning,
        summary: "`/dev/fuse` is passed in but the vfs storage driver never uses it",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let b = &cx.p.build;
    let driver = b.storage_driver.unwrap_or(StorageDriver::Vfs);
    if b.fuse.unwrap_or(false) && driver == StorageDriver::Vfs {
        let f = cx
            .finding(
                &RULE,
                "/build/fuse",
                "`/dev/fuse` is passed in but the vfs driver never uses it",
            )
            .label("a client without /dev/fuse fails this task after placement, and Nomad cannot constrain on devices")
            .help("remove `fuse = true`, or use `storage_driver = \"overlay\"`");
        cx.push(f);
    }
}
