//! `invalid-label-key`.

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// Every key of `image.labels` matches `[A-Za-z0-9][A-Za-z0-9_./-]*`, the reverse-DNS form
    /// of OCI label keys (`org.opencontainers.image.source`).
    ///
    /// ## Why it matters
    ///
    /// Labels reach buildah as `--label=KEY=VALUE`, split at the first `=`: a key containing
    /// `=` gives a different label than written, and an empty key is refused by buildah when
    /// the build has already run. Spaces, quotes and control characters in keys are refused or
    /// mangled by the tools that read labels back (`docker inspect` filters, registries).
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///     labels = {
    ///       "team=payments" = "yes"
    ///     }
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidLabelKey {
        id: "invalid-label-key",
        severity: Error,
        summary: "an `image.labels` key is not a label key",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    for k in cx.p.image.labels.keys() {
        if !valid_label_key(k) {
            let f = cx
                .finding_at_key(
                    &RULE,
                    &format!("/image/labels/{}", esc(k)),
                    format!("`{k}` is not a label key"),
                )
                .label("label keys match `[A-Za-z0-9][A-Za-z0-9_./-]*`")
                .help("use a reverse-DNS key such as `com.example.team`");
            cx.push(f);
        }
    }
}

/// `[A-Za-z0-9][A-Za-z0-9_./-]*`.
pub fn valid_label_key(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'-'))
}
