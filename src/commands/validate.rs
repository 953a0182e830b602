//! `nomad-build validate [FILE|DIR|-]...`: every problem in every file.

use std::io::Write;

use super::{command_line, plural, report, usage_error, var_inputs};
use crate::cli::{Deny, ReportFormat, ValidateArgs};
use crate::compile::{self, CompileOptions};
use crate::diag::{self, Color};

/// Exit 0 when no file has an error (nor a warning with `--deny warnings`), else 1.
pub(super) fn run(a: &ValidateArgs, color: Color) -> u8 {
    let files = compile::expand_paths(&a.files);
    if files.is_empty() {
        return usage_error(
            "no build.hcl files found",
            "pass files or directories that contain build.hcl",
        );
    }
    let policy = match super::load_policy(a.policy.policy.as_deref(), color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let opts = CompileOptions {
        policy,
        vars: var_inputs(&a.vars),
        fallback_run_id: Some("validate".to_owned()),
        command_line: Some(command_line()),
        command: "nomad-build validate",
        nomad_version: a.target.nomad_version.clone(),
        ..Default::default()
    };
    let results = compile::validate_files(&files, a.stdin_filename.as_deref(), &opts);
    if a.format != ReportFormat::Human {
        let text = match a.format {
            ReportFormat::Json => diag::report::json_all(&results),
            ReportFormat::Sarif => diag::report::sarif_all(&results),
            _ => diag::report::github_all(&results),
        };
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
        let all = results.iter().flat_map(|(_, f)| f);
        let errors = all.clone().filter(|f| f.is_error()).count();
        let warnings = all
            .filter(|f| f.severity == diag::Severity::Warning)
            .count();
        return u8::from(errors > 0 || (warnings > 0 && a.deny == Some(Deny::Warnings)));
    }
    let (mut errors, mut warnings) = (0, 0);
    for (sources, mut findings) in results {
        let (e, w) = report(&mut findings, &sources, color);
        errors += e;
        warnings += w;
    }
    let failed = errors > 0 || (warnings > 0 && a.deny == Some(Deny::Warnings));
    if errors + warnings > 0 {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{}: {} and {} in {}",
            if failed { "failed" } else { "passed" },
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(files.len(), "file")
        );
    }
    u8::from(failed)
}
