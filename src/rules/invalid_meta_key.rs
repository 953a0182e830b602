//! `invalid-meta-key`.

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// Every key of `nomad.meta` matches `[A-Za-z0-9_][A-Za-z0-9_.-]*` and does not start with
    /// `nomad-build.`, the prefix of the keys nomad-build sets itself.
    ///
    /// ## Why it matters
    ///
    /// Nomad accepts any meta key, but hands each one to the tasks as the environment variable
    /// `NOMAD_META_<key>` with every other character replaced by `_`, and to constraints and
    /// interpolation as `${meta.<key>}`. A key with spaces, `=`, quotes or `${` cannot be
    /// referenced, and two keys that differ only in such characters land on the same variable.
    /// Keys under `nomad-build.` would be silently replaced by the pipeline's own (run id,
    /// phase, source hash), which identify a run.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   nomad {
    ///     meta = {
    ///       "nomad-build.run-id" = "mine"
    ///     }
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidMetaKey {
        id: "invalid-meta-key",
        severity: Error,
        summary: "a `nomad.meta` key is not a usable meta key or uses the reserved `nomad-build.` prefix",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    for k in cx.p.nomad.meta.keys() {
        let why = if k.starts_with("nomad-build.") {
            "keys under `nomad-build.` are set by nomad-build and identify the run"
        } else if !valid_meta_key(k) {
            "meta keys match `[A-Za-z0-9_][A-Za-z0-9_.-]*`"
        } else {
            continue;
        };
        let f = cx
            .finding_at_key(
                &RULE,
                &format!("/nomad/meta/{}", esc(k)),
                format!("`{k}` is not a usable meta key"),
            )
            .label(why)
            .help("use letters, digits, `_`, `.` and `-`, e.g. `team` or `owner.email`");
        cx.push(f);
    }
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]*`.
pub fn valid_meta_key(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}
