//! Evaluation of HCL expressions (as parsed by hcl-edit) into JSON values.
//!
//! Only what a declarative file needs is supported: literals, lists, objects, strings and
//! heredocs, `var.<name>` references and `${...}` interpolations. Like Nomad's jobspec parser,
//! an interpolation whose root is not `var` is kept literally (`"${attr.kernel.name}"` stays
//! `${attr.kernel.name}`); `$${` and `%%{` are HCL escapes for `${` and `%{` (hcl-edit has
//! already unescaped them in literal parts).

use std::collections::HashMap;
use std::ops::Range;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Element, Template};
use indexmap::IndexMap;
use serde_json::Value;

use super::span as span_of;
use crate::diag::{closest, FileId, Finding};
use crate::rules::{
    duplicate_key, invalid_expression, type_mismatch, undefined_variable, unsupported_expression,
};

/// Where `var.<name>` references resolve.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// `var.<name>` resolves in this map; an unknown name is an error. A declared variable
    /// without a value (already reported where it is declared) is `None` and fails silently.
    Vars(&'a IndexMap<String, Option<Value>>),
    /// No variables exist (variable defaults, `--var-file`s, rendered jobspecs): a `var.x`
    /// reference is an error outside strings and kept literally inside them.
    None,
}

/// Byte ranges of evaluated values, keyed by JSON pointer (`/pipeline/app/build/cpu`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Spans {
    map: HashMap<String, Entry>,
}

/// The ranges recorded for one value.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The attribute name or block header (type and labels).
    pub(crate) key: Range<usize>,
    /// The value expression or block body.
    pub(crate) value: Range<usize>,
}

impl Spans {
    /// Records ranges for `pointer`; the first record wins.
    pub(crate) fn insert(&mut self, pointer: &str, key: Range<usize>, value: Range<usize>) {
        self.map
            .entry(pointer.to_owned())
            .or_insert(Entry { key, value });
    }

    /// The ranges recorded for `pointer`, or for its nearest recorded ancestor.
    pub(crate) fn nearest(&self, pointer: &str) -> Option<&Entry> {
        let mut p = pointer;
        loop {
            if let Some(e) = self.map.get(p) {
                return Some(e);
            }
            let cut = p.rfind('/')?;
            p = &p[..cut];
        }
    }

    /// The ranges recorded for exactly `pointer`.
    pub(crate) fn get(&self, pointer: &str) -> Option<&Entry> {
        self.map.get(pointer)
    }

    /// Every recorded entry, in no particular order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.map.values()
    }
}

/// Appends a JSON-pointer token (escaping `~` and `/`).
pub(crate) fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// State of one evaluation pass over a file.
pub(crate) struct Evaluator<'a> {
    /// The file's text (for literal `${...}` interpolations).
    pub(crate) src: &'a str,
    /// The file's id in diagnostics.
    pub(crate) file: FileId,
    /// How `var.` resolves.
    pub(crate) scope: Scope<'a>,
    /// Ranges of evaluated values.
    pub(crate) spans: Spans,
    /// Problems found.
    pub(crate) findings: Vec<Finding>,
}

impl<'a> Evaluator<'a> {
    /// A new evaluator over `src`.
    pub(crate) fn new(src: &'a str, file: FileId, scope: Scope<'a>) -> Self {
        Evaluator {
            src,
            file,
            scope,
            spans: Spans::default(),
            findings: Vec::new(),
        }
    }

    /// Evaluates `expr`, recording spans below `pointer`. `None` when it failed (a finding
    /// says why).
    pub(crate) fn eval(&mut self, expr: &Expression, pointer: &str) -> Option<Value> {
        let span = span_of(expr);
        match expr {
            Expression::Null(_) => Some(Value::Null),
            Expression::Bool(b) => Some(Value::Bool(*b.value())),
            Expression::Number(n) => {
                let n = n.value();
                let v = if let Some(i) = n.as_i64() {
                    Value::from(i)
                } else if let Some(u) = n.as_u64() {
                    Value::from(u)
                } else {
                    Value::from(n.as_f64().unwrap_or(f64::NAN))
                };
                Some(v)
            }
            Expression::String(s) => Some(Value::String(s.value().clone())),
            Expression::StringTemplate(t) => self.template(t, pointer).map(Value::String),
            Expression::HeredocTemplate(h) => {
                // hcl-edit's parser has already stripped a `<<-` heredoc's indentation.
                self.template(&h.template, pointer).map(Value::String)
            }
            Expression::Array(items) => {
                let mut out = Vec::new();
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    let p = child(pointer, &i.to_string());
                    let s = span_of(item);
                    self.spans.insert(&p, s.clone(), s);
                    match self.eval(item, &p) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(Value::Array(out))
            }
            Expression::Object(obj) => {
                let mut out = serde_json::Map::new();
                let mut ok = true;
                for (key, value) in obj {
                    let key_span = span_of(key);
                    let name = match key {
                        ObjectKey::Ident(id) => id.as_str().to_owned(),
                        ObjectKey::Expression(e) => match self.eval(e, pointer) {
                            Some(Value::String(s)) => s,
                            Some(Value::Number(n)) => n.to_string(),
                            Some(Value::Bool(b)) => b.to_string(),
                            Some(_) => {
                                self.findings.push(
                                    invalid_expression::RULE
                                        .finding(
                                            self.file,
                                            key_span,
                                            "an object key must be a string",
                                        )
                                        .label("not a string"),
                                );
                                ok = false;
                                continue;
                            }
                            None => {
                                ok = false;
                                continue;
                            }
                        },
                    };
                    let p = child(pointer, &name);
                    if let Some(first) = self.spans.get(&p).map(|e| e.key.clone()) {
                        if out.contains_key(&name) {
                            self.findings.push(
                                duplicate_key::RULE
                                    .finding(self.file, key_span, format!("duplicate key `{name}`"))
                                    .label("defined again here")
                                    .also(first, "first defined here"),
                            );
                            ok = false;
                            continue;
                        }
                    }
                    self.spans.insert(&p, key_span, span_of(value.expr()));
                    match self.eval(value.expr(), &p) {
                        Some(v) => {
                            out.insert(name, v);
                        }
                        None => ok = false,
                    }
                }
                ok.then_some(Value::Object(out))
            }
            Expression::Parenthesis(inner) => self.eval(inner.inner(), pointer),
            Expression::Traversal(t) => {
                let root = match &t.expr {
                    Expression::Variable(v) => v.as_str(),
                    _ => "",
                };
                let attr = match t.operators.first().map(hcl_edit::Decorated::value) {
                    Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
                    _ => None,
                };
                match (root, attr, t.operators.len()) {
                    ("var", Some(name), 1) => self.var(name, span),
                    _ => {
                        self.findings.push(
                            unsupported_expression::RULE.finding(self.file,
                                span.clone(),
                                format!("cannot evaluate `{}` here", &self.src[span]),
                            )
                            .label("only `var.<name>` references can be evaluated")
                            .help("to pass a Nomad reference through, write it inside a string: \"${...}\""),
                        );
                        None
                    }
                }
            }
            Expression::Variable(v) => {
                self.findings.push(
                    unsupported_expression::RULE
                        .finding(self.file, span, format!("unknown name `{}`", v.as_str()))
                        .label("not a value")
                        .help(
                            "strings need double quotes; variables are referenced as `var.<name>`",
                        ),
                );
                None
            }
            _ => {
                self.findings.push(
                    unsupported_expression::RULE.finding(self.file,
                        span,
                        "operators, conditionals, `for` expressions and function calls are not supported",
                    )
                    .label("cannot be evaluated")
                    .help("use a literal value or a `var.<name>` reference"),
                );
                None
            }
        }
    }

    fn var(&mut self, name: &str, span: Range<usize>) -> Option<Value> {
        match self.scope {
            Scope::Vars(vars) => match vars.get(name) {
                Some(v) => v.clone(),
                None => {
                    let mut f = undefined_variable::RULE
                        .finding(
                            self.file,
                            span,
                            format!("variable `{name}` is not declared"),
                        )
                        .label("undeclared");
                    f = match closest(name, vars.keys().map(String::as_str)) {
                        Some(c) => f.help(format!("did you mean `var.{c}`?")),
                        None => f.help(format!(
                            "declare it: variable \"{name}\" {{ default = \"...\" }}"
                        )),
                    };
                    self.findings.push(f);
                    None
                }
            },
            Scope::None => {
                self.findings.push(
                    undefined_variable::RULE
                        .finding(self.file, span, "variables cannot be used here")
                        .label("not allowed here"),
                );
                None
            }
        }
    }

    fn template(&mut self, t: &Template, pointer: &str) -> Option<String> {
        let mut out = String::new();
        let mut ok = true;
        for el in t {
            match el {
                Element::Literal(l) => out.push_str(l.value()),
                Element::Interpolation(i) => {
                    let span = span_of(i);
                    let var_ref = match &i.expr {
                        Expression::Traversal(tr) => {
                            matches!(&tr.expr, Expression::Variable(v) if v.as_str() == "var")
                                && matches!(self.scope, Scope::Vars(_))
                        }
                        _ => false,
                    };
                    if var_ref {
                        match self.eval(&i.expr, pointer) {
                            Some(Value::String(s)) => out.push_str(&s),
                            Some(Value::Number(n)) => out.push_str(&n.to_string()),
                            Some(Value::Bool(b)) => out.push_str(&b.to_string()),
                            Some(_) => {
                                self.findings.push(
                                    type_mismatch::RULE.finding(self.file,
                                        span,
                                        "only strings, numbers and bools can be interpolated into a string",
                                    )
                                    .label("this value is a list, object or null"),
                                );
                                ok = false;
                            }
                            None => ok = false,
                        }
                    } else {
                        out.push_str(&self.src[span]);
                    }
                }
                Element::Directive(d) => {
                    self.findings.push(
                        unsupported_expression::RULE
                            .finding(
                                self.file,
                                span_of(d),
                                "template directives are not supported",
                            )
                            .label("`%{...}` directive")
                            .help("write a literal `%{` as `%%{`"),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_attr(
        src: &str,
        vars: &IndexMap<String, Option<Value>>,
    ) -> (Option<Value>, Vec<Finding>) {
        let body = hcl_edit::parser::parse_body(src).unwrap();
        let attr = body.get_attribute("a").unwrap();
        let mut ev = Evaluator::new(src, 0, Scope::Vars(vars));
        let v = ev.eval(&attr.value, "/a");
        (v, ev.findings)
    }

    #[test]
    fn non_var_interpolations_are_kept_literally() {
        let mut vars = IndexMap::new();
        vars.insert("v".to_owned(), Some(Value::from("X")));
        let (v, f) = eval_attr(
            "a = \"${attr.kernel.name}-${var.v}-$${lit}-%%{d}\"\n",
            &vars,
        );
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(v, Some(Value::from("${attr.kernel.name}-X-${lit}-%{d}")));
    }

    #[test]
    fn heredocs_keep_escaped_dollars() {
        let (v, _) = eval_attr("a = <<EOT\nx $$${Q}\nEOT\n", &IndexMap::new());
        assert_eq!(v, Some(Value::from("x $${Q}\n")));
        let (v, _) = eval_attr("a = <<-EOT\n    x\n      y\n    EOT\n", &IndexMap::new());
        assert_eq!(v, Some(Value::from("x\n  y\n")));
    }

    #[test]
    fn undefined_variables_suggest_the_closest() {
        let mut vars = IndexMap::new();
        vars.insert("ref".to_owned(), Some(Value::from("main")));
        let (v, f) = eval_attr("a = var.rfe\n", &vars);
        assert_eq!(v, None);
        assert_eq!(f[0].rule, undefined_variable::RULE.id);
        assert_eq!(f[0].help.as_deref(), Some("did you mean `var.ref`?"));
    }
}
