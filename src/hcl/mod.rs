//! The HCL core shared by nomad-build's two decoders: the `build.hcl` loader ([`crate::load`])
//! and the decoder of rendered jobspecs ([`crate::nomad::jobspec`]).
//!
//! - where things are: spans of attributes, blocks and labels ([`span`]), of block headers
//!   ([`header_span`]) and of syntax errors ([`syntax`]: an unclosed delimiter at its opening,
//!   found by `delims.rs`, else where hcl-edit stopped);
//! - how values are named in messages ([`describe`], [`describe_type`]);
//! - expression evaluation ([`eval`]);
//! - walking a body against the layout of its place, with the structural checks both
//!   decoders make, each reported through the rule the decoder passes in ([`walk`]).

mod delims;
pub(crate) mod eval;
mod walk;

use std::ops::Range;

use hcl_edit::structure::Block;
use hcl_edit::Span;
use serde_json::Value;

pub(crate) use walk::{walk, wrong_form, Dialect, Field, Form, Item, Layout, Rules};

/// The byte range of a parsed element (empty at 0 when it has none).
pub(crate) fn span(s: &impl Span) -> Range<usize> {
    s.span().unwrap_or(0..0)
}

/// A block's header: from its type to the end of its last label.
pub(crate) fn header_span(b: &Block) -> Range<usize> {
    let start = span(&b.ident);
    let end = b.labels.last().map_or(start.end, |l| span(l).end);
    start.start..end.max(start.end)
}

/// A block's header as written (`task "build"`), for messages.
pub(crate) fn header_text(b: &Block) -> String {
    let mut h = b.ident.as_str().to_owned();
    for l in &b.labels {
        h.push_str(&format!(" \"{}\"", l.as_str()));
    }
    h
}

/// The byte offset of a syntax error in `src`, on a character boundary.
pub(crate) fn error_offset(src: &str, e: &hcl_edit::parser::Error) -> usize {
    let mut at = e.location().offset().min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The character a syntax error points at (empty at the end of `src`).
pub(crate) fn error_span(src: &str, e: &hcl_edit::parser::Error) -> Range<usize> {
    let at = error_offset(src, e);
    let end = src[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    at..end
}

/// A syntax error, ready to become a finding: an unclosed delimiter at its opening (from
/// `delims.rs`), else hcl-edit's error where it stopped.
#[derive(Debug, Clone)]
pub(crate) struct Syntax {
    /// The primary place.
    pub(crate) span: Range<usize>,
    /// What is wrong (lowercase, one line).
    pub(crate) message: String,
    /// The label on the primary place.
    pub(crate) label: String,
    /// Other places.
    pub(crate) also: Vec<(Range<usize>, String)>,
    /// How to fix it, when the scan knows.
    pub(crate) help: Option<String>,
}

/// The syntax error of `src`, which hcl-edit refused with `e`.
pub(crate) fn syntax(src: &str, e: &hcl_edit::parser::Error) -> Syntax {
    if let Some(u) = delims::unclosed(src) {
        return Syntax {
            span: u.open.clone(),
            message: u.message(),
            label: u.label(),
            also: u.secondary(src),
            help: Some(u.help(src)),
        };
    }
    Syntax {
        span: error_span(src, e),
        message: e
            .message()
            .lines()
            .next()
            .unwrap_or("syntax error")
            .to_owned(),
        label: "here".to_owned(),
        also: Vec::new(),
        help: None,
    }
}

/// The JSON Schema type of a value: `null`, `boolean`, `number`, `string`, `array` or
/// `object`.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A JSON Schema type as messages name it: `string` is "a string", `integer` "a whole number".
pub(crate) fn describe_type(t: &str) -> &'static str {
    match t {
        "string" => "a string",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "a bool",
        "array" => "a list",
        "object" => "an object",
        _ => "null",
    }
}

/// What a value is, as messages name it: "a string", "a list", "a fractional number", ...
pub(crate) fn describe(v: &Value) -> &'static str {
    match v {
        Value::Number(n) if n.is_f64() && n.as_f64().is_some_and(|f| f.fract() != 0.0) => {
            "a fractional number"
        }
        v => describe_type(type_name(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn headers_span_the_type_and_labels() {
        let src = "task \"a\" \"b\" {\n}\nx {\n}\n";
        let body = hcl_edit::parser::parse_body(src).unwrap();
        let blocks: Vec<&Block> = body.blocks().collect();
        assert_eq!(&src[header_span(blocks[0])], "task \"a\" \"b\"");
        assert_eq!(header_text(blocks[0]), "task \"a\" \"b\"");
        assert_eq!(&src[header_span(blocks[1])], "x");
    }

    #[test]
    fn syntax_errors_point_at_one_character() {
        let src = "a = 1 é\n";
        let e = hcl_edit::parser::parse_body(src).unwrap_err();
        assert_eq!(&src[error_span(src, &e)], "é");
    }

    #[test]
    fn values_are_described_for_messages() {
        assert_eq!(describe(&json!(1.5)), "a fractional number");
        assert_eq!(describe(&json!(2)), "a number");
        assert_eq!(describe(&json!([1])), "a list");
        assert_eq!(describe(&json!(null)), "null");
        assert_eq!(describe_type("integer"), "a whole number");
        assert_eq!(describe_type(type_name(&json!(true))), "a bool");
    }
}
