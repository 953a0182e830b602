//! Stage 5, emit: atomic files in a directory, or `--check` against what is on disk.

use std::io::Write;
use std::path::{Path, PathBuf};

use similar::TextDiff;

/// One output file.
#[derive(Debug, Clone)]
pub struct Output {
    /// File name inside the output directory.
    pub name: String,
    /// Contents.
    pub text: String,
}

/// Writes every output into `dir` (created if missing), each through a temporary file and a
/// rename, so a reader never sees a partial file. Files not in `outputs` are not touched.
pub fn write_all(dir: &Path, outputs: &[Output]) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    // Stage everything first: if any write fails, nothing is renamed into place.
    let mut staged = Vec::new();
    for o in outputs {
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.", o.name))
            .tempfile_in(dir)?;
        tmp.write_all(o.text.as_bytes())?;
        tmp.as_file().sync_all()?;
        staged.push((tmp, dir.join(&o.name)));
    }
    let mut written = Vec::new();
    for (tmp, path) in staged {
        tmp.persist(&path).map_err(|e| e.error)?;
        written.push(path);
    }
    Ok(written)
}

/// Compares outputs with the files in `dir`; returns a unified diff per stale or missing file.
pub fn check(dir: &Path, outputs: &[Output]) -> Vec<String> {
    let mut diffs = Vec::new();
    for o in outputs {
        let path = dir.join(&o.name);
        let (old, missing) = match std::fs::read(&path) {
            Ok(bytes) => (String::from_utf8_lossy(&bytes).into_owned(), false),
            Err(_) => (String::new(), true),
        };
        if !missing && old == o.text {
            continue;
        }
        let shown = path.display().to_string();
        let old_name = if missing {
            "/dev/null".to_owned()
        } else {
            format!("a/{shown}")
        };
        let diff = TextDiff::from_lines(&old, &o.text)
            .unified_diff()
            .context_radius(3)
            .header(&old_name, &format!("b/{shown}"))
            .to_string();
        diffs.push(diff);
    }
    diffs
}
