//! The library entry point: [`compile`] runs load → check → plan → render → decode on one
//! build.hcl and returns every phase's job, or the findings that stop it.
//!
//! Every command that needs jobs (`render`, `local`, and the cluster commands) calls this one
//! function; `validate` calls it through [`validate_files`]. Nothing here knows about the
//! command line's types: options come in as plain data, results go out as [`Compiled`] and
//! [`Finding`]s, and printing is the caller's business.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use sha2::{Digest, Sha256};

use crate::config::Registry;
use crate::diag::{CommandLine, FileId, Finding, Sources};
use crate::hcl::eval::child;
use crate::load::Loaded;
use crate::load::{self, VarInputs};
use crate::phase::Phase;
use crate::plan::{self, GitInfo, PlanOptions};
use crate::render::{Rendered, Renderer, Templates};
use crate::rules;
use crate::target::{NomadVersion, MINIMUM};

/// What a compile needs besides the file.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// Variables.
    pub vars: VarInputs,
    /// Explicit run id.
    pub run_id: Option<String>,
    /// A run id to use instead of the git commit when there is no `--run-id` (validate).
    pub fallback_run_id: Option<String>,
    /// The invocation, so that findings about flags point into it; `None` for library callers.
    pub command_line: Option<CommandLine>,
    /// How the command is called (`nomad-build render`), shown when no run id can be found and
    /// the invocation is unknown.
    pub command: &'static str,
    /// The Nomad release to compile for when neither `--nomad-version` ([`Self::nomad_version`])
    /// nor the file's `nomad { version }` names one ([`crate::target::DEFAULT`]).
    pub target: NomadVersion,
    /// `--nomad-version` as given: the target, winning over the file's `nomad { version }`.
    pub nomad_version: Option<String>,
    /// A directory git may not look for a repository above (the MCP server's root); `None`:
    /// wherever git finds one.
    pub git_root: Option<PathBuf>,
    /// The operator policy (`--policy`): what build.hcl may choose.
    pub policy: Option<std::sync::Arc<crate::policy::Policy>>,
}

/// The result of compiling one file: every rendered phase when there is no error.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Pipeline name.
    pub pipeline: String,
    /// Rendered phases, in run order.
    pub phases: Vec<Rendered>,
    /// The pipeline's `registry` blocks, by host.
    pub registries: IndexMap<String, Registry>,
    /// The Nomad release the jobs were compiled for.
    pub target: NomadVersion,
}

impl Compiled {
    /// The rendered job of `phase`, if the pipeline declares it.
    pub fn phase(&self, phase: Phase) -> Option<&Rendered> {
        self.phases.iter().find(|r| r.phase == phase)
    }

    /// The declared phases, in run order.
    pub fn declared(&self) -> Vec<Phase> {
        self.phases.iter().map(|r| r.phase).collect()
    }

    /// `wanted` in run order without repeats, or every declared phase when `wanted` is empty;
    /// `Err` names a phase the pipeline does not declare.
    pub fn select(&self, wanted: &[Phase]) -> Result<Vec<Phase>, Phase> {
        if let Some(missing) = wanted.iter().find(|p| self.phase(**p).is_none()) {
            return Err(*missing);
        }
        if wanted.is_empty() {
            return Ok(self.declared());
        }
        Ok(Phase::ALL
            .into_iter()
            .filter(|p| wanted.contains(p))
            .collect())
    }
}

/// The embedded templates with `--templates DIR` applied; a finding when DIR is unreadable.
pub fn templates(dir: Option<&Path>, sources: &mut Sources) -> Result<Templates, Box<Finding>> {
    let mut templates = Templates::embedded();
    if let Some(dir) = dir {
        if let Err(e) = templates.override_from(dir) {
            let (cmd, span) = sources.flag_span("--templates", &dir.display().to_string());
            return Err(Box::new(
                rules::templates_unreadable::RULE
                    .finding(
                        cmd,
                        span,
                        format!("cannot read the template directory: {e}"),
                    )
                    .label("this directory"),
            ));
        }
    }
    Ok(templates)
}

/// Runs load → check → plan → render → decode on one file already in `sources`. `path` is
/// where the file lives (its directory is asked for git facts the file leaves open).
pub fn compile(
    sources: &mut Sources,
    file: FileId,
    path: &Path,
    opts: &CompileOptions,
    renderer: &Renderer<'_>,
) -> (Option<Compiled>, Vec<Finding>) {
    let (compiled, findings) = compile_loaded(sources, file, path, opts, renderer);
    (compiled.map(|(c, _)| c), findings)
}

/// [`compile`], keeping the loaded file beside the jobs (its spans point at the settings
/// behind each job field).
pub fn compile_loaded(
    sources: &mut Sources,
    file: FileId,
    path: &Path,
    opts: &CompileOptions,
    renderer: &Renderer<'_>,
) -> (Option<(Compiled, Loaded)>, Vec<Finding>) {
    let flag = opts
        .nomad_version
        .as_deref()
        .map(|text| check_flag_version(sources, text));
    let (loaded, mut findings) = load::load(sources, file, &opts.vars);
    if let Some(Err(f)) = &flag {
        findings.push((**f).clone());
    }
    let Some(loaded) = loaded else {
        return (None, findings);
    };
    // After a loader error, what the check stage says about a value the loader left out is
    // not news: the report leaves it out.
    let mut report = rules::check(loaded);
    findings.append(&mut report.findings);
    let loaded = report.loaded();
    let flag = flag.and_then(Result::ok);
    let target = resolve_target(loaded, flag, opts.target, &mut findings);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Spawning git is the slowest part of a compile: only ask it what the file leaves open,
    // and only once the file is known to be good (or a policy needs the origin).
    let needs_source = loaded
        .pipeline()
        .1
        .source
        .as_ref()
        .and_then(|s| s.url.as_ref())
        .is_none();
    let needs_run_id = opts.run_id.is_none() && opts.fallback_run_id.is_none();
    let discover = || {
        if needs_source || needs_run_id {
            GitInfo::discover(dir, opts.git_root.as_deref())
        } else {
            GitInfo::default()
        }
    };
    let mut git = None;
    if let Some(policy) = &opts.policy {
        let g = git.get_or_insert_with(discover);
        findings.extend(policy.check(loaded, g.origin.as_deref()));
    }
    rules::suppress::apply(sources, file, &mut findings, opts.policy.is_some());
    let Some(checked) = report.into_checked(&findings) else {
        return (None, findings);
    };
    let git = git.unwrap_or_else(discover);
    if needs_source {
        // After the suppressions: a comment in the file cannot silence these.
        findings.extend(git.origin_findings(sources));
        if findings.iter().any(Finding::is_error) {
            return (None, findings);
        }
    }
    let Some(run_id) = opts
        .run_id
        .clone()
        .or_else(|| opts.fallback_run_id.clone())
        .or_else(|| git.short.clone())
    else {
        let (cmd, span) = sources.command_span(if opts.command.is_empty() {
            "nomad-build"
        } else {
            opts.command
        });
        findings.push(
            rules::missing_run_id::RULE
                .finding(cmd, span, "no run id")
                .label("no --run-id, and the file is not in a git repository with a commit")
                .help("pass `--run-id ID` (`[a-z0-9][a-z0-9_.-]{0,40}`)"),
        );
        return (None, findings);
    };
    if !valid_run_id(&run_id) {
        let (cmd, span) = sources.flag_span("--run-id", &run_id);
        findings.push(
            rules::invalid_run_id::RULE
                .finding(cmd, span, format!("`{run_id}` is not a valid run id"))
                .label("must match `[a-z0-9][a-z0-9_.-]{0,40}`")
                .help("run ids appear in job IDs and image tags; use lowercase letters, digits, `_`, `.` and `-`"),
        );
        return (None, findings);
    }
    let source_sha256 = format!("{:x}", Sha256::digest(sources.get(file).text.as_bytes()));
    let popts = PlanOptions {
        run_id,
        source_sha256,
        git,
        target,
    };
    let ctxs = match plan::plan(&checked, &popts) {
        Ok(c) => c,
        Err(mut f) => {
            findings.append(&mut f);
            return (None, findings);
        }
    };
    let mut phases = Vec::new();
    for ctx in &ctxs {
        match renderer.render_phase_for(ctx, target, sources) {
            Ok(r) => phases.push(r),
            Err(mut f) => findings.append(&mut f),
        }
    }
    if findings.iter().any(Finding::is_error) {
        return (None, findings);
    }
    let (pipeline, p) = checked.loaded().pipeline();
    let compiled = Compiled {
        pipeline: pipeline.to_owned(),
        phases,
        registries: p.registry.clone(),
        target,
    };
    (Some((compiled, checked.into_loaded())), findings)
}

/// Where a target came from, for its diagnostics.
enum Origin {
    /// `--nomad-version`.
    Flag,
    /// `nomad { version }` in build.hcl.
    File,
}

impl Origin {
    /// How to write `version` where this target came from.
    fn written(&self, version: &str) -> String {
        match self {
            Origin::Flag => format!("`--nomad-version {version}`"),
            Origin::File => format!("`version = \"{version}\"`"),
        }
    }
}

/// A target as written (`text`, at `span` in `file`): the release, or the finding that says
/// why it is not one nomad-build can compile for.
fn parse_target(
    text: &str,
    file: FileId,
    span: std::ops::Range<usize>,
    origin: &Origin,
) -> Result<NomadVersion, Box<Finding>> {
    let rule = &rules::invalid_nomad_version::RULE;
    let v = text.parse::<NomadVersion>().map_err(|e| {
        Box::new(
            rule.finding(
                file,
                span.clone(),
                format!("`{text}` is not a Nomad version"),
            )
            .label(e.why)
            .help(format!(
                "name the oldest Nomad release the jobs must run on, for example {}",
                origin.written("1.10")
            )),
        )
    })?;
    if !v.is_supported() {
        let f = rule
            .finding(
                file,
                span,
                format!(
                    "nomad-build cannot compile for Nomad {v}: the oldest release it supports \
                     is {MINIMUM}"
                ),
            )
            .label(format!("older than {MINIMUM}"))
            .help(format!(
                "target Nomad {MINIMUM} or later ({}); the jobs then need a cluster and a \
                 `nomad` CLI of that release or newer",
                origin.written("1.9")
            ));
        return Err(Box::new(f));
    }
    Ok(v)
}

/// The warning for a target newer than every release nomad-build knows.
fn newer_than_known(v: NomadVersion, file: FileId, span: std::ops::Range<usize>) -> Finding {
    let newest = NomadVersion::newest_known();
    rules::unknown_nomad_version::RULE
        .finding(
            file,
            span,
            format!(
                "Nomad {v} is newer than every release nomad-build knows; compiling for {newest}"
            ),
        )
        .label(format!("the newest known release is {newest}"))
        .help(format!(
            "the jobs use only what Nomad {newest} has; a newer nomad-build may know what {v} adds"
        ))
}

/// `--nomad-version TEXT`, checked where it is on the command line.
fn check_flag_version(
    sources: &mut Sources,
    text: &str,
) -> Result<(NomadVersion, Option<Finding>), Box<Finding>> {
    let (cmd, span) = sources.flag_span("--nomad-version", text);
    let v = parse_target(text, cmd, span.clone(), &Origin::Flag)?;
    let warning = v
        .is_newer_than_known()
        .then(|| newer_than_known(v, cmd, span));
    Ok((v, warning))
}

/// The release the jobs are compiled for: `--nomad-version` (already checked: `flag`), else
/// the file's `nomad { version }`, else `fallback`; a release newer than every known one
/// compiles for the newest known. The file's `version` is checked even when the flag wins.
/// Findings go to `findings`; after an error the target does not matter (nothing is planned).
fn resolve_target(
    loaded: &Loaded,
    flag: Option<(NomadVersion, Option<Finding>)>,
    fallback: NomadVersion,
    findings: &mut Vec<Finding>,
) -> NomadVersion {
    let (name, p) = loaded.pipeline();
    let from_file = p.nomad.version.as_deref().map(|text| {
        let ptr = format!("{}/nomad/version", child("/pipeline", name));
        let span = loaded.span(&ptr);
        (
            parse_target(text, loaded.file, span.clone(), &Origin::File),
            span,
        )
    });
    let mut file_target = None;
    if let Some((result, span)) = from_file {
        match result {
            Ok(v) => file_target = Some((v, span)),
            Err(f) => findings.push(*f),
        }
    }
    let target = match (flag, file_target) {
        (Some((v, warning)), _) => {
            findings.extend(warning);
            v
        }
        (None, Some((v, span))) => {
            if v.is_newer_than_known() {
                findings.push(newer_than_known(v, loaded.file, span));
            }
            v
        }
        (None, None) => fallback,
    };
    target.for_output()
}

/// Whether `id` is a valid run id: `[a-z0-9][a-z0-9_.-]{0,40}`.
pub fn valid_run_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 41
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'-')
        })
}

/// Reads and compiles one file (`-` is standard input, shown as `stdin_name`) into its own
/// [`Sources`]. An unreadable file is a `file-unreadable` finding.
pub fn compile_file(
    path: &Path,
    stdin_name: Option<&str>,
    opts: &CompileOptions,
    renderer: &Renderer<'_>,
) -> (Sources, Option<Compiled>, Vec<Finding>) {
    let mut sources = Sources::default().with_command_line(opts.command_line.clone());
    match read(&mut sources, path, stdin_name) {
        Ok(id) => {
            let (compiled, findings) = compile(&mut sources, id, path, opts, renderer);
            (sources, compiled, findings)
        }
        Err(f) => (sources, None, vec![*f]),
    }
}

/// Reads `path` (`-` is standard input, shown as `stdin_name`) into `sources`; an unreadable
/// file is a `file-unreadable` finding at the argument that names it.
pub fn read(
    sources: &mut Sources,
    path: &Path,
    stdin_name: Option<&str>,
) -> Result<FileId, Box<Finding>> {
    match load::read_input(path, stdin_name) {
        Ok((name, text)) => Ok(sources.add(name, text)),
        Err(e) => {
            let shown = path.display().to_string();
            let (id, span) = sources.argument_span(&shown);
            Err(Box::new(
                rules::file_unreadable::RULE
                    .finding(id, span, format!("cannot read `{shown}`: {e}"))
                    .label("this file"),
            ))
        }
    }
}

/// Validates files, in parallel when there are many; returns every file's sources and
/// findings, in the order of `files`.
pub fn validate_files(
    files: &[PathBuf],
    stdin_name: Option<&str>,
    opts: &CompileOptions,
) -> Vec<(Sources, Vec<Finding>)> {
    let templates = Templates::embedded();
    let renderer = Renderer::new(&templates);
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(files.len())
        .max(1);
    if workers == 1 || files.len() < 8 {
        return files
            .iter()
            .map(|p| {
                let (s, _, f) = compile_file(p, stdin_name, opts, &renderer);
                (s, f)
            })
            .collect();
    }
    let chunk = files.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let renderer = &renderer;
                scope.spawn(move || {
                    part.iter()
                        .map(|p| {
                            let (s, _, f) = compile_file(p, stdin_name, opts, renderer);
                            (s, f)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a validation worker panicked"))
            .collect()
    })
}

/// Expands directories into the build.hcl files below them (sorted), skipping hidden
/// directories, `target` and `node_modules`; other paths are kept as they are. No symlink is
/// followed: a symlinked directory is kept as a path (reading it is then refused, see
/// [`load::fs`]), and a `build.hcl` below a directory that is a symlink or not a regular file
/// is listed, so that it is reported rather than skipped without a word.
pub fn expand_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
            let mut found = Vec::new();
            find_build_files(p, &mut found);
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn find_build_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let path = e.path();
        // `DirEntry::file_type` does not follow symlinks.
        match e.file_type() {
            Ok(t) if t.is_dir() => {
                let skipped = name.starts_with('.') || name == "target" || name == "node_modules";
                if !skipped {
                    find_build_files(&path, out);
                }
            }
            Ok(_) if name == "build.hcl" => out.push(path),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids() {
        assert!(valid_run_id("3f2a1c9") && valid_run_id("a_b.c-d"));
        assert!(!valid_run_id("") && !valid_run_id("Bad") && !valid_run_id("-x"));
        assert!(!valid_run_id(&"a".repeat(42)));
    }
}
