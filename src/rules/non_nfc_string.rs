//! `non-nfc-string`.

use serde_json::Value;
use unicode_normalization::{is_nfc, UnicodeNormalization};

use super::Cx;
use crate::hcl::eval::child;

declare_rule! {
    /// ## What it checks
    ///
    /// Every string in the pipeline (values and map keys, after variables are substituted) is
    /// in Unicode Normalization Form C (NFC): composed
    /// characters such as `é` written as U+00E9, not as `e` followed by the combining accent
    /// U+0301.
    ///
    /// ## Why it matters
    ///
    /// nomad-build promises that user strings reach the task byte for byte. HashiCorp's HCL parser,
    /// which reads the HCL jobspec (`nomad job run job.nomad.hcl`), stores strings as go-cty
    /// values, and `cty.StringVal` normalizes every string to NFC, even characters written as `\u`
    /// escapes; no escape can prevent it. So a non-NFC string arrives in its NFC form, different
    /// bytes that can break checksums, file names or string comparisons in the build. The API JSON
    /// keeps the bytes, except perhaps in task `config`, which the client reads again with the same
    /// library.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///     labels = {
    ///       "org.opencontainers.image.title" = "cafe\u0301"
    ///     }
    ///   }
    ///   build {}
    /// }
    /// ```
    NonNfcString {
        id: "non-nfc-string",
        severity: Warning,
        summary: "a string is not in Unicode NFC, so the HCL jobspec would deliver different bytes",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let Ok(tree) = serde_json::to_value(cx.p) else {
        return;
    };
    walk(cx, &tree, "");
}

fn walk(cx: &mut Cx<'_>, v: &Value, rel: &str) {
    match v {
        Value::String(s) if !is_nfc(s) => {
            let f = cx
                .finding(&RULE, rel, message("string", s))
                .label(label(s))
                .help(HELP);
            cx.push(f);
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                walk(cx, x, &child(rel, &i.to_string()));
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                let p = child(rel, k);
                if !is_nfc(k) {
                    let f = cx
                        .finding_at_key(&RULE, &p, message("name", k))
                        .label(label(k))
                        .help(HELP);
                    cx.push(f);
                }
                walk(cx, x, &p);
            }
        }
        _ => {}
    }
}

const HELP: &str = "write the text in NFC: precomposed characters, e.g. `é` as U+00E9 rather than `e` followed by U+0301";

fn message(what: &str, s: &str) -> String {
    format!("{what} `{}` is not in Unicode NFC", escaped(s))
}

fn label(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    format!("HashiCorp's HCL parser reads it as `{}`", escaped(&nfc))
}

/// `s` with non-ASCII characters as `\u{...}`, so that the difference between forms shows.
fn escaped(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        } else if c.is_ascii() {
            out.extend(c.escape_default());
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", u32::from(c)));
        }
    }
    out
}
