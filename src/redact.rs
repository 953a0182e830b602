//! Keeping secret values out of what the user sees: one [`Redactor`] for `local` (the values of
//! `--secrets`), `run`/`status` (task logs, Nomad's error bodies) and MCP (every tool result),
//! and the other rules for text that came from a server: [`escape_controls`] and
//! [`clip`].
//!
//! **What is redacted.** Each secret value in the forms it can take on its way to an output:
//!
//! * raw, and trimmed of surrounding whitespace (a secret file's trailing newline);
//! * base64, standard and URL-safe alphabets, with and without padding (`auth.json`, an
//!   `Authorization: Basic` header). Only the encoding of the *whole* value is found: the base64
//!   of a value inside a longer encoded string is not aligned with it. That is why the
//!   `user:password` pairs that registry auth files and basic auth encode are secrets of their
//!   own ([`Redactor::with_basic_auth`], and every pair of values of one secret in
//!   [`Redactor::with_secrets`]);
//! * percent-encoded, as git credential URLs carry it (every byte outside `[A-Za-z0-9._~-]`, hex
//!   upper or lower case) and as a form value (space as `+`);
//! * JSON-escaped, as `serde_json` and Go's `toJSON` (which also escapes `<`, `>`, `&`) write it;
//! * a multi-line value also line by line, each line that is long enough on its own.
//!
//! **The minimum.** A value (or a line of one) shorter than [`MIN_SECRET_LEN`] characters once
//! trimmed is not redacted: replacing `1`, `ci` or `yes` everywhere would garble every output
//! and hide nothing an attacker could not guess. Numbers among `--secrets` values count as
//! their decimal text.

use std::fmt;

use base64::Engine;
use serde_json::{Map, Value};

/// What a [`Redactor`] puts in place of a secret.
pub const REDACTED: &str = "[redacted]";

/// The shortest value (in characters, once trimmed) treated as a secret.
pub const MIN_SECRET_LEN: usize = 4;

/// At most this many values of one secret are paired as `a:b` (registry auth files encode
/// `username:password`, whatever the two fields are called).
const MAX_PAIRED_VALUES: usize = 8;

/// Replaces secret values, in every encoding listed in the [module docs](self), by
/// [`REDACTED`]. `Debug` shows how many values it hides, never one of them.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every form of every secret, longest first, so that a form containing another is
    /// replaced whole.
    needles: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} forms)", self.needles.len())
    }
}

impl Redactor {
    /// The secrets of the process environment; see [`Redactor::from_vars`].
    pub fn from_env() -> Redactor {
        Redactor::from_vars(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// The secrets among `vars` (name, value): the values of variables whose names say they
    /// hold one ([`secret_name`]: `NOMAD_TOKEN`, `VAULT_TOKEN`, `*PASSWORD*`, …), the basic
    /// auth of `NOMAD_HTTP_AUTH` (`user:pass`) and the userinfo of `NOMAD_ADDR`.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Redactor {
        let mut r = Redactor::default();
        for (k, v) in vars {
            if secret_name(&k) {
                r.add(&v);
            } else if k == "NOMAD_HTTP_AUTH" {
                let (user, pass) = match v.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (v.as_str(), None),
                };
                r = r.with_basic_auth(user, pass);
            } else if k == "NOMAD_ADDR" {
                if let (_, Some((user, pass))) = split_userinfo(&v) {
                    r = r.with_basic_auth(&user, pass.as_deref());
                    // The address carries them percent-encoded.
                    if let Some(raw) = raw_userinfo(&v) {
                        r.add(raw);
                        if let Some((_, p)) = raw.split_once(':') {
                            r.add(p);
                        }
                    }
                }
            }
        }
        r
    }

    /// This redactor, also hiding `secret` (when it is long enough to be one).
    #[must_use]
    pub fn with(mut self, secret: impl AsRef<str>) -> Redactor {
        self.add(secret.as_ref());
        self
    }

    /// This redactor, also hiding basic auth: `user:pass` (raw, and base64 as in an
    /// `Authorization` header) and each part.
    #[must_use]
    pub fn with_basic_auth(mut self, user: &str, pass: Option<&str>) -> Redactor {
        let pass = pass.unwrap_or_default();
        self.add(&format!("{user}:{pass}"));
        self.add(user);
        self.add(pass);
        self
    }

    /// This redactor, also hiding every string and number of `secrets` (`--secrets`: path →
    /// data), and for each secret the `a:b` pairs of its values, which registry auth files
    /// encode.
    #[must_use]
    pub fn with_secrets(mut self, secrets: &Map<String, Value>) -> Redactor {
        for data in secrets.values() {
            self.add_json(data);
        }
        self
    }

    fn add_json(&mut self, v: &Value) {
        match v {
            Value::String(s) => self.add(s),
            Value::Number(n) => self.add(&n.to_string()),
            Value::Array(a) => a.iter().for_each(|x| self.add_json(x)),
            Value::Object(m) => {
                let values: Vec<String> = m
                    .values()
                    .filter_map(|x| match x {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .take(MAX_PAIRED_VALUES)
                    .collect();
                for (i, a) in values.iter().enumerate() {
                    for (j, b) in values.iter().enumerate() {
                        if i != j {
                            self.add(&format!("{a}:{b}"));
                        }
                    }
                }
                m.values().for_each(|x| self.add_json(x));
            }
            Value::Null | Value::Bool(_) => {}
        }
    }

    /// Adds every form of `secret`, and of each of its lines, that is long enough.
    pub fn add(&mut self, secret: &str) {
        let mut values = vec![secret, secret.trim()];
        if secret.contains('\n') {
            values.extend(secret.split('\n').map(str::trim));
        }
        let before = self.needles.len();
        for v in values {
            if v.trim().chars().count() < MIN_SECRET_LEN {
                continue;
            }
            for f in forms(v) {
                if !self.needles.contains(&f) {
                    self.needles.push(f);
                }
            }
        }
        if self.needles.len() != before {
            self.needles
                .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        }
    }

    /// Adds the secrets of `other`.
    pub fn merge(&mut self, other: &Redactor) {
        for n in &other.needles {
            if !self.needles.contains(n) {
                self.needles.push(n.clone());
            }
        }
        self.needles
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    }

    /// Whether it hides nothing.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// `text` with every form of every secret replaced by [`REDACTED`].
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        // A replacement can complete another form (a secret next to `[redacted]`); a few
        // passes settle it.
        for _ in 0..3 {
            let mut changed = false;
            for n in &self.needles {
                if out.contains(n.as_str()) {
                    out = out.replace(n.as_str(), REDACTED);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        out
    }

    /// Every string (and object key) of `value` redacted.
    pub fn value(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if self.needles.iter().any(|x| s.contains(x.as_str())) {
                    *s = self.text(s);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    self.value(&mut v);
                    map.insert(self.text(&k), v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// Every form of `s` listed in the module docs (raw, base64, percent-encoded, JSON-escaped).
pub fn forms(s: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut out = vec![
        s.to_owned(),
        STANDARD.encode(s),
        STANDARD_NO_PAD.encode(s),
        URL_SAFE.encode(s),
        URL_SAFE_NO_PAD.encode(s),
        percent(s, false, false),
        percent(s, true, false),
        percent(s, false, true),
    ];
    let json = serde_json::to_string(s).expect("a string serializes");
    let json = json[1..json.len() - 1].to_owned();
    let go = json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    out.push(json);
    out.push(go);
    let mut seen = Vec::with_capacity(out.len());
    for f in out {
        if !seen.contains(&f) {
            seen.push(f);
        }
    }
    seen
}

/// Percent-encodes every byte outside `[A-Za-z0-9._~-]`; `lower`: lower-case hex; `form`: a
/// space as `+`.
fn percent(s: &str, lower: bool, form: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else if form && b == b' ' {
            out.push('+');
        } else if lower {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether an environment variable of this name holds a secret.
pub fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "CREDENTIAL",
        "PRIVATE",
        "API_KEY",
    ]
    .iter()
    .any(|w| n.contains(w))
        || n.ends_with("_KEY")
}

/// `scheme://user:pass@host…` → the address without the userinfo, and the user and
/// password percent-decoded (as Go's `url.Parse` gives them to basic auth).
pub fn split_userinfo(address: &str) -> (String, Option<(String, Option<String>)>) {
    let Some(raw) = raw_userinfo(address) else {
        return (address.to_owned(), None);
    };
    let scheme_end = address.find("://").map_or(0, |i| i + 3);
    let shown = format!(
        "{}{}",
        &address[..scheme_end],
        &address[scheme_end + raw.len() + 1..]
    );
    let (user, pass) = match raw.split_once(':') {
        Some((u, p)) => (percent_decode(u), Some(percent_decode(p))),
        None => (percent_decode(raw), None),
    };
    (shown, Some((user, pass)))
}

/// The `user[:pass]` of an address, as written.
fn raw_userinfo(address: &str) -> Option<&str> {
    let rest = &address[address.find("://").map_or(0, |i| i + 3)..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    authority.rfind('@').map(|at| &authority[..at])
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|c| hex(*c)),
                b.get(i + 2).and_then(|c| hex(*c)),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` with every control character other than newline and tab escaped (`\x1b`, `\r`,
/// `\u{9b}`), and the Unicode bidirectional overrides too, so that text from a server or a
/// task cannot move the cursor, recolour the terminal or reorder what is shown.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to at most `max` bytes (at a character boundary) with `… (N bytes more)` when
/// the whole was `total` bytes (`None`: unknown, `… (truncated)`).
pub fn clip(text: &str, max: usize, total: Option<u64>) -> String {
    if text.len() <= max && total.is_none_or(|t| t <= max as u64) {
        return text.to_owned();
    }
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let more = match total {
        Some(t) => format!("… ({} bytes more)", t.saturating_sub(end as u64)),
        None => "… (truncated)".to_owned(),
    };
    format!("{}{more}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_encoding_of_a_secret_is_redacted() {
        let secret = "p@ss word/ü<&>";
        let r = Redactor::default().with(secret);
        for f in forms(secret) {
            assert_eq!(r.text(&format!("a {f} b")), "a [redacted] b", "{f}");
        }
        // The forms themselves, spelled out.
        let shown = [
            "p@ss word/ü<&>",
            "cEBzcyB3b3JkL8O8PCY+",
            "cEBzcyB3b3JkL8O8PCY-",
            "p%40ss%20word%2F%C3%BC%3C%26%3E",
            "p%40ss%20word%2f%c3%bc%3c%26%3e",
            "p%40ss+word%2F%C3%BC%3C%26%3E",
            "p@ss word/ü\\u003c\\u0026\\u003e",
        ];
        for s in shown {
            assert_eq!(r.text(s), REDACTED, "{s}");
        }
        // Padded and unpadded base64.
        let r = Redactor::default().with("abcde");
        assert_eq!(r.text("YWJjZGU= YWJjZGU"), "[redacted] [redacted]");
        assert_eq!(r.text("YWJjZGU YWJjZGU="), "[redacted] [redacted]");
    }

    #[test]
    fn json_escaped_and_multi_line_values() {
        let key = "-----BEGIN KEY-----\nMIIEvQIBADAN\r\nxyz\n-----END KEY-----\n";
        let r = Redactor::default().with(key);
        // JSON-escaped whole.
        let json = serde_json::to_string(key).unwrap();
        assert_eq!(
            r.text(&format!("{{\"k\":{json}}}")),
            "{\"k\":\"[redacted]\"}"
        );
        // Line by line, each long enough line; `xyz` is too short to be one.
        assert_eq!(
            r.text("log: MIIEvQIBADAN\nlog: xyz\n-----END KEY-----"),
            "log: [redacted]\nlog: xyz\n[redacted]"
        );
        let quoted = Redactor::default().with("say \"hi\"\\now");
        assert_eq!(
            quoted.text(r#"{"v":"say \"hi\"\\now"}"#),
            r#"{"v":"[redacted]"}"#
        );
    }

    #[test]
    fn short_values_are_not_secrets() {
        let r = Redactor::default().with("abc").with(" ab ").with("");
        assert!(r.is_empty());
        assert_eq!(r.text("abc ab"), "abc ab");
        let r = Redactor::default().with("abcd");
        assert_eq!(r.text("xabcdx"), "x[redacted]x");
    }

    #[test]
    fn secrets_files_pairs_and_numbers() {
        let secrets: Map<String, Value> = serde_json::from_str(
            r#"{"kv/data/reg": {"user": "pushuser", "pass": "hunter2!", "n": 12345678, "ok": true},
                "kv/data/list": [{"x": "list-value"}]}"#,
        )
        .unwrap();
        let r = Redactor::default().with_secrets(&secrets);
        let auth = base64::engine::general_purpose::STANDARD.encode("pushuser:hunter2!");
        let text =
            format!("{{\"auths\":{{\"r\":{{\"auth\":\"{auth}\"}}}}}} 12345678 list-value true");
        assert_eq!(
            r.text(&text),
            "{\"auths\":{\"r\":{\"auth\":\"[redacted]\"}}} [redacted] [redacted] true"
        );
        // A git credential line: both parts percent-encoded.
        assert_eq!(
            r.text("https://pushuser:hunter2%21@git.example.com"),
            "https://[redacted]:[redacted]@git.example.com"
        );
    }

    #[test]
    fn environment_secrets_basic_auth_and_address_userinfo() {
        let r = Redactor::from_vars([
            ("NOMAD_TOKEN".to_owned(), "s3cr3t-token-value".to_owned()),
            ("VAULT_TOKEN".to_owned(), "hvs.abcdef".to_owned()),
            ("REGISTRY_PASSWORD".to_owned(), "hunter22".to_owned()),
            ("NOMAD_HTTP_AUTH".to_owned(), "ciuser:basic-pw".to_owned()),
            (
                "NOMAD_ADDR".to_owned(),
                "http://addr-user:p%40ssw0rd@nomad:4646".to_owned(),
            ),
            ("HOME".to_owned(), "/root/home".to_owned()),
            ("GITHUB_TOKEN".to_owned(), "x".to_owned()),
        ]);
        let b64 = base64::engine::general_purpose::STANDARD.encode("ciuser:basic-pw");
        let addr_b64 = base64::engine::general_purpose::STANDARD.encode("addr-user:p@ssw0rd");
        let t = r.text(&format!(
            "token s3cr3t-token-value vault hvs.abcdef pw hunter22 Authorization: Basic {b64} \
             basic-pw ciuser Basic {addr_b64} p@ssw0rd p%40ssw0rd /root/home"
        ));
        assert_eq!(
            t,
            "token [redacted] vault [redacted] pw [redacted] Authorization: Basic [redacted] \
             [redacted] [redacted] Basic [redacted] [redacted] [redacted] /root/home"
        );
        let mut v = serde_json::json!({"a": ["hunter22"], "hvs.abcdef": {"b": "ok"}});
        r.value(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"a": ["[redacted]"], "[redacted]": {"b": "ok"}})
        );
        assert!(!format!("{r:?}").contains("hunter"));
    }

    #[test]
    fn userinfo_is_split_off_addresses() {
        assert_eq!(
            split_userinfo("http://u:p%40w@h:4646/x@y"),
            (
                "http://h:4646/x@y".to_owned(),
                Some(("u".to_owned(), Some("p@w".to_owned())))
            )
        );
        assert_eq!(
            split_userinfo("https://tok@h"),
            ("https://h".to_owned(), Some(("tok".to_owned(), None)))
        );
        assert_eq!(
            split_userinfo("http://h:1/a@b"),
            ("http://h:1/a@b".to_owned(), None)
        );
        assert_eq!(split_userinfo("h:1"), ("h:1".to_owned(), None));
    }

    #[test]
    fn control_characters_are_escaped_and_text_clipped() {
        assert_eq!(
            escape_controls("a\x1b[31mred\r\n\tb\u{9b}c\u{202e}d\x7f"),
            "a\\x1b[31mred\\r\n\tb\\u{9b}c\\u{202e}d\\x7f"
        );
        assert_eq!(clip("abcdef", 4, Some(6)), "abcd… (2 bytes more)");
        assert_eq!(clip("abcdef", 4, None), "abcd… (truncated)");
        assert_eq!(clip("abc", 4, Some(3)), "abc");
        assert_eq!(clip("aü", 2, Some(3)), "a… (2 bytes more)");
    }

    fn encodings(s: &str) -> Vec<String> {
        forms(s)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// A secret of at least the minimum length never survives, in any encoding, embedded
        /// in arbitrary text.
        #[test]
        fn no_encoding_of_a_secret_survives(
            secret in "\\PC{4,24}",
            before in "\\PC{0,40}",
            after in "\\PC{0,40}",
            pick in 0usize..10,
        ) {
            prop_assume!(secret.trim().chars().count() >= MIN_SECRET_LEN);
            let forms = encodings(&secret);
            // A secret that is part of the marker is in every redacted text by definition.
            prop_assume!(!forms.iter().any(|f| REDACTED.contains(f.as_str())));
            let form = &forms[pick % forms.len()];
            let r = Redactor::default().with(&secret);
            let out = r.text(&format!("{before}{form}{after}"));
            for f in &forms {
                prop_assert!(!out.contains(f.as_str()), "{f:?} survived in {out:?}");
            }
        }

        /// Line by line: each line of a multi-line secret that is long enough is hidden.
        #[test]
        fn lines_of_a_multi_line_secret_do_not_survive(
            lines in proptest::collection::vec("[a-zA-Z0-9+/=]{4,20}", 2..5),
            before in "\\PC{0,20}",
        ) {
            prop_assume!(!lines.iter().any(|l| REDACTED.contains(l.as_str())));
            let secret = lines.join("\n");
            let r = Redactor::default().with(&secret);
            for l in &lines {
                let out = r.text(&format!("{before}{l}\n"));
                prop_assert!(!out.contains(l.as_str()), "{l:?} survived in {out:?}");
            }
        }
    }
}
