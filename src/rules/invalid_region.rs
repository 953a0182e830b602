//! `invalid-region`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// That `nomad.region`, when set, is not empty.
    ///
    /// ## Why it matters
    ///
    /// The region is the job's `Region`; Nomad refuses a job with an empty one ("Missing job
    /// region", `Job.Validate`), so none of the jobs would register. Leave the attribute out for
    /// the default, `global`.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   nomad {
    ///     region = ""
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidRegion {
        id: "invalid-region",
        severity: Error,
        summary: "`nomad.region` is empty",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    if cx.p.nomad.region.as_deref() == Some("") {
        let f = cx
            .finding(&RULE, "/nomad/region", "empty region")
            .label("Nomad refuses a job without a region")
            .help("remove `region` for the default, `global`, or name the cluster's region");
        cx.push(f);
    }
}
