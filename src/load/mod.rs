//! Stage 1, load: parse `build.hcl` with hcl-edit, resolve variables, and decode the body into
//! [`BuildFile`], guided by the JSON Schema of the model so that names, block shapes, types,
//! enumerations and ranges are checked in one place with exact spans. The structural checks
//! are those of the HCL core's body walker (`src/hcl/walk.rs`), worded and ruled by
//! `convert.rs`; variable values come from `vars.rs`.

mod convert;
pub mod fs;
mod vars;

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use hcl_edit::structure::Block;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::config::BuildFile;
use crate::diag::{FileId, Finding, Sources};
use crate::hcl::eval::{child, Evaluator, Scope, Spans};
use crate::hcl::{self, header_span, span, Item};
use crate::rules::{duplicate_attribute, invalid_value, multiple_pipelines, syntax_error};
use convert::{Converter, Loader, Top};

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
    /// Reads `NOMAD_BUILD_VAR_*` from the process environment (entries that are not UTF-8
    /// are left out, see `crate::process_env`).
    #[must_use]
    pub fn with_process_env(mut self) -> Self {
        self.env = crate::process_env::vars()
            .into_iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("NOMAD_BUILD_VAR_")
                    .map(|n| (n.to_owned(), v))
            })
            .collect();
        self
    }
}

/// A loaded file: its model, the spans of its values, its variables.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file's id in [`Sources`].
    pub file: FileId,
    /// The decoded model.
    pub(crate) config: BuildFile,
    /// Spans by JSON pointer into the model (`/pipeline/<name>/build/timeout`).
    pub(crate) spans: Spans,
    /// Resolved variable values.
    pub vars: IndexMap<String, Option<Value>>,
    /// Whether loading found errors: the model then lacks the values that were wrong, and is
    /// good for the check stage only (see [`Loaded::has_errors`]).
    failed: bool,
    /// Where the loader's errors are: the attributes they are in and the headers of the
    /// blocks around them ([`Loaded::masks`]).
    damaged: Damage,
}

/// The places a loader error makes unreliable for the check stage.
#[derive(Debug, Clone, Default)]
struct Damage {
    /// Whole attributes (name to end of value) holding an error.
    attributes: Vec<Range<usize>>,
    /// Headers of the innermost blocks holding an error.
    headers: Vec<Range<usize>>,
}

impl Damage {
    /// The places around each error of `findings` (in `file`), from the recorded spans.
    fn of(findings: &[Finding], file: FileId, spans: &Spans) -> Damage {
        let mut d = Damage::default();
        for f in findings.iter().filter(|f| f.is_error() && f.file == file) {
            let at = &f.primary.span;
            let mut around: Vec<&crate::hcl::eval::Entry> = spans
                .entries()
                .filter(|e| e.key.start.min(e.value.start) <= at.start && at.end <= e.value.end)
                .collect();
            around.sort_by_key(|e| e.value.end - e.key.start.min(e.value.start));
            for e in around {
                // A block's recorded value is the whole block, which starts at its header.
                if e.value.start == e.key.start {
                    d.headers.push(e.key.clone());
                    break;
                }
                d.attributes.push(e.key.start..e.value.end);
            }
        }
        d
    }
}

impl Loaded {
    /// Whether loading found errors. The model is then built without the values that were
    /// wrong (a value of the wrong type, out of range, not one of its choices, an unknown
    /// name), so that the semantic rules can still report the rest of the file; nothing may be
    /// planned from it.
    pub fn has_errors(&self) -> bool {
        self.failed
    }

    /// Whether a finding of the check stage may only be a consequence of a loader error: it
    /// points into an attribute that holds one, or at the header of the innermost block around
    /// one (`command = "make"`, of the wrong type and so left out, must not also be reported as
    /// a test without a command).
    pub fn masks(&self, f: &Finding) -> bool {
        let at = &f.primary.span;
        f.file == self.file
            && (self.damaged.headers.contains(at)
                || self
                    .damaged
                    .attributes
                    .iter()
                    .any(|a| a.start <= at.start && at.end <= a.end))
    }

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
pub(crate) fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::to_value(schemars::schema_for!(BuildFile)).expect("schema serializes")
    })
}

/// Loads `text` (already added to `sources` as `file`). Returns every finding, and the model
/// whenever one can be built: after an error without the values that were wrong
/// ([`Loaded::has_errors`]).
pub fn load(
    sources: &mut Sources,
    file: FileId,
    inputs: &VarInputs,
) -> (Option<Loaded>, Vec<Finding>) {
    let text = sources.get(file).text.clone();
    let body = match hcl_edit::parser::parse_body(&text) {
        Ok(b) => b,
        Err(e) => return (None, vec![syntax_finding(file, &text, &e)]),
    };
    let mut findings = Vec::new();

    // Top level: `variable` and `pipeline` blocks only.
    let top = Top::new();
    let items = hcl::walk(&Loader { file }, &body, &top, "", 0..0, &mut findings);
    let mut var_blocks: Vec<(&Block, &'static Value)> = Vec::new();
    let mut pipelines: Vec<(&Block, &'static Value)> = Vec::new();
    for (item, field) in items {
        if let Item::Block(b) = item {
            match b.ident.as_str() {
                "variable" => var_blocks.push((b, field.data)),
                _ => pipelines.push((b, field.data)),
            }
        }
    }

    // Variables: declarations (evaluated without variables), then values.
    let mut conv = Converter {
        ev: Evaluator::new(&text, file, Scope::None),
    };
    let mut declared: IndexMap<String, (Value, Range<usize>)> = IndexMap::new();
    for (b, schema) in var_blocks {
        let label = label_of(b);
        let ptr = child("/variable", label);
        conv.ev.spans.insert(&ptr, header_span(b), span(b));
        let v = conv.body(&b.body, schema, &ptr, &format!("variable \"{label}\""));
        declared.insert(label.to_owned(), (Value::Object(v), header_span(b)));
    }
    findings.append(&mut conv.ev.findings);
    let var_spans = std::mem::take(&mut conv.ev.spans);
    let vars = vars::resolve_vars(sources, file, &declared, inputs, &mut findings);

    // The pipeline, evaluated with the variables.
    let mut conv = Converter {
        ev: Evaluator::new(&text, file, Scope::Vars(&vars)),
    };
    conv.ev.spans = var_spans;
    let mut pipeline_map = Map::new();
    if let [(first, schema), rest @ ..] = pipelines.as_slice() {
        for (extra, _) in rest {
            findings.push(
                multiple_pipelines::RULE
                    .finding(file, header_span(extra), "more than one `pipeline` block")
                    .label("second pipeline")
                    .also(header_span(first), "first pipeline")
                    .help(
                        "a build.hcl holds exactly one pipeline; put each in its own repository \
                         or file",
                    ),
            );
        }
        let name = label_of(first);
        let ptr = child("/pipeline", name);
        conv.ev.spans.insert(&ptr, header_span(first), span(*first));
        let v = conv.body(&first.body, schema, &ptr, "pipeline");
        pipeline_map.insert(name.to_owned(), Value::Object(v));
    }
    findings.append(&mut conv.ev.findings);
    let spans = conv.ev.spans;

    // After an error the model is still built when it can be, without the values that were
    // wrong, so that the check stage reports its problems in the same run (a `priority = 0`
    // must not hide a `timeout = "forever"`); `compile` stops before planning.
    let failed = findings.iter().any(Finding::is_error);
    let damaged = Damage::of(&findings, file, &spans);
    if pipeline_map.is_empty() {
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
                failed,
                damaged,
            }),
            findings,
        ),
        // Something required was wrong, and that is reported already.
        Err(_) if failed => (None, findings),
        Err(e) => {
            findings.push(invalid_value::RULE.finding(
                file,
                0..0,
                format!("cannot decode the file: {e}"),
            ));
            (None, findings)
        }
    }
}

/// The `syntax-error` of `text` (file `file`), which hcl-edit refused with `e`: an unclosed
/// delimiter at its opening, any other error where the parser stopped.
pub(crate) fn syntax_finding(file: FileId, text: &str, e: &hcl_edit::parser::Error) -> Finding {
    let s = hcl::syntax(text, e);
    // hcl-edit refuses a repeated attribute while parsing; it is this rule's case, with the
    // first occurrence as the related place when it can be found.
    if s.message.contains("found redefined attribute") {
        if let Some(f) = duplicate_attribute_finding(file, text, s.span.start) {
            return f;
        }
    }
    let mut f = syntax_error::RULE
        .finding(file, s.span, format!("syntax error: {}", s.message))
        .label(s.label)
        .help(s.help.unwrap_or_else(|| {
            "see https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md".to_owned()
        }));
    for (span, text) in s.also {
        f = f.also(span, text);
    }
    f
}

/// `duplicate-attribute` for the attribute that starts at byte `at` (where hcl-edit stopped),
/// pointing at the first occurrence in the same block: found by walking back over the lines
/// of the block, skipping nested blocks.
fn duplicate_attribute_finding(file: FileId, text: &str, at: usize) -> Option<Finding> {
    let rest = text.get(at..)?;
    let len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    let name = &rest[..len];
    if name.is_empty() || !rest[len..].trim_start().starts_with('=') {
        return None;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut depth = 0i32;
    let mut first = None;
    let mut end = line_start;
    for line in text[..line_start].lines().rev() {
        let start = end - line.len() - 1;
        end = start;
        depth += line.matches('}').count() as i32 - line.matches('{').count() as i32;
        if depth < 0 {
            break;
        }
        let trimmed = line.trim_start();
        if depth == 0
            && trimmed.starts_with(name)
            && trimmed[name.len()..].trim_start().starts_with('=')
        {
            let col = line.len() - trimmed.len();
            first = Some(start + col..start + col + name.len());
            break;
        }
    }
    let mut f = duplicate_attribute::RULE
        .finding(
            file,
            at..at + len,
            format!("`{name}` is set twice in one block"),
        )
        .label("set again here")
        .help("keep one of them: HCL allows an attribute once per block");
    if let Some(span) = first {
        f = f.also(span, "first set here");
    }
    Some(f)
}

/// The label of a block the walker has checked to have one.
fn label_of(b: &Block) -> &str {
    b.labels.first().map_or("", |l| l.as_str())
}

/// The display name and text of a file argument (`-` is standard input). A file is read
/// without following symlinks and must be a regular file ([`fs`]).
pub fn read_input(path: &Path, stdin_name: Option<&str>) -> std::io::Result<(String, String)> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        Ok((stdin_name.unwrap_or("<stdin>").to_owned(), text))
    } else {
        Ok((path.display().to_string(), fs::read_to_string(path)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{test_without_command, type_mismatch, value_out_of_range};

    fn load_str(src: &str) -> (Option<Loaded>, Vec<Finding>) {
        let mut sources = Sources::default();
        let file = sources.add("build.hcl", src);
        load(&mut sources, file, &VarInputs::default())
    }

    const PIPELINE: &str = r#"pipeline "app" {
  nomad {
    priority = 0
  }
  image {
    repository = "registry.example.com/acme/app"
  }
  build {
    timeout = "forever"
  }
  test "unit" {
    command = "make test"
  }
}
"#;

    #[test]
    fn after_a_value_error_the_model_is_built_without_the_value() {
        let (loaded, findings) = load_str(PIPELINE);
        let rules: Vec<&str> = findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, [value_out_of_range::RULE.id, type_mismatch::RULE.id]);
        let loaded = loaded.expect("the model is still built");
        assert!(loaded.has_errors());
        let (_, p) = loaded.pipeline();
        assert_eq!(p.nomad.priority, None);
        assert_eq!(p.build.timeout.as_deref(), Some("forever"));
        // The check stage's word on the test left without its command is masked; its word on
        // the timeout is not; and a file with loader errors is never checked.
        let report = crate::rules::check(loaded);
        let rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
        assert!(!rules.contains(&test_without_command::RULE.id), "{rules:?}");
        assert!(rules.contains(&"invalid-duration"), "{rules:?}");
        assert!(report.into_checked(&[]).is_none());
    }

    #[test]
    fn without_a_required_value_there_is_no_model() {
        let (loaded, findings) =
            load_str("pipeline \"app\" {\n  image {\n    repository = 1\n  }\n  build {}\n}\n");
        assert!(loaded.is_none());
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(load_str("variable \"x\" {}\n").0.is_none());
        let fixed = PIPELINE
            .replace("priority = 0", "priority = 5")
            .replace("\"make test\"", "[\"make\", \"test\"]");
        let (loaded, findings) = load_str(&fixed);
        assert!(!loaded.expect("loaded").has_errors());
        assert_eq!(findings, []);
    }
}
