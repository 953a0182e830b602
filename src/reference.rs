//! Container image references (`[host[:port]/]path[:tag][@digest]`), parsed the way
//! containers/image and docker's `reference` package read them.

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    /// Registry host with optional port; `docker.io` when the name has none.
    pub(crate) host: String,
    /// Repository path below the host.
    pub(crate) path: String,
    /// Tag, if any.
    pub(crate) tag: Option<String>,
    /// Digest, if any.
    pub(crate) digest: Option<String>,
}

/// Whether `tag` is a valid tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub(crate) fn valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// Whether `host` is a valid registry `host[:port]`.
pub(crate) fn valid_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host, None),
    };
    let name_ok = !name.is_empty()
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    let port_ok = port.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|c| c.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n > 0 && n < 65536)
    });
    name_ok && port_ok
}

fn valid_path_component(c: &str) -> bool {
    // [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*
    let b = c.as_bytes();
    if b.is_empty() || !b[0].is_ascii_lowercase() && !b[0].is_ascii_digit() {
        return false;
    }
    if !(b[b.len() - 1].is_ascii_lowercase() || b[b.len() - 1].is_ascii_digit()) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !(b[i].is_ascii_lowercase() || b[i].is_ascii_digit()) {
            i += 1;
        }
        let sep = &c_slice(b, start, i);
        let ok = *sep == "." || *sep == "_" || *sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn c_slice(b: &[u8], s: usize, e: usize) -> &str {
    std::str::from_utf8(&b[s..e]).unwrap_or("?")
}

/// Parses an image reference. `Err` explains what is wrong.
pub(crate) fn parse(s: &str) -> Result<Reference, String> {
    if s.is_empty() {
        return Err("the reference is empty".to_owned());
    }
    if s.chars().any(char::is_whitespace) {
        return Err("a reference cannot contain whitespace".to_owned());
    }
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => {
            let ok = d.split_once(':').is_some_and(|(alg, hex)| {
                !alg.is_empty() && hex.len() >= 32 && hex.bytes().all(|c| c.is_ascii_hexdigit())
            });
            if !ok {
                return Err(format!("`{d}` is not a digest (`sha256:<hex>`)"));
            }
            (r, Some(d.to_owned()))
        }
        None => (s, None),
    };
    let (first, remainder) = match rest.split_once('/') {
        Some((f, r))
            if f.contains('.')
                || f.contains(':')
                || f == "localhost"
                || f.bytes().any(|c| c.is_ascii_uppercase()) =>
        {
            (Some(f), r)
        }
        _ => (None, rest),
    };
    let (path, tag) = match remainder.rsplit_once(':') {
        Some((p, t)) => (p, Some(t)),
        None => (remainder, None),
    };
    if let Some(h) = first {
        if !valid_host(h) {
            return Err(format!("`{h}` is not a valid registry host[:port]"));
        }
    }
    if path.is_empty() {
        return Err("the repository path is empty".to_owned());
    }
    if let Some(bad) = path.split('/').find(|c| !valid_path_component(c)) {
        return Err(format!(
            "`{bad}` is not a valid repository path component (lowercase letters, digits, and `.`, `_`, `__` or `-` between them)"
        ));
    }
    if let Some(t) = tag {
        if !valid_tag(t) {
            return Err(format!(
                "`{t}` is not a valid tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}`)"
            ));
        }
    }
    let (host, path) = match first {
        Some(h) => (h.to_owned(), path.to_owned()),
        None if path.contains('/') => ("docker.io".to_owned(), path.to_owned()),
        None => ("docker.io".to_owned(), format!("library/{path}")),
    };
    Ok(Reference {
        host,
        path,
        tag: tag.map(str::to_owned),
        digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts_tags_and_digests() {
        let r = parse("registry.example.com:5000/acme/app:1.2").unwrap();
        assert_eq!(
            (r.host.as_str(), r.path.as_str(), r.tag.as_deref()),
            ("registry.example.com:5000", "acme/app", Some("1.2"))
        );
        let r = parse("golang:1.22").unwrap();
        assert_eq!(
            (r.host.as_str(), r.path.as_str()),
            ("docker.io", "library/golang")
        );
        let r = parse("localhost/x@sha256:0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(r.host, "localhost");
        assert!(r.digest.is_some());
    }

    #[test]
    fn rejects_bad_references() {
        assert!(parse("Acme/App").is_err());
        assert!(parse("acme/app:").is_err());
        assert!(parse("acme//app").is_err());
        assert!(parse("acme/app:-x").is_err());
        assert!(parse("host:99999/app").is_err());
        assert!(valid_tag("v1.0_rc-1"));
        assert!(!valid_tag(".x"));
        assert!(!valid_tag(&"a".repeat(129)));
    }
}
