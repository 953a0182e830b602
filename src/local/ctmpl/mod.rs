//! Local stand-in for the consul-template that renders a Nomad `template` block from Vault.
//!
//! `nomad-build local` runs the compiled jobs without Nomad or Vault, but the credential files
//! its tasks read must be the bytes consul-template would write. [`render`] executes the same
//! template text (a job's `EmbeddedTmpl`) against a JSON map of Vault KV v2 path → secret data.
//! It implements the subset of Go `text/template` and consul-template that our templates use,
//! with their semantics, and refuses everything else with [`CtmplError::Unsupported`].
//!
//! Sources (Nomad pins consul-template v0.42.1; its `template/` and `dependency/vault_*.go` are
//! unchanged at HEAD `1deacb7d`; Go files are the current `src/` tree):
//!
//! - **Lexing** (`text/template/parse/lex.go`): text is copied verbatim up to `{{`. `{{- ` and
//!   ` -}}` (the `-` next to the delimiter, separated from the action by one of space, tab, CR or
//!   LF: `hasLeftTrimMarker`/`hasRightTrimMarker`) trim *all* adjacent space, tab, CR and LF of
//!   the neighbouring text (`strings.TrimRight`/`TrimLeft` with `spaceChars = " \t\r\n"`).
//!   `{{-3}}` is the number `-3`, not a trim. Actions may span lines. `{{/* … */}}` is a comment.
//! - **Parsing** (`parse/parse.go`): a pipeline is `[$x := | $x =] command ('|' command)*`;
//!   a command is space-separated operands; `.a.b.c` is one field chain. A variable must be
//!   declared before use, and is in scope until the `{{end}}` of the enclosing `if`/`with`
//!   (`parseControl` pops `t.vars`); top-level variables live to the end. `{{else if …}}` and
//!   `{{else with …}}` are supported as in Go. Functions are checked at parse time
//!   (`function "x" not defined`).
//! - **Execution** (`text/template/exec.go`): consul-template executes with data `nil`, so `.`
//!   and `$` start as nil, and with `missingkey=error` (consul-template `template/template.go`,
//!   `Execute`, when the job sets `error_on_missing_key = true`, as all of ours do). `evalField`:
//!   a missing map key → `map has no entry for key "k"`; a field of a nil value → `nil data; no
//!   entry for key "k"`; a field of a nil value found in a map → `nil pointer evaluating
//!   interface {}.k`; a field of anything that is neither map nor struct (e.g. a string) →
//!   `can't evaluate field k in type …`. `if`/`with` test Go truth (`isTrue`: nil, `""`, empty
//!   map/list, `false` are false; a `*Secret` is true). `with` sets `.` to the value.
//! - **Printing** (`exec.go`, `printValue`): an action prints its value with `fmt.Fprint`, raw:
//!   `text/template` does **no** HTML or other escaping. A nil value prints `<no value>`
//!   (`printableValue`), `true`/`false` as such, a map as `map[k:v …]` with sorted keys, a list
//!   as `[a b]`. An action that declares a variable prints nothing.
//! - **`secret "path"`** (consul-template `template/funcs.go`, `secretFunc`; `dependency/
//!   vault_read.go`, `vault_common.go`): returns a `*dependency.Secret` whose `Data` is the Vault
//!   API response's `data` (`updateSecret`: `ours.Data = theirs.Data`), i.e. for KV v2
//!   `{"data": <the secret's map>, "metadata": {…}}`, hence `.Data.data.username`. The path is
//!   `strings.TrimSpace`d and trimmed of `/` (`NewVaultReadQuery`). Vault's client decodes JSON
//!   with `UseNumber`, so numbers are `json.Number` (printed as their text). The secret's other
//!   fields and `.Data.metadata` have no local source and are refused.
//! - **Functions**: `printf` (`fmt.Sprintf`; `%s` and `%%` only, plus Go's `%!s(MISSING)`,
//!   `%!(EXTRA …)`, `%!(NOVERB)` forms), `base64Encode` (`base64.StdEncoding`, padded),
//!   `toJSON` (`json.Marshal` → HTML-safe escaping, sorted map keys, then `bytes.TrimSpace`),
//!   `urlquery` (`url.QueryEscape` of `evalArgs`), `replaceAll FROM TO S`
//!   (`strings.ReplaceAll(S, FROM, TO)`, so a piped value is `S`).
//!
//! Layout: `lex` turns the text into items, `parse` builds the node tree (and checks
//! variables and function names), `exec` walks it against the secrets, and `value` holds the
//! values and Go's printing and conversion rules the functions use.

use serde_json::{Map, Value};

mod exec;
mod lex;
mod parse;
mod value;

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CtmplError {
    /// `secret "PATH"` reads a path the secrets file does not have.
    #[error("the secrets file has no `{0}`")]
    MissingSecret(String),
    /// The template does not parse; Go's `text/template` rejects it too. `line` and `col` are
    /// 1-based (`col` counts bytes).
    #[error("template: {line}:{col}: {message}")]
    Syntax {
        /// Line of the offending token.
        line: usize,
        /// Byte column of the offending token.
        col: usize,
        /// Go's message, e.g. `undefined variable "$x"`.
        message: String,
    },
    /// Executing the template fails where Go's `text/template` fails too.
    #[error("template: {line}:{col}: executing at <{context}>: {message}")]
    Exec {
        /// Line of the node being executed.
        line: usize,
        /// Byte column of the node being executed.
        col: usize,
        /// The node, as Go prints it (e.g. `.Data.data.username`).
        context: String,
        /// Go's message, e.g. `map has no entry for key "username"`.
        message: String,
    },
    /// A construct consul-template accepts that this renderer does not implement.
    #[error("template: {line}:{col}: {construct} is not supported by the local renderer")]
    Unsupported {
        /// Line of the construct.
        line: usize,
        /// Byte column of the construct.
        col: usize,
        /// What it is, e.g. `{{range}}`.
        construct: String,
    },
}

/// Renders `template` as consul-template (in Nomad, with `error_on_missing_key = true`) would,
/// reading `secret "PATH"` from `secrets` (KV v2 path → the secret's data object).
///
/// A path missing from `secrets` is [`CtmplError::MissingSecret`]; consul-template would wait
/// for it instead.
pub fn render(template: &str, secrets: &Map<String, Value>) -> Result<String, CtmplError> {
    let nodes = parse::parse(template)?;
    exec::execute(template, secrets, &nodes)
}

/// The Vault paths `template` reads with `secret "PATH"` (a string literal argument), in order
/// of first appearance, normalized as consul-template does. A path computed at run time is not
/// listed; a template that does not parse lists nothing (and [`render`] reports why).
pub fn secret_paths(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(nodes) = parse::parse(template) {
        parse::collect_paths(&nodes, &mut out);
    }
    out
}

/// Standard base64 (`+`, `/`, `=` padding, no line breaks): Go's `base64.StdEncoding`, which
/// consul-template's `base64Encode` uses.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = u32::from(chunk[0]);
        let b1 = chunk.get(1).map_or(0, |&b| u32::from(b));
        let b2 = chunk.get(2).map_or(0, |&b| u32::from(b));
        let n = (b0 << 16) | (b1 << 8) | b2;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// 1-based line and byte column of `pos` in `src`.
fn line_col(src: &str, pos: usize) -> (usize, usize) {
    let before = &src.as_bytes()[..pos.min(src.len())];
    let line = 1 + before.split(|&b| b == b'\n').count() - 1;
    let col = 1 + before.iter().rev().take_while(|&&b| b != b'\n').count();
    (line, col)
}

/// A [`CtmplError::Syntax`] at byte `pos` of `src`.
fn syntax(src: &str, pos: usize, message: impl Into<String>) -> CtmplError {
    let (line, col) = line_col(src, pos);
    CtmplError::Syntax {
        line,
        col,
        message: message.into(),
    }
}

/// A [`CtmplError::Unsupported`] at byte `pos` of `src`.
fn unsupported(src: &str, pos: usize, construct: impl Into<String>) -> CtmplError {
    let (line, col) = line_col(src, pos);
    CtmplError::Unsupported {
        line,
        col,
        construct: construct.into(),
    }
}

/// What the submodules' unit tests share: a secrets file and render-or-panic helpers.
#[cfg(test)]
mod test_support {
    use serde_json::{json, Map, Value};

    use super::{render, CtmplError};

    fn secrets(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn reg() -> Map<String, Value> {
        secrets(
            json!({"kv/data/r": {"username": "u", "password": "p", "empty": "", "n": 42,
            "none": null, "yes": true, "obj": {"b": "2", "a": 1}, "list": ["x", 2]}}),
        )
    }

    pub(super) fn ok(t: &str) -> String {
        match render(t, &reg()) {
            Ok(s) => s,
            Err(e) => panic!("{t:?}: {e}"),
        }
    }

    pub(super) fn fails(t: &str) -> CtmplError {
        match render(t, &reg()) {
            Ok(s) => panic!("{t:?} rendered {s:?}"),
            Err(e) => e,
        }
    }

    pub(super) fn message(e: &CtmplError) -> String {
        match e {
            CtmplError::Syntax { message, .. } | CtmplError::Exec { message, .. } => {
                message.clone()
            }
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::base64;

    // Expected strings below are written from the Go sources cited in the `ctmpl` module
    // docs, not from this code's output.

    #[test]
    fn base64_matches_rfc4648_test_vectors() {
        // RFC 4648 §10.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), enc);
        }
        // 0xfb 0xff → 111110 111111 1111(00): `+`, `/`, `8` and one `=`.
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }
}
