//! Suppression comments in build.hcl.
//!
//! - `# nomad-build:ignore <rule-id> -- <reason>` on the line above a finding (alone on its
//!   line) or at the end of the finding's line silences that rule there;
//! - `# nomad-build:ignore-file <rule-id> -- <reason>` anywhere silences it in the whole file.
//!
//! The reason is required. Only warnings and notes can be silenced: an error means the jobs
//! cannot be generated correctly. A suppression that silences nothing is itself a warning.
//!
//! Under an operator policy ([`crate::policy`]) a suppression of a security rule
//! ([`super::Rule::security`]) silences nothing: build.hcl is written by whoever can push a
//! branch, so it must not be able to switch off the checks that guard secrets. The finding is
//! reported with the ignored comment pointed at.

use std::ops::Range;

use crate::diag::{FileId, Finding, Sources};

/// One parsed suppression comment.
#[derive(Debug, Clone)]
struct Suppression {
    rule: String,
    file_wide: bool,
    /// 1-based line of the comment.
    line: usize,
    /// Whether the comment is alone on its line (then it covers the next line).
    own_line: bool,
    span: Range<usize>,
    used: bool,
}

const MARK: &str = "nomad-build:ignore";

/// Applies the suppression comments of `file` to `findings`: drops silenced findings and adds
/// findings for malformed or unused suppressions. With `policy` (an operator policy is in
/// force), suppressions of security rules are ignored: their findings stay, pointing at the
/// comment.
pub fn apply(sources: &Sources, file: FileId, findings: &mut Vec<Finding>, policy: bool) {
    let text = &sources.get(file).text;
    let (mut sups, mut problems) = parse(text, file);
    let mut kept = Vec::with_capacity(findings.len());
    for f in std::mem::take(findings) {
        let rule = super::get(f.rule);
        if f.file != file || !rule.is_some_and(|r| r.suppressible) {
            kept.push(f);
            continue;
        }
        let (line, _) = sources.line_col(file, f.primary.span.start);
        let hit = sups.iter_mut().find(|s| {
            s.rule == f.rule
                && (s.file_wide || s.line == line || (s.own_line && s.line + 1 == line))
        });
        match hit {
            Some(s) if policy && rule.is_some_and(|r| r.security) => {
                s.used = true;
                kept.push(f.also(
                    s.span.clone(),
                    "ignored: under the operator policy a comment cannot silence this security rule",
                ));
            }
            Some(s) => s.used = true,
            None => kept.push(f),
        }
    }
    *findings = kept;
    for s in sups.iter().filter(|s| !s.used) {
        let scope = if s.file_wide { "this file" } else { "its line" };
        problems.push(
            super::unused_suppression::RULE
                .finding(
                    file,
                    s.span.clone(),
                    format!("`{}` is not reported on {scope}", s.rule),
                )
                .label("this suppression silences nothing")
                .help("remove the comment"),
        );
    }
    findings.append(&mut problems);
}

/// Finds suppression comments; returns them and findings for malformed ones.
fn parse(text: &str, file: FileId) -> (Vec<Suppression>, Vec<Finding>) {
    let mut sups = Vec::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let comment = line[hash..].trim_end();
        let body = comment.trim_start_matches(['#', '/']).trim_start();
        let Some(rest) = body.strip_prefix(MARK) else {
            continue;
        };
        let at = start + hash..start + hash + comment.len();
        let (file_wide, rest) = match rest.strip_prefix("-file") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if !rest.starts_with(char::is_whitespace) {
            problems.push(malformed(file, at, "expected a rule id after the marker"));
            continue;
        }
        let (rule, reason) = match rest.split_once("--") {
            Some((r, why)) => (r.trim(), why.trim()),
            None => (rest.trim(), ""),
        };
        if rule.is_empty() || rule.contains(char::is_whitespace) {
            problems.push(malformed(file, at, "name exactly one rule id"));
            continue;
        }
        if reason.is_empty() {
            problems.push(
                super::invalid_suppression::RULE
                    .finding(file, at, format!("suppression of `{rule}` gives no reason"))
                    .label("no reason")
                    .help(format!(
                        "write `# {MARK}{} {rule} -- <why this is fine here>`",
                        if file_wide { "-file" } else { "" }
                    )),
            );
            continue;
        }
        match crate::rules::get(rule) {
            None => {
                let mut f = super::invalid_suppression::RULE
                    .finding(file, at, format!("unknown rule `{rule}`"))
                    .label("no such rule");
                if let Some(c) =
                    crate::diag::closest(rule, crate::rules::all().iter().map(|r| r.id))
                {
                    f = f.help(format!(
                        "did you mean `{c}`? `nomad-build rules` lists them"
                    ));
                }
                problems.push(f);
                continue;
            }
            Some(r) if !r.suppressible => {
                problems.push(
                    super::invalid_suppression::RULE
                        .finding(
                            file,
                            at,
                            format!("`{rule}` is an error and cannot be silenced"),
                        )
                        .label("this error cannot be suppressed")
                        .help("this error means the jobs would be wrong; fix the file instead"),
                );
                continue;
            }
            Some(_) => {}
        }
        let own_line = line[..hash].trim().is_empty();
        sups.push(Suppression {
            rule: rule.to_owned(),
            file_wide,
            line: n + 1,
            own_line,
            span: at,
            used: false,
        });
    }
    (sups, problems)
}

fn malformed(file: FileId, at: Range<usize>, label: &str) -> Finding {
    super::invalid_suppression::RULE
        .finding(file, at, "malformed suppression comment")
        .label(label.to_owned())
        .help(format!("write `# {MARK} <rule-id> -- <reason>`"))
}

/// Byte offset of a `#` or `//` comment on this line, outside string literals.
fn comment_start(line: &str) -> Option<usize> {
    let mut in_str = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (i, &c) in bytes.iter().enumerate() {
        if in_str {
            match c {
                b'\\' if !escaped => escaped = true,
                b'"' if !escaped => in_str = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'#' => return Some(i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::comment_start;

    #[test]
    fn comments_inside_strings_do_not_count() {
        assert_eq!(comment_start("a = \"x # y\" # z"), Some(12));
        assert_eq!(comment_start("a = \"x \\\" # y\""), None);
        assert_eq!(comment_start("// c"), Some(0));
    }
}
