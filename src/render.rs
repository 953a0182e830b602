//! Stage 4, render: minijinja templates → HCL jobspec → typed Nomad model → API JSON.
//!
//! Templates use `{% %}` for statements, `{= =}` for values and `{* *}` for comments, so
//! consul-template's `{{ }}` and the shell's `${#x}` pass through untouched. Undefined values
//! are errors. Every user string is escaped by a filter that names its layer:
//!
//! | filter        | for                                                        |
//! |---------------|------------------------------------------------------------|
//! | `hcl`         | any HCL value (strings quoted; `${`→`$${`, `%{`→`%%{`)      |
//! | `hcl_config`  | values in a task `config` block: Nomad's client re-interpolates them first |
//! | `sh`          | a word in a POSIX shell script                             |
//! | `go`          | a Go string literal inside a consul-template action        |
//! | `ct`          | literal text inside consul-template data                   |
//! | `json`        | a JSON string                                              |

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::ValueKind;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value};

use crate::diag::{Finding, Sources};
use crate::escape;
use crate::nomad::jobspec;
use crate::nomad::model::JobRegisterRequest;
use crate::phase::{Phase, PlannedTask, Role};
use crate::plan::PhaseCtx;
use crate::target::NomadVersion;

/// The templates compiled into the binary, by file name.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "build.nomad.hcl.j2",
        include_str!("../templates/build.nomad.hcl.j2"),
    ),
    (
        "test.nomad.hcl.j2",
        include_str!("../templates/test.nomad.hcl.j2"),
    ),
    (
        "publish.nomad.hcl.j2",
        include_str!("../templates/publish.nomad.hcl.j2"),
    ),
    ("macros.j2", include_str!("../templates/macros.j2")),
    (
        "checkout.sh.j2",
        include_str!("../templates/checkout.sh.j2"),
    ),
    ("build.sh.j2", include_str!("../templates/build.sh.j2")),
    ("publish.sh.j2", include_str!("../templates/publish.sh.j2")),
    (
        "watchdog.sh.j2",
        include_str!("../templates/watchdog.sh.j2"),
    ),
    (
        "registry-auth.json.ctmpl.j2",
        include_str!("../templates/registry-auth.json.ctmpl.j2"),
    ),
    (
        "registry-pull.env.ctmpl.j2",
        include_str!("../templates/registry-pull.env.ctmpl.j2"),
    ),
    (
        "git-credentials.ctmpl.j2",
        include_str!("../templates/git-credentials.ctmpl.j2"),
    ),
];

/// The template set: embedded templates, each replaceable by a file of the same name.
pub struct Templates {
    sources: BTreeMap<String, String>,
    /// Where each template came from, for messages.
    origins: BTreeMap<String, String>,
}

impl Templates {
    /// The embedded templates.
    pub fn embedded() -> Self {
        let mut t = Templates {
            sources: BTreeMap::new(),
            origins: BTreeMap::new(),
        };
        for (name, text) in EMBEDDED {
            t.sources.insert((*name).to_owned(), (*text).to_owned());
            t.origins
                .insert((*name).to_owned(), format!("templates/{name}"));
        }
        t
    }

    /// Replaces embedded templates by the files of `dir` with the same names; other files in
    /// `dir` that end in `.j2` are added (for new macros or includes).
    pub fn override_from(&mut self, dir: &Path) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".j2") || !entry.file_type()?.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(entry.path())?;
            self.origins
                .insert(name.clone(), entry.path().display().to_string());
            self.sources.insert(name, text);
        }
        Ok(())
    }

    fn environment(&self) -> Environment<'_> {
        let mut env = Environment::new();
        let syntax = SyntaxConfig::builder()
            .block_delimiters("{%", "%}")
            .variable_delimiters("{=", "=}")
            .comment_delimiters("{*", "*}")
            .build()
            .expect("the delimiters are distinct");
        env.set_syntax(syntax);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.add_filter("hcl", |v: Value| hcl_value(&v, false));
        env.add_filter("hcl_config", |v: Value| hcl_value(&v, true));
        env.add_filter("sh", |s: String| escape::shell_quote(&s));
        env.add_filter("go", |s: String| escape::go_string(&s));
        env.add_filter("ct", |s: String| escape::consul_template_text(&s));
        env.add_filter("json", |s: String| {
            serde_json::to_string(&s).expect("strings serialize")
        });
        for (name, text) in &self.sources {
            // Syntax errors surface when the template is used, with its location.
            let _ = env.add_template(name.as_str(), text.as_str());
        }
        env
    }
}

/// Renders a value as HCL: strings quoted and escaped, lists and numbers literally.
fn hcl_value(v: &Value, config: bool) -> Result<String, Error> {
    match v.kind() {
        ValueKind::String => {
            let s = v.as_str().unwrap_or_default();
            Ok(if config {
                escape::hcl_quote(&escape::nomad_config_escape(s))
            } else {
                escape::hcl_quote(s)
            })
        }
        ValueKind::Number | ValueKind::Bool => Ok(v.to_string()),
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Result<Vec<String>, Error> =
                v.try_iter()?.map(|x| hcl_value(&x, config)).collect();
            Ok(format!("[{}]", items?.join(", ")))
        }
        _ => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("cannot write {} as an HCL value", v.kind()),
        )),
    }
}

/// One rendered phase: the HCL jobspec and the job decoded from it, which [`crate::emit`]
/// writes in each output format.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The phase.
    pub phase: Phase,
    /// The HCL jobspec.
    pub hcl: String,
    /// The decoded job (`{"Job": ...}`).
    pub job: JobRegisterRequest,
    /// Every task of the job with its role, as the plan asked the template for them.
    pub tasks: Vec<PlannedTask>,
}

impl Rendered {
    /// The role of task `task` in group `group`, as the plan declared it.
    pub fn role(&self, group: &str, task: &str) -> Option<Role> {
        self.tasks
            .iter()
            .find(|t| t.group == group && t.task == task)
            .map(|t| t.role)
    }
}

/// A template set compiled once and used for every phase and file.
pub struct Renderer<'t> {
    templates: &'t Templates,
    env: Environment<'t>,
}

impl<'t> Renderer<'t> {
    /// Compiles the templates.
    pub fn new(templates: &'t Templates) -> Self {
        Renderer {
            templates,
            env: templates.environment(),
        }
    }

    /// Renders and decodes one phase for the newest Nomad release the tool knows. Template
    /// errors point into the template; decode errors into the rendered text (both are added
    /// to `sources`).
    pub fn render_phase(
        &self,
        ctx: &PhaseCtx,
        sources: &mut Sources,
    ) -> Result<Rendered, Vec<Finding>> {
        self.render_phase_for(ctx, NomadVersion::newest_known(), sources)
    }

    /// Renders and decodes one phase; the decoder refuses what Nomad `target` lacks.
    pub fn render_phase_for(
        &self,
        ctx: &PhaseCtx,
        target: NomadVersion,
        sources: &mut Sources,
    ) -> Result<Rendered, Vec<Finding>> {
        render_phase(self.templates, &self.env, ctx, target, sources)
    }
}

fn render_phase(
    templates: &Templates,
    env: &Environment<'_>,
    ctx: &PhaseCtx,
    target: NomadVersion,
    sources: &mut Sources,
) -> Result<Rendered, Vec<Finding>> {
    let name = ctx.phase.template();
    let hcl = env
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map(|text| tidy(&text))
        .map_err(|e| vec![template_finding(templates, &e, sources)])?;
    let rendered_name = format!(
        "{}.{}.nomad.hcl (rendered from {})",
        ctx.pipeline, ctx.phase, templates.origins[name]
    );
    let file = sources.add(rendered_name, hcl.clone());
    let job = jobspec::decode_for(&hcl, file, target)?;
    // Rules over the job as Nomad will see it (a template override may add what ours never do).
    let problems = crate::rules::check_rendered(ctx.phase, &job.job, file, &hcl);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Rendered {
        phase: ctx.phase,
        hcl,
        job,
        tasks: ctx.tasks.clone(),
    })
}

fn template_finding(templates: &Templates, e: &Error, sources: &mut Sources) -> Finding {
    let name = e.name().unwrap_or("template").to_owned();
    let text = templates.sources.get(&name).cloned().unwrap_or_default();
    let origin = templates.origins.get(&name).cloned().unwrap_or(name);
    let file = sources.add(origin, text.clone());
    let span = e.range().unwrap_or(0..0);
    let mut detail = e
        .detail()
        .map_or_else(|| e.kind().to_string(), str::to_owned);
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        detail.push_str(&format!(": {c}"));
        cause = c.source();
    }
    crate::rules::template_error::RULE.finding(file, span, format!("template error: {detail}"))
        .label(e.kind().to_string())
        .help("templates use {% %} for statements, {= =} for values and {* *} for comments; undefined values are errors")
}

/// Lays rendered HCL out the way `nomad fmt` would: one blank line at most, none just inside
/// braces, and the `=` of consecutive one-line attributes aligned. Heredocs are left as they are.
pub fn tidy(hcl: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut frozen: Vec<bool> = Vec::new();
    let mut heredoc: Option<String> = None;
    for raw in hcl.lines() {
        if let Some(end) = &heredoc {
            if raw.trim() == end {
                heredoc = None;
            }
            lines.push(raw.to_owned());
            frozen.push(true);
            continue;
        }
        let line = raw.trim_end();
        if let Some(pos) = line.rfind("<<") {
            let tag = line[pos + 2..].trim_start_matches('-');
            if !tag.is_empty() && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                heredoc = Some(tag.to_owned());
            }
        }
        let blank = line.is_empty();
        let prev_blank_or_open = lines
            .last()
            .is_none_or(|p| p.is_empty() || p.ends_with('{') || p.ends_with('['));
        if blank && prev_blank_or_open {
            continue;
        }
        let closes = matches!(line.trim_start(), "}" | "}," | "]" | "],");
        if closes && lines.last().is_some_and(String::is_empty) {
            lines.pop();
            frozen.pop();
        }
        lines.push(line.to_owned());
        frozen.push(false);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    align(&mut lines, &frozen);
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Splits `  key = value` into (indent, key, value) when the value fits on the line.
fn attribute(line: &str) -> Option<(usize, &str, &str)> {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    let key_len = if let Some(q) = rest.strip_prefix('"') {
        let mut escaped = false;
        let end = q.char_indices().find(|&(_, c)| {
            let done = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            done
        })?;
        end.0 + 2
    } else {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))?
    };
    let (key, after) = rest.split_at(key_len);
    let value = after.trim_start().strip_prefix('=')?.trim_start();
    if key.is_empty() || value.is_empty() || value.ends_with('{') || value.ends_with('[') {
        return None;
    }
    Some((indent, key, value))
}

fn align(lines: &mut [String], frozen: &[bool]) {
    let open = |k: usize| !frozen.get(k).copied().unwrap_or(false);
    let mut i = 0;
    while i < lines.len() {
        let Some((indent, _, _)) = attribute(&lines[i]).filter(|_| open(i)) else {
            i += 1;
            continue;
        };
        let mut j = i;
        let mut width = 0;
        while j < lines.len() {
            match attribute(&lines[j]).filter(|_| open(j)) {
                Some((ind, key, _)) if ind == indent => width = width.max(key.chars().count()),
                _ => break,
            }
            j += 1;
        }
        for line in &mut lines[i..j] {
            let (ind, key, value) = attribute(line).expect("checked above");
            let pad = width - key.chars().count();
            *line = format!("{}{key}{} = {value}", " ".repeat(ind), " ".repeat(pad));
        }
        i = j;
    }
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn tidy_aligns_and_drops_extra_blank_lines() {
        let input = "job \"x\" {\n\n  a = 1\n  long_name = \"v = w\"\n  \"k.e\\\"y\" = 2\n\n\n  b {\n    c = 3\n\n  }\n}\n\n";
        let want = "job \"x\" {\n  a         = 1\n  long_name = \"v = w\"\n  \"k.e\\\"y\"  = 2\n\n  b {\n    c = 3\n  }\n}\n";
        assert_eq!(tidy(input), want);
    }

    #[test]
    fn tidy_leaves_heredocs_alone() {
        let input = "a = <<EOT\n\n\n  x   = 1\nEOT\nbb = 2\n";
        assert_eq!(tidy(input), "a = <<EOT\n\n\n  x   = 1\nEOT\nbb = 2\n");
    }
}
