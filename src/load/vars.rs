//! Variable values: from `--var`, `--var-file`, `NOMAD_BUILD_VAR_<name>` and defaults, each
//! read as the variable's declared type.

use std::ops::Range;

use hcl_edit::structure::Structure;
use indexmap::IndexMap;
use serde_json::Value;

use super::VarInputs;
use crate::config::VarType;
use crate::diag::{closest, FileId, Finding, Sources};
use crate::hcl::eval::{child, Evaluator, Scope};
use crate::hcl::span;
use crate::rules::{
    invalid_var_flag, missing_variable_value, type_mismatch, undeclared_variable, unknown_block,
    var_file_unreadable,
};

/// Resolves each declared variable's value: `--var`, then `--var-file`, then
/// `NOMAD_BUILD_VAR_<name>`, then `default`.
pub(super) fn resolve_vars(
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
        let text = match super::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                let cmd = sources.add("command line", format!("--var-file {shown}"));
                findings.push(
                    var_file_unreadable::RULE
                        .finding(
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
                findings.push(super::syntax_finding(id, &text, &e));
                continue;
            }
        };
        let mut ev = Evaluator::new(&text, id, Scope::None);
        for s in &body {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    if !declared.contains_key(name) {
                        let mut f = undeclared_variable::RULE
                            .finding(
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
                    unknown_block::RULE
                        .finding(
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
                invalid_var_flag::RULE
                    .finding(cmd, 6..shown.len(), "`--var` takes NAME=VALUE")
                    .label("no `=` here")
                    .help(format!("write `--var {arg}=VALUE`")),
            );
            continue;
        };
        if !declared.contains_key(name) {
            let mut f = undeclared_variable::RULE
                .finding(
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
                missing_variable_value::RULE.finding(file, decl_span.clone(), format!("variable `{name}` has no value"))
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
        type_mismatch::RULE
            .finding(file, at.clone(), format!("variable `{name}` is a {what}"))
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
