//! Machine-readable reports of findings, for `validate --format json|sarif|github`.
//!
//! * [`json`]: the document `terraform validate -json` prints (format version 1.0, the shape
//!   of terraform's `views/json.Diagnostic`), each diagnostic with its `rule` id added. As in
//!   terraform, an empty range is widened to one byte, `snippet.code` holds the whole lines of
//!   the range and the highlight offsets are bytes into it; notes have severity `note` and
//!   count neither as errors nor as warnings;
//! * [`sarif`]: a SARIF 2.1.0 log with one run, whose driver lists every catalogued rule (id,
//!   name, summary, docs, default level) and whose results give the message with its `help:`
//!   line, the primary place with its label, and the related places;
//! * [`github`]: GitHub Actions workflow commands (`::error file=…,title=<rule>::message`,
//!   `::warning`, `::notice` for notes), one a line, escaped as `@actions/core` escapes them.
//!
//! Each takes one file's findings with the [`Sources`] they point into; the `*_all` variants
//! take every file's, as [`crate::cli::validate_files`] returns them, and make one document.
//! Findings are reported in the order of [`diag::sort`], exact duplicates once, like the human
//! output. Lines are 1-based and columns are 1-based counts of characters (Unicode scalar
//! values), as [`Sources::line_col`] gives them; ends are exclusive.

use serde::Serialize;
use serde_json::{json, Value};

use crate::diag::{self, FileId, Finding, Severity, Sources};
use crate::rules::{self, severity_name, Rule};

/// The `$schema` of the SARIF logs: the OASIS schema of SARIF 2.1.0 with errata 01.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `terraform validate -json` document of one file's findings.
pub fn json(findings: &[Finding], sources: &Sources) -> String {
    json_files([(sources, findings)])
}

/// The `terraform validate -json` document of every file's findings.
pub fn json_all(files: &[(Sources, Vec<Finding>)]) -> String {
    json_files(files.iter().map(|(s, f)| (s, f.as_slice())))
}

/// SARIF 2.1.0 of one file's findings.
pub fn sarif(findings: &[Finding], sources: &Sources) -> String {
    sarif_files([(sources, findings)])
}

/// SARIF 2.1.0 of every file's findings, in one run.
pub fn sarif_all(files: &[(Sources, Vec<Finding>)]) -> String {
    sarif_files(files.iter().map(|(s, f)| (s, f.as_slice())))
}

/// GitHub workflow commands for one file's findings.
pub fn github(findings: &[Finding], sources: &Sources) -> String {
    github_files([(sources, findings)])
}

/// GitHub workflow commands for every file's findings.
pub fn github_all(files: &[(Sources, Vec<Finding>)]) -> String {
    github_files(files.iter().map(|(s, f)| (s, f.as_slice())))
}

/// Each file's findings, sorted and without exact duplicates.
fn sorted<'a>(
    files: impl IntoIterator<Item = (&'a Sources, &'a [Finding])>,
) -> Vec<(&'a Sources, Vec<Finding>)> {
    files
        .into_iter()
        .map(|(sources, findings)| {
            let mut findings = findings.to_vec();
            diag::sort(&mut findings);
            (sources, findings)
        })
        .collect()
}

/// The finding's text with its `help:` line, each with its control characters escaped
/// ([`diag::escape_controls`]).
fn message_with_help(f: &Finding) -> String {
    let message = escape(&f.message);
    match &f.help {
        Some(help) => format!("{message}\nhelp: {}", escape(help)),
        None => message,
    }
}

/// A text shown to a person, with control and bidirectional formatting characters escaped:
/// JSON escapes only C0 controls, and a consumer prints what it decodes.
fn escape(s: &str) -> String {
    diag::escape_controls(s).into_owned()
}

/// The largest char boundary of `text` at or before `i`, clamped to the text.
fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

// ---------------------------------------------------------------------------------------------
// terraform validate -json

/// `terraform validate -json`'s top-level object (terraform's `views.ValidateJSON`).
#[derive(Serialize)]
struct JsonOutput {
    format_version: &'static str,
    valid: bool,
    error_count: usize,
    warning_count: usize,
    diagnostics: Vec<JsonDiagnostic>,
}

/// One diagnostic, as terraform's `views/json.Diagnostic`, with `rule` in place of its
/// (omitted) `address`.
#[derive(Serialize)]
struct JsonDiagnostic {
    severity: &'static str,
    summary: String,
    detail: String,
    rule: &'static str,
    range: JsonRange,
    snippet: JsonSnippet,
}

/// A start-inclusive, end-exclusive range.
#[derive(Serialize)]
struct JsonRange {
    filename: String,
    start: JsonPos,
    end: JsonPos,
}

/// 1-based line and character column, 0-based byte offset.
#[derive(Serialize)]
struct JsonPos {
    line: usize,
    column: usize,
    byte: usize,
}

/// The source lines of the range; the highlight offsets are bytes into `code`, as terraform
/// computes them.
#[derive(Serialize)]
struct JsonSnippet {
    context: Option<String>,
    code: String,
    start_line: usize,
    highlight_start_offset: usize,
    highlight_end_offset: usize,
    values: [Value; 0],
}

fn json_files<'a>(files: impl IntoIterator<Item = (&'a Sources, &'a [Finding])>) -> String {
    let mut out = JsonOutput {
        format_version: "1.0",
        valid: true,
        error_count: 0,
        warning_count: 0,
        diagnostics: Vec::new(),
    };
    for (sources, findings) in sorted(files) {
        for f in &findings {
            match f.severity {
                Severity::Error => {
                    out.error_count += 1;
                    out.valid = false;
                }
                Severity::Warning => out.warning_count += 1,
                Severity::Note => {}
            }
            out.diagnostics.push(json_diagnostic(f, sources));
        }
    }
    let mut text = serde_json::to_string_pretty(&out).expect("the report serializes");
    text.push('\n');
    text
}

fn json_diagnostic(f: &Finding, sources: &Sources) -> JsonDiagnostic {
    let file = sources.get(f.file);
    let start = f.primary.span.start;
    let (line, column) = sources.line_col(f.file, start);
    let start_pos = JsonPos {
        line,
        column,
        byte: start,
    };
    // Like terraform, an empty range is widened to one byte (and column) so that there is
    // something to highlight.
    let end_pos = if f.primary.span.end <= start {
        JsonPos {
            line,
            column: column + 1,
            byte: start + 1,
        }
    } else {
        let end = f.primary.span.end;
        let (line, column) = sources.line_col(f.file, end);
        JsonPos {
            line,
            column,
            byte: end,
        }
    };
    let (code, code_start, offset) = code_lines(&file.text, start_pos.byte, end_pos.byte);
    // The snippet is shown to people too: escaped, with the highlight moved to match.
    let code = diag::escape_source(&code);
    JsonDiagnostic {
        severity: severity_name(f.severity),
        summary: escape(&f.message),
        detail: f.help.as_deref().map(escape).unwrap_or_default(),
        rule: f.rule,
        snippet: JsonSnippet {
            context: None,
            start_line: sources.line_col(f.file, code_start).0,
            highlight_start_offset: code.offset(offset(start_pos.byte)),
            highlight_end_offset: code.offset(offset(end_pos.byte)),
            code: code.text.into_owned(),
            values: [],
        },
        range: JsonRange {
            filename: escape(&file.name),
            start: start_pos,
            end: end_pos,
        },
    }
}

/// The whole lines of `text` that the non-empty byte range `start..end` touches, joined by
/// `\n` without their line terminators (`\n` or `\r\n`); the byte where they start; and a
/// map from a byte offset of `text` to the matching offset in the lines, clamped to them.
fn code_lines(text: &str, start: usize, end: usize) -> (String, usize, impl Fn(usize) -> usize) {
    let start = floor_boundary(text, start);
    let last = floor_boundary(text, end.saturating_sub(1).max(start));
    let first = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let stop = text[last..].find('\n').map_or(text.len(), |i| last + i);
    let raw = &text[first..stop];
    let mut code = String::with_capacity(raw.len());
    // Offsets into `raw` of the `\r`s left out of `code`.
    let mut dropped = Vec::new();
    let mut at = 0;
    for (i, line) in raw.split('\n').enumerate() {
        if i > 0 {
            code.push('\n');
        }
        match line.strip_suffix('\r') {
            Some(kept) => {
                code.push_str(kept);
                dropped.push(at + kept.len());
            }
            None => code.push_str(line),
        }
        at += line.len() + 1;
    }
    let (len, raw_len) = (code.len(), raw.len());
    let offset = move |byte: usize| {
        let rel = byte.saturating_sub(first).min(raw_len);
        let before = dropped.iter().filter(|&&d| d < rel).count();
        (rel - before).min(len)
    };
    (code, first, offset)
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0

/// `error`, `warning` or `note`: SARIF's level names are the severities'.
fn sarif_level(s: Severity) -> &'static str {
    severity_name(s)
}

/// A SARIF rule `name` (an identifier) from a kebab-case id: `invalid-duration` →
/// `InvalidDuration`.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// The `## What it checks` section of a rule's docs, without its heading.
fn what_it_checks(r: &Rule) -> String {
    let doc = r.doc_text();
    let mut lines = doc
        .lines()
        .skip_while(|l| *l != "## What it checks")
        .skip(1);
    let mut section = Vec::new();
    for line in lines.by_ref() {
        if line.starts_with("## ") {
            break;
        }
        section.push(line);
    }
    let text = section.join("\n").trim().to_owned();
    if text.is_empty() {
        r.summary.to_owned()
    } else {
        text
    }
}

/// The reportingDescriptor of a catalogued rule.
fn sarif_rule(r: &Rule) -> Value {
    let doc = r.doc_text();
    json!({
        "id": r.id,
        "name": pascal_case(r.id),
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": what_it_checks(r) },
        "help": { "text": doc, "markdown": doc },
        "defaultConfiguration": { "level": sarif_level(r.severity) },
    })
}

/// A file name as a URI reference: RFC 3986 path characters are kept, the rest (spaces,
/// `%`, `:`, `?`, `#`, non-ASCII…) percent-encoded byte by byte.
fn uri_reference(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A SARIF region: lines and character columns, and the byte range.
fn sarif_region(sources: &Sources, file: FileId, span: &std::ops::Range<usize>) -> Value {
    let end = span.end.max(span.start);
    let (start_line, start_column) = sources.line_col(file, span.start);
    let (end_line, end_column) = sources.line_col(file, end);
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
        "byteOffset": span.start,
        "byteLength": end - span.start,
    })
}

/// A SARIF location of a label: the file, the region, and the label's text when it has one.
fn sarif_location(sources: &Sources, file: FileId, label: &diag::Label) -> Value {
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri_reference(&sources.get(file).name) },
            "region": sarif_region(sources, file, &label.span),
        },
    });
    if !label.text.is_empty() {
        location["message"] = json!({ "text": escape(&label.text) });
    }
    location
}

fn sarif_files<'a>(files: impl IntoIterator<Item = (&'a Sources, &'a [Finding])>) -> String {
    let files = sorted(files);
    let mut ids: Vec<&'static str> = rules::all().iter().map(|r| r.id).collect();
    let mut descriptors: Vec<Value> = rules::all().iter().map(sarif_rule).collect();
    let mut results = Vec::new();
    for (sources, findings) in &files {
        for f in findings {
            let index = match ids.iter().position(|id| *id == f.rule) {
                Some(i) => i,
                None => {
                    // A rule not (yet) in the catalogue: its id, without docs.
                    ids.push(f.rule);
                    descriptors.push(json!({ "id": f.rule, "name": pascal_case(f.rule) }));
                    ids.len() - 1
                }
            };
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": index,
                "level": sarif_level(f.severity),
                "message": { "text": message_with_help(f) },
                "locations": [sarif_location(sources, f.file, &f.primary)],
            });
            if !f.secondary.is_empty() {
                result["relatedLocations"] = f
                    .secondary
                    .iter()
                    .map(|l| sarif_location(sources, f.file, l))
                    .collect();
            }
            results.push(result);
        }
    }
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "nomad-build",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": descriptors,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).expect("the log serializes");
    text.push('\n');
    text
}

// ---------------------------------------------------------------------------------------------
// GitHub workflow commands

/// Escapes a command's message (`%`, CR, LF), as `@actions/core` does.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value: as [`escape_data`], and `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github_files<'a>(files: impl IntoIterator<Item = (&'a Sources, &'a [Finding])>) -> String {
    let mut out = String::new();
    for (sources, findings) in sorted(files) {
        for f in &findings {
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "notice",
            };
            let span = &f.primary.span;
            let (line, col) = sources.line_col(f.file, span.start);
            let (end_line, end_column) = sources.line_col(f.file, span.end.max(span.start));
            out.push_str(&format!(
                "::{command} file={},line={line},col={col},endLine={end_line},endColumn={end_column},title={}::{}\n",
                escape_property(&escape(&sources.get(f.file).name)),
                escape_property(f.rule),
                escape_data(&message_with_help(f)),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One file with a few findings: multi-byte characters, a multi-line range, an empty
    /// range, CRLF lines, a rule outside the catalogue and a pseudo-source.
    fn sample() -> (Sources, Vec<Finding>) {
        let mut sources = Sources::default();
        let text = "pipeline \"é\" {\r\n  build {\r\n    timeout = \"1d\"\r\n  }\r\n}";
        let file = sources.add("dir/build.hcl", text);
        let cmd = sources.add("command line", "--run-id Bad,Id");
        let timeout = text.find("\"1d\"").expect("timeout");
        let build = text.find("build {").expect("build");
        let block_end = text.find("  }").expect("block end") + 3;
        let findings = vec![
            Finding::new(
                "invalid-duration",
                Severity::Error,
                file,
                timeout..timeout + 4,
                "`1d` is not a duration",
            )
            .label("unknown unit `d` in duration")
            .help("use `24h`"),
            Finding::new(
                "not-a-catalogued-rule",
                Severity::Warning,
                file,
                build..block_end,
                "odd: 100%, really",
            )
            .label("this block")
            .also(0..8, "the pipeline"),
            Finding::new(
                "privileged-needs-client-opt-in",
                Severity::Note,
                file,
                text.len()..text.len(),
                "at the end",
            ),
            Finding::new(
                "invalid-run-id",
                Severity::Error,
                cmd,
                9..15,
                "`Bad,Id` is not a valid run id",
            ),
            // An exact duplicate is reported once.
            Finding::new(
                "invalid-run-id",
                Severity::Error,
                cmd,
                9..15,
                "`Bad,Id` is not a valid run id",
            ),
        ];
        (sources, findings)
    }

    #[test]
    fn json_is_terraform_validate_json_with_rule_ids() {
        let (sources, findings) = sample();
        let expected = r#"{
  "format_version": "1.0",
  "valid": false,
  "error_count": 2,
  "warning_count": 1,
  "diagnostics": [
    {
      "severity": "warning",
      "summary": "odd: 100%, really",
      "detail": "",
      "rule": "not-a-catalogued-rule",
      "range": {
        "filename": "dir/build.hcl",
        "start": {
          "line": 2,
          "column": 3,
          "byte": 19
        },
        "end": {
          "line": 4,
          "column": 4,
          "byte": 51
        }
      },
      "snippet": {
        "context": null,
        "code": "  build {\n    timeout = \"1d\"\n  }",
        "start_line": 2,
        "highlight_start_offset": 2,
        "highlight_end_offset": 32,
        "values": []
      }
    },
    {
      "severity": "error",
      "summary": "`1d` is not a duration",
      "detail": "use `24h`",
      "rule": "invalid-duration",
      "range": {
        "filename": "dir/build.hcl",
        "start": {
          "line": 3,
          "column": 15,
          "byte": 42
        },
        "end": {
          "line": 3,
          "column": 19,
          "byte": 46
        }
      },
      "snippet": {
        "context": null,
        "code": "    timeout = \"1d\"",
        "start_line": 3,
        "highlight_start_offset": 14,
        "highlight_end_offset": 18,
        "values": []
      }
    },
    {
      "severity": "note",
      "summary": "at the end",
      "detail": "",
      "rule": "privileged-needs-client-opt-in",
      "range": {
        "filename": "dir/build.hcl",
        "start": {
          "line": 5,
          "column": 2,
          "byte": 54
        },
        "end": {
          "line": 5,
          "column": 3,
          "byte": 55
        }
      },
      "snippet": {
        "context": null,
        "code": "}",
        "start_line": 5,
        "highlight_start_offset": 1,
        "highlight_end_offset": 1,
        "values": []
      }
    },
    {
      "severity": "error",
      "summary": "`Bad,Id` is not a valid run id",
      "detail": "",
      "rule": "invalid-run-id",
      "range": {
        "filename": "command line",
        "start": {
          "line": 1,
          "column": 10,
          "byte": 9
        },
        "end": {
          "line": 1,
          "column": 16,
          "byte": 15
        }
      },
      "snippet": {
        "context": null,
        "code": "--run-id Bad,Id",
        "start_line": 1,
        "highlight_start_offset": 9,
        "highlight_end_offset": 15,
        "values": []
      }
    }
  ]
}
"#;
        assert_eq!(json(&findings, &sources), expected);
    }

    #[test]
    fn json_of_nothing_is_valid_with_an_empty_array() {
        let expected = "{\n  \"format_version\": \"1.0\",\n  \"valid\": true,\n  \"error_count\": 0,\n  \"warning_count\": 0,\n  \"diagnostics\": []\n}\n";
        assert_eq!(json(&[], &Sources::default()), expected);
        assert_eq!(json_all(&[]), expected);
    }

    #[test]
    fn json_columns_count_characters_and_bytes_stay_bytes() {
        let mut sources = Sources::default();
        let text = "a = \"ééé\" # x\n";
        let file = sources.add("build.hcl", text);
        let x = text.find('x').expect("x");
        let out = json(
            &[Finding::new(
                "syntax-error",
                Severity::Error,
                file,
                x..x + 1,
                "x",
            )],
            &sources,
        );
        let v: Value = serde_json::from_str(&out).expect("JSON");
        let d = &v["diagnostics"][0];
        assert_eq!(
            d["range"]["start"],
            json!({"line": 1, "column": 13, "byte": 15})
        );
        assert_eq!(
            d["range"]["end"],
            json!({"line": 1, "column": 14, "byte": 16})
        );
        assert_eq!(d["snippet"]["code"], "a = \"ééé\" # x");
        assert_eq!(d["snippet"]["highlight_start_offset"], 15);
        assert_eq!(d["snippet"]["highlight_end_offset"], 16);
    }

    #[test]
    fn json_snippet_of_a_range_ending_in_a_newline_stops_at_that_line() {
        let mut sources = Sources::default();
        let file = sources.add("build.hcl", "one\ntwo\nthree\n");
        let out = json(
            &[Finding::new(
                "syntax-error",
                Severity::Error,
                file,
                4..8,
                "x",
            )],
            &sources,
        );
        let v: Value = serde_json::from_str(&out).expect("JSON");
        let d = &v["diagnostics"][0];
        assert_eq!(
            d["range"]["end"],
            json!({"line": 3, "column": 1, "byte": 8})
        );
        assert_eq!(d["snippet"]["code"], "two");
        assert_eq!(d["snippet"]["start_line"], 2);
        assert_eq!(d["snippet"]["highlight_start_offset"], 0);
        assert_eq!(d["snippet"]["highlight_end_offset"], 3);
    }

    #[test]
    fn json_all_merges_files_into_one_document() {
        let (a, fa) = sample();
        let mut b = Sources::default();
        let file = b.add("other/build.hcl", "x");
        let fb = vec![Finding::new(
            "test-without-command",
            Severity::Warning,
            file,
            0..1,
            "w",
        )];
        let out = json_all(&[(a, fa), (b, fb)]);
        let v: Value = serde_json::from_str(&out).expect("JSON");
        assert_eq!(v["error_count"], 2);
        assert_eq!(v["warning_count"], 2);
        let names: Vec<&str> = v["diagnostics"]
            .as_array()
            .expect("array")
            .iter()
            .map(|d| d["range"]["filename"].as_str().expect("name"))
            .collect();
        assert_eq!(
            names,
            [
                "dir/build.hcl",
                "dir/build.hcl",
                "dir/build.hcl",
                "command line",
                "other/build.hcl"
            ]
        );
    }

    fn sarif_validator() -> jsonschema::Validator {
        let schema: Value =
            serde_json::from_str(include_str!("../../tests/sarif/sarif-schema-2.1.0.json"))
                .expect("the schema is JSON");
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the schema compiles")
    }

    fn assert_valid_sarif(text: &str) -> Value {
        let log: Value = serde_json::from_str(text).expect("SARIF is JSON");
        let errors: Vec<String> = sarif_validator()
            .iter_errors(&log)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        log
    }

    #[test]
    fn sarif_is_valid_and_lists_every_rule() {
        let (sources, findings) = sample();
        let log = assert_valid_sarif(&sarif(&findings, &sources));
        assert_eq!(log["$schema"], SARIF_SCHEMA);
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "nomad-build");
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        let descriptors = driver["rules"].as_array().expect("rules");
        // Every catalogued rule, then the one outside the catalogue.
        assert_eq!(descriptors.len(), rules::all().len() + 1);
        for (d, r) in descriptors.iter().zip(rules::all()) {
            assert_eq!(d["id"], r.id);
            assert_eq!(d["shortDescription"]["text"], r.summary);
            assert_eq!(d["help"]["markdown"], r.doc_text());
            assert_eq!(
                d["defaultConfiguration"]["level"],
                severity_name(r.severity)
            );
        }
        let duration = rules::get("invalid-duration").expect("catalogued");
        let d = &descriptors[rules::all()
            .iter()
            .position(|r| r.id == duration.id)
            .expect("in")];
        assert_eq!(d["name"], "InvalidDuration");
        assert!(d["fullDescription"]["text"]
            .as_str()
            .expect("text")
            .starts_with("`build.timeout` and each `test.timeout` parse as positive Go durations"));
        assert_eq!(
            descriptors.last().expect("last"),
            &json!({"id": "not-a-catalogued-rule", "name": "NotACataloguedRule"})
        );
        let results = run["results"].as_array().expect("results");
        let summary: Vec<(&str, &str)> = results
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().expect("id"),
                    r["level"].as_str().expect("level"),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("not-a-catalogued-rule", "warning"),
                ("invalid-duration", "error"),
                ("privileged-needs-client-opt-in", "note"),
                ("invalid-run-id", "error"),
            ]
        );
        for r in results {
            let i = usize::try_from(r["ruleIndex"].as_u64().expect("index")).expect("usize");
            assert_eq!(descriptors[i]["id"], r["ruleId"]);
        }
        assert_eq!(run["columnKind"], "unicodeCodePoints");
    }

    #[test]
    fn sarif_result_locations() {
        let (sources, findings) = sample();
        let log = assert_valid_sarif(&sarif(&findings, &sources));
        let results = &log["runs"][0]["results"];
        assert_eq!(
            results[1],
            json!({
                "ruleId": "invalid-duration",
                "ruleIndex": rules::all().iter().position(|r| r.id == "invalid-duration").expect("in"),
                "level": "error",
                "message": { "text": "`1d` is not a duration\nhelp: use `24h`" },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": "dir/build.hcl" },
                        "region": {
                            "startLine": 3, "startColumn": 15, "endLine": 3, "endColumn": 19,
                            "byteOffset": 42, "byteLength": 4,
                        },
                    },
                    "message": { "text": "unknown unit `d` in duration" },
                }],
            })
        );
        // Related places; a label-less location has no message.
        assert_eq!(
            results[0]["relatedLocations"],
            json!([{
                "physicalLocation": {
                    "artifactLocation": { "uri": "dir/build.hcl" },
                    "region": {
                        "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 9,
                        "byteOffset": 0, "byteLength": 8,
                    },
                },
                "message": { "text": "the pipeline" },
            }])
        );
        // An empty range is an insertion point.
        assert_eq!(
            results[2]["locations"][0]["physicalLocation"]["region"],
            json!({
                "startLine": 5, "startColumn": 2, "endLine": 5, "endColumn": 2,
                "byteOffset": 54, "byteLength": 0,
            })
        );
        assert!(results[2]["locations"][0].get("message").is_none());
        // A pseudo-source keeps its name, as a URI reference.
        assert_eq!(
            results[3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "command%20line"
        );
    }

    #[test]
    fn the_schema_rejects_what_sarif_forbids() {
        let (sources, findings) = sample();
        let mut log: Value = serde_json::from_str(&sarif(&findings, &sources)).expect("JSON");
        log["runs"][0]["results"][0]["level"] = json!("fatal");
        log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
            json!(0);
        assert_eq!(sarif_validator().iter_errors(&log).count(), 2);
    }

    #[test]
    fn sarif_of_nothing_is_valid() {
        let log = assert_valid_sarif(&sarif(&[], &Sources::default()));
        assert_eq!(log["runs"][0]["results"], json!([]));
        assert_valid_sarif(&sarif_all(&[sample()]));
    }

    #[test]
    fn uri_references_encode_what_is_not_a_path_character() {
        assert_eq!(
            uri_reference("services/api/build.hcl"),
            "services/api/build.hcl"
        );
        assert_eq!(uri_reference("/abs/a b/build.hcl"), "/abs/a%20b/build.hcl");
        assert_eq!(uri_reference("c:100%#?é"), "c%3A100%25%23%3F%C3%A9");
    }

    #[test]
    fn github_commands() {
        let (sources, findings) = sample();
        let expected = "\
::warning file=dir/build.hcl,line=2,col=3,endLine=4,endColumn=4,title=not-a-catalogued-rule::odd: 100%25, really
::error file=dir/build.hcl,line=3,col=15,endLine=3,endColumn=19,title=invalid-duration::`1d` is not a duration%0Ahelp: use `24h`
::notice file=dir/build.hcl,line=5,col=2,endLine=5,endColumn=2,title=privileged-needs-client-opt-in::at the end
::error file=command line,line=1,col=10,endLine=1,endColumn=16,title=invalid-run-id::`Bad,Id` is not a valid run id
";
        assert_eq!(github(&findings, &sources), expected);
        assert_eq!(github(&[], &Sources::default()), "");
    }

    #[test]
    fn github_escaping() {
        assert_eq!(escape_data("a%b\r\nc: d, e"), "a%25b%0D%0Ac: d, e");
        assert_eq!(escape_property("a%b\r\nc: d, e"), "a%25b%0D%0Ac%3A d%2C e");
        let mut sources = Sources::default();
        let file = sources.add("we,ird:name%.hcl", "x");
        let out = github(
            &[Finding::new(
                "syntax-error",
                Severity::Error,
                file,
                0..1,
                "bad\nthing\u{1b}[2J",
            )
            .help("fix it")],
            &sources,
        );
        // A message is one line: a newline in it (from a value) is escaped like any control
        // character; the line before `help:` is the command's own.
        assert_eq!(
            out,
            "::error file=we%2Cird%3Aname%25.hcl,line=1,col=1,endLine=1,endColumn=2,title=syntax-error::bad\\u{a}thing\\u{1b}[2J%0Ahelp: fix it\n"
        );
    }

    #[test]
    fn pascal_case_names() {
        assert_eq!(pascal_case("invalid-duration"), "InvalidDuration");
        assert_eq!(pascal_case("vault-path-not-kv2"), "VaultPathNotKv2");
    }
}
