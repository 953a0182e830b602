//! Decoding bodies of `build.hcl` against the JSON Schema of the model: the layout of each
//! place comes from its object schema, the structural checks from [`crate::hcl::walk`] (worded
//! here, reported with the loader's rules), and each value is checked against its schema for
//! type, enumeration and range.

use hcl_edit::structure::{Block, Body};
use serde_json::{Map, Value};

use super::schema;
use crate::diag::{closest, list, Finding};
use crate::hcl::eval::{child, Evaluator};
use crate::hcl::{
    self, describe_type, header_span, span, type_name, Dialect, Field, Form, Item, Layout, Rules,
};
use crate::rules::{
    duplicate_attribute, duplicate_block, duplicate_label, extra_label, invalid_value,
    missing_label, missing_pipeline, type_mismatch, unknown_attribute, unknown_block,
    value_out_of_range, Rule,
};

/// How a schema property is written in HCL.
#[derive(Debug, Clone, Copy)]
pub(super) enum Shape {
    /// `name { ... }`, once.
    Block(&'static Value),
    /// `name { ... }`, repeatable.
    Blocks(&'static Value),
    /// `name "label" { ... }`, repeatable with unique labels.
    Labeled(&'static Value),
    /// `name = value`.
    Attribute(&'static Value),
}

/// Follows `$ref`s and takes the non-null branch of an `anyOf` (an `Option`).
pub(super) fn resolve(mut s: &'static Value) -> &'static Value {
    let root = schema();
    loop {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or_default();
            s = &root["$defs"][name];
        } else if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
            match any
                .iter()
                .find(|v| v.get("type") != Some(&Value::from("null")))
            {
                Some(v) => s = v,
                None => return s,
            }
        } else {
            return s;
        }
    }
}

fn is_struct(s: &'static Value) -> bool {
    resolve(s).get("properties").is_some()
}

fn shape(prop: &'static Value) -> Shape {
    let r = resolve(prop);
    if r.get("properties").is_some() {
        return Shape::Block(r);
    }
    if let Some(items) = r.get("items") {
        if is_struct(items) {
            return Shape::Blocks(resolve(items));
        }
    }
    if let Some(ap) = r.get("additionalProperties") {
        if is_struct(ap) {
            return Shape::Labeled(resolve(ap));
        }
    }
    Shape::Attribute(r)
}

/// The layout of an object schema: its properties, each a field of the shape it is written in.
pub(super) struct Object {
    props: Option<&'static Map<String, Value>>,
    required: Vec<&'static str>,
}

impl Object {
    pub(super) fn new(schema: &'static Value) -> Self {
        Object {
            props: schema.get("properties").and_then(Value::as_object),
            required: schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default(),
        }
    }

    /// The names of the properties written in `form`, in schema order.
    fn names_in(&self, form: Form) -> Vec<&str> {
        self.names()
            .into_iter()
            .filter(|n| {
                self.field(n).is_some_and(|f| match form {
                    Form::Attribute => f.attribute,
                    Form::Block => f.block,
                })
            })
            .collect()
    }
}

impl Layout for Object {
    type Data = Shape;

    fn field(&self, name: &str) -> Option<Field<Shape>> {
        let prop = self.props?.get(name)?;
        let s = shape(prop);
        let field = match s {
            Shape::Attribute(_) => Field::attribute(s),
            Shape::Block(_) => Field::block(s),
            Shape::Blocks(_) => Field::blocks(s, 0),
            Shape::Labeled(_) => Field::blocks(s, 1).unique(),
        };
        Some(field.required(self.required.contains(&name)))
    }

    fn names(&self) -> Vec<&str> {
        self.props
            .into_iter()
            .flatten()
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

/// The top level of `build.hcl`: `variable "<name>"` blocks with unique names, and the
/// `pipeline "<name>"` block.
pub(super) struct Top {
    variable: &'static Value,
    pipeline: &'static Value,
}

impl Top {
    pub(super) fn new() -> Self {
        let props = &schema()["properties"];
        Top {
            variable: resolve(&props["variable"]["additionalProperties"]),
            pipeline: resolve(&props["pipeline"]["additionalProperties"]),
        }
    }
}

impl Layout for Top {
    type Data = &'static Value;

    fn field(&self, name: &str) -> Option<Field<&'static Value>> {
        match name {
            "variable" => Some(Field::blocks(self.variable, 1).unique()),
            "pipeline" => Some(Field::blocks(self.pipeline, 1).required(true)),
            _ => None,
        }
    }

    fn names(&self) -> Vec<&str> {
        vec!["variable", "pipeline"]
    }
}

/// How the loader words what [`hcl::walk`] finds, in the file `file`.
pub(super) struct Loader {
    pub(super) file: crate::diag::FileId,
}

impl Loader {
    /// A block with the wrong number of labels; `once` blocks get a help line.
    fn label_count(&self, rule: &Rule, b: &Block, want: usize, once: bool) -> Finding {
        let kind = b.ident.as_str();
        if want == 0 {
            let f = rule
                .finding(
                    self.file,
                    header_span(b),
                    format!("`{kind}` block takes no label"),
                )
                .label("unexpected label");
            return if once {
                f.help(format!("write `{kind} {{ ... }}`"))
            } else {
                f
            };
        }
        if b.labels.len() < want {
            return rule
                .finding(
                    self.file,
                    span(&b.ident),
                    format!("`{kind}` block needs a label"),
                )
                .label(format!("expected the {kind} name"))
                .help(format!("write `{kind} \"<name>\" {{ ... }}`"));
        }
        let extra = &b.labels[want..];
        let start = extra.first().map_or(0, |l| span(l).start);
        let end = extra.last().map_or(start, |l| span(l).end);
        rule.finding(
            self.file,
            start..end,
            format!("`{kind}` block takes one label"),
        )
        .label("unexpected label")
    }

    /// A name the top level does not have.
    fn top_unknown(&self, rule: &Rule, item: Item<'_>) -> Finding {
        let name = item.name();
        match item {
            Item::Attribute(_) => rule
                .finding(
                    self.file,
                    item.key_span(),
                    format!("unknown top-level attribute `{name}`"),
                )
                .label("not allowed here")
                .help("the top level holds `variable` and `pipeline` blocks"),
            Item::Block(_) => rule
                .finding(
                    self.file,
                    item.key_span(),
                    format!("unknown top-level block `{name}`"),
                )
                .label("unknown block")
                .help(match closest(name, ["variable", "pipeline"]) {
                    Some(c) => format!("did you mean `{c}`? valid blocks: `variable`, `pipeline`"),
                    None => "valid blocks: `variable`, `pipeline`".to_owned(),
                }),
        }
    }
}

impl Dialect<Object> for Loader {
    const RULES: Rules = Rules::AUTHORED;

    fn unknown(&self, rule: &Rule, item: Item<'_>, layout: &Object, what: &str) -> Finding {
        let (name, kind) = (item.name(), item.form().noun());
        let attrs = layout.names_in(Form::Attribute);
        let blocks = layout.names_in(Form::Block);
        let mut help = match closest(name, attrs.iter().chain(&blocks).copied()) {
            Some(c) => format!("did you mean `{c}`? "),
            None => String::new(),
        };
        if !attrs.is_empty() {
            help.push_str(&format!("attributes of `{what}`: {}", list(&attrs)));
        }
        if !blocks.is_empty() {
            if !attrs.is_empty() {
                help.push_str("; ");
            }
            help.push_str(&format!("blocks: {}", list(&blocks)));
        }
        if attrs.is_empty() && blocks.is_empty() {
            help.push_str(&format!("`{what}` takes no attributes or blocks"));
        }
        rule.finding(
            self.file,
            item.key_span(),
            format!("unknown {kind} `{name}` in `{what}`"),
        )
        .label(format!("unknown {kind}"))
        .help(help)
    }

    fn wrong_form(&self, rule: &Rule, item: Item<'_>, _: &str) -> Finding {
        hcl::wrong_form(self.file, rule, item)
    }

    fn labels(&self, rule: &Rule, b: &Block, field: &Field<Shape>) -> Finding {
        self.label_count(rule, b, field.labels, field.once)
    }

    fn duplicate(&self, rule: &Rule, item: Item<'_>, first: Item<'_>, what: &str) -> Finding {
        let name = item.name();
        match item {
            Item::Attribute(_) => rule
                .finding(
                    self.file,
                    item.head_span(),
                    format!("`{name}` is set twice in `{what}`"),
                )
                .label("set again here")
                .also(first.head_span(), "first set here"),
            Item::Block(_) => rule
                .finding(
                    self.file,
                    item.head_span(),
                    format!("more than one `{name}` block in `{what}`"),
                )
                .label("second block")
                .also(first.head_span(), "first block"),
        }
    }

    fn duplicate_label(&self, rule: &Rule, b: &Block, first: &Block, _: &str) -> Finding {
        let name = b.ident.as_str();
        let label = b.labels.first().map_or("", |l| l.as_str());
        rule.finding(
            self.file,
            header_span(b),
            format!("`{name} \"{label}\"` is defined twice"),
        )
        .label("defined again here")
        .also(header_span(first), "first defined here")
        .help(format!("{name} labels must be unique"))
    }

    fn missing(
        &self,
        rule: &Rule,
        name: &str,
        field: &Field<Shape>,
        head: std::ops::Range<usize>,
        what: &str,
    ) -> Finding {
        let (msg, help) = if field.attribute {
            (
                format!("missing required attribute `{name}` in `{what}`"),
                format!("add `{name} = ...`"),
            )
        } else {
            (
                format!("missing `{name}` block in `{what}`"),
                format!("add `{name} {{ ... }}`"),
            )
        };
        rule.finding(self.file, head, msg)
            .label(format!("`{name}` is required here"))
            .help(help)
    }
}

impl Dialect<Top> for Loader {
    /// At the top level, a `variable` or `pipeline` attribute is an unknown top-level
    /// attribute, and a missing pipeline is `missing-pipeline`.
    const RULES: Rules = Rules {
        unknown_attribute: unknown_attribute::RULE,
        unknown_block: unknown_block::RULE,
        block_expected: unknown_attribute::RULE,
        attribute_expected: unknown_block::RULE,
        duplicate_attribute: duplicate_attribute::RULE,
        duplicate_block: duplicate_block::RULE,
        duplicate_label: duplicate_label::RULE,
        missing: missing_pipeline::RULE,
        missing_label: missing_label::RULE,
        extra_label: extra_label::RULE,
    };

    fn unknown(&self, rule: &Rule, item: Item<'_>, _: &Top, _: &str) -> Finding {
        self.top_unknown(rule, item)
    }

    fn wrong_form(&self, rule: &Rule, item: Item<'_>, _: &str) -> Finding {
        self.top_unknown(rule, item)
    }

    fn labels(&self, rule: &Rule, b: &Block, field: &Field<&'static Value>) -> Finding {
        self.label_count(rule, b, field.labels, field.once)
    }

    fn duplicate(&self, rule: &Rule, item: Item<'_>, first: Item<'_>, _: &str) -> Finding {
        let name = item.name();
        rule.finding(
            self.file,
            item.head_span(),
            format!("more than one `{name}` at the top level"),
        )
        .label("given again here")
        .also(first.head_span(), "first given here")
    }

    fn duplicate_label(&self, rule: &Rule, b: &Block, first: &Block, _: &str) -> Finding {
        let name = b.ident.as_str();
        let label = b.labels.first().map_or("", |l| l.as_str());
        rule.finding(
            self.file,
            header_span(b),
            format!("{name} `{label}` is declared twice"),
        )
        .label("declared again here")
        .also(header_span(first), "first declared here")
    }

    fn missing(
        &self,
        rule: &Rule,
        name: &str,
        _: &Field<&'static Value>,
        head: std::ops::Range<usize>,
        _: &str,
    ) -> Finding {
        rule.finding(self.file, head, format!("no `{name}` block"))
            .label(format!(
                "expected a `{name} \"<name>\" {{ ... }}` block in this file"
            ))
            .help("run `nomad-build init` for a starter file")
    }
}

/// Decodes bodies against the schema, evaluating values with `ev`.
pub(super) struct Converter<'a> {
    pub(super) ev: Evaluator<'a>,
}

impl Converter<'_> {
    /// Decodes the body of `what` (at JSON pointer `ptr`, whose spans are recorded) against
    /// the object schema `schema`.
    pub(super) fn body(
        &mut self,
        body: &Body,
        schema: &'static Value,
        ptr: &str,
        what: &str,
    ) -> Map<String, Value> {
        let dialect = Loader { file: self.ev.file };
        let head = self.ev.spans.get(ptr).map_or(0..0, |e| e.key.clone());
        let layout = Object::new(schema);
        let items = hcl::walk(&dialect, body, &layout, what, head, &mut self.ev.findings);
        let mut out = Map::new();
        for (item, field) in items {
            let name = item.name();
            let key = item.head_span();
            match (item, field.data) {
                (Item::Attribute(a), Shape::Attribute(ty)) => {
                    let p = child(ptr, name);
                    self.ev.spans.insert(&p, key, span(&a.value));
                    if let Some(v) = self.ev.eval(&a.value, &p) {
                        if self.check(&v, ty, &p, name) {
                            out.insert(name.to_owned(), v);
                        }
                    }
                }
                (Item::Block(b), Shape::Block(s)) => {
                    let p = child(ptr, name);
                    self.ev.spans.insert(&p, key, span(b));
                    let v = self.body(&b.body, s, &p, &format!("{what}.{name}"));
                    out.insert(name.to_owned(), Value::Object(v));
                }
                (Item::Block(b), Shape::Blocks(s)) => {
                    let list = out
                        .entry(name.to_owned())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    let i = list.as_array().map_or(0, Vec::len);
                    let p = child(&child(ptr, name), &i.to_string());
                    self.ev.spans.insert(&p, key, span(b));
                    let v = self.body(&b.body, s, &p, &format!("{what}.{name}"));
                    if let Some(Value::Array(list)) = out.get_mut(name) {
                        list.push(Value::Object(v));
                    }
                }
                (Item::Block(b), Shape::Labeled(s)) => {
                    let label = b.labels.first().map_or("", |l| l.as_str());
                    let p = child(&child(ptr, name), label);
                    self.ev.spans.insert(&p, key, span(b));
                    let v = self.body(&b.body, s, &p, &format!("{name} \"{label}\""));
                    let map = out
                        .entry(name.to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(map) = map {
                        map.insert(label.to_owned(), Value::Object(v));
                    }
                }
                // The walker yields attributes only for attribute fields, blocks only for
                // block fields.
                (Item::Attribute(_), _) | (Item::Block(_), Shape::Attribute(_)) => {}
            }
        }
        out
    }

    /// Checks `v` against an attribute schema; reports and returns false on mismatch.
    fn check(&mut self, v: &Value, schema: &'static Value, ptr: &str, name: &str) -> bool {
        let schema = resolve(schema);
        let at = self.ev.spans.get(ptr).map_or(0..0, |e| e.value.clone());
        let file = self.ev.file;
        // Enumerations: `enum` or `oneOf` of constants.
        let options: Option<Vec<&str>> = schema
            .get("enum")
            .and_then(Value::as_array)
            .map(|e| e.iter().filter_map(Value::as_str).collect())
            .or_else(|| {
                schema.get("oneOf").and_then(Value::as_array).map(|o| {
                    o.iter()
                        .filter_map(|c| c.get("const").and_then(Value::as_str))
                        .collect()
                })
            });
        if let Some(options) = options {
            let ok = v.as_str().is_some_and(|s| options.contains(&s));
            if !ok {
                let shown = match v {
                    Value::String(s) => format!("\"{s}\""),
                    other => other.to_string(),
                };
                let mut f = invalid_value::RULE
                    .finding(file, at, format!("{shown} is not a valid `{name}`"))
                    .label(format!("expected one of {}", list(&options)));
                if let Some(c) = v.as_str().and_then(|s| closest(s, options.iter().copied())) {
                    f = f.help(format!("did you mean \"{c}\"?"));
                }
                self.ev.findings.push(f);
                return false;
            }
            return true;
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return true, // any value
        };
        let actual = type_name(v);
        let fits = types.iter().any(|t| match *t {
            "integer" => v.as_i64().is_some() || v.as_u64().is_some(),
            "number" => v.is_number(),
            t => t == actual,
        });
        if !fits {
            let want: Vec<&str> = types
                .iter()
                .filter(|t| **t != "null")
                .map(|t| describe_type(t))
                .collect();
            let label = if actual == "number" && types.contains(&"integer") {
                "a fractional number".to_owned()
            } else {
                format!("this is {}", describe_type(actual))
            };
            let help = match (actual, want.first().copied()) {
                ("string", Some("a number" | "a whole number")) => {
                    Some("write the number without quotes".to_owned())
                }
                ("string", Some("a bool")) => {
                    Some("write `true` or `false` without quotes".to_owned())
                }
                (_, Some("a string")) => Some("put the value in double quotes".to_owned()),
                (_, Some("a list")) => Some("write a list: [\"a\", \"b\"]".to_owned()),
                _ => None,
            };
            let mut f = type_mismatch::RULE
                .finding(file, at, format!("`{name}` must be {}", want.join(" or ")))
                .label(label);
            if let Some(h) = help {
                f = f.help(h);
            }
            self.ev.findings.push(f);
            return false;
        }
        let mut ok = true;
        if let Some(n) = v.as_f64() {
            let min = schema.get("minimum").and_then(Value::as_f64);
            let max = schema.get("maximum").and_then(Value::as_f64);
            let range = match (min, max) {
                (Some(a), Some(b)) if n < a || n > b => Some(format!("between {a} and {b}")),
                (Some(a), None) if n < a => Some(format!("at least {a}")),
                (None, Some(b)) if n > b => Some(format!("at most {b}")),
                _ => None,
            };
            if let Some(range) = range {
                self.ev.findings.push(
                    value_out_of_range::RULE
                        .finding(file, at.clone(), format!("`{name}` must be {range}"))
                        .label(format!("{n} is out of range")),
                );
                ok = false;
            }
        }
        match v {
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, x) in items.iter().enumerate() {
                        ok &= self.check(x, item, &child(ptr, &i.to_string()), name);
                    }
                }
            }
            Value::Object(m) => {
                if let Some(item) = schema.get("additionalProperties").filter(|s| s.is_object()) {
                    for (k, x) in m {
                        ok &= self.check(x, item, &child(ptr, k), &format!("{name}.{k}"));
                    }
                }
            }
            _ => {}
        }
        ok
    }
}
