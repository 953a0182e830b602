//! `invalid-source-url`.

use std::ops::Range;

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// `source.url` is a clone URL git reaches over a network or file transport:
    /// `https://host/...`, `ssh://[user@]host[:port]/...`, `git://host/...`, `file:///path`, or
    /// scp-style `[user@]host:path`. The host (and user) must not start with `-`, the URL has
    /// no spaces or control characters, and git's remote-helper form `<transport>::<address>`
    /// (`ext::`, `fd::`, ...) is refused. The URL carries no credentials: no user name or
    /// password in an `https://` or `git://` URL, no password in an `ssh://` one (the ssh user,
    /// `git@`, is fine).
    ///
    /// Without `source.url` the `origin` remote of the git repository around the file is
    /// cloned; its URL is checked by the same rules (after its credentials are taken out, see
    /// `origin-url-credentials`), and a refused one is reported at `git remote get-url origin`.
    ///
    /// ## Why it matters
    ///
    /// The checkout task hands the URL to git next to the git credentials, and `build.hcl` is
    /// written by whoever can push a branch. `ext::sh -c ...` makes git run a command, a URL
    /// starting with `-` (`-oProxyCommand=...`) is an option to git or ssh, and a bare path is
    /// a directory of the machine the task runs on. The generated script also puts `--` before
    /// the URL. A password or token in the URL would be written into the job (readable by
    /// anyone who can read jobs) and into the checkout's `.git/config`, which is part of the
    /// build context: `COPY . .` would bake it into the image. Git credentials come from Vault
    /// (`source { credentials { ... } }`).
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
        let f = if valid_clone_target(url).is_ok() {
            cx.finding(&RULE, "/source/url", "`source.url` carries credentials")
                .label(why)
                .help("take them out of the URL and read them from Vault with `source { credentials { path = \"...\" } }`")
        } else {
            cx.finding(&RULE, "/source/url", format!("`{url}` is not a usable clone URL"))
                .label(why)
                .help("write e.g. `https://git.example.com/acme/app.git` or `git@git.example.com:acme/app.git`")
        };
        cx.push(f);
    }
}

/// Where `url` carries credentials: the byte range to take out, or `None`. That is the whole
/// user information with its `@` in a `scheme://user:password@host/...` URL, and only the
/// `:password` of an `ssh://user:password@host/...` one (the ssh user names the account, and
/// ssh authenticates with a key). An scp-style `user@host:path` has no place for a password.
pub fn credentials_span(url: &str) -> Option<Range<usize>> {
    let (scheme, rest) = url.split_once("://")?;
    let start = scheme.len() + 3;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let at = authority.rfind('@')?;
    let ssh = matches!(
        scheme.to_ascii_lowercase().as_str(),
        "ssh" | "git+ssh" | "ssh+git"
    );
    if ssh {
        let colon = authority[..at].find(':')?;
        Some(start + colon..start + at)
    } else {
        Some(start..start + at + 1)
    }
}

/// `url` without its credentials (see [`credentials_span`]), and whether it had any.
pub fn strip_credentials(url: &str) -> (String, bool) {
    match credentials_span(url) {
        Some(span) => {
            let mut out = url.to_owned();
            out.replace_range(span, "");
            (out, true)
        }
        None => (url.to_owned(), false),
    }
}

/// Checks a clone URL (see the rule's docs). Returns why it is refused.
pub fn valid_git_url(url: &str) -> Result<(), &'static str> {
    valid_clone_target(url)?;
    if credentials_span(url).is_some() {
        return Err(
            "a user name or password in the URL is a credential, and the URL is written into \
             the job and the checkout's `.git/config`",
        );
    }
    Ok(())
}

/// [`valid_git_url`] without the credentials check.
fn valid_clone_target(url: &str) -> Result<(), &'static str> {
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
    use super::{strip_credentials, valid_git_url};

    #[test]
    fn credentials_are_taken_out() {
        for (url, want, had) in [
            (
                "https://gitlab-ci-token:glcbt-64_abc@gitlab.example.com/acme/app.git",
                "https://gitlab.example.com/acme/app.git",
                true,
            ),
            (
                "https://a:b@c@git.example.com:8443/x?y=@z",
                "https://git.example.com:8443/x?y=@z",
                true,
            ),
            ("HTTPS://tok@h/x", "HTTPS://h/x", true),
            ("https://h/x@y", "https://h/x@y", false),
            ("ssh://git:pw@h/x", "ssh://git@h/x", true),
            ("ssh://git@h/x", "ssh://git@h/x", false),
            ("git@github.com:acme/x.git", "git@github.com:acme/x.git", false),
            ("foo://u:p@h/x", "foo://h/x", true),
        ] {
            assert_eq!(strip_credentials(url), (want.to_owned(), had), "{url}");
        }
    }

    #[test]
    fn clone_urls() {
        for ok in [
            "https://git.example.com/acme/app.git",
            "https://git.example.com:8443/acme/app",
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
            "https://user:p%40ss@git.example.com:8443/acme/app",
            "https://gitlab-ci-token:glcbt-64_abc@gitlab.example.com/acme/app.git",
            "https://ghp_token@github.com/acme/app.git",
            "git://u:p@git.example.com/x",
            "ssh://git:hunter2@git.example.com/x",
        ] {
            assert!(valid_git_url(bad).is_err(), "{bad}");
        }
    }
}
