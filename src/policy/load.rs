//! Reading a policy file with the HCL core: the body walker's structural checks (unknown
//! names are errors, blocks given twice, labels), values evaluated without variables, each
//! checked for its type, and every glob pattern compiled; every problem is a finding with a
//! span in the policy file.

use std::ops::Range;

use hcl_edit::structure::{Block, Body};
use serde_json::{Map, Value};

use super::types::PolicyFile;
use super::{Allow, Destinations, Patterns, Policy, Repository};
use crate::diag::{closest, list, FileId, Finding};
use crate::hcl::eval::{child, Evaluator, Scope};
use crate::hcl::{self, header_span, span, Dialect, Field, Item, Layout, Rules};
use crate::load::syntax_finding;
use crate::rules::{invalid_glob, type_mismatch, Rule};

/// What a name of the policy holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `allow { ... }`.
    Allow,
    /// `repository "<url>" { ... }`.
    Repository,
    /// `credentials "<path>" { ... }`.
    Credentials,
    /// A list of glob patterns.
    Patterns,
    /// `true` or `false`.
    Bool,
}

/// The names of one place of the policy.
struct Place(&'static [(&'static str, Kind, bool)]);

const TOP: Place = Place(&[
    ("allow", Kind::Allow, false),
    ("repository", Kind::Repository, false),
    ("credentials", Kind::Credentials, false),
]);
const ALLOW: Place = Place(&[
    ("namespaces", Kind::Patterns, false),
    ("node_pools", Kind::Patterns, false),
    ("vault_roles", Kind::Patterns, false),
    ("pipelines", Kind::Patterns, false),
    ("images", Kind::Patterns, false),
    ("host_volumes", Kind::Patterns, false),
    ("privileged", Kind::Bool, false),
    ("templates", Kind::Bool, false),
]);
const REPOSITORY: Place = Place(&[("pipelines", Kind::Patterns, true)]);
const CREDENTIALS: Place = Place(&[
    ("registries", Kind::Patterns, false),
    ("sources", Kind::Patterns, false),
]);

impl Layout for Place {
    type Data = Kind;

    fn field(&self, name: &str) -> Option<Field<Kind>> {
        let (_, kind, required) = self.0.iter().find(|(n, _, _)| *n == name)?;
        Some(match kind {
            Kind::Allow => Field::block(*kind),
            Kind::Repository | Kind::Credentials => Field::blocks(*kind, 1).unique(),
            Kind::Patterns | Kind::Bool => Field::attribute(*kind).required(*required),
        })
    }

    fn names(&self) -> Vec<&str> {
        self.0.iter().map(|(n, _, _)| *n).collect()
    }
}

/// How the policy loader words what the walker finds.
struct Words {
    file: FileId,
}

impl Dialect<Place> for Words {
    const RULES: Rules = Rules::AUTHORED;

    fn unknown(&self, rule: &Rule, item: Item<'_>, layout: &Place, place: &str) -> Finding {
        let (name, kind) = (item.name(), item.form().noun());
        let names = layout.names();
        let mut help = match closest(name, names.iter().copied()) {
            Some(c) => format!("did you mean `{c}`? "),
            None => String::new(),
        };
        help.push_str(&format!("{} holds {}", shown(place), list(&names)));
        rule.finding(
            self.file,
            item.key_span(),
            format!("unknown {kind} `{name}` in {} of the policy", shown(place)),
        )
        .label(format!("unknown {kind}"))
        .help(help)
    }

    fn wrong_form(&self, rule: &Rule, item: Item<'_>, _: &str) -> Finding {
        hcl::wrong_form(self.file, rule, item)
    }

    fn labels(&self, rule: &Rule, b: &Block, field: &Field<Kind>) -> Finding {
        let kind = b.ident.as_str();
        if field.labels == 0 {
            return rule
                .finding(
                    self.file,
                    header_span(b),
                    format!("`{kind}` block takes no label"),
                )
                .label("unexpected label")
                .help(format!("write `{kind} {{ ... }}`"));
        }
        if b.labels.is_empty() {
            let what = if kind == "credentials" {
                "the Vault path"
            } else {
                "the source URL pattern"
            };
            return rule
                .finding(
                    self.file,
                    span(&b.ident),
                    format!("`{kind}` block needs a label"),
                )
                .label(format!("expected {what}"))
                .help(format!("write `{kind} \"<label>\" {{ ... }}`"));
        }
        let extra = &b.labels[1..];
        let start = extra.first().map_or(0, |l| span(l).start);
        let end = extra.last().map_or(start, |l| span(l).end);
        rule.finding(
            self.file,
            start..end,
            format!("`{kind}` block takes one label"),
        )
        .label("unexpected label")
    }

    fn duplicate(&self, rule: &Rule, item: Item<'_>, first: Item<'_>, place: &str) -> Finding {
        rule.finding(
            self.file,
            item.head_span(),
            format!("`{}` is given twice in {}", item.name(), shown(place)),
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
            format!("`{name} \"{label}\"` is defined twice"),
        )
        .label("defined again here")
        .also(header_span(first), "first defined here")
    }

    fn missing(
        &self,
        rule: &Rule,
        name: &str,
        _: &Field<Kind>,
        head: Range<usize>,
        place: &str,
    ) -> Finding {
        rule.finding(
            self.file,
            head,
            format!("missing required attribute `{name}` in `{place}`"),
        )
        .label(format!("`{name}` is required here"))
        .help(format!("add `{name} = [\"...\"]`"))
    }
}

/// A place as messages name it: `` `allow` ``, or "the top level" for the file's body.
fn shown(place: &str) -> String {
    if place.is_empty() {
        "the top level".to_owned()
    } else {
        format!("`{place}`")
    }
}

/// Loads the policy `text` (file `file`): the policy, or every finding.
pub(super) fn load(text: &str, file: FileId) -> Result<Policy, Vec<Finding>> {
    let body =
        hcl_edit::parser::parse_body(text).map_err(|e| vec![syntax_finding(file, text, &e)])?;
    let mut ev = Evaluator::new(text, file, Scope::None);
    let mut findings = Vec::new();
    let doc = Value::Object(object(&mut ev, &body, &TOP, "", "", 0..0, &mut findings));
    findings.append(&mut ev.findings);
    // After an error the values that were wrong are left out, so that the patterns of the
    // rest are still checked in the same run; a model without something required is not.
    let model: PolicyFile = match serde_json::from_value(doc) {
        Ok(m) => m,
        Err(_) if !findings.is_empty() => return Err(findings),
        Err(e) => {
            return Err(vec![invalid_glob::RULE.finding(
                file,
                0..0,
                format!("cannot decode the policy: {e}"),
            )])
        }
    };
    let mut compile = |patterns: &[String], ptr: &str| -> Patterns {
        Patterns::new(patterns).unwrap_or_else(|(i, why)| {
            let at = ev
                .spans
                .get(&child(ptr, &i.to_string()))
                .map_or(0..0, |e| e.value.clone());
            findings.push(
                invalid_glob::RULE
                    .finding(file, at, match patterns[i].as_str() {
                        "" => "an empty string is not a glob pattern".to_owned(),
                        p => format!("`{p}` is not a glob pattern"),
                    })
                    .label(why)
                    .help("`*` and `?` match within a `/`-separated segment, `**` across segments, `[...]` and `{a,b}` as in a shell; `\\` escapes"),
            );
            Patterns::new(&[]).expect("an empty set compiles")
        })
    };
    let a = model.allow.clone().unwrap_or_default();
    let mut pats =
        |v: Option<&Vec<String>>, name: &str| v.map(|v| compile(v, &format!("/allow/{name}")));
    let allow = Allow {
        namespaces: pats(a.namespaces.as_ref(), "namespaces"),
        node_pools: pats(a.node_pools.as_ref(), "node_pools"),
        vault_roles: pats(a.vault_roles.as_ref(), "vault_roles"),
        pipelines: pats(a.pipelines.as_ref(), "pipelines"),
        images: pats(a.images.as_ref(), "images"),
        host_volumes: pats(a.host_volumes.as_ref(), "host_volumes"),
        privileged: a.privileged,
        templates: a.templates,
    };
    let mut repositories = Vec::new();
    let mut bad_labels = Vec::new();
    for (url, r) in &model.repository {
        let ptr = child("/repository", url);
        let url_pattern = match glob_label(url) {
            Ok(p) => p,
            Err(why) => {
                let at = ev.spans.get(&ptr).map_or(0..0, |e| e.key.clone());
                bad_labels.push(
                    invalid_glob::RULE
                        .finding(file, at, format!("`{url}` is not a glob pattern"))
                        .label(why),
                );
                continue;
            }
        };
        repositories.push(Repository {
            url: url_pattern,
            pipelines: compile(&r.pipelines, &child(&ptr, "pipelines")),
        });
    }
    let mut credentials = indexmap::IndexMap::new();
    for (path, c) in &model.credentials {
        let ptr = child("/credentials", path);
        credentials.insert(
            path.clone(),
            Destinations {
                registries: compile(&c.registries, &child(&ptr, "registries")),
                sources: compile(&c.sources, &child(&ptr, "sources")),
            },
        );
    }
    findings.append(&mut bad_labels);
    if !findings.is_empty() {
        return Err(findings);
    }
    Ok(Policy {
        shown: String::new(),
        allow,
        repositories,
        credentials,
    })
}

/// A `repository` label as a pattern.
fn glob_label(url: &str) -> Result<Patterns, String> {
    Patterns::new(&[url.to_owned()]).map_err(|(_, why)| why)
}

/// Decodes the body of `place` (at pointer `ptr`, named `what` in messages, header at
/// `head`) into a JSON object.
fn object(
    ev: &mut Evaluator<'_>,
    body: &Body,
    place: &Place,
    ptr: &str,
    what: &str,
    head: Range<usize>,
    out: &mut Vec<Finding>,
) -> Map<String, Value> {
    let words = Words { file: ev.file };
    let items = hcl::walk(&words, body, place, what, head, out);
    let mut obj = Map::new();
    for (item, field) in items {
        let name = item.name();
        match (item, field.data) {
            (Item::Attribute(a), kind) => {
                let p = child(ptr, name);
                let at = span(&a.value);
                ev.spans.insert(&p, item.head_span(), at.clone());
                let Some(v) = ev.eval(&a.value, &p) else {
                    continue;
                };
                if let Some(f) = typed(&v, kind, name, ev, &p, at) {
                    out.push(f);
                    continue;
                }
                obj.insert(name.to_owned(), v);
            }
            (Item::Block(b), Kind::Allow) => {
                let p = child(ptr, name);
                ev.spans.insert(&p, header_span(b), span(b));
                let v = object(ev, &b.body, &ALLOW, &p, "allow", header_span(b), out);
                obj.insert(name.to_owned(), Value::Object(v));
            }
            (Item::Block(b), kind) => {
                let label = b.labels.first().map_or("", |l| l.as_str());
                let p = child(&child(ptr, name), label);
                ev.spans.insert(&p, header_span(b), span(b));
                let layout = if kind == Kind::Repository {
                    &REPOSITORY
                } else {
                    &CREDENTIALS
                };
                let what = format!("{name} \"{label}\"");
                let v = object(ev, &b.body, layout, &p, &what, header_span(b), out);
                let map = obj
                    .entry(name.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = map {
                    map.insert(label.to_owned(), Value::Object(v));
                }
            }
        }
    }
    obj
}

/// The `type-mismatch` of `v` for an attribute of `kind`, if any.
fn typed(
    v: &Value,
    kind: Kind,
    name: &str,
    ev: &Evaluator<'_>,
    ptr: &str,
    at: Range<usize>,
) -> Option<Finding> {
    let file = ev.file;
    match (kind, v) {
        (Kind::Bool, Value::Bool(_)) => None,
        (Kind::Bool, _) => Some(
            type_mismatch::RULE
                .finding(file, at, format!("`{name}` must be a bool"))
                .label(format!("this is {}", hcl::describe(v)))
                .help("write `true` or `false` without quotes"),
        ),
        (_, Value::Array(items)) => {
            let (i, bad) = items.iter().enumerate().find(|(_, x)| !x.is_string())?;
            let at = ev
                .spans
                .get(&child(ptr, &i.to_string()))
                .map_or(at, |e| e.value.clone());
            Some(
                type_mismatch::RULE
                    .finding(file, at, format!("each of `{name}` must be a string"))
                    .label(format!("this is {}", hcl::describe(bad)))
                    .help("put the pattern in double quotes"),
            )
        }
        _ => Some(
            type_mismatch::RULE
                .finding(
                    file,
                    at,
                    format!("`{name}` must be a list of glob patterns"),
                )
                .label(format!("this is {}", hcl::describe(v)))
                .help("write a list: [\"a\", \"b-*\"]"),
        ),
    }
}
