//! `invalid-source-url`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// `source.url` is a clone URL git reaches over a network or file transport:
    /// `https://host/...`, `ssh://[user@]host[:port]/...`, `git://host/...`, `file:///path`, or
    /// scp-style `[user@]host:path`. The host (and user) must not start with `-`, the URL has
    /// no spaces or control characters, and git's remote-helper form `<transport>::<address>`
    /// (`ext::`, `fd::`, ...) is refused.
    ///
    /// ## Why it matters
    ///
    /// The checkout task hands the URL to git next to the git credentials, and `build.hcl` is
    /// written by whoever can push a branch. `ext::sh -c ...` makes git run a command, a URL
    /// starting with `-` (`-oProxyCommand=...`) is an option to git or ssh, and a bare path is
    /// a directory of the machine the task runs on. The generated script also puts `--` before
    /// the URL.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   source {
    ///     url = "ext::sh -c touch% /tmp/pwned"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidSourceUrl {
        id: "invalid-source-url",
        severity: Error,
        summary: "`source.url` is not an https, ssh, git, file or scp-style clone URL",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let Some(url) = cx.p.source.as_ref().and_then(|s| s.url.as_ref()) else {
        return;
    };
    if let Err(why) = valid_git_url(url) {
        let f = cx
            .finding(&RULE, "/source/url", format!("`{url}` is not a usable clone URL"))
            .label(why)
            .help("write e.g. `https://git.example.com/acme/app.git` or `git@git.example.com:acme/app.git`");
        cx.push(f);
    }
}

/// Checks a clone URL (see the rule's docs). Returns why it is refused.
pub fn valid_git_url(url: &str) -> Result<(), &'static str> {
    if url.is_empty() {
        return Err("the URL is empty");
    }
    if url.starts_with('-') {
        return Err("a URL starting with `-` is read as an option");
    }
    if let Some((transport, _)) = url.split_once("::") {
        if !transport.contains('/') {
            return Err(
                "the `<transport>::` form (ext::, fd::, ...) makes git run a remote helper",
            );
        }
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a URL cannot contain spaces or control characters");
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        return match scheme.to_ascii_lowercase().as_str() {
            "https" | "ssh" | "git" => authority(rest),
            "file" => match rest.split_once('/') {
                Some(("" | "localhost", path)) if !path.is_empty() => Ok(()),
                _ => Err("a file URL is `file:///absolute/path`"),
            },
            _ => Err("the scheme must be https, ssh, git or file"),
        };
    }
    // scp-style: `[user@]host:path`, with no `/` before the first `:`.
    match url.split_once(':') {
        Some((user_host, path)) if !user_host.contains('/') && !path.is_empty() => {
            let (user, host) = split_user(user_host);
            check_user(user)?;
            check_host(host)
        }
        _ => Err("not a URL: use `https://`, `ssh://`, `git://`, `file://` or `user@host:path`"),
    }
}

/// `[user@]host[:port]` up to the first `/`, followed by a path.
fn authority(rest: &str) -> Result<(), &'static str> {
    let (auth, path) = rest.split_once('/').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err("the URL has no repository path");
    }
    let (user, host_port) = split_user(auth);
    check_user(user)?;
    let (host, port) = if host_port.starts_with('[') {
        match host_port.find(']') {
            Some(i) => (&host_port[..=i], host_port[i + 1..].strip_prefix(':')),
            None => return Err("an IPv6 host is written `[address]`"),
        }
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err("the port must be a number");
    }
    check_host(host)
}

/// `user@host` → (`user`, `host`); the last `@` separates them.
fn split_user(s: &str) -> (Option<&str>, &str) {
    match s.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, s),
    }
}

fn check_user(user: Option<&str>) -> Result<(), &'static str> {
    if user.is_some_and(|u| u.is_empty() || u.starts_with('-')) {
        return Err("the user name is empty or starts with `-`");
    }
    Ok(())
}

fn check_host(host: &str) -> Result<(), &'static str> {
    if host.is_empty() {
        return Err("the URL has no host");
    }
    if host.starts_with('-') {
        return Err("a host starting with `-` is read as an option by ssh");
    }
    let ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => {
            !v6.is_empty()
                && v6
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        }
        None => host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')),
    };
    if ok {
        Ok(())
    } else {
        Err("the host must be a DNS name or an IP address")
    }
}

#[cfg(test)]
mod tests {
    use super::valid_git_url;

    #[test]
    fn clone_urls() {
        for ok in [
            "https://git.example.com/acme/app.git",
            "https://user:p%40ss@git.example.com:8443/acme/app",
            "ssh://git@git.example.com:2222/acme/app.git",
            "ssh://git@[::1]:22/x",
            "git://git.example.com/x",
            "file:///srv/git/app.git",
            "git@github.com:acme/app.git",
            "github.com:acme/app.git",
        ] {
            assert_eq!(valid_git_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "-oProxyCommand=touch /tmp/x",
            "--upload-pack=touch x",
            "ext::sh -c touch% /tmp/pwned",
            "fd::7",
            "ssh://-oProxyCommand=x/y",
            "ssh://-x@host/y",
            "https://git.example.com",
            "https:///x",
            "http://git.example.com/x",
            "foo://host/x",
            "file://host/x",
            "/srv/git/app.git",
            "../app",
            "-x:y",
            "git@-host:x",
            "host:",
            "https://a b/x",
            "https://host:port/x",
            "https://ho\nst/x",
        ] {
            assert!(valid_git_url(bad).is_err(), "{bad}");
        }
    }
}
