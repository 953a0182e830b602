//! Values of a rendered jobspec: attribute values of each [`Ty`], maps of strings, the
//! free-form driver `config`, and the `${...}` interpolations Nomad would evaluate.

use std::collections::HashMap;
use std::ops::Range;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::template::{Element, Template};
use serde_json::{Map, Value};

use super::schema::Ty;
use super::Decoder;
use crate::duration::{self, DURATION_HELP};
use crate::hcl::eval::child;
use crate::hcl::{describe, header_text, span};
use crate::rules::{
    template_duplicate_field, template_invalid_duration, template_type_mismatch,
    unsupported_expression,
};

/// A primitive as a string, the way HCL converts values for string fields.
fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

/// A whole number, if `v` is one.
fn as_whole(v: &Value) -> Option<i64> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let whole =
        (f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64).then_some(f as i64);
    whole
}

impl Decoder<'_> {
    /// Evaluates an expression after checking that Nomad would not evaluate it differently.
    fn eval(&mut self, expr: &Expression, ptr: &str) -> Option<Value> {
        self.check_interpolations(expr);
        self.ev.eval(expr, ptr)
    }

    /// Evaluates an attribute value of type `ty`. `None` when it is null or wrong (a finding
    /// says why).
    pub(super) fn typed(
        &mut self,
        expr: &Expression,
        ty: Ty,
        name: &str,
        path: &str,
        ptr: &str,
    ) -> Option<Value> {
        let v = self.eval(expr, ptr)?;
        if v.is_null() {
            return None;
        }
        let at = span(expr);
        let ok = match (ty, &v) {
            (Ty::Str, _) => as_string(&v).map(Value::String),
            (Ty::Bool, Value::Bool(_)) => Some(v.clone()),
            (Ty::Int(min, max), _) => match as_whole(&v) {
                Some(i) if i < min || i > max => {
                    let f = template_type_mismatch::RULE
                        .finding(
                            self.ev.file,
                            at,
                            format!("`{name}` in {path} is out of range: {i}"),
                        )
                        .label(format!("not between {min} and {max}"));
                    self.report(f);
                    return None;
                }
                whole => whole.map(Value::from),
            },
            (Ty::Dur, Value::String(s)) => match duration::parse(s) {
                Ok(ns) => Some(Value::from(ns)),
                Err(e) => {
                    let message = format!("`{name}` in {path} is not a duration: {e} `{s}`");
                    let f = template_invalid_duration::RULE
                        .finding(self.ev.file, at, message)
                        .label(e.to_string())
                        .help(DURATION_HELP);
                    self.report(f);
                    return None;
                }
            },
            (Ty::Dur, Value::Number(_)) => as_whole(&v).map(Value::from),
            (Ty::Strs, Value::Array(items)) => return self.strings(items, name, path, ptr),
            _ => None,
        };
        if ok.is_none() {
            let expected = match ty {
                Ty::Str => "a string",
                Ty::Bool => "a bool",
                Ty::Int(..) => "a whole number",
                Ty::Dur => "a duration string (\"30s\") or whole nanoseconds",
                Ty::Strs => "a list of strings",
            };
            let mut f = template_type_mismatch::RULE
                .finding(
                    self.ev.file,
                    at,
                    format!(
                        "`{name}` in {path} must be {expected}, not {}",
                        describe(&v)
                    ),
                )
                .label(describe(&v));
            if v.is_string() && matches!(ty, Ty::Bool | Ty::Int(..)) {
                f = f.help("remove the quotes");
            }
            self.report(f);
        }
        ok
    }

    /// A list of strings; `None` after reporting the elements that are not strings.
    fn strings(&mut self, items: &[Value], name: &str, path: &str, ptr: &str) -> Option<Value> {
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match as_string(item) {
                Some(s) => out.push(Value::String(s)),
                None => {
                    let at = self
                        .ev
                        .spans
                        .get(&child(ptr, &i.to_string()))
                        .map_or(0..0, |e| e.value.clone());
                    let f = template_type_mismatch::RULE
                        .finding(
                            self.ev.file,
                            at,
                            format!("`{name}` in {path} must be a list of strings"),
                        )
                        .label(format!("{}, not a string", describe(item)));
                    self.report(f);
                }
            }
        }
        (out.len() == items.len()).then_some(Value::Array(out))
    }

    /// `meta = { ... }`: an object of strings.
    pub(super) fn map_attr(&mut self, a: &Attribute, path: &str, ptr: &str) -> Option<Value> {
        let name = a.key.as_str();
        let v = self.eval(&a.value, ptr)?;
        let Value::Object(obj) = v else {
            let f = template_type_mismatch::RULE
                .finding(
                    self.ev.file,
                    span(&a.value),
                    format!("`{name}` in {path} must be a map of strings"),
                )
                .label(describe(&v));
            self.report(f);
            return None;
        };
        let mut out = Map::new();
        for (k, item) in obj {
            match as_string(&item) {
                Some(s) => {
                    out.insert(k, Value::String(s));
                }
                None => {
                    let at = self
                        .ev
                        .spans
                        .get(&child(ptr, &k))
                        .map_or(span(&a.value), |e| e.value.clone());
                    let f = template_type_mismatch::RULE
                        .finding(
                            self.ev.file,
                            at,
                            format!("`{name}` values in {path} must be strings; `{k}` is not"),
                        )
                        .label(describe(&item));
                    self.report(f);
                }
            }
        }
        Some(Value::Object(out))
    }

    /// `meta { ... }`: attributes only, each a string.
    pub(super) fn map_block(&mut self, b: &Block, path: &str, ptr: &str) -> Map<String, Value> {
        let mut out = Map::new();
        for s in &b.body {
            match s {
                Structure::Attribute(a) => {
                    let k = a.key.as_str();
                    let Some(v) = self.eval(&a.value, &child(ptr, k)) else {
                        continue;
                    };
                    match as_string(&v) {
                        Some(s) => {
                            out.insert(k.to_owned(), Value::String(s));
                        }
                        None if v.is_null() => {}
                        None => {
                            let f = template_type_mismatch::RULE
                                .finding(
                                    self.ev.file,
                                    span(&a.value),
                                    format!("`{k}` in {path} must be a string"),
                                )
                                .label(describe(&v));
                            self.report(f);
                        }
                    }
                }
                Structure::Block(inner) => {
                    let k = inner.ident.as_str();
                    let f = template_type_mismatch::RULE
                        .finding(
                            self.ev.file,
                            span(&inner.ident),
                            format!("{path} holds strings, but `{k}` is a block"),
                        )
                        .label("a block")
                        .help(format!("write `{k} = \"...\"`"));
                    self.report(f);
                }
            }
        }
        out
    }

    /// A driver `config` body: attributes as they are (an object literal wrapped in a list),
    /// nested blocks as lists of objects, grouped by type.
    pub(super) fn config_body(&mut self, body: &Body, path: &str, ptr: &str) -> Map<String, Value> {
        let mut out = Map::new();
        // Names used so far: whether as an attribute, and where first.
        let mut first: HashMap<&str, (bool, Range<usize>)> = HashMap::new();
        for s in body {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    if let Some((_, prev)) = first.get(name).cloned() {
                        self.config_twice(name, span(&a.key), prev, path);
                        continue;
                    }
                    first.insert(name, (true, span(&a.key)));
                    let wrap = matches!(a.value, Expression::Object(_));
                    let p = if wrap {
                        child(&child(ptr, name), "0")
                    } else {
                        child(ptr, name)
                    };
                    if let Some(v) = self.eval(&a.value, &p) {
                        out.insert(
                            name.to_owned(),
                            if wrap { Value::Array(vec![v]) } else { v },
                        );
                    }
                }
                Structure::Block(b) => {
                    let name = b.ident.as_str();
                    match first.get(name).cloned() {
                        Some((true, prev)) => {
                            self.config_twice(name, span(&b.ident), prev, path);
                            continue;
                        }
                        Some((false, _)) => {}
                        None => {
                            first.insert(name, (false, span(&b.ident)));
                        }
                    }
                    let index = match out.get(name) {
                        Some(Value::Array(a)) => a.len(),
                        _ => 0,
                    };
                    let p = child(&child(ptr, name), &index.to_string());
                    let inner_path = format!("{path} > {}", header_text(b));
                    let mut v = Value::Object(self.config_body(&b.body, &inner_path, &p));
                    for label in b.labels.iter().rev() {
                        let mut m = Map::new();
                        m.insert(label.as_str().to_owned(), Value::Array(vec![v]));
                        v = Value::Object(m);
                    }
                    push(&mut out, name, v);
                }
            }
        }
        out
    }

    /// A name used both as an attribute and as a block in a `config`.
    fn config_twice(&mut self, name: &str, at: Range<usize>, first: Range<usize>, path: &str) {
        let f = template_duplicate_field::RULE
            .finding(
                self.ev.file,
                at,
                format!("`{name}` is both an attribute and a block in {path}"),
            )
            .label("defined again here")
            .also(first, "first defined here")
            .help(format!(
                "use either `{name} = ...` or `{name} {{ ... }}` blocks"
            ));
        self.report(f);
    }

    /// Reports `${...}` interpolations that Nomad's parser would evaluate rather than keep as
    /// text: anything but a plain reference such as `${attr.kernel.name}` or `${NOMAD_ALLOC_DIR}`.
    fn check_interpolations(&mut self, expr: &Expression) {
        match expr {
            Expression::Array(items) => {
                for item in items {
                    self.check_interpolations(item);
                }
            }
            Expression::Object(obj) => {
                for (key, value) in obj {
                    if let ObjectKey::Expression(k) = key {
                        self.check_interpolations(k);
                    }
                    self.check_interpolations(value.expr());
                }
            }
            Expression::StringTemplate(t) => self.check_template(t),
            Expression::HeredocTemplate(h) => self.check_template(&h.template),
            Expression::Parenthesis(p) => self.check_interpolations(p.inner()),
            _ => {}
        }
    }

    /// Reports the interpolations of `t` that Nomad would evaluate.
    fn check_template(&mut self, t: &Template) {
        for el in t {
            let Element::Interpolation(i) = el else {
                continue;
            };
            let root = match &i.expr {
                Expression::Variable(v) => Some(v.as_str()),
                Expression::Traversal(tr) => match &tr.expr {
                    Expression::Variable(v) => Some(v.as_str()),
                    _ => None,
                },
                _ => None,
            };
            let at = span(i);
            let text = self.ev.src.get(at.clone()).unwrap_or_default().to_owned();
            let f = match root {
                Some("var" | "local") => {
                    let message = format!(
                        "`{text}` references a variable, which a rendered jobspec cannot resolve"
                    );
                    unsupported_expression::RULE
                        .finding(self.ev.file, at, message)
                        .label("Nomad would reject this")
                }
                Some(_) => continue,
                None => {
                    let message = format!(
                        "Nomad's jobspec parser would evaluate `{text}`, not keep it as text"
                    );
                    unsupported_expression::RULE
                        .finding(self.ev.file, at, message)
                        .label("evaluated by Nomad")
                }
            };
            let f = f.help("render the value into the text, or write `$${` for a literal `${`");
            self.report(f);
        }
    }
}

/// Appends `v` to the list at `key`.
pub(super) fn push(out: &mut Map<String, Value>, key: &str, v: Value) {
    match out
        .entry(key.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        Value::Array(a) => a.push(v),
        other => *other = Value::Array(vec![v]),
    }
}
