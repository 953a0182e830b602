//! `disk-below-log-budget`.

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// `resources.disk` of `build` and of each `test` is larger than 100 MB.
    ///
    /// ## Why it matters
    ///
    /// The disk becomes the group's ephemeral disk, and Nomad rejects a group whose ephemeral disk
    /// is not larger than its tasks' log budget, `max_files` × `max_file_size` = 10 × 10 MB
    /// (`LogConfig.Validate` in Nomad's `nomad/structs/structs.go`). The job would fail to
    /// register.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     resources {
    ///       disk = 100
    ///     }
    ///   }
    /// }
    /// ```
    DiskBelowLogBudget {
        id: "disk-below-log-budget",
        severity: Error,
        summary: "an ephemeral disk is not larger than the 100 MB log budget",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let p = cx.p;
    let mut disks = vec![(
        "/build/resources/disk".to_owned(),
        p.build.resources.and_then(|r| r.disk),
    )];
    for (tname, t) in &p.test {
        disks.push((
            format!("/test/{}/resources/disk", esc(tname)),
            t.resources.and_then(|r| r.disk),
        ));
    }
    for (rel, disk) in disks {
        if let Some(d) = disk.filter(|d| *d <= 100) {
            let f = cx
                .finding(
                    &RULE,
                    &rel,
                    format!("ephemeral disk of {d} MB is not larger than the 100 MB log budget"),
                )
                .label("Nomad rejects a group whose disk is not larger than max_files x max_file_size (10 x 10 MB)")
                .help("use at least 101 MB; a build needs far more (default 4096)");
            cx.push(f);
        }
    }
}
