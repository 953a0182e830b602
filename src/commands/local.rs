//! `nomad-build local`: run the compiled phases on this machine.

use std::io::Write;

use super::{compile_command, undeclared_phase};
use crate::cli::LocalArgs;
use crate::diag::Color;
use crate::local::{self, LocalError, LocalOptions, Workdir};

/// Exit 0 when every task passed, else the failing task's exit code (1 for our own errors).
pub(super) fn run(a: &LocalArgs, color: Color) -> u8 {
    let compiled =
        match compile_command("nomad-build local", &a.file, None, &a.compile, color, "run") {
            Ok(c) => c,
            Err(code) => return code,
        };
    let phases = match compiled.select(&a.phase) {
        Ok(p) => p,
        Err(missing) => return undeclared_phase(&compiled, missing),
    };
    let unplanned = local::unplanned_tasks(&compiled, &phases);
    if !unplanned.is_empty() {
        for e in &unplanned {
            eprintln!("error: {e}");
        }
        eprintln!("failed: nothing was run");
        return 1;
    }
    let secrets = match &a.secrets {
        None => serde_json::Map::new(),
        Some(path) => match local::load_secrets(path) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        },
    };
    let missing: Vec<(String, String)> = local::needed_secrets(&compiled, &phases, a.clone)
        .into_iter()
        .filter(|(p, _)| !secrets.contains_key(p))
        .collect();
    if let Some((first, _)) = missing.first() {
        for (path, task) in &missing {
            let e = LocalError::MissingSecret {
                path: path.clone(),
                task: task.clone(),
            };
            eprintln!("error: {e}");
        }
        eprintln!("hint: pass `--secrets FILE` with a JSON object such as {{\"{first}\": {{\"username\": \"...\", \"password\": \"...\"}}}}");
        return 1;
    }
    let workdir = match Workdir::new(a.workdir.as_deref()) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("hint: {}", e.hint());
            eprintln!("failed: nothing was run");
            return 1;
        }
    };
    // storage.conf needs an absolute graph root; the directory may not exist yet.
    let cache_dir = match a
        .cache_dir
        .as_deref()
        .map(|d| std::fs::create_dir_all(d).and_then(|()| std::path::absolute(d)))
    {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            eprintln!("error: cannot use the cache directory: {e}");
            return 1;
        }
    };
    let lopts = LocalOptions {
        secrets,
        workdir: workdir.path().to_path_buf(),
        clone: a.clone,
        source_dir: local::source_dir(&a.file),
        cache_dir,
    };
    let mut out = std::io::stdout().lock();
    let results = local::run(&compiled, &phases, &lopts, &mut out);
    let _ = writeln!(out);
    let _ = write!(out, "{}", local::summary(&results));
    if a.keep || a.workdir.is_some() {
        let _ = writeln!(out, "work directory: {}", workdir.path().display());
    }
    if a.keep {
        workdir.keep();
    }
    local::exit_code(&results)
}
