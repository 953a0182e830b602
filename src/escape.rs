//! Escaping for every layer a user string passes through on its way into a running task.
//!
//! A string from `build.hcl` can be read again by up to four parsers before it reaches the task,
//! and each one has its own special characters:
//!
//! | Layer | Reader | Special | Function |
//! |---|---|---|---|
//! | HCL jobspec | Nomad's jobspec2 (`hclsyntax`) | `\`, `"`, `${`, `%{`, control characters | [`hcl_quote`] |
//! | task `config` | the Nomad client's second HCL pass | `${`, `%{` | [`nomad_config_escape`] |
//! | shell script | `/bin/sh` | almost everything | [`shell_quote`] |
//! | template `data` | consul-template (Go `text/template`) | `{{` | [`consul_template_text`], [`go_string`] |
//!
//! Layers nest from the inside out. A literal `${X}` that a Docker `args` entry must receive is
//! `nomad_config_escape` → `$${X}` in API JSON, then `hcl_quote` → `"$$${X}"` in an HCL jobspec.
//!
//! One thing no escape can preserve: HashiCorp's HCL stores strings as go-cty values, and
//! `cty.StringVal` normalizes them to Unicode NFC, even characters written as `\u` escapes. So a
//! string that is not in NFC comes out of an HCL jobspec in its NFC form (`tests/escaping.rs`
//! checks this against HashiCorp's parser). The client's `config` pass builds its strings with
//! the same library, so it is expected to normalize JSON jobs' `config` strings too. That is
//! inferred from the code, not observed on a running Nomad.

use std::fmt::Write as _;

/// Quotes `s` as an HCL2 quoted string literal, surrounding quotes included, whose value is
/// exactly `s`.
///
/// Layer: the HCL jobspec, which Nomad's jobspec2 parses with HashiCorp's `hclsyntax`.
///
/// - `\` and `"` are backslash-escaped. `\n`, `\r` and `\t` use their short escapes, and every
///   other control character (`Cc`: U+0000–U+001F, U+007F–U+009F) uses `\uXXXX`. A raw newline
///   would end the quoted string.
/// - Each two-character sequence `${` becomes `$${`, and each `%{` becomes `%%{`. In a quoted
///   template these sequences would start an interpolation or a directive. The scanner
///   (`hclsyntax/scan_tokens.rl`, `TemplateNotInterp = '$' (TemplateIgnoredNonBrace |
///   TemplateInterp)`) reads a `$` that is not followed by `{` as a literal on its own, and reads
///   `$${` as one escape token that stands for `${`. So a single `$` is added in front of each
///   `${`, whatever comes before it: the value `$${` becomes `$$${`, read as literal `$` followed
///   by the escape `$${`. The same holds for `%`.
/// - All other characters, non-ASCII included, are copied as UTF-8.
///
/// Heredocs are deliberately not produced. They cannot contain backslash escapes, and hcl-rs
/// 0.20 drops a `$` from `$$${` inside them.
///
/// HashiCorp's parser normalizes the parsed value to NFC (see the module docs), so for a
/// non-NFC `s` it yields NFC(`s`). hcl-edit yields `s` exactly.
pub fn hcl_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                // Every `Cc` character is at most U+009F, so four hex digits are enough.
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Escapes `s` for a string inside a task's driver `config`, so that the Nomad client's second
/// interpolation pass gives back `s`.
///
/// Layer: the Nomad client. Before it starts a task, the client turns `Task.Config` into JSON
/// and parses it again as HCL JSON, and each string there is an HCL template
/// (`helper/pluginutils/hclutils/util.go` `ParseHclInterface`). A `${NAME}` whose `NAME` is not a
/// variable the client knows fails the task with `There is no variable named "NAME"`. So every
/// `${` becomes `$${` and every `%{` becomes `%%{`, the same escapes as in [`hcl_quote`]. There
/// are no backslash escapes in this pass, because JSON has already decoded them.
///
/// The result is a value, not syntax: it goes into the API JSON as is, or through
/// [`hcl_quote`] into an HCL jobspec.
pub fn nomad_config_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if matches!(c, '$' | '%') && chars.peek() == Some(&'{') {
            out.push(c);
        }
        out.push(c);
    }
    out
}

/// Simulates the Nomad client's second interpolation pass over a task `config` string that is
/// not meant to interpolate anything. Used by tests to check [`nomad_config_escape`].
///
/// Layer: the Nomad client, as for [`nomad_config_escape`]. The string is read as a bare HCL
/// template (`hclsyntax.ParseTemplate`). Scanning from the left, `$${` gives `${` and `%%{`
/// gives `%{`. Any other `$` or `%` is literal, including one at the end of the string. An
/// unescaped `${` or `%{` starts an interpolation or a directive. Here that is an `Err`, because
/// the real client fails the task (`There is no variable named …`, or a template syntax error).
///
/// Not modelled: the NFC normalization that go-cty applies to the result (see the module docs).
pub fn nomad_config_unescape_sim(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("$${") || rest.starts_with("%%{") {
            out.push(c);
            out.push('{');
            rest = &rest[3..];
        } else if rest.starts_with("${") || rest.starts_with("%{") {
            let at = s.len() - rest.len();
            let what = if c == '$' {
                "interpolation"
            } else {
                "directive"
            };
            return Err(format!(
                "unescaped `{c}{{` at byte {at} would start a template {what}"
            ));
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

/// Quotes `s` as one POSIX `sh` word that expands to exactly `s`.
///
/// Layer: a shell command line in a task, such as a Docker `args` entry after `sh -c`, or a
/// line of a generated script.
///
/// A non-empty string made only of `[A-Za-z0-9_@%+=:,./-]` is returned as is, because none of
/// these characters is special to `sh` in an argument. Everything else is put in single quotes,
/// where nothing is special. A `'` inside closes the quotes, adds an escaped `\'`, and opens
/// them again (`'\''`). The empty string becomes `''`.
///
/// The result is an argument, not a command name: in command position an unquoted word such as
/// `A=b` would be read as an assignment. `sh` cannot pass a NUL byte in an argument at all.
pub fn shell_quote(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Quotes `s` as a Go interpreted string literal, surrounding quotes included, whose value is
/// exactly `s`.
///
/// Layer: arguments inside a consul-template action, such as `{{ with secret "kv/data/x" }}`.
/// Go's `text/template` lexes such a string with `lexQuote`, which stops with "unterminated quoted
/// string" at a raw newline. The parser then decodes it with `strconv.Unquote`.
///
/// - `\` and `"` are backslash-escaped, and `\n`, `\r` and `\t` use their short escapes.
/// - Every other control character (`Cc`) becomes `\u00XX`. `\xXX` would not work for U+0080–U+009F,
///   because in Go it stands for a single byte, not a character.
/// - All other characters, non-ASCII included, are copied as UTF-8. Go source is UTF-8.
pub fn go_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Returns template text that consul-template (Go `text/template` with the default `{{`/`}}`
/// delimiters) renders as exactly `s`.
///
/// Layer: a Nomad `template` block's `data`, which Nomad hands to consul-template unchanged.
///
/// `text/template` copies text verbatim until the first `{{`, which starts an action (`lexText`).
/// `}}` outside an action is plain text, and nothing else in text is special. So the only thing to
/// hide is `{{`. It is emitted by an action that prints a string constant:
///
/// - A run of two or more `{` is emitted as one action, `{{ "{{{" }}` for `{{{`. Splitting a run
///   into pairs is not enough: in `{{{`, escaping the first pair leaves a single `{`, and escaping
///   the second pair leaves a stray `{` in front of the action's own `{{`.
/// - A run of `{` that ends `s`, even a single one, is emitted the same way (`{{ "{" }}`). The
///   caller can then put an action such as `{{ .Data.x }}` right after the result: a bare trailing
///   `{` would turn that into `{{{` and shift the action one character left.
/// - A single `{` elsewhere stays as it is. The character after it is not `{`.
///
/// The inserted actions start with `{{ ` (a space, not `{{-`), so they trim no surrounding
/// whitespace. An action of the caller's that sits next to the result can still trim it
/// (`-}}` / `{{-`). Values that must not be rendered at all belong in a `template` with
/// `left_delimiter`/`right_delimiter` that never occur in them, not here.
pub fn consul_template_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let run = rest[start..].bytes().take_while(|&b| b == b'{').count();
        let braces = &rest[start..start + run];
        rest = &rest[start + run..];
        if run == 1 && !rest.is_empty() {
            out.push('{');
        } else {
            out.push_str("{{ \"");
            out.push_str(braces);
            out.push_str("\" }}");
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_quote_escapes_each_template_opener_once() {
        assert_eq!(hcl_quote("x ${Q}"), r#""x $${Q}""#);
        assert_eq!(hcl_quote("x $${Q}"), r#""x $$${Q}""#);
        assert_eq!(hcl_quote("%{ if }%%{"), r#""%%{ if }%%%{""#);
        assert_eq!(hcl_quote("$ % $$ {"), r#""$ % $$ {""#);
        assert_eq!(
            hcl_quote("a\"b\\c\nd\r\te\u{1}\u{7f}\u{85}é"),
            r#""a\"b\\c\nd\r\te\u0001\u007F\u0085é""#
        );
    }

    #[test]
    fn nomad_config_layer_round_trips() {
        let s = "${A} $${B} %{ if } $ % {";
        let escaped = nomad_config_escape(s);
        assert_eq!(escaped, "$${A} $$${B} %%{ if } $ % {");
        assert_eq!(nomad_config_unescape_sim(&escaped).as_deref(), Ok(s));
        assert!(nomad_config_unescape_sim("${A}").is_err());
        assert!(nomad_config_unescape_sim("a %{").is_err());
        assert_eq!(nomad_config_unescape_sim("$").as_deref(), Ok("$"));
    }

    #[test]
    fn shell_quote_leaves_safe_words() {
        assert_eq!(shell_quote("a-b_c/1.2:x=y,z@w%+"), "a-b_c/1.2:x=y,z@w%+");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn go_string_escapes() {
        assert_eq!(go_string("kv/data/x"), r#""kv/data/x""#);
        assert_eq!(
            go_string("a\"\\\n\r\t\u{0}\u{85}é"),
            r#""a\"\\\n\r\t\u0000\u0085é""#
        );
    }

    #[test]
    fn consul_template_text_hides_left_delimiters() {
        assert_eq!(consul_template_text("a}}b{c"), "a}}b{c");
        assert_eq!(consul_template_text("{{x}}"), r#"{{ "{{" }}x}}"#);
        assert_eq!(consul_template_text("{{{"), r#"{{ "{{{" }}"#);
        assert_eq!(consul_template_text("a{"), r#"a{{ "{" }}"#);
    }
}
