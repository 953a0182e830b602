//! The rule catalogue: every check nomad-build makes, with a stable id, a severity and docs.
//!
//! Each rule is a file of this module, named after its id (`test-without-command` →
//! `test_without_command.rs`). The file declares the rule with [`declare_rule!`], whose doc
//! comment is the rule's documentation (`## What it checks`, `## Why it matters`, `## Example`),
//! and, for the semantic rules of the validate stage, holds the check itself as
//! `pub(super) fn check(cx: &mut Cx<'_>)`. Rules checked elsewhere (the loader's structural
//! checks, the CLI, the planner, the renderer and the jobspec decoder) have a file too, whose
//! docs say where the check runs. [`all`] lists every rule, sorted by id; `docs/rules.md` is
//! generated from it by [`markdown`].

use std::ops::Range;

use crate::config::{Credentials, Pipeline};
use crate::diag::{FileId, Finding, Severity};
use crate::eval::child;
use crate::load::Loaded;

/// One rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable kebab-case id, shown with every diagnostic.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
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
        Finding {
            severity: self.severity,
            ..Finding::error(self.id, file, span, message)
        }
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
            summary: $summary,
            doc: concat!($($doc, "\n"),*),
        };
    };
}

pub mod attribute_expected;
pub mod block_expected;
pub mod buildah_user;
pub mod credentials_without_vault;
pub mod disk_below_log_budget;
pub mod duplicate_attribute;
pub mod duplicate_block;
pub mod duplicate_key;
pub mod duplicate_label;
pub mod env_value_interpolated;
pub mod extra_label;
pub mod file_unreadable;
pub mod forbidden_job_field;
pub mod fuse_with_vfs;
pub mod insecure_public_registry;
pub mod insecure_registry_docker_pull;
pub mod invalid_constraint;
pub mod invalid_credential_field;
pub mod invalid_datacenter;
pub mod invalid_duration;
pub mod invalid_expression;
pub mod invalid_image_reference;
pub mod invalid_namespace;
pub mod invalid_pipeline_name;
pub mod invalid_registry_host;
pub mod invalid_run_id;
pub mod invalid_suppression;
pub mod invalid_tag;
pub mod invalid_value;
pub mod invalid_var_flag;
pub mod literal_secret;
pub mod missing_label;
pub mod missing_pipeline;
pub mod missing_required;
pub mod missing_run_id;
pub mod missing_source;
pub mod missing_variable_value;
pub mod multiple_pipelines;
pub mod non_nfc_string;
pub mod overlay_without_backing;
pub mod privileged_needs_client_opt_in;
pub mod publish_without_tags;
pub mod syntax_error;
pub mod tag_shadows_staging;
pub mod template_duplicate_field;
pub mod template_error;
pub mod template_ignored_field;
pub mod template_invalid_duration;
pub mod template_invalid_label;
pub mod template_missing_field;
pub mod template_output_syntax;
pub mod template_type_mismatch;
pub mod template_unknown_field;
pub mod templates_unreadable;
pub mod test_without_command;
pub mod type_mismatch;
pub mod undeclared_variable;
pub mod undefined_variable;
pub mod unknown_attribute;
pub mod unknown_block;
pub mod unprivileged_buildah;
pub mod unsupported_expression;
pub mod unused_suppression;
pub mod value_out_of_range;
pub mod var_file_unreadable;
pub mod vault_audience_missing;
pub mod vault_path_not_kv2;

/// Every rule, sorted by id (a unit test checks the order).
static RULES: &[Rule] = &[
    attribute_expected::RULE,
    block_expected::RULE,
    buildah_user::RULE,
    credentials_without_vault::RULE,
    disk_below_log_budget::RULE,
    duplicate_attribute::RULE,
    duplicate_block::RULE,
    duplicate_key::RULE,
    duplicate_label::RULE,
    env_value_interpolated::RULE,
    extra_label::RULE,
    file_unreadable::RULE,
    forbidden_job_field::RULE,
    fuse_with_vfs::RULE,
    insecure_public_registry::RULE,
    insecure_registry_docker_pull::RULE,
    invalid_constraint::RULE,
    invalid_credential_field::RULE,
    invalid_datacenter::RULE,
    invalid_duration::RULE,
    invalid_expression::RULE,
    invalid_image_reference::RULE,
    invalid_namespace::RULE,
    invalid_pipeline_name::RULE,
    invalid_registry_host::RULE,
    invalid_run_id::RULE,
    invalid_suppression::RULE,
    invalid_tag::RULE,
    invalid_value::RULE,
    invalid_var_flag::RULE,
    literal_secret::RULE,
    missing_label::RULE,
    missing_pipeline::RULE,
    missing_required::RULE,
    missing_run_id::RULE,
    missing_source::RULE,
    missing_variable_value::RULE,
    multiple_pipelines::RULE,
    non_nfc_string::RULE,
    overlay_without_backing::RULE,
    privileged_needs_client_opt_in::RULE,
    publish_without_tags::RULE,
    syntax_error::RULE,
    tag_shadows_staging::RULE,
    template_duplicate_field::RULE,
    template_error::RULE,
    template_ignored_field::RULE,
    template_invalid_duration::RULE,
    template_invalid_label::RULE,
    template_missing_field::RULE,
    template_output_syntax::RULE,
    template_type_mismatch::RULE,
    template_unknown_field::RULE,
    templates_unreadable::RULE,
    test_without_command::RULE,
    type_mismatch::RULE,
    undeclared_variable::RULE,
    undefined_variable::RULE,
    unknown_attribute::RULE,
    unknown_block::RULE,
    unprivileged_buildah::RULE,
    unsupported_expression::RULE,
    unused_suppression::RULE,
    value_out_of_range::RULE,
    var_file_unreadable::RULE,
    vault_audience_missing::RULE,
    vault_path_not_kv2::RULE,
];

/// The checks of the validate stage, one per rule file that has one.
const CHECKS: &[fn(&mut Cx<'_>)] = &[
    credentials_without_vault::check,
    disk_below_log_budget::check,
    env_value_interpolated::check,
    fuse_with_vfs::check,
    insecure_public_registry::check,
    insecure_registry_docker_pull::check,
    invalid_constraint::check,
    invalid_credential_field::check,
    invalid_datacenter::check,
    invalid_duration::check,
    invalid_image_reference::check,
    invalid_namespace::check,
    invalid_pipeline_name::check,
    invalid_registry_host::check,
    invalid_tag::check,
    literal_secret::check,
    non_nfc_string::check,
    overlay_without_backing::check,
    privileged_needs_client_opt_in::check,
    publish_without_tags::check,
    tag_shadows_staging::check,
    test_without_command::check,
    unprivileged_buildah::check,
    vault_audience_missing::check,
    vault_path_not_kv2::check,
];

/// Every rule, sorted by id.
pub fn all() -> &'static [Rule] {
    RULES
}

/// The rule with this id.
pub fn get(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Runs every semantic rule over a loaded file; returns findings in no particular order.
pub fn check(l: &Loaded) -> Vec<Finding> {
    let (name, p) = l.pipeline();
    let mut cx = Cx {
        l,
        name,
        p,
        base: child("/pipeline", name),
        out: Vec::new(),
    };
    for check in CHECKS {
        check(&mut cx);
    }
    cx.out
}

/// Runs the rules that look at a rendered job: `phase` is its phase, `src` the rendered HCL
/// jobspec (file `file`) that `job` was decoded from. Returns findings in no particular order.
pub fn check_rendered(
    phase: &str,
    job: &crate::nomad::model::Job,
    file: FileId,
    src: &str,
) -> Vec<Finding> {
    buildah_user::check_rendered(phase, job, file, src)
}

/// A table of every rule: id, severity and summary, one rule a line, columns aligned.
pub fn table() -> String {
    let id_w = RULES.iter().map(|r| r.id.len()).max().unwrap_or(0).max(2);
    let sev_w = "severity".len();
    let mut out = format!("{:id_w$}  {:sev_w$}  summary\n", "id", "severity");
    for r in RULES {
        out.push_str(&format!(
            "{:id_w$}  {:sev_w$}  {}\n",
            r.id,
            severity_name(r.severity),
            r.summary
        ));
    }
    out
}

/// `docs/rules.md`: an index, then a section per rule with its severity, summary and docs.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Rules\n\n\
         <!-- Generated from src/rules/ by `rules::markdown()`; regenerate with \
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
            "\n## {}\n\n- severity: **{}**\n- summary: {}\n\n",
            r.id,
            severity_name(r.severity),
            r.summary
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
        check(&loaded)
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
            summary: "x",
            doc: " a\n   indented\n\n",
        };
        assert_eq!(r.doc_text(), "a\n  indented\n\n");
    }

    #[test]
    fn semantic_rules_find_their_own_examples() {
        // Each checked rule's `## Example` triggers it (rules whose check runs elsewhere are
        // covered by fixtures and the tests of that stage).
        let checked = [
            credentials_without_vault::RULE,
            disk_below_log_budget::RULE,
            env_value_interpolated::RULE,
            fuse_with_vfs::RULE,
            insecure_public_registry::RULE,
            insecure_registry_docker_pull::RULE,
            invalid_constraint::RULE,
            invalid_credential_field::RULE,
            invalid_datacenter::RULE,
            invalid_duration::RULE,
            invalid_image_reference::RULE,
            invalid_namespace::RULE,
            invalid_pipeline_name::RULE,
            invalid_registry_host::RULE,
            invalid_tag::RULE,
            literal_secret::RULE,
            non_nfc_string::RULE,
            overlay_without_backing::RULE,
            privileged_needs_client_opt_in::RULE,
            publish_without_tags::RULE,
            tag_shadows_staging::RULE,
            test_without_command::RULE,
            unprivileged_buildah::RULE,
            vault_audience_missing::RULE,
            vault_path_not_kv2::RULE,
        ];
        assert_eq!(checked.len(), CHECKS.len());
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
            let want = match r.id {
                // hcl-edit refuses a repeated attribute while parsing (see the rule's docs).
                "duplicate-attribute" => syntax_error::RULE.id,
                id => id,
            };
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
