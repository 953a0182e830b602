//! The last stage, emit: a rendered phase in each output format ([`Format`]), named
//! `<pipeline>.<phase>.nomad.<ext>` ([`outputs`]), written to standard output, atomically into a
//! directory ([`write_all`]), or compared with what is on disk ([`check`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::load::fs::{self, OutDir};

use crate::render::Rendered;

/// An output format of a rendered job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// HCL jobspec (`nomad job run FILE`).
    Hcl,
    /// API JSON, `{"Job": ...}` (`nomad job run -json FILE`, `POST /v1/jobs`).
    Json,
    /// Both (only into a directory).
    Both,
}

impl Format {
    /// The single formats this one stands for, HCL first.
    fn parts(self) -> &'static [Format] {
        match self {
            Format::Hcl => &[Format::Hcl],
            Format::Json => &[Format::Json],
            Format::Both => &[Format::Hcl, Format::Json],
        }
    }

    /// The file extension of a single format.
    fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Hcl | Format::Both => "hcl",
        }
    }
}

/// The text of `r` in a single format (`Both` gives the HCL).
pub fn text(r: &Rendered, format: Format) -> String {
    match format {
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&r.job).expect("the model serializes");
            json.push('\n');
            json
        }
        Format::Hcl | Format::Both => r.hcl.clone(),
    }
}

/// The file name of `pipeline`'s phase `r` in a single format.
pub fn file_name(pipeline: &str, r: &Rendered, format: Format) -> String {
    format!("{pipeline}.{}.nomad.{}", r.phase, format.extension())
}

/// Every output file of `phases` in `format`, in phase order, HCL before JSON.
pub fn outputs(pipeline: &str, phases: &[&Rendered], format: Format) -> Vec<Output> {
    let mut out = Vec::new();
    for r in phases {
        for f in format.parts() {
            out.push(Output {
                name: file_name(pipeline, r, *f),
                text: text(r, *f),
            });
        }
    }
    out
}

/// Writes `r` in a single format to standard output.
pub fn to_stdout(r: &Rendered, format: Format) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text(r, format).as_bytes())?;
    out.flush()
}

/// One output file.
#[derive(Debug, Clone)]
pub struct Output {
    /// File name inside the output directory.
    pub name: String,
    /// Contents.
    pub text: String,
}

/// Writes every output into `dir` (created if missing), each through a temporary file and a
/// rename, so a reader never sees a partial file. Files not in `outputs` are not touched. No
/// symlink is followed: a symlink among the components of `dir` is refused (nothing is
/// written), one at an output's name is replaced by the file. Files get mode `0644` (less the
/// umask).
pub fn write_all(dir: &Path, outputs: &[Output]) -> std::io::Result<Vec<PathBuf>> {
    let out = OutDir::open(dir, true)?;
    let files: Vec<(&str, &[u8])> = outputs
        .iter()
        .map(|o| (o.name.as_str(), o.text.as_bytes()))
        .collect();
    out.write_all(&files)
}

/// Compares outputs with the files in `dir`; returns a unified diff per stale or missing file.
/// A file that is a symlink or not a regular file (or in a directory reached through a
/// symlink) is stale, and its contents are never read: its entry says so instead of a diff.
pub fn check(dir: &Path, outputs: &[Output]) -> Vec<String> {
    let out = OutDir::open(dir, false);
    let mut diffs = Vec::new();
    for o in outputs {
        let path = dir.join(&o.name);
        let shown = path.display().to_string();
        let read = match &out {
            Ok(d) => d.read(&o.name).map_err(|e| fs::refused(&e).cloned()),
            Err(e) => Err(fs::refused(e).cloned()),
        };
        let old = match read {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Err(Some(refused)) => {
                diffs.push(format!(
                    "{shown}: {refused}; refusing to compare (counted as out of date)\n"
                ));
                continue;
            }
            // Missing, or unreadable: compared as missing.
            Err(None) => None,
        };
        if old.as_deref() == Some(o.text.as_str()) {
            continue;
        }
        let old_name = if old.is_none() {
            "/dev/null".to_owned()
        } else {
            format!("a/{shown}")
        };
        let diff = TextDiff::from_lines(old.as_deref().unwrap_or(""), &o.text)
            .unified_diff()
            .context_radius(3)
            .header(&old_name, &format!("b/{shown}"))
            .to_string();
        diffs.push(diff);
    }
    diffs
}
