//! `value-out-of-range`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That numbers are within their range: `priority` 1–100, `cpu` ≥ 1, `memory` ≥ 10, `disk` ≥
    /// 10. Checked by the loader, from the schema's minimum and maximum.
    ///
    /// ## Why it matters
    ///
    /// These are Nomad's own limits (`Job.Validate` and `Resources.Validate` in Nomad's
    /// `nomad/structs/structs.go`): a job outside them is refused at registration.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   nomad {
    ///     priority = 101
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    ValueOutOfRange {
        id: "value-out-of-range",
        severity: Error,
        summary: "a number is outside its allowed range",
    }
}
