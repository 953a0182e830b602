//! `invalid-registry-host`.

use super::{esc, Cx};
use crate::reference;

declare_rule! {
    /// ## What it checks
    ///
    /// The label of each `registry` block is a registry `host[:port]`: dot-separated DNS labels
    /// or an IPv4 address, with an optional port from 1 to 65535.
    ///
    /// ## Why it matters
    ///
    /// Registry blocks are matched against the host part of image references. A label with a
    /// scheme or a path (`https://registry.example.com`) never matches, so its credentials and
    /// `insecure` setting are silently unused.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   registry "https://registry.example.com" {
    ///     insecure = false
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidRegistryHost {
        id: "invalid-registry-host",
        severity: Error,
        summary: "a `registry` label is not a `host[:port]`",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    for host in cx.p.registry.keys() {
        if !reference::valid_host(host) {
            let f = cx
                .finding_at_key(
                    &RULE,
                    &format!("/registry/{}", esc(host)),
                    format!("`{host}` is not a registry host[:port]"),
                )
                .label("expected e.g. `registry.example.com` or `10.0.0.5:5000`");
            cx.push(f);
        }
    }
}
