//! The rule catalogue: every check nomad-build makes, with a stable id, a severity and docs.
//!
//! This is the check stage (load → **check** → plan → render → decode → emit): [`check`] runs
//! every semantic rule over a loaded file, then [`suppress`] applies the file's suppression
//! comments.
//!
//! Each rule is a file of this module, named after its id (`test-without-command` →
//! `test_without_command.rs`), listed once in `registry!` below. The file declares the rule with
//! [`declare_rule!`], whose doc comment is the rule's documentation (`## What it checks`,
//! `## Why it matters`, `## Example`), and, for the semantic rules of the check stage, holds the
//! check itself as `pub(super) fn check(cx: &mut Cx<'_>)`. Rules checked elsewhere (the
//! loader's structural checks, the compiler driver, the planner, the renderer and the jobspec
//! decoder) have a file too, whose docs say where the check runs.
//!
//! Every finding is made through its rule's handle, `<rule>::RULE.finding(...)`: the id and the
//! severity come from the catalogue, so a finding of an unregistered rule, or with another
//! severity than the catalogue's, cannot be written. [`all`] lists every rule, sorted by id;
//! `docs/rules.md` is generated from it by [`markdown`].

use std::ops::Range;

use crate::config::{Credentials, Pipeline};
use crate::diag::{FileId, Finding, Severity};
use crate::hcl::eval::child;
use crate::load::Loaded;

/// One rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable kebab-case id, shown with every diagnostic.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Whether a suppression comment may silence it: every warning and note, and the errors
    /// of heuristics that can be false positives (`suppressible: true` in [`declare_rule!`]);
    /// never an error that means the jobs would be wrong or unparseable.
    pub suppressible: bool,
    /// Whether it guards a secret or a privilege (`security: true` in [`declare_rule!`]):
    /// under an operator policy a suppression comment in build.hcl does not silence it, so
    /// that the author of the file cannot switch it off (`--deny warnings` stays meaningful).
    pub security: bool,
    /// One line: what it checks.
    pub summary: &'static str,
    /// Markdown: what it checks, why it matters, an example. The lines of the rule's doc
    /// comment as written, each still starting with the space that follows `///`; see
    /// [`Rule::doc_text`].
    pub doc: &'static str,
}

impl Rule {
    /// The doc as markdown: [`Rule::doc`] without the leading space of each line.
    pub fn doc_text(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// A finding of this rule, with the rule's severity.
    pub fn finding(&self, file: FileId, span: Range<usize>, message: impl Into<String>) -> Finding {
        Finding::new(self.id, self.severity, file, span, message)
    }
}

/// `error`, `warning` or `note`.
pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Declares a rule: a documented unit struct and `pub const RULE: Rule`, whose `doc` is the
/// doc comment.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $name:ident {
            id: $id:literal,
            severity: $severity:ident,
            $(suppressible: $suppressible:literal,)?
            $(security: $security:literal,)?
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        /// The rule's id, severity, summary and docs (those of the struct above).
        pub const RULE: $crate::rules::Rule = $crate::rules::Rule {
            id: $id,
            severity: $crate::diag::Severity::$severity,
            suppressible: {
                let heuristic = false $(|| $suppressible)?;
                heuristic || !matches!($crate::diag::Severity::$severity, $crate::diag::Severity::Error)
            },
            security: false $(|| $security)?,
            summary: $summary,
            doc: concat!($($doc, "\n"),*),
        };
    };
}

/// Registers every rule: its module (one file, named after the id) and, for the rules of the
/// check stage, the function that checks it. This list is the only place a rule is added; it
/// must stay sorted by id (a unit test checks it).
macro_rules! registry {
    ($($module:ident $(=> $check:ident)?,)*) => {
        $(pub mod $module;)*

        /// Every rule, sorted by id.
        static RULES: &[Rule] = &[$($module::RULE,)*];

        /// The rules of the check stage with their checks, sorted by id.
        static CHECKS: &[(&Rule, fn(&mut Cx<'_>))] = &[$($((&$module::RULE, $module::$check),)?)*];
    };
}

registry! {
    attribute_expected,
    block_expected,
    buildah_user,
    credentials_without_vault => check,
    disk_below_log_budget => check,
    duplicate_attribute,
    duplicate_block,
    duplicate_key,
    duplicate_label,
    empty_cache => check,
    env_value_interpolated => check,
    extra_label,
    file_unreadable,
    forbidden_job_field,
    fuse_with_vfs => check,
    insecure_public_registry => check,
    insecure_registry_docker_pull => check,
    invalid_constraint => check,
    invalid_credential_field => check,
    invalid_datacenter => check,
    invalid_duration => check,
    invalid_env_name => check,
    invalid_expression,
    invalid_git_ref => check,
    invalid_glob,
    invalid_host_volume => check,
    invalid_image_reference => check,
    invalid_label_key => check,
    invalid_meta_key => check,
    invalid_namespace => check,
    invalid_node_snapshot,
    invalid_nomad_version,
    invalid_pipeline_name => check,
    invalid_region => check,
    invalid_registry_host => check,
    invalid_run_id,
    invalid_source_url => check,
    invalid_suppression,
    invalid_tag => check,
    invalid_test_name => check,
    invalid_value,
    invalid_var_flag,
    invalid_vault_path => check,
    literal_secret => check,
    missing_label,
    missing_pipeline,
    missing_required,
    missing_run_id,
    missing_source,
    missing_variable_value,
    multiple_pipelines,
    non_nfc_string => check,
    origin_url_credentials,
    overlay_without_backing => check,
    path_outside_repository => check,
    placement_driver_refuses,
    placement_exhausted,
    placement_filtered,
    placement_no_nodes,
    policy_credentials,
    policy_host_volume,
    policy_image,
    policy_namespace,
    policy_node_pool,
    policy_pipeline,
    policy_privileged,
    policy_templates,
    policy_vault_role,
    privileged_needs_client_opt_in => check,
    publish_without_tags => check,
    push_credentials_in_test => check,
    syntax_error,
    tag_shadows_staging => check,
    template_duplicate_field,
    template_error,
    template_field_too_new,
    template_ignored_field,
    template_invalid_duration,
    template_invalid_label,
    template_missing_field,
    template_output_syntax,
    template_type_mismatch,
    template_unknown_field,
    templates_unreadable,
    test_without_command => check,
    type_mismatch,
    undeclared_variable,
    undefined_variable,
    unknown_attribute,
    unknown_block,
    unknown_nomad_version,
    unprivileged_buildah => check,
    unsupported_expression,
    unused_suppression,
    value_out_of_range,
    var_file_unreadable,
    vault_audience_missing => check,
    vault_path_not_kv2 => check,
}

pub mod suppress;

pub use path_outside_repository::ImagePaths;

/// Every rule, sorted by id.
pub fn all() -> &'static [Rule] {
    RULES
}

/// The rule with this id.
pub fn get(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The check stage's word on a loaded file: its findings, and the file with what the rules
/// established about it, from which [`Report::into_checked`] makes the [`Checked`] file.
pub struct Report {
    /// Every finding of the semantic rules, in no particular order, without those that can
    /// only be consequences of a loader error ([`Loaded::masks`]).
    pub findings: Vec<Finding>,
    loaded: Loaded,
    image: Option<ImagePaths>,
}

/// A build.hcl in which neither the loader nor any check found an error: the only input
/// [`crate::plan::plan`] takes, so that planning never meets a value validation refused.
pub struct Checked {
    loaded: Loaded,
    image: ImagePaths,
}

/// Runs every semantic rule over a loaded file.
pub fn check(loaded: Loaded) -> Report {
    let (name, p) = loaded.pipeline();
    let mut cx = Cx {
        l: &loaded,
        name,
        p,
        base: child("/pipeline", name),
        out: Vec::new(),
        image: None,
    };
    for (_, check) in CHECKS {
        check(&mut cx);
    }
    let (mut findings, image) = (cx.out, cx.image);
    findings.retain(|f| !loaded.masks(f));
    Report {
        findings,
        loaded,
        image,
    }
}

impl Report {
    /// The loaded file.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// The checked file; `None` when the loader found an error, or when one of `findings` (this
    /// stage's and those of the stages after it: the policy's, the suppression comments') is
    /// an error.
    pub fn into_checked(self, findings: &[Finding]) -> Option<Checked> {
        if self.loaded.has_errors() || findings.iter().any(Finding::is_error) {
            return None;
        }
        self.bypassing_validation()
    }

    /// The file as checked, whatever the findings say: only for the tests that prove the
    /// stages after validation safe on their own (`tests/argv_injection.rs`). `None` when the
    /// image's paths leave the repository, which a plan cannot express.
    #[doc(hidden)]
    pub fn bypassing_validation(self) -> Option<Checked> {
        Some(Checked {
            loaded: self.loaded,
            image: self.image?,
        })
    }
}

impl Checked {
    /// The loaded file.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// The image's build context and Containerfile, inside the repository.
    pub fn image(&self) -> &ImagePaths {
        &self.image
    }

    /// The loaded file, kept for its spans once the jobs are planned.
    pub fn into_loaded(self) -> Loaded {
        self.loaded
    }
}

/// Runs the rules that look at a rendered job: `phase` is its phase, `src` the rendered HCL
/// jobspec (file `file`) that `job` was decoded from. Returns findings in no particular order.
pub fn check_rendered(
    phase: crate::phase::Phase,
    job: &crate::nomad::model::Job,
    file: FileId,
    src: &str,
) -> Vec<Finding> {
    buildah_user::check_rendered(phase.name(), job, file, src)
}

/// A table of every rule: id, severity and summary, one rule a line, columns aligned.
pub fn table() -> String {
    let mut rows = vec![["id".to_owned(), "severity".to_owned(), "summary".to_owned()]];
    rows.extend(RULES.iter().map(|r| {
        [
            r.id.to_owned(),
            severity_name(r.severity).to_owned(),
            r.summary.to_owned(),
        ]
    }));
    crate::text::table(&rows)
}

/// `docs/rules.md`: an index, then a section per rule with its severity, summary and docs.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Rules\n\n\
         <!-- Generated from the rule catalogue (`nomad-build rules`); regenerate with \
         `UPDATE_DOCS=1 cargo test --test rules`. -->\n\n\
         Every diagnostic of `nomad-build` names the rule that found it. Errors stop `render` \
         and fail `validate`; warnings fail `validate` only with `--deny warnings`; notes say \
         what a job needs from the cluster and never fail. A warning or note can be silenced \
         where it is accepted with `# nomad-build:ignore <rule-id> -- <reason>` on the line \
         above (or `# nomad-build:ignore-file <rule-id> -- <reason>` for the whole file).\n\n\
         | id | severity | summary |\n|---|---|---|\n",
    );
    for r in RULES {
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            r.id,
            r.id,
            severity_name(r.severity),
            r.summary.replace('|', "\\|")
        ));
    }
    for r in RULES {
        out.push_str(&format!(
            "\n## {}\n\n- severity: **{}**\n- summary: {}\n- can be suppressed: {}\n\n",
            r.id,
            severity_name(r.severity),
            r.summary,
            match (r.suppressible, r.security) {
                (false, _) => "no",
                (true, false) => "yes",
                (true, true) => "yes, except under an operator policy (a security rule)",
            }
        ));
        // The rule's own `##` sections sit one level below its heading here.
        let mut fenced = false;
        for line in r.doc_text().lines() {
            if line.starts_with("```") {
                fenced = !fenced;
            }
            if !fenced && line.starts_with("## ") {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// What a semantic rule sees: the loaded file, its pipeline, and where findings go.
///
/// Places are JSON pointers relative to the pipeline (`/build/timeout`); spans come from the
/// loader's span index, falling back to the nearest recorded ancestor.
struct Cx<'a> {
    l: &'a Loaded,
    name: &'a str,
    p: &'a Pipeline,
    base: String,
    out: Vec<Finding>,
    /// The image's paths, when [`path_outside_repository`] found them inside the repository.
    image: Option<ImagePaths>,
}

impl<'a> Cx<'a> {
    /// The absolute pointer of `rel`.
    fn ptr(&self, rel: &str) -> String {
        format!("{}{rel}", self.base)
    }

    /// The span of the value at `rel`.
    fn at(&self, rel: &str) -> Range<usize> {
        self.l.span(&self.ptr(rel))
    }

    /// The span of the name or block header at `rel`.
    fn key_at(&self, rel: &str) -> Range<usize> {
        self.l.key_span(&self.ptr(rel))
    }

    /// A finding of `rule` at the value of `rel`.
    fn finding(&self, rule: &Rule, rel: &str, message: impl Into<String>) -> Finding {
        rule.finding(self.l.file, self.at(rel), message)
    }

    /// A finding of `rule` at the name or block header of `rel`.
    fn finding_at_key(&self, rule: &Rule, rel: &str, message: impl Into<String>) -> Finding {
        rule.finding(self.l.file, self.key_at(rel), message)
    }

    /// Records a finding.
    fn push(&mut self, f: Finding) {
        self.out.push(f);
    }

    /// Every configured credential, with its pointer: the source's, then each registry's.
    fn credentials(&self) -> Vec<(String, &'a Credentials)> {
        let p: &'a Pipeline = self.p;
        let mut out = Vec::new();
        if let Some(c) = p.source.as_ref().and_then(|s| s.credentials.as_ref()) {
            out.push(("/source/credentials".to_owned(), c));
        }
        for (host, r) in &p.registry {
            if let Some(c) = &r.credentials {
                out.push((format!("/registry/{}/credentials", esc(host)), c));
            }
        }
        out
    }
}

/// Escapes a JSON-pointer token (`~` → `~0`, `/` → `~1`).
fn esc(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sources;
    use crate::load::{load, VarInputs};

    /// Loads `src` and runs the semantic rules.
    fn run(src: &str) -> Vec<Finding> {
        let mut sources = Sources::default();
        let file = sources.add("build.hcl", src);
        let (loaded, findings) = load(&mut sources, file, &VarInputs::default());
        let loaded = loaded.unwrap_or_else(|| panic!("{findings:?}"));
        check(loaded).findings
    }

    fn report(src: &str) -> Report {
        let mut sources = Sources::default();
        let file = sources.add("build.hcl", src);
        let (loaded, findings) = load(&mut sources, file, &VarInputs::default());
        check(loaded.unwrap_or_else(|| panic!("{findings:?}")))
    }

    const IMAGE: &str = "pipeline \"app\" {\n  source {\n    url = \"https://git.example.com/app.git\"\n  }\n  image {\n    repository = \"registry.example.com/app\"\n    context = \"services/../api\"\n    containerfile = \"CONTAINERFILE\"\n  }\n  build {}\n}\n";

    #[test]
    fn only_a_file_without_errors_is_checked() {
        let good = report(IMAGE);
        assert_eq!(good.findings, []);
        let checked = good.into_checked(&[]).expect("no errors");
        assert_eq!(
            checked.image(),
            &ImagePaths {
                context: "api".to_owned(),
                containerfile: Some("api/CONTAINERFILE".to_owned()),
            }
        );
        // An error of a later stage (the policy's, say) refuses the file as well.
        let later = report(IMAGE);
        let error = missing_source::RULE.finding(later.loaded().file, 0..1, "later");
        assert!(later.into_checked(&[error]).is_none());
        // A path the check refuses leaves nothing to plan from, even bypassing validation.
        let outside = report(&IMAGE.replace("CONTAINERFILE", "/etc/passwd"));
        assert_eq!(outside.findings.len(), 1, "{:?}", outside.findings);
        assert!(outside.into_checked(&[]).is_none());
    }

    #[test]
    fn rules_are_sorted_unique_and_kebab_case() {
        for w in RULES.windows(2) {
            assert!(w[0].id < w[1].id, "{} before {}", w[0].id, w[1].id);
        }
        for r in RULES {
            assert!(
                r.id.split('-').all(|p| !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{}",
                r.id
            );
        }
    }

    #[test]
    fn every_doc_has_the_three_sections_and_an_hcl_example() {
        for r in RULES {
            let doc = r.doc_text();
            let sections: Vec<&str> = doc.lines().filter(|l| l.starts_with("## ")).collect();
            assert_eq!(
                sections,
                ["## What it checks", "## Why it matters", "## Example"],
                "{}",
                r.id
            );
            let example = doc.split("## Example").nth(1).unwrap_or_default();
            assert!(example.contains("```hcl\n"), "{}: no hcl example", r.id);
            assert!(
                !r.summary.ends_with('.'),
                "{}: summary ends with a period",
                r.id
            );
        }
    }

    #[test]
    fn doc_text_strips_one_leading_space() {
        let r = Rule {
            id: "x",
            severity: Severity::Note,
            suppressible: true,
            security: false,
            summary: "x",
            doc: " a\n   indented\n\n",
        };
        assert_eq!(r.doc_text(), "a\n  indented\n\n");
    }

    #[test]
    fn semantic_rules_find_their_own_examples() {
        // Each checked rule's `## Example` triggers it (rules whose check runs elsewhere are
        // covered by fixtures and the tests of that stage).
        let checked = CHECKS.iter().map(|(rule, _)| **rule);
        for r in checked {
            let findings = run(&example(&r));
            let mine: Vec<&Finding> = findings.iter().filter(|f| f.rule == r.id).collect();
            assert!(
                !mine.is_empty(),
                "{}: example does not trigger it: {findings:?}",
                r.id
            );
            assert!(mine.iter().all(|f| f.severity == r.severity), "{}", r.id);
        }
    }

    /// The first `hcl` code block of a rule's docs.
    fn example(r: &Rule) -> String {
        let doc = r.doc_text();
        let after = doc.split("```hcl\n").nth(1).expect("an hcl example");
        after.split("```").next().unwrap_or_default().to_owned()
    }

    #[test]
    fn loader_rules_find_their_own_examples() {
        for r in [
            attribute_expected::RULE,
            block_expected::RULE,
            duplicate_attribute::RULE,
            duplicate_block::RULE,
            duplicate_key::RULE,
            duplicate_label::RULE,
            extra_label::RULE,
            invalid_expression::RULE,
            invalid_value::RULE,
            missing_label::RULE,
            missing_pipeline::RULE,
            missing_required::RULE,
            missing_variable_value::RULE,
            multiple_pipelines::RULE,
            syntax_error::RULE,
            type_mismatch::RULE,
            undefined_variable::RULE,
            unknown_attribute::RULE,
            unknown_block::RULE,
            unsupported_expression::RULE,
            value_out_of_range::RULE,
        ] {
            let mut sources = Sources::default();
            let file = sources.add("build.hcl", example(&r));
            let (_, findings) = load(&mut sources, file, &VarInputs::default());
            let want = r.id;
            assert!(
                findings
                    .iter()
                    .any(|f| f.rule == want && f.severity == r.severity),
                "{}: {findings:?}",
                r.id
            );
        }
    }

    #[test]
    fn decoder_rules_find_their_own_examples() {
        for r in [
            template_duplicate_field::RULE,
            template_ignored_field::RULE,
            template_invalid_duration::RULE,
            template_invalid_label::RULE,
            template_missing_field::RULE,
            template_output_syntax::RULE,
            template_type_mismatch::RULE,
            template_unknown_field::RULE,
            forbidden_job_field::RULE,
        ] {
            let findings = crate::nomad::jobspec::decode(&example(&r), 0).expect_err(r.id);
            assert!(
                findings.iter().any(|f| f.rule == r.id),
                "{}: {findings:?}",
                r.id
            );
        }
    }

    #[test]
    fn table_and_markdown_list_every_rule() {
        let t = table();
        let md = markdown();
        for r in RULES {
            assert!(
                t.lines().any(|l| l.starts_with(&format!("{} ", r.id))),
                "{}",
                r.id
            );
            assert!(md.contains(&format!("\n## {}\n", r.id)), "{}", r.id);
        }
        assert!(md.contains("\n### What it checks\n"));
        assert!(!md.contains("\n## What it checks\n"));
    }
}
