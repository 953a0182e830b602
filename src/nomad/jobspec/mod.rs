//! Decoding of a rendered HCL jobspec into the typed job model ([`super::model`]).
//!
//! The rules follow Nomad's own jobspec parser (`jobspec2/` in `hashicorp/nomad`, with the
//! `hcl:"..."` tags of `api/*.go`), so the HCL file and the API JSON made from it describe the
//! same job:
//!
//! - exactly one `job "<id>"` block; the label is `ID` (unless `id` is set) and `Name` (unless
//!   `name` is set);
//! - `meta` (job, group, task) and `env` (task) are a block or a map attribute
//!   (`meta = { "a.b" = "x" }`); any other block is a block only, including `config`;
//! - `config` is free-form: a nested block becomes a list of objects (a second block of the same
//!   type adds to the list; a labelled block `b "l" {...}` becomes `{"l": [{...}]}`), and an
//!   attribute whose value is an object literal becomes a one-element list, as Nomad's
//!   `hclutil.BlocksAsAttrs` does;
//! - durations are Go duration strings (`crate::duration::parse`) or integer nanoseconds;
//! - `constraint` and `affinity` take `attribute`/`operator`/`value` (operator defaults to `=`)
//!   and the shorthands `version`, `semver`, `regexp`, `set_contains`, `distinct_hosts`,
//!   `distinct_property` (affinity: `set_contains_any`, `set_contains_all`);
//! - `identity` without `name` or with `name = "default"` becomes `Task.Identity`, the others
//!   `Task.Identities`; `vault` at job or group level is copied into every task without one; a
//!   `task` directly inside `job` becomes a group of its own.
//!
//! Where Nomad would accept something but drop or change it silently, this decoder refuses it:
//! `vault { policies }` (ignored since Nomad 1.10), a task's `resources { disk }` (never
//! copied into the job by Nomad's agent), the constraint shorthands `is_set`,
//! `is_not_set`, `set_contains_any` and `set_contains_all` (accepted and ignored by jobspec2),
//! and `${...}` interpolations that Nomad would evaluate (functions, operators, `var.`/`local.`).
//! A job-level `stop`, which would register the job stopped, is refused as
//! `forbidden-job-field`.
//! Defaults are not filled in: omitted fields are omitted in the JSON too, and Nomad's
//! canonicalization fills the same defaults for both forms.
//!
//! The tables of what each block holds are in `job.rs`, `group.rs`, `task.rs` and
//! `placement.rs` (their shape in `schema.rs`); the structural checks are those of the HCL
//! core's body walker (`src/hcl/walk.rs`), worded here; values are converted in `value.rs`.
//!
//! The jobs are decoded for a target Nomad release ([`decode_for`]): a field that the target
//! lacks or ignores ([`crate::nomad::model::FIELD_RELEASES`]) is refused as
//! `template-field-too-new`, naming the field, the target and the first release that has it
//! (`releases.rs`, whose tests check the tables against every known release's schema).
//!
//! Rules reported (all errors): `template-output-syntax`, `template-unknown-field`,
//! `template-type-mismatch`, `template-invalid-duration`, `template-missing-field`,
//! `template-duplicate-field`, `template-invalid-label`, `template-ignored-field`,
//! `template-field-too-new`, `forbidden-job-field`, plus the expression rules of the HCL core's
//! evaluator (`src/hcl/eval.rs`).

mod group;
mod job;
mod placement;
mod releases;
mod schema;
mod task;
mod value;

use std::ops::Range;

use hcl_edit::structure::{Block, Body};
use serde_json::{Map, Value};

use super::model::{field_since, JobRegisterRequest};
use crate::diag::{self, closest, FileId, Finding};
use crate::hcl::eval::{child, Evaluator, Scope};
use crate::hcl::{self, header_span, header_text, Dialect, Field, Item, Rules};
use crate::rules::{
    forbidden_job_field, template_duplicate_field, template_ignored_field, template_invalid_label,
    template_missing_field, template_output_syntax, template_type_mismatch, template_unknown_field,
    Rule,
};
use crate::target::{NomadVersion, LIFECYCLE_HOOK_REQUIRED};
use schema::{Entry, Kind, Refusal, Spec, Sub, Top};
use value::push;

/// Decodes a rendered jobspec for the newest Nomad release the tool knows. Every problem is
/// reported, each pointing into `src` (file `file`).
pub fn decode(src: &str, file: FileId) -> Result<JobRegisterRequest, Vec<Finding>> {
    decode_for(src, file, NomadVersion::newest_known())
}

/// Decodes a rendered jobspec for Nomad `target`: a field that `target` lacks or ignores is
/// refused. Every problem is reported, each pointing into `src` (file `file`).
pub fn decode_for(
    src: &str,
    file: FileId,
    target: NomadVersion,
) -> Result<JobRegisterRequest, Vec<Finding>> {
    let body = match hcl_edit::parser::parse_body(src) {
        Ok(body) => body,
        Err(e) => {
            let s = hcl::syntax(src, &e);
            let mut f = template_output_syntax::RULE
                .finding(
                    file,
                    s.span,
                    format!("the rendered jobspec is not valid HCL: {}", s.message),
                )
                .label(s.label)
                .help(match s.help {
                    Some(fix) => format!("the template produced invalid HCL: {fix}"),
                    None => "the template produced invalid HCL; fix the template text that \
                             renders this line"
                        .to_owned(),
                });
            for (span, text) in s.also {
                f = f.also(span, text);
            }
            return Err(vec![f]);
        }
    };
    let mut d = Decoder {
        ev: Evaluator::new(src, file, Scope::None),
        findings: Vec::new(),
        target,
    };
    let job = d.file(&body);
    let mut findings = d.findings;
    findings.append(&mut d.ev.findings);
    // Without a `job` block there is a finding (the walker requires one).
    let Some((job, header)) = job.filter(|_| findings.is_empty()) else {
        diag::sort(&mut findings);
        return Err(findings);
    };
    let mut envelope = Map::new();
    envelope.insert("Job".to_owned(), Value::Object(job));
    serde_json::from_value(Value::Object(envelope)).map_err(|e| {
        vec![template_type_mismatch::RULE
            .finding(
                file,
                header,
                format!("the job does not fit Nomad's job model: {e}"),
            )
            .label("in this job")]
    })
}

/// One pass over a rendered jobspec.
struct Decoder<'a> {
    ev: Evaluator<'a>,
    findings: Vec<Finding>,
    /// The release the job is for.
    target: NomadVersion,
}

impl Decoder<'_> {
    fn report(&mut self, f: Finding) {
        self.findings.push(f);
    }

    fn dialect(&self) -> Jobspec {
        Jobspec { file: self.ev.file }
    }

    /// The top level: exactly one `job` block.
    fn file(&mut self, body: &Body) -> Option<(Map<String, Value>, Range<usize>)> {
        let items = hcl::walk(
            &self.dialect(),
            body,
            &Top,
            "the top level",
            0..0,
            &mut self.findings,
        );
        let (Item::Block(b), field) = items.first()? else {
            return None;
        };
        let label = b.labels.first().map_or("", |l| l.as_str());
        let m = self.job(b, field.data, label);
        Some((m, header_span(b)))
    }

    /// The `job` block `b`, labelled `label`.
    fn job(&mut self, b: &Block, spec: &'static Spec, label: &str) -> Map<String, Value> {
        let mut m = self.body(&b.body, spec, &header_text(b), "/Job", header_span(b));
        job::finish_job(&mut m, label);
        m
    }

    /// Decodes a block body described by `spec` into a JSON object in Go shape.
    fn body(
        &mut self,
        body: &Body,
        spec: &'static Spec,
        path: &str,
        ptr: &str,
        head: Range<usize>,
    ) -> Map<String, Value> {
        let items = hcl::walk(&self.dialect(), body, &spec, path, head, &mut self.findings);
        let mut out = Map::new();
        for (item, field) in items {
            let key = match field.data {
                Entry::Attr(a) => a.key(),
                Entry::Sub(sb) => sb.key(),
            };
            if let Some(since) = field_since(spec.go, &key).filter(|s| !s.available_in(self.target))
            {
                let f =
                    releases::too_new(self.ev.file, item, since, self.target, spec.go, &key, path);
                self.report(f);
                continue;
            }
            match (item, field.data) {
                (Item::Attribute(a), Entry::Attr(attr)) => {
                    let key = attr.key();
                    let p = child(ptr, &key);
                    if let Some(v) = self.typed(&a.value, attr.ty, attr.hcl, path, &p) {
                        out.insert(key.into_owned(), v);
                    }
                }
                // A map of strings written as an attribute (`meta = { ... }`).
                (Item::Attribute(a), Entry::Sub(sb)) => {
                    let key = sb.key();
                    let p = child(ptr, &key);
                    if let Some(v) = self.map_attr(a, path, &p) {
                        out.insert(key.into_owned(), v);
                    }
                }
                (Item::Block(b), Entry::Sub(sb)) => self.block(b, sb, &mut out, path, ptr),
                // The walker yields blocks only for block fields.
                (Item::Block(_), Entry::Attr(_)) => {}
            }
        }
        if let Some(finish) = spec.finish {
            finish(&mut out);
        }
        out
    }

    /// Decodes the nested block `b` (whose labels the walker checked) into `out`.
    fn block(&mut self, b: &Block, sb: &Sub, out: &mut Map<String, Value>, path: &str, ptr: &str) {
        let key = sb.key();
        let inner_path = format!("{path} > {}", header_text(b));
        let field_ptr = child(ptr, &key);
        let next_ptr = |out: &Map<String, Value>| {
            let n = match out.get(key.as_ref()) {
                Some(Value::Array(a)) => a.len(),
                _ => 0,
            };
            child(&field_ptr, &n.to_string())
        };
        let head = header_span(b);
        let label = b.labels.first().map_or("", |l| l.as_str());
        match sb.kind {
            Kind::One(spec) => {
                let v = self.body(&b.body, spec, &inner_path, &field_ptr, head);
                out.insert(key.into_owned(), Value::Object(v));
            }
            Kind::Many(spec) => {
                let v = self.body(&b.body, spec, &inner_path, &next_ptr(out), head);
                push(out, &key, Value::Object(v));
            }
            Kind::Labeled(spec, field) => {
                let mut v = Map::new();
                v.insert(field.to_owned(), Value::from(label));
                v.extend(self.body(&b.body, spec, &inner_path, &next_ptr(out), head));
                push(out, &key, Value::Object(v));
            }
            Kind::Keyed(spec, field) => {
                let mut v = Map::new();
                v.insert(field.to_owned(), Value::from(label));
                v.extend(self.body(&b.body, spec, &inner_path, &child(&field_ptr, label), head));
                if let Value::Object(map) = out
                    .entry(key.into_owned())
                    .or_insert_with(|| Value::Object(Map::new()))
                {
                    map.insert(label.to_owned(), Value::Object(v));
                }
            }
            Kind::StrMap { .. } => {
                let v = self.map_block(b, &inner_path, &field_ptr);
                out.insert(key.into_owned(), Value::Object(v));
            }
            Kind::Config => {
                let v = self.config_body(&b.body, &inner_path, &field_ptr);
                out.insert(key.into_owned(), Value::Object(v));
            }
        }
    }
}

/// How the decoder words what [`hcl::walk`] finds, in the file `file`.
struct Jobspec {
    file: FileId,
}

impl Jobspec {
    /// A name that `path` does not have; `valid` are the names it has.
    fn unknown_name(&self, rule: &Rule, item: Item<'_>, path: &str, valid: &[&str]) -> Finding {
        let (name, what) = (item.name(), item.form().noun());
        let mut help = String::new();
        if let Some(c) = closest(name, valid.iter().copied()) {
            help.push_str(&format!("did you mean `{c}`? "));
        }
        help.push_str(&format!("valid names here: {}", diag::list(valid)));
        rule.finding(
            self.file,
            item.key_span(),
            format!("unknown {what} `{name}` in {path}"),
        )
        .label(format!("unknown {what}"))
        .help(help)
    }

    fn labels(&self, rule: &Rule, b: &Block, want: usize) -> Finding {
        let what = b.ident.as_str();
        let (message, help) = if want == 0 {
            (
                format!("a `{what}` block takes no label"),
                format!("write `{what} {{ ... }}`"),
            )
        } else {
            (
                format!("a `{what}` block takes exactly one label"),
                format!("write `{what} \"<name>\" {{ ... }}`"),
            )
        };
        let label = if b.labels.len() > want {
            "too many labels"
        } else {
            "missing label"
        };
        rule.finding(self.file, header_span(b), message)
            .label(label)
            .help(help)
    }

    fn duplicate_label(&self, rule: &Rule, b: &Block, first: &Block, path: &str) -> Finding {
        rule.finding(
            self.file,
            header_span(b),
            format!("{} is defined twice in {path}", header_text(b)),
        )
        .label("defined again here")
        .also(header_span(first), "first defined here")
    }
}

/// The rules of the decoder: every structural problem is a problem of the rendered template.
const RULES: Rules = Rules {
    unknown_attribute: template_unknown_field::RULE,
    unknown_block: template_unknown_field::RULE,
    block_expected: template_unknown_field::RULE,
    attribute_expected: template_unknown_field::RULE,
    duplicate_attribute: template_duplicate_field::RULE,
    duplicate_block: template_duplicate_field::RULE,
    duplicate_label: template_duplicate_field::RULE,
    missing: template_missing_field::RULE,
    missing_label: template_invalid_label::RULE,
    extra_label: template_invalid_label::RULE,
};

impl Dialect<&'static Spec> for Jobspec {
    const RULES: Rules = RULES;

    /// Also a name Nomad knows here and the decoder refuses, through the refusal's own rule.
    fn unknown(&self, rule: &Rule, item: Item<'_>, spec: &&'static Spec, path: &str) -> Finding {
        let (name, at) = (item.name(), item.key_span());
        let Some((_, refusal)) = spec.refused.iter().find(|(n, _)| *n == name) else {
            return self.unknown_name(rule, item, path, &spec.names());
        };
        match refusal {
            Refusal::Ignored(fix) => template_ignored_field::RULE
                .finding(self.file, at, format!("Nomad ignores `{name}` in {path}"))
                .label("ignored by Nomad")
                .help(*fix),
            Refusal::Forbidden(why) => forbidden_job_field::RULE
                .finding(
                    self.file,
                    at,
                    format!("`{name}` is not allowed in {path}: {why}"),
                )
                .label("forbidden")
                .help(format!(
                    "remove `{name}`: nomad-build registers jobs to run"
                )),
            Refusal::Unsupported(reason) => rule
                .finding(self.file, at, format!("`{name}` in {path} is {reason}"))
                .label(format!("unsupported {}", item.form().noun()))
                .help(format!("valid names here: {}", diag::list(&spec.names()))),
        }
    }

    fn wrong_form(&self, rule: &Rule, item: Item<'_>, path: &str) -> Finding {
        let (name, what) = (item.name(), item.form().noun());
        let (message, help) = match item {
            Item::Block(_) => (
                format!("`{name}` in {path} is an attribute, not a block"),
                format!("write `{name} = ...`"),
            ),
            Item::Attribute(_) => (
                format!("`{name}` in {path} is a block, not an attribute"),
                format!("write `{name} {{ ... }}`"),
            ),
        };
        rule.finding(self.file, item.key_span(), message)
            .label(format!("not an {what}"))
            .help(help)
    }

    fn labels(&self, rule: &Rule, b: &Block, field: &Field<Entry>) -> Finding {
        Jobspec::labels(self, rule, b, field.labels)
    }

    fn duplicate(&self, rule: &Rule, item: Item<'_>, first: Item<'_>, path: &str) -> Finding {
        let name = item.name();
        rule.finding(
            self.file,
            item.key_span(),
            format!("`{name}` is defined twice in {path}"),
        )
        .label("defined again here")
        .also(first.key_span(), "first defined here")
        .help(format!("only one `{name}` is allowed here; merge them"))
    }

    fn duplicate_label(&self, rule: &Rule, b: &Block, first: &Block, path: &str) -> Finding {
        Jobspec::duplicate_label(self, rule, b, first, path)
    }

    fn missing(
        &self,
        rule: &Rule,
        name: &str,
        _: &Field<Entry>,
        head: Range<usize>,
        path: &str,
    ) -> Finding {
        let help = if path.ends_with("> lifecycle") && name == "hook" {
            format!(
                "write `hook = \"prestart\"`, `\"poststart\"` or `\"poststop\"`: Nomad \
                 {LIFECYCLE_HOOK_REQUIRED} and later refuse a `lifecycle` without it, and \
                 older releases drop the block, so the task would run as a main task"
            )
        } else {
            "Nomad's jobspec parser requires it".to_owned()
        };
        rule.finding(
            self.file,
            head,
            format!("{path} needs the attribute `{name}`"),
        )
        .label(format!("`{name}` is missing"))
        .help(help)
    }
}

impl Dialect<Top> for Jobspec {
    const RULES: Rules = RULES;

    fn unknown(&self, rule: &Rule, item: Item<'_>, _: &Top, path: &str) -> Finding {
        self.unknown_name(rule, item, path, &["job"])
    }

    /// A `job` attribute is an unknown attribute of the top level.
    fn wrong_form(&self, rule: &Rule, item: Item<'_>, path: &str) -> Finding {
        self.unknown_name(rule, item, path, &["job"])
    }

    fn labels(&self, rule: &Rule, b: &Block, field: &Field<&'static Spec>) -> Finding {
        Jobspec::labels(self, rule, b, field.labels)
    }

    fn duplicate(&self, rule: &Rule, item: Item<'_>, first: Item<'_>, _: &str) -> Finding {
        let name = item.name();
        rule.finding(
            self.file,
            item.head_span(),
            format!("a jobspec has exactly one `{name}` block"),
        )
        .label(format!("second `{name}` block"))
        .also(first.head_span(), format!("first `{name}` block"))
    }

    fn duplicate_label(&self, rule: &Rule, b: &Block, first: &Block, path: &str) -> Finding {
        Jobspec::duplicate_label(self, rule, b, first, path)
    }

    fn missing(
        &self,
        rule: &Rule,
        name: &str,
        _: &Field<&'static Spec>,
        head: Range<usize>,
        _: &str,
    ) -> Finding {
        rule.finding(
            self.file,
            head,
            format!("the jobspec has no `{name}` block"),
        )
        .help(format!(
            "a jobspec is one `{name} \"<id>\" {{ ... }}` block"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{forbidden_job_field, template_invalid_duration};
    use serde_json::json;

    const SEC: i64 = 1_000_000_000;

    fn decode_err(src: &str) -> Vec<Finding> {
        decode(src, 0).expect_err("should fail")
    }

    fn decode_json(src: &str) -> Value {
        match decode(src, 0) {
            Ok(job) => serde_json::to_value(job).unwrap(),
            Err(f) => panic!("{f:#?}"),
        }
    }

    #[test]
    fn unknown_fields_name_the_block_and_suggest_the_closest() {
        let src = r#"job "j" {
  group "g" {
    task "t" {
      drvier = "docker"
      resources {
        memroy = 10
      }
    }
  }
}
"#;
        let f = decode_err(src);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|f| f.rule == template_unknown_field::RULE.id));
        assert_eq!(
            f[0].message,
            "unknown attribute `drvier` in job \"j\" > group \"g\" > task \"t\""
        );
        assert_eq!(&src[f[0].primary.span.clone()], "drvier");
        let help = f[0].help.as_deref().unwrap();
        assert!(
            help.starts_with("did you mean `driver`? valid names here: `driver`, `user`"),
            "{help}"
        );
        assert_eq!(&src[f[1].primary.span.clone()], "memroy");
        assert!(f[1]
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `memory`?"));
    }

    #[test]
    fn every_problem_is_reported() {
        let src = r#"job "j" {
  group "g" {
    restart {
      interval = "1d"
      attempts = "3"
    }
    task "t" {
      config = { image = "x" }
      kill_timeout = "5"
      vault {
        policies = ["p"]
      }
    }
  }
}
"#;
        let f = decode_err(src);
        let rules: Vec<_> = f
            .iter()
            .map(|f| (f.rule, &src[f.primary.span.clone()]))
            .collect();
        assert_eq!(
            rules,
            [
                (template_invalid_duration::RULE.id, "\"1d\""),
                (template_type_mismatch::RULE.id, "\"3\""),
                (template_unknown_field::RULE.id, "config"),
                (template_invalid_duration::RULE.id, "\"5\""),
                (template_ignored_field::RULE.id, "policies"),
            ]
        );
        assert_eq!(f[1].help.as_deref(), Some("remove the quotes"));
        assert_eq!(f[2].help.as_deref(), Some("write `config { ... }`"));
    }

    #[test]
    fn identities_split_into_default_and_named() {
        let v = decode_json(
            r#"job "j" {
  group "g" {
    task "t" {
      identity {
        name = "vault_default"
        aud  = ["vault.io"]
        ttl  = "1h"
      }
      identity {
        env = true
      }
      identity {
        name = "default"
        file = true
      }
    }
  }
}
"#,
        );
        let task = &v["Job"]["TaskGroups"][0]["Tasks"][0];
        assert_eq!(task["Identity"], json!({"Env": true}));
        assert_eq!(
            task["Identities"],
            json!([
                {"Name": "vault_default", "Audience": ["vault.io"], "TTL": 3_600 * SEC},
                {"Name": "default", "File": true},
            ])
        );
        let only_named = decode_json(
            r#"job "j" {
  group "g" {
    task "t" {
      identity {
        name = "x"
      }
    }
  }
}
"#,
        );
        let task = &only_named["Job"]["TaskGroups"][0]["Tasks"][0];
        assert_eq!(task.get("Identity"), None);
        assert_eq!(task["Identities"], json!([{"Name": "x"}]));
    }

    #[test]
    fn constraints_follow_jobspec2() {
        let v = decode_json(
            r#"job "j" {
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }
  constraint {
    distinct_hosts = true
  }
  constraint {
    attribute = "${attr.nomad.version}"
    semver    = ">= 1.7.0"
  }
  constraint {
    distinct_property = "${meta.rack}"
    value             = "2"
  }
  affinity {
    attribute        = "${meta.tags}"
    set_contains_any = "a,b"
    weight           = -50
  }
}
"#,
        );
        assert_eq!(
            v["Job"]["Constraints"],
            json!([
                {"LTarget": "${attr.kernel.name}", "RTarget": "linux", "Operand": "="},
                {"RTarget": "true", "Operand": "distinct_hosts"},
                {"LTarget": "${attr.nomad.version}", "RTarget": ">= 1.7.0", "Operand": "semver"},
                {"LTarget": "${meta.rack}", "RTarget": "2", "Operand": "distinct_property"},
            ])
        );
        assert_eq!(
            v["Job"]["Affinities"],
            json!([{
                "LTarget": "${meta.tags}",
                "RTarget": "a,b",
                "Operand": "set_contains_any",
                "Weight": -50,
            }])
        );
        let f = decode_err("job \"j\" {\n  constraint {\n    is_set = \"${meta.x}\"\n  }\n}\n");
        assert_eq!(f[0].rule, template_ignored_field::RULE.id);
    }

    #[test]
    fn config_blocks_become_lists_and_vault_is_inherited() {
        let v = decode_json(
            r#"job "j" {
  vault {
    role = "r"
  }
  task "solo" {
    driver = "docker"
    config {
      image  = "x"
      labels = { a = "b" }
      auth {
        username = "u"
      }
      mount {
        type = "bind"
      }
      mount {
        type = "tmpfs"
        tmpfs_options {
          size = 10
        }
      }
      port_map "http" {
        to = 80
      }
    }
  }
  group "g" {
    vault {
      role = "g"
    }
    task "a" {}
    task "b" {
      vault {
        role = "b"
      }
    }
  }
}
"#,
        );
        let groups = &v["Job"]["TaskGroups"];
        assert_eq!(groups[0]["Name"], "solo");
        assert_eq!(
            groups[0]["Tasks"][0]["Config"],
            json!({
                "image": "x",
                "labels": [{"a": "b"}],
                "auth": [{"username": "u"}],
                "mount": [{"type": "bind"}, {"type": "tmpfs", "tmpfs_options": [{"size": 10}]}],
                "port_map": [{"http": [{"to": 80}]}],
            })
        );
        assert_eq!(groups[0]["Tasks"][0]["Vault"], json!({"Role": "r"}));
        assert_eq!(groups[1]["Tasks"][0]["Vault"], json!({"Role": "g"}));
        assert_eq!(groups[1]["Tasks"][1]["Vault"], json!({"Role": "b"}));
    }

    #[test]
    fn syntax_errors_point_at_the_offset() {
        let src = "job \"j\" {\n  region = \n}\n";
        let f = decode_err(src);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, template_output_syntax::RULE.id);
        assert_eq!(f[0].primary.span.start, src.find("= \n").unwrap() + 2);
    }

    #[test]
    fn an_unclosed_brace_is_reported_at_its_opening() {
        let src =
            "job \"j\" {\n  group \"g\" {\n    task \"t\" {\n      driver = \"docker\"\n  }\n}\n";
        let f = decode_err(src);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, template_output_syntax::RULE.id);
        assert_eq!(
            f[0].message,
            "the rendered jobspec is not valid HCL: unclosed `{`"
        );
        // The task's `{`, whose `}` is indented like the group's.
        assert_eq!(f[0].primary.span.start, src.find("\"t\" {").unwrap() + 4);
        let labels: Vec<&str> = f[0].secondary.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            labels,
            [
                "this `}` matches it, but is indented less",
                "the file ends here"
            ]
        );
    }

    #[test]
    fn evaluated_interpolations_are_refused() {
        let f = decode_err("job \"j\" {\n  region = \"${upper(\"x\")}\"\n}\n");
        assert_eq!(f[0].rule, crate::rules::unsupported_expression::RULE.id);
        let v = decode_json("job \"j\" {\n  region = \"${node.region}-$${x}\"\n}\n");
        assert_eq!(v["Job"]["Region"], "${node.region}-${x}");
    }

    #[test]
    fn a_job_block_is_required_once() {
        assert_eq!(decode_err("")[0].rule, template_missing_field::RULE.id);
        assert_eq!(
            decode_err("job {\n}\n")[0].rule,
            template_invalid_label::RULE.id
        );
        let f = decode_err("job \"a\" {\n}\njob \"b\" {\n}\nvariable \"x\" {\n}\n");
        let rules: Vec<_> = f.iter().map(|f| f.rule).collect();
        assert_eq!(
            rules,
            [
                template_duplicate_field::RULE.id,
                template_unknown_field::RULE.id
            ]
        );
    }

    #[test]
    fn required_attributes_and_duplicates() {
        let f = decode_err(
            r#"job "j" {
  group "g" {
    volume "v" {
    }
    volume "v" {
    }
    task "t" {
      lifecycle {
      }
      meta = {}
      meta {
      }
    }
  }
}
"#,
        );
        let rules: Vec<_> = f.iter().map(|f| f.rule).collect();
        assert_eq!(
            rules,
            [
                template_duplicate_field::RULE.id,
                template_missing_field::RULE.id,
                template_duplicate_field::RULE.id
            ]
        );
    }

    #[test]
    fn a_job_level_stop_is_forbidden() {
        let src = "job \"j\" {\n  stop = true\n  group \"g\" {\n    stop = true\n  }\n}\n";
        let f = decode_err(src);
        let rules: Vec<_> = f
            .iter()
            .map(|f| (f.rule, &src[f.primary.span.clone()]))
            .collect();
        assert_eq!(
            rules,
            [
                (forbidden_job_field::RULE.id, "stop"),
                (template_unknown_field::RULE.id, "stop"),
            ]
        );
        assert_eq!(f[0].severity, forbidden_job_field::RULE.severity);
        assert_eq!(
            f[0].message,
            "`stop` is not allowed in job \"j\": a job registered with `stop` is stopped and \
             places nothing"
        );
    }
}
