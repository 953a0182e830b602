//! Values as the template sees them, and the Go semantics of printing them and of the
//! functions' conversions (`fmt`, `encoding/json`, `net/url`).

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// A value as the template sees it (Go types in comments).
#[derive(Debug, Clone)]
pub(super) enum Val {
    /// An untyped nil / invalid `reflect.Value` (Execute's data, a JSON null).
    Nil,
    /// `string`.
    Str(String),
    /// `json.Number` (Vault's client decodes with `UseNumber`).
    Num(String),
    /// `bool`.
    Bool(bool),
    /// `map[string]interface{}`.
    Map(Map<String, Value>),
    /// `[]interface{}`.
    List(Vec<Value>),
    /// `*dependency.Secret`, holding the KV v2 secret's data.
    Secret(Map<String, Value>),
    /// The `Data` field of a KV v2 `*dependency.Secret`: `{"data": …, "metadata": …}`.
    SecretData(Map<String, Value>),
}

impl Val {
    /// Go's name of the dynamic type, as `text/template` error messages print it.
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Val::Nil => "<nil>",
            Val::Str(_) => "string",
            Val::Num(_) => "json.Number",
            Val::Bool(_) => "bool",
            Val::Map(_) | Val::SecretData(_) => "map[string]interface {}",
            Val::List(_) => "[]interface {}",
            Val::Secret(_) => "*dependency.Secret",
        }
    }

    /// `isTrue`.
    pub(super) fn truth(&self) -> bool {
        match self {
            Val::Nil => false,
            Val::Str(s) | Val::Num(s) => !s.is_empty(),
            Val::Bool(b) => *b,
            Val::Map(m) | Val::SecretData(m) => !m.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Secret(_) => true,
        }
    }
}

const NON_INTEGER: &str = "a non-integer number in the secrets file (Vault would keep its exact \
                           text, the secrets file's parser does not)";

fn integer_text(n: &serde_json::Number) -> Result<String, &'static str> {
    if n.is_i64() || n.is_u64() {
        Ok(n.to_string())
    } else {
        Err(NON_INTEGER)
    }
}

pub(super) fn from_json(v: &Value) -> Result<Val, &'static str> {
    Ok(match v {
        Value::Null => Val::Nil,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => Val::Num(integer_text(n)?),
        Value::String(s) => Val::Str(s.clone()),
        Value::Array(a) => Val::List(a.clone()),
        Value::Object(o) => Val::Map(o.clone()),
    })
}

const SECRET_OBJECT: &str = "using a whole secret (`*dependency.Secret` or its `.Data`) as a value";

/// `fmt`'s `%v` of a value nested in a map or list (`printValue` at depth > 0).
fn fmt_json(v: &Value, out: &mut String) -> Result<(), &'static str> {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&integer_text(n)?),
        Value::String(s) => out.push_str(s),
        Value::Array(a) => fmt_list(a, out)?,
        Value::Object(m) => fmt_map(m, out)?,
    }
    Ok(())
}

fn fmt_list(list: &[Value], out: &mut String) -> Result<(), &'static str> {
    out.push('[');
    for (i, v) in list.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        fmt_json(v, out)?;
    }
    out.push(']');
    Ok(())
}

/// `fmt` prints maps with their keys sorted (`internal/fmtsort`: strings by byte order).
fn fmt_map(map: &Map<String, Value>, out: &mut String) -> Result<(), &'static str> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    out.push_str("map[");
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(k);
        out.push(':');
        fmt_json(&map[k], out)?;
    }
    out.push(']');
    Ok(())
}

/// `fmt`'s `%v` of a top-level operand (`fmt.Sprint`, `%!(EXTRA …)`).
fn fmt_v(v: &Val) -> Result<String, &'static str> {
    let mut out = String::new();
    match v {
        Val::Nil => out.push_str("<nil>"),
        Val::Str(s) | Val::Num(s) => out.push_str(s),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Map(m) => fmt_map(m, &mut out)?,
        Val::List(l) => fmt_list(l, &mut out)?,
        Val::Secret(_) | Val::SecretData(_) => return Err(SECRET_OBJECT),
    }
    Ok(out)
}

/// What an action prints (`printValue` → `printableValue` → `fmt.Fprint`), unescaped.
pub(super) fn print_value(v: &Val) -> Result<String, &'static str> {
    match v {
        Val::Nil => Ok("<no value>".to_owned()),
        other => fmt_v(other),
    }
}

/// `fmt.Sprintf` for `%s` and `%%` (Go's `%!…` forms included).
pub(super) fn sprintf(format: &str, args: &[Val]) -> Result<String, String> {
    let mut out = String::new();
    let mut argi = 0;
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            None => out.push_str("%!(NOVERB)"),
            Some('%') => out.push('%'),
            Some('s') => {
                match args.get(argi) {
                    None => out.push_str("%!s(MISSING)"),
                    Some(Val::Str(s) | Val::Num(s)) => out.push_str(s),
                    Some(Val::Bool(b)) => {
                        let _ = write!(out, "%!s(bool={b})");
                    }
                    Some(Val::Nil) => out.push_str("%!s(<nil>)"),
                    Some(other) => {
                        return Err(format!("printf's %s of a {} value", other.type_name()))
                    }
                }
                argi += 1;
            }
            Some(v) => {
                return Err(format!(
                    "the printf verb or flag `%{v}` (only %s and %% are implemented)"
                ))
            }
        }
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[argi..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if let Val::Nil = a {
                out.push_str("<nil>");
            } else {
                out.push_str(a.type_name());
                out.push('=');
                out.push_str(&fmt_v(a)?);
            }
        }
        out.push(')');
    }
    Ok(out)
}

/// `json.Marshal` of a string: encoding/json `appendString` with `escapeHTML` set. The `\b`
/// and `\f` short forms are Go ≥ 1.22's; older releases wrote `\u0008` and `\u000c`.
fn json_quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_value(v: &Value, out: &mut String) -> Result<(), &'static str> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&integer_text(n)?),
        Value::String(s) => json_quote(s, out),
        Value::Array(a) => json_list(a, out)?,
        Value::Object(m) => json_map(m, out)?,
    }
    Ok(())
}

fn json_list(list: &[Value], out: &mut String) -> Result<(), &'static str> {
    out.push('[');
    for (i, v) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_value(v, out)?;
    }
    out.push(']');
    Ok(())
}

/// encoding/json sorts map keys (`strings.Compare`, byte order).
fn json_map(map: &Map<String, Value>, out: &mut String) -> Result<(), &'static str> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    out.push('{');
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_quote(k, out);
        out.push(':');
        json_value(&map[k], out)?;
    }
    out.push('}');
    Ok(())
}

/// consul-template's `toJSON`: `json.Marshal`, then `bytes.TrimSpace` (a no-op on its output).
pub(super) fn to_json(v: &Val) -> Result<String, &'static str> {
    let mut out = String::new();
    match v {
        Val::Nil => out.push_str("null"),
        Val::Str(s) => json_quote(s, &mut out),
        Val::Num(s) => out.push_str(s),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Map(m) => json_map(m, &mut out)?,
        Val::List(l) => json_list(l, &mut out)?,
        Val::Secret(_) | Val::SecretData(_) => return Err(SECRET_OBJECT),
    }
    Ok(out)
}

/// `url.QueryEscape`: unreserved `A-Za-z0-9-_.~` kept, space → `+`, every other byte `%XX`.
pub(super) fn query_escape(s: &str) -> String {
    const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(UPPER_HEX[usize::from(b >> 4)]));
                out.push(char::from(UPPER_HEX[usize::from(b & 15)]));
            }
        }
    }
    out
}

/// text/template's `evalArgs`: one `string` as is, otherwise `fmt.Sprint` of the operands with
/// nil replaced by `<no value>`; `Sprint` puts a space between two operands that are both
/// non-strings.
pub(super) fn eval_args(args: &[Val]) -> Result<String, &'static str> {
    if let [Val::Str(s)] = args {
        return Ok(s.clone());
    }
    let mut out = String::new();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Val::Nil | Val::Str(_) | Val::Num(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        out.push_str(&print_value(arg)?);
        prev_string = is_string;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{fails, ok};
    use super::super::CtmplError;

    // Expected strings below are written from the Go sources cited in the `ctmpl` module
    // docs, not from this code's output.

    #[test]
    fn printing_non_strings() {
        let t = |body: &str| format!(r#"{{{{ with secret "kv/data/r" }}}}{body}{{{{ end }}}}"#);
        assert_eq!(ok(&t("{{ .Data.data.n }}")), "42");
        assert_eq!(ok(&t("{{ .Data.data.yes }}")), "true");
        assert_eq!(ok(&t("{{ .Data.data.none }}")), "<no value>");
        assert_eq!(ok(&t("{{ .Data.data.obj }}")), "map[a:1 b:2]");
        assert_eq!(ok(&t("{{ .Data.data.list }}")), "[x 2]");
        assert_eq!(ok("{{ $ }}|{{ . }}"), "<no value>|<no value>");
        assert!(matches!(
            fails(&t("{{ . }}")),
            CtmplError::Unsupported { .. }
        ));
    }

    #[test]
    fn printf_follows_fmt() {
        assert_eq!(ok(r#"{{ printf "%s:%s" "a" "b" }}"#), "a:b");
        assert_eq!(ok(r#"{{ printf "100%%" }}"#), "100%");
        assert_eq!(ok(r#"{{ printf "%s-%s" "a" }}"#), "a-%!s(MISSING)");
        assert_eq!(ok(r#"{{ printf "%s" "a" "b" }}"#), "a%!(EXTRA string=b)");
        assert_eq!(ok(r#"{{ printf "%s" true }}"#), "%!s(bool=true)");
        assert_eq!(ok(r#"{{ printf "x%" }}"#), "x%!(NOVERB)");
        assert_eq!(ok(r#"{{ "b" | printf "a%s" }}"#), "ab");
        let t = r#"{{ with secret "kv/data/r" }}{{ printf "%s/%s" .Data.data.n .Data.data.none }}{{ end }}"#;
        assert_eq!(ok(t), "42/%!s(<nil>)");
        assert!(matches!(
            fails(r#"{{ printf "%d" "a" }}"#),
            CtmplError::Unsupported { .. }
        ));
    }

    #[test]
    fn to_json_is_go_json_marshal() {
        // encoding/json appendString with escapeHTML: `<`, `>`, `&` → \u003c \u003e \u0026;
        // \b \f \n \r \t short escapes; other C0 controls \u00XX with lowercase hex;
        // U+2028/U+2029 escaped; `/`, DEL and non-ASCII kept.
        assert_eq!(
            ok(r#"{{ "a\"b\\c<d>e&f\n\r\t\b\f\x01\x1f/\x7fé\u2028\u2029" | toJSON }}"#),
            r#""a\"b\\c\u003cd\u003ee\u0026f\n\r\t\b\f\u0001\u001f/"#.to_owned()
                + "\u{7f}é"
                + r#"\u2028\u2029""#
        );
        let t = |body: &str| format!(r#"{{{{ with secret "kv/data/r" }}}}{body}{{{{ end }}}}"#);
        assert_eq!(ok(&t("{{ .Data.data.n | toJSON }}")), "42");
        assert_eq!(ok(&t("{{ .Data.data.none | toJSON }}")), "null");
        assert_eq!(
            ok(&t("{{ .Data.data.obj | toJSON }}")),
            r#"{"a":1,"b":"2"}"#
        );
        assert_eq!(ok(&t("{{ .Data.data.list | toJSON }}")), r#"["x",2]"#);
        assert_eq!(ok(&t("{{ toJSON .Data.data.yes }}")), "true");
    }

    #[test]
    fn urlquery_is_query_escape() {
        assert_eq!(
            ok(r#"{{ "aZ09-_.~ +/:@%?#&=é" | urlquery }}"#),
            "aZ09-_.~+%2B%2F%3A%40%25%3F%23%26%3D%C3%A9"
        );
        // evalArgs: fmt.Sprint adds no space between string operands.
        assert_eq!(ok(r#"{{ urlquery "a" "b" }}"#), "ab");
        assert_eq!(ok("{{ urlquery true false }}"), "true+false");
        let t = r#"{{ with secret "kv/data/r" }}{{ .Data.data.none | urlquery }}{{ end }}"#;
        assert_eq!(ok(t), "%3Cno+value%3E");
    }
}
