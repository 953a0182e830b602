//! `template-invalid-duration`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That every duration of a rendered jobspec (`max_run_duration`, `interval`, `delay`, ...) is
    /// a Go duration string or integer nanoseconds. Checked by the jobspec decoder, which reads
    /// every rendered HCL jobspec into nomad-build's model of Nomad's job API, following Nomad's
    /// own jobspec parser, so that the HCL file and the API JSON describe the same job. The
    /// embedded templates never trigger it; an override given with `--templates` can.
    ///
    /// ## Why it matters
    ///
    /// Nomad parses durations with Go's `time.ParseDuration` (`decodeDuration` in Nomad's
    /// `jobspec2/hcl_conversions.go`); `1d` or `5` (no unit) would be refused.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// job "app-build-3f2a1c9" {
    ///   type = "batch"
    ///   group "build" {
    ///     max_run_duration = "1d"
    ///   }
    /// }
    /// ```
    TemplateInvalidDuration {
        id: "template-invalid-duration",
        severity: Error,
        summary: "a rendered jobspec has a duration that is not a Go duration",
    }
}
