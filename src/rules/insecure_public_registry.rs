//! `insecure-public-registry`.

use std::net::Ipv4Addr;

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// A `registry` with `insecure = true` is on a loopback or private address: `localhost`,
    /// `127.0.0.0/8`, `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, or a name ending in
    /// `.local`, `.internal` or `.lan`.
    ///
    /// ## Why it matters
    ///
    /// `insecure = true` turns off TLS verification (or TLS altogether) for every pull and push
    /// of that registry: buildah, skopeo and the docker daemon would send registry credentials
    /// and accept image content over a connection anyone on the path can read and alter. On an
    /// internal network that may be an accepted risk; on a public name it is a supply-chain
    /// hole.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   registry "registry.example.com" {
    ///     insecure = true
    ///   }
    ///   build {}
    /// }
    /// ```
    InsecurePublicRegistry {
        id: "insecure-public-registry",
        severity: Warning,
        security: true,
        summary: "a registry reached over a public name or address has `insecure = true`",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    for (host, r) in &cx.p.registry {
        if r.insecure && !is_private(host) {
            let f = cx
                .finding(
                    &RULE,
                    &format!("/registry/{}/insecure", esc(host)),
                    format!("registry `{host}` is used without TLS verification, but its name is public"),
                )
                .label("plain HTTP or unverified TLS: credentials and images can be read and altered in transit")
                .help("serve the registry with a certificate the clients trust and drop `insecure = true`; keep insecure registries on loopback, private addresses or `.internal`, `.local` or `.lan` names");
            cx.push(f);
        }
    }
}

/// The host of a `host[:port]`.
fn name(host: &str) -> &str {
    host.rsplit_once(':').map_or(host, |(n, _)| n)
}

/// Whether `host[:port]` is `localhost` or in `127.0.0.0/8`.
pub(super) fn is_loopback(host: &str) -> bool {
    let n = name(host).to_ascii_lowercase();
    n == "localhost" || n.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `host[:port]` is loopback, a private IPv4 address, or a `.local`, `.internal` or
/// `.lan` name.
pub(super) fn is_private(host: &str) -> bool {
    let n = name(host).to_ascii_lowercase();
    is_loopback(host)
        || n.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_private())
        || [".local", ".internal", ".lan"]
            .iter()
            .any(|s| n.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_hosts() {
        for h in [
            "localhost:5000",
            "127.0.0.1",
            "10.1.2.3:5000",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.10:443",
            "registry.lab.internal:5000",
            "nas.local",
            "registry.home.lan",
        ] {
            assert!(is_private(h), "{h}");
        }
        for h in [
            "registry.example.com",
            "172.32.0.1",
            "8.8.8.8:5000",
            "internal.example.com",
            "local",
        ] {
            assert!(!is_private(h), "{h}");
        }
        assert!(is_loopback("127.0.0.2:5000"));
        assert!(!is_loopback("10.0.0.1"));
    }
}
