//! `invalid-git-ref`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// `source.ref` is a name `git check-ref-format --allow-onelevel` accepts (a branch, a tag,
    /// `refs/...`, or a commit id, which is such a name too), and does not start with `-` or
    /// `+`.
    ///
    /// ## Why it matters
    ///
    /// The checkout task runs `git fetch origin <ref>` next to the git credentials. Whoever can
    /// push a branch writes `build.hcl`, and a ref such as `--upload-pack=touch pwned;` is read
    /// by git as an option that runs a command. The generated script puts `--` before the ref
    /// as well; this rule refuses such a ref before any job exists. A leading `+` or a `:` would
    /// turn the ref into a forced or writing refspec, and the other characters git refuses in
    /// ref names (`~ ^ : ? * [ \`, spaces, control characters, `..`, `@{`) make the fetch fail.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   source {
    ///     url = "https://git.example.com/acme/app.git"
    ///     ref = "--upload-pack=touch pwned;"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidGitRef {
        id: "invalid-git-ref",
        severity: Error,
        summary: "`source.ref` is not a git ref name or commit id, or starts with `-` or `+`",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let Some(r) = cx.p.source.as_ref().and_then(|s| s.git_ref.as_ref()) else {
        return;
    };
    if let Err(why) = valid_git_ref(r) {
        let f = cx
            .finding(&RULE, "/source/ref", format!("`{r}` is not a git ref"))
            .label(why)
            .help(
                "use a branch, tag or commit id, e.g. `main`, `v1.2.0` or `refs/heads/release/1.2`",
            );
        cx.push(f);
    }
}

/// Checks a ref the way `git check-ref-format --allow-onelevel` does, and refuses a leading
/// `-` (an option) or `+` (a forced refspec). Returns why it is refused.
pub fn valid_git_ref(r: &str) -> Result<(), &'static str> {
    if r.is_empty() {
        return Err("the ref is empty");
    }
    if r.starts_with('-') {
        return Err("a ref starting with `-` is read as an option");
    }
    if r.starts_with('+') {
        return Err("a leading `+` makes the ref a forced refspec");
    }
    if r == "@" {
        return Err("`@` alone is not a ref name");
    }
    if let Some(c) = r.chars().find(|c| {
        c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    }) {
        return Err(match c {
            ' ' => "git ref names cannot contain spaces",
            ':' => "git ref names cannot contain `:` (it would make a refspec)",
            c if c.is_ascii_control() => "git ref names cannot contain control characters",
            _ => "git ref names cannot contain `~ ^ : ? * [` or `\\`",
        });
    }
    if r.contains("..") {
        return Err("git ref names cannot contain `..`");
    }
    if r.contains("@{") {
        return Err("git ref names cannot contain `@{`");
    }
    if r.starts_with('/') || r.ends_with('/') || r.contains("//") {
        return Err("git ref names cannot start or end with `/` or contain `//`");
    }
    if r.ends_with('.') {
        return Err("git ref names cannot end with `.`");
    }
    for part in r.split('/') {
        if part.starts_with('.') {
            return Err("no part of a git ref name can start with `.`");
        }
        if part.ends_with(".lock") {
            return Err("no part of a git ref name can end with `.lock`");
        }
    }
    Ok(())
}
