//! `template-field-too-new`: checked in another stage; this file holds its declaration and
//! docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That a rendered jobspec uses only fields that the target Nomad release (`nomad {
    /// version }` or `--nomad-version`, default 1.9.0) has, and none that it accepts but
    /// ignores: `max_run_duration` exists from Nomad 2.0.3, `template { once }` from 1.10.2,
    /// `identity { extra_claims }` from 2.0.3, `change_script { run_on_first_render }` from
    /// 2.0.5, a group `volume { sticky }` from 1.10.0, `artifact { chown }` from 1.9.2, and
    /// `numa { devices }` is honoured from 1.11.1. Checked by the jobspec decoder, which knows
    /// the first release of every field it reads; the diagnostic points into the rendered
    /// jobspec. The embedded templates ask the target before they write such a field; an
    /// override given with `--templates` may not.
    ///
    /// ## Why it matters
    ///
    /// An older `nomad` CLI refuses the HCL jobspec ("Unsupported argument"), and an older
    /// server drops the unknown field from the API JSON without a word: a `max_run_duration`
    /// sent to Nomad 2.0.2 gives a job that never times out.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # the target is Nomad 1.9.0
    /// job "app-build-3f2a1c9" {
    ///   type = "batch"
    ///   group "build" {
    ///     max_run_duration = "20m"
    ///     task "build" {
    ///       driver = "docker"
    ///     }
    ///   }
    /// }
    /// ```
    TemplateFieldTooNew {
        id: "template-field-too-new",
        severity: Error,
        summary: "a rendered jobspec uses a field the target Nomad release lacks or ignores",
    }
}
