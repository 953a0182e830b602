//! `literal-secret`.

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// No `image.build_args` or `test.env` entry whose name looks like a secret (`password`,
    /// `passwd`, `secret`, `token`, `api_key`, `apikey`, `private_key`) has a literal,
    /// non-empty value without `${`.
    ///
    /// ## Why it matters
    ///
    /// Such values are written into the job files, stored in Nomad's state (readable by anyone
    /// who can read the job), and, for build arguments, kept in the image history. Credentials
    /// belong in Vault, where the jobs read them at run time into `secrets/`.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///     build_args = {
    ///       NPM_TOKEN = "npm_0123456789abcdef"
    ///     }
    ///   }
    ///   build {}
    /// }
    /// ```
    LiteralSecret {
        id: "literal-secret",
        severity: Error,
        suppressible: true,
        security: true,
        summary: "a build argument or env value that looks like a secret is written in plain text",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let p = cx.p;
    let mut literal: Vec<(String, &String, &String)> = Vec::new();
    for (k, v) in &p.image.build_args {
        literal.push((format!("/image/build_args/{}", esc(k)), k, v));
    }
    for (tname, t) in &p.test {
        for (k, v) in &t.env {
            literal.push((format!("/test/{}/env/{}", esc(tname), esc(k)), k, v));
        }
    }
    for (rel, k, v) in literal {
        if looks_secret(k) && !v.is_empty() && !v.contains("${") {
            let f = cx
                .finding(
                    &RULE,
                    &rel,
                    format!("`{k}` looks like a secret written in plain text"),
                )
                .label("this value ends up in the job files, Nomad's state and the image history")
                .help("keep secrets in Vault: registry and git passwords go in `credentials { path = \"...\" }`");
            cx.push(f);
        }
    }
}

fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "private_key",
    ]
    .iter()
    .any(|w| k.contains(w))
}
