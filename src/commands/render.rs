//! `nomad-build render`: every phase's job as HCL and JSON, on standard output or in files.

use std::io::Write;

use super::{compile_command, plural, undeclared_phase, usage_error};
use crate::cli::{Format, RenderArgs};
use crate::diag::Color;
use crate::emit;

/// Exit 0 when written (or up to date with `--check`), 1 on errors or stale files, 2 on usage.
pub(super) fn run(a: &RenderArgs, color: Color) -> u8 {
    let format = a.format.unwrap_or(if a.out_dir.is_some() {
        Format::Both
    } else {
        Format::Hcl
    });
    if a.out_dir.is_none() && format == Format::Both {
        return usage_error(
            "`--format both` needs `-o DIR`",
            "pick `--format hcl` or `--format json` for standard output",
        );
    }
    let compiled = match compile_command(
        "nomad-build render",
        &a.file,
        a.stdin_filename.as_deref(),
        &a.compile,
        color,
        "written",
    ) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let selected = match compiled.select(&a.phase) {
        Ok(s) => s,
        Err(missing) => return undeclared_phase(&compiled, missing),
    };
    let selected: Vec<_> = selected
        .into_iter()
        .filter_map(|p| compiled.phase(p))
        .collect();
    let Some(dir) = &a.out_dir else {
        if selected.len() != 1 {
            let first = compiled.declared().first().map_or("build", |p| p.name());
            return usage_error(
                "standard output takes exactly one phase",
                &format!("add `--phase {first}`, or write files with `-o DIR`"),
            );
        }
        return match emit::to_stdout(selected[0], format) {
            Ok(()) => 0,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
            Err(e) => {
                eprintln!("error: cannot write to standard output: {e}");
                1
            }
        };
    };
    let outputs = emit::outputs(&compiled.pipeline, &selected, format);
    if a.check {
        let diffs = emit::check(dir, &outputs);
        if diffs.is_empty() {
            return 0;
        }
        let mut out = std::io::stdout().lock();
        for d in &diffs {
            let _ = out.write_all(d.as_bytes());
        }
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{} out of date; run `nomad-build render -o {}` to update",
            plural(diffs.len(), "file"),
            dir.display()
        );
        return 1;
    }
    match emit::write_all(dir, &outputs) {
        Ok(paths) => {
            let mut err = std::io::stderr().lock();
            for p in paths {
                let _ = writeln!(err, "wrote {}", p.display());
            }
            0
        }
        Err(e) => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "error: cannot write into `{}`: {e}", dir.display());
            1
        }
    }
}
