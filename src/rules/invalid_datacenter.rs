//! `invalid-datacenter`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// No entry of `nomad.datacenters` is the empty string.
    ///
    /// ## Why it matters
    ///
    /// Nomad's job validation rejects a job with an empty datacenter name (`Job.Validate` in
    /// Nomad's `nomad/structs/structs.go`), so every job of the pipeline would fail to register.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   nomad {
    ///     datacenters = ["dc1", ""]
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidDatacenter {
        id: "invalid-datacenter",
        severity: Error,
        summary: "an entry of `nomad.datacenters` is empty",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let Some(dcs) = &cx.p.nomad.datacenters else {
        return;
    };
    for (i, dc) in dcs.iter().enumerate() {
        if dc.is_empty() {
            let f = cx
                .finding(
                    &RULE,
                    &format!("/nomad/datacenters/{i}"),
                    "empty datacenter name",
                )
                .label("Nomad rejects an empty datacenter")
                .help("use \"*\" for every datacenter");
            cx.push(f);
        }
    }
}
