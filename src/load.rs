//! Stage 1, load: parse `build.hcl` with hcl-edit, resolve variables, and decode the body into
//! [`BuildFile`], guided by the JSON Schema of the model so that names, block shapes, types,
//! enumerations and ranges are checked in one place with exact spans.

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::config::{BuildFile, VarType};
use crate::diag::{closest, list, FileId, Finding, Sources};
use crate::eval::{child, Evaluator, Scope, Spans};

/// Where variable values come from, besides defaults.
#[derive(Debug, Clone, Default)]
pub struct VarInputs {
    /// `--var NAME=VALUE`, in order.
    pub cli: Vec<String>,
    /// `--var-file FILE`, in order (later files win).
    pub files: Vec<std::path::PathBuf>,
    /// `NOMAD_BUILD_VAR_<name>` values from the environment.
    pub env: Vec<(String, String)>,
}

impl VarInputs {
    /// Reads `NOMAD_BUILD_VAR_*` from the process environment.
    pub fn with_process_env(mut self) -> Self {
        self.env = std::env::vars()
            .filter_map(|(k, v)| {
                k.strip_prefix("NOMAD_BUILD_VAR_")
                    .map(|n| (n.to_owned(), v))
            })
            .collect();
        self
    }
}

/// A loaded, structurally valid file.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file's id in [`Sources`].
    pub file: FileId,
    /// The decoded model.
    pub config: BuildFile,
    /// Spans by JSON pointer into the model (`/pipeline/<name>/build/timeout`).
    pub spans: Spans,
    /// Resolved variable values.
    pub vars: IndexMap<String, Option<Value>>,
}

impl Loaded {
    /// The pipeline's name and body (a loaded file has exactly one).
    pub fn pipeline(&self) -> (&str, &crate::config::Pipeline) {
        let (name, p) = self
            .config
            .pipeline
            .first()
            .expect("a loaded file has one pipeline");
        (name.as_str(), p)
    }

    /// The span of a model value (or its nearest recorded ancestor), by JSON pointer.
    pub fn span(&self, pointer: &str) -> Range<usize> {
        self.spans
            .nearest(pointer)
            .map_or(0..0, |e| e.value.clone())
    }

    /// The span of the name or header of a model value, by JSON pointer.
    pub fn key_span(&self, pointer: &str) -> Range<usize> {
        self.spans.nearest(pointer).map_or(0..0, |e| e.key.clone())
    }
}

/// The JSON Schema of the model, generated once.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::to_value(schemars::schema_for!(BuildFile)).expect("schema serializes")
    })
}

/// Loads `text` (already added to `sources` as `file`). Returns the model when there is no
/// error, and every finding either way.
pub fn load(
    sources: &mut Sources,
    file: FileId,
    inputs: &VarInputs,
) -> (Option<Loaded>, Vec<Finding>) {
    let text = sources.get(file).text.clone();
    let body = match hcl_edit::parser::parse_body(&text) {
        Ok(b) => b,
        Err(e) => {
            let at = e.location().offset().min(text.len());
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            let message = e
                .message()
                .lines()
                .next()
                .unwrap_or("syntax error")
                .to_owned();
            return (
                None,
                vec![Finding::error(
                    "syntax-error",
                    file,
                    at..end,
                    format!("syntax error: {message}"),
                )
                .label("here")
                .help("see https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md")],
            );
        }
    };
    let root = schema();
    let mut findings = Vec::new();

    // Top level: `variable` and `pipeline` blocks only.
    let mut var_blocks = Vec::new();
    let mut pipelines: Vec<&Block> = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => findings.push(
                Finding::error(
                    "unknown-attribute",
                    file,
                    span(&a.key),
                    format!("unknown top-level attribute `{}`", a.key.as_str()),
                )
                .label("not allowed here")
                .help("the top level holds `variable` and `pipeline` blocks"),
            ),
            Structure::Block(b) => match b.ident.as_str() {
                "variable" => var_blocks.push(b),
                "pipeline" => pipelines.push(b),
                other => {
                    let mut f = Finding::error(
                        "unknown-block",
                        file,
                        span(&b.ident),
                        format!("unknown top-level block `{other}`"),
                    )
                    .label("unknown block");
                    f = f.help(match closest(other, ["variable", "pipeline"]) {
                        Some(c) => {
                            format!("did you mean `{c}`? valid blocks: `variable`, `pipeline`")
                        }
                        None => "valid blocks: `variable`, `pipeline`".to_owned(),
                    });
                    findings.push(f);
                }
            },
        }
    }

    // Variables: declarations (evaluated without variables), then values.
    let mut conv = Converter {
        ev: Evaluator::new(&text, file, Scope::None),
        root,
    };
    let var_schema = conv
        .resolve(&root["properties"]["variable"]["additionalProperties"])
        .clone();
    let mut declared: IndexMap<String, (Value, Range<usize>)> = IndexMap::new();
    for b in &var_blocks {
        let Some(label) = conv.one_label(b, "variable", "the variable name") else {
            continue;
        };
        if let Some((_, first)) = declared.get(&label) {
            conv.ev.findings.push(
                Finding::error(
                    "duplicate-label",
                    file,
                    header(b),
                    format!("variable `{label}` is declared twice"),
                )
                .label("declared again here")
                .also(first.clone(), "first declared here"),
            );
            continue;
        }
        let ptr = child("/variable", &label);
        conv.ev.spans.insert(&ptr, header(b), span(*b));
        let v = conv.body(&b.body, &var_schema, &ptr, &format!("variable \"{label}\""));
        declared.insert(label, (Value::Object(v), header(b)));
    }
    findings.append(&mut conv.ev.findings);
    let var_spans = std::mem::take(&mut conv.ev.spans);
    let vars = resolve_vars(sources, file, &declared, inputs, &mut findings);

    // The pipeline, evaluated with the variables.
    let mut conv = Converter {
        ev: Evaluator::new(&text, file, Scope::Vars(&vars)),
        root,
    };
    conv.ev.spans = var_spans;
    let mut pipeline_map = Map::new();
    match pipelines.as_slice() {
        [] => findings.push(
            Finding::error("missing-pipeline", file, 0..0, "no `pipeline` block")
                .label("expected a `pipeline \"<name>\" { ... }` block in this file")
                .help("run `nomad-build init` for a starter file"),
        ),
        [first, rest @ ..] => {
            for extra in rest {
                findings.push(
                    Finding::error("multiple-pipelines", file, header(extra), "more than one `pipeline` block")
                        .label("second pipeline")
                        .also(header(first), "first pipeline")
                        .help("a build.hcl holds exactly one pipeline; put each in its own repository or file"),
                );
            }
            if let Some(name) = conv.one_label(first, "pipeline", "the pipeline name") {
                let ptr = child("/pipeline", &name);
                conv.ev.spans.insert(&ptr, header(first), span(*first));
                let schema = conv
                    .resolve(&root["properties"]["pipeline"]["additionalProperties"])
                    .clone();
                let v = conv.body(&first.body, &schema, &ptr, "pipeline");
                pipeline_map.insert(name, Value::Object(v));
            }
        }
    }
    findings.append(&mut conv.ev.findings);
    let spans = conv.ev.spans;

    if findings.iter().any(Finding::is_error) {
        return (None, findings);
    }
    let mut variable = Map::new();
    for (k, (v, _)) in declared {
        variable.insert(k, v);
    }
    let doc = serde_json::json!({ "variable": variable, "pipeline": pipeline_map });
    match serde_json::from_value::<BuildFile>(doc) {
        Ok(config) => (
            Some(Loaded {
                file,
                config,
                spans,
                vars,
            }),
            findings,
        ),
        Err(e) => {
            findings.push(Finding::error(
                "invalid-value",
                file,
                0..0,
                format!("cannot decode the file: {e}"),
            ));
            (None, findings)
        }
    }
}

fn span(s: &impl Span) -> Range<usize> {
    s.span().unwrap_or(0..0)
}

/// `ident "label" ...`: from the block type to its last label.
fn header(b: &Block) -> Range<usize> {
    let start = span(&b.ident).start;
    let end = b.labels.last().map_or(span(&b.ident).end, |l| span(l).end);
    start..end
}

/// Decodes bodies against the schema.
struct Converter<'a> {
    ev: Evaluator<'a>,
    root: &'a Value,
}

/// How a schema property is written in HCL.
enum Shape<'s> {
    /// `name { ... }`, once.
    Block(&'s Value),
    /// `name { ... }`, repeatable.
    Blocks(&'s Value),
    /// `name "label" { ... }`, repeatable with unique labels.
    Labeled(&'s Value),
    /// `name = value`.
    Attribute(&'s Value),
}

impl<'a> Converter<'a> {
    fn resolve<'s>(&self, mut s: &'s Value) -> &'s Value
    where
        'a: 's,
    {
        loop {
            if let Some(r) = s.get("$ref").and_then(Value::as_str) {
                let name = r.rsplit('/').next().unwrap_or_default();
                s = &self.root["$defs"][name];
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

    fn is_struct(&self, s: &Value) -> bool {
        self.resolve(s).get("properties").is_some()
    }

    fn shape<'s>(&self, prop: &'s Value) -> Shape<'s>
    where
        'a: 's,
    {
        let r = self.resolve(prop);
        if r.get("properties").is_some() {
            return Shape::Block(r);
        }
        if let Some(items) = r.get("items") {
            if self.is_struct(items) {
                return Shape::Blocks(self.resolve(items));
            }
        }
        if let Some(ap) = r.get("additionalProperties") {
            if self.is_struct(ap) {
                return Shape::Labeled(self.resolve(ap));
            }
        }
        Shape::Attribute(r)
    }

    fn one_label(&mut self, b: &Block, kind: &str, what: &str) -> Option<String> {
        match b.labels.as_slice() {
            [l] => Some(l.as_str().to_owned()),
            [] => {
                self.ev.findings.push(
                    Finding::error(
                        "missing-label",
                        self.ev.file,
                        span(&b.ident),
                        format!("`{kind}` block needs a label"),
                    )
                    .label(format!("expected {what}"))
                    .help(format!("write `{kind} \"<name>\" {{ ... }}`")),
                );
                None
            }
            [_, extra @ ..] => {
                let s = span(&extra[0]).start..span(extra.last().expect("non-empty")).end;
                self.ev.findings.push(
                    Finding::error(
                        "extra-label",
                        self.ev.file,
                        s,
                        format!("`{kind}` block takes one label"),
                    )
                    .label("unexpected label"),
                );
                None
            }
        }
    }

    /// Decodes a block body against the object schema `schema`.
    fn body(&mut self, body: &Body, schema: &Value, ptr: &str, what: &str) -> Map<String, Value> {
        let file = self.ev.file;
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let attr_names: Vec<&str> = props
            .iter()
            .filter(|(_, p)| matches!(self.shape(p), Shape::Attribute(_)))
            .map(|(k, _)| k.as_str())
            .collect();
        let block_names: Vec<&str> = props
            .iter()
            .filter(|(_, p)| !matches!(self.shape(p), Shape::Attribute(_)))
            .map(|(k, _)| k.as_str())
            .collect();
        let mut out = Map::new();
        let mut seen: IndexMap<String, Range<usize>> = IndexMap::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    let key = span(&a.key);
                    let Some(prop) = props.get(name) else {
                        self.unknown(name, key, "attribute", what, &attr_names, &block_names);
                        continue;
                    };
                    let p = child(ptr, name);
                    if let Some(first) = seen.get(name) {
                        self.ev.findings.push(
                            Finding::error(
                                "duplicate-attribute",
                                file,
                                key,
                                format!("`{name}` is set twice in `{what}`"),
                            )
                            .label("set again here")
                            .also(first.clone(), "first set here"),
                        );
                        continue;
                    }
                    seen.insert(name.to_owned(), key.clone());
                    match self.shape(prop) {
                        Shape::Attribute(ty) => {
                            self.ev.spans.insert(&p, key.clone(), span(&a.value));
                            if let Some(v) = self.ev.eval(&a.value, &p) {
                                if self.check(&v, ty, &p, name) {
                                    out.insert(name.to_owned(), v);
                                }
                            }
                        }
                        _ => self.ev.findings.push(
                            Finding::error(
                                "block-expected",
                                file,
                                key,
                                format!("`{name}` is a block, not an attribute"),
                            )
                            .label("written as an attribute")
                            .help(format!("write `{name} {{ ... }}` without `=`")),
                        ),
                    }
                }
                Structure::Block(b) => {
                    let name = b.ident.as_str();
                    let key = header(b);
                    let Some(prop) = props.get(name) else {
                        self.unknown(
                            name,
                            span(&b.ident),
                            "block",
                            what,
                            &attr_names,
                            &block_names,
                        );
                        continue;
                    };
                    let inner = format!("{what}.{name}");
                    match self.shape(prop) {
                        Shape::Block(s) => {
                            if !b.labels.is_empty() {
                                self.ev.findings.push(
                                    Finding::error(
                                        "extra-label",
                                        file,
                                        key,
                                        format!("`{name}` block takes no label"),
                                    )
                                    .label("unexpected label")
                                    .help(format!("write `{name} {{ ... }}`")),
                                );
                                continue;
                            }
                            if let Some(first) = seen.get(name) {
                                self.ev.findings.push(
                                    Finding::error(
                                        "duplicate-block",
                                        file,
                                        key,
                                        format!("more than one `{name}` block in `{what}`"),
                                    )
                                    .label("second block")
                                    .also(first.clone(), "first block"),
                                );
                                continue;
                            }
                            seen.insert(name.to_owned(), key.clone());
                            let p = child(ptr, name);
                            self.ev.spans.insert(&p, key, span(b));
                            let v = self.body(&b.body, s, &p, &inner);
                            out.insert(name.to_owned(), Value::Object(v));
                        }
                        Shape::Blocks(s) => {
                            if !b.labels.is_empty() {
                                self.ev.findings.push(
                                    Finding::error(
                                        "extra-label",
                                        file,
                                        key,
                                        format!("`{name}` block takes no label"),
                                    )
                                    .label("unexpected label"),
                                );
                                continue;
                            }
                            let list = out
                                .entry(name.to_owned())
                                .or_insert_with(|| Value::Array(Vec::new()));
                            let i = list.as_array().map_or(0, Vec::len);
                            let p = child(&child(ptr, name), &i.to_string());
                            self.ev.spans.insert(&p, key, span(b));
                            let v = self.body(&b.body, s, &p, &inner);
                            if let Some(Value::Array(list)) = out.get_mut(name) {
                                list.push(Value::Object(v));
                            }
                        }
                        Shape::Labeled(s) => {
                            let Some(label) = self.one_label(b, name, &format!("the {name} name"))
                            else {
                                continue;
                            };
                            let p = child(&child(ptr, name), &label);
                            if let Some(first) = self.ev.spans.get(&p).map(|e| e.key.clone()) {
                                self.ev.findings.push(
                                    Finding::error(
                                        "duplicate-label",
                                        file,
                                        key,
                                        format!("`{name} \"{label}\"` is defined twice"),
                                    )
                                    .label("defined again here")
                                    .also(first, "first defined here")
                                    .help(format!("{name} labels must be unique")),
                                );
                                continue;
                            }
                            self.ev.spans.insert(&p, key, span(b));
                            let v = self.body(&b.body, s, &p, &format!("{name} \"{label}\""));
                            let map = out
                                .entry(name.to_owned())
                                .or_insert_with(|| Value::Object(Map::new()));
                            if let Value::Object(map) = map {
                                map.insert(label, Value::Object(v));
                            }
                        }
                        Shape::Attribute(_) => self.ev.findings.push(
                            Finding::error(
                                "attribute-expected",
                                file,
                                key,
                                format!("`{name}` is an attribute, not a block"),
                            )
                            .label("written as a block")
                            .help(format!("write `{name} = ...`")),
                        ),
                    }
                }
            }
        }
        // Required names.
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            let at = self.ev.spans.get(ptr).map_or(0..0, |e| e.key.clone());
            for r in req.iter().filter_map(Value::as_str) {
                if out.contains_key(r) || seen.contains_key(r) {
                    continue;
                }
                let is_block = props
                    .get(r)
                    .is_some_and(|p| !matches!(self.shape(p), Shape::Attribute(_)));
                let (msg, help) = if is_block {
                    (
                        format!("missing `{r}` block in `{what}`"),
                        format!("add `{r} {{ ... }}`"),
                    )
                } else {
                    (
                        format!("missing required attribute `{r}` in `{what}`"),
                        format!("add `{r} = ...`"),
                    )
                };
                self.ev.findings.push(
                    Finding::error("missing-required", file, at.clone(), msg)
                        .label(format!("`{r}` is required here"))
                        .help(help),
                );
            }
        }
        out
    }

    fn unknown(
        &mut self,
        name: &str,
        at: Range<usize>,
        kind: &str,
        what: &str,
        attrs: &[&str],
        blocks: &[&str],
    ) {
        let rule = if kind == "block" {
            "unknown-block"
        } else {
            "unknown-attribute"
        };
        let all = attrs.iter().chain(blocks).copied();
        let mut help = match closest(name, all) {
            Some(c) => format!("did you mean `{c}`? "),
            None => String::new(),
        };
        if !attrs.is_empty() {
            help.push_str(&format!("attributes of `{what}`: {}", list(attrs)));
        }
        if !blocks.is_empty() {
            if !attrs.is_empty() {
                help.push_str("; ");
            }
            help.push_str(&format!("blocks: {}", list(blocks)));
        }
        if attrs.is_empty() && blocks.is_empty() {
            help.push_str(&format!("`{what}` takes no attributes or blocks"));
        }
        self.ev.findings.push(
            Finding::error(
                rule,
                self.ev.file,
                at,
                format!("unknown {kind} `{name}` in `{what}`"),
            )
            .label(format!("unknown {kind}"))
            .help(help),
        );
    }

    /// Checks `v` against an attribute schema; reports and returns false on mismatch.
    fn check(&mut self, v: &Value, schema: &Value, ptr: &str, name: &str) -> bool {
        let schema = self.resolve(schema);
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
                let mut f = Finding::error(
                    "invalid-value",
                    file,
                    at,
                    format!("{shown} is not a valid `{name}`"),
                )
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
        let actual = kind_of(v);
        let fits = types.iter().any(|t| match *t {
            "integer" => v.as_i64().is_some() || v.as_u64().is_some(),
            "number" => v.is_number(),
            t => t == actual,
        });
        if !fits {
            let want: Vec<&str> = types
                .iter()
                .filter(|t| **t != "null")
                .map(|t| describe(t))
                .collect();
            let label = if actual == "number" && types.contains(&"integer") {
                "a fractional number".to_owned()
            } else {
                format!("this is {}", describe(actual))
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
            let mut f = Finding::error(
                "type-mismatch",
                file,
                at,
                format!("`{name}` must be {}", want.join(" or ")),
            )
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
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                let range = match (min, max) {
                    (Some(a), Some(b)) => format!("between {a} and {b}"),
                    (Some(a), None) => format!("at least {a}"),
                    (None, Some(b)) => format!("at most {b}"),
                    (None, None) => unreachable!("checked above"),
                };
                self.ev.findings.push(
                    Finding::error(
                        "value-out-of-range",
                        file,
                        at.clone(),
                        format!("`{name}` must be {range}"),
                    )
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

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn describe(t: &str) -> &'static str {
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

/// Resolves each declared variable's value: `--var`, then `--var-file`, then
/// `NOMAD_BUILD_VAR_<name>`, then `default`.
fn resolve_vars(
    sources: &mut Sources,
    file: FileId,
    declared: &IndexMap<String, (Value, Range<usize>)>,
    inputs: &VarInputs,
    findings: &mut Vec<Finding>,
) -> IndexMap<String, Option<Value>> {
    let kind = |name: &str| -> VarType {
        declared
            .get(name)
            .and_then(|(v, _)| v.get("type"))
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or(VarType::String)
    };
    let mut values: IndexMap<String, Value> = IndexMap::new();
    let mut from_default: IndexMap<String, Value> = IndexMap::new();
    for (name, (decl, _)) in declared {
        if let Some(d) = decl.get("default") {
            from_default.insert(name.clone(), d.clone());
        }
    }
    for (name, raw) in &inputs.env {
        if declared.contains_key(name) {
            let cmd = sources.add(
                format!("environment variable NOMAD_BUILD_VAR_{name}"),
                raw.clone(),
            );
            if let Some(v) = typed(raw, kind(name), cmd, 0..raw.len(), name, findings) {
                values.insert(name.clone(), v);
            }
        }
    }
    for path in &inputs.files {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                let cmd = sources.add("command line", format!("--var-file {shown}"));
                findings.push(
                    Finding::error(
                        "var-file-unreadable",
                        cmd,
                        11..11 + shown.len(),
                        format!("cannot read `{shown}`: {e}"),
                    )
                    .label("this file"),
                );
                continue;
            }
        };
        let id = sources.add(shown.clone(), text.clone());
        let body = match hcl_edit::parser::parse_body(&text) {
            Ok(b) => b,
            Err(e) => {
                let at = e.location().offset().min(text.len());
                findings.push(
                    Finding::error(
                        "syntax-error",
                        id,
                        at..at,
                        format!("syntax error: {}", e.message()),
                    )
                    .label("here"),
                );
                continue;
            }
        };
        let mut ev = Evaluator::new(&text, id, Scope::None);
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    if !declared.contains_key(name) {
                        let mut f = Finding::error(
                            "undeclared-variable",
                            id,
                            span(&a.key),
                            format!("`{name}` is not a variable of {}", "this build.hcl"),
                        )
                        .label("undeclared");
                        if let Some(c) = closest(name, declared.keys().map(String::as_str)) {
                            f = f.help(format!("did you mean `{c}`?"));
                        }
                        ev.findings.push(f);
                        continue;
                    }
                    if let Some(v) = ev.eval(&a.value, &child("", name)) {
                        values.insert(name.to_owned(), v);
                    }
                }
                Structure::Block(b) => ev.findings.push(
                    Finding::error(
                        "unknown-block",
                        id,
                        span(&b.ident),
                        "a variable file holds only `name = value` lines",
                    )
                    .label("block not allowed"),
                ),
            }
        }
        findings.append(&mut ev.findings);
    }
    for arg in &inputs.cli {
        let shown = format!("--var {arg}");
        let cmd = sources.add("command line", shown.clone());
        let Some((name, raw)) = arg.split_once('=') else {
            findings.push(
                Finding::error(
                    "invalid-var-flag",
                    cmd,
                    6..shown.len(),
                    "`--var` takes NAME=VALUE",
                )
                .label("no `=` here")
                .help(format!("write `--var {arg}=VALUE`")),
            );
            continue;
        };
        if !declared.contains_key(name) {
            let mut f = Finding::error(
                "undeclared-variable",
                cmd,
                6..6 + name.len(),
                format!("`{name}` is not declared in the file"),
            )
            .label("unknown variable");
            f = match closest(name, declared.keys().map(String::as_str)) {
                Some(c) => f.help(format!("did you mean `{c}`?")),
                None => f.help(format!("declare it in build.hcl: variable \"{name}\" {{}}")),
            };
            findings.push(f);
            continue;
        }
        let at = 7 + name.len()..shown.len();
        if let Some(v) = typed(raw, kind(name), cmd, at, name, findings) {
            values.insert(name.to_owned(), v);
        }
    }
    let mut out = IndexMap::new();
    for (name, (_, decl_span)) in declared {
        match values.get(name).or_else(|| from_default.get(name)) {
            Some(v) => {
                out.insert(name.clone(), Some(v.clone()));
            }
            None => {
                out.insert(name.clone(), None);
                findings.push(
                Finding::error("missing-variable-value", file, decl_span.clone(), format!("variable `{name}` has no value"))
                    .label("no default")
                    .help(format!(
                        "pass `--var {name}=VALUE`, set NOMAD_BUILD_VAR_{name}, put it in a `--var-file`, or give it a `default`"
                    )),
                );
            }
        }
    }
    out
}

fn typed(
    raw: &str,
    kind: VarType,
    file: FileId,
    at: Range<usize>,
    name: &str,
    findings: &mut Vec<Finding>,
) -> Option<Value> {
    let bad = |what: &str| {
        Finding::error(
            "type-mismatch",
            file,
            at.clone(),
            format!("variable `{name}` is a {what}"),
        )
        .label(format!("`{raw}` is not a {what}"))
    };
    match kind {
        VarType::String => Some(Value::from(raw)),
        VarType::Number => match raw.parse::<i64>() {
            Ok(n) => Some(Value::from(n)),
            Err(_) => match raw
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
            {
                Some(n) => Some(Value::Number(n)),
                None => {
                    findings.push(bad("number"));
                    None
                }
            },
        },
        VarType::Bool => match raw {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => {
                findings.push(bad("bool").help("use `true` or `false`"));
                None
            }
        },
    }
}

/// The display name and text of a file argument (`-` is standard input).
pub fn read_input(path: &Path, stdin_name: Option<&str>) -> std::io::Result<(String, String)> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        Ok((stdin_name.unwrap_or("<stdin>").to_owned(), text))
    } else {
        Ok((path.display().to_string(), std::fs::read_to_string(path)?))
    }
}
