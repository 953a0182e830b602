//! The use cases under every front end (the commands and the MCP server), typed in and typed
//! out: no clap, no rmcp, no printing.
//!
//! * [`open`]: read and compile a build.hcl, keeping the loaded file for its spans;
//! * [`connect`]: the cluster connection (environment, flags, the jobs' namespace and region),
//!   the version check and the wording of a refused token;
//! * [`events`]: what a run reports while it goes ([`events::Observer`]);

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::compile::{self, CompileOptions, Compiled};
use crate::diag::{Finding, Sources};
use crate::load::Loaded;
use crate::placement::BuildFile;
use crate::render::Renderer;

pub mod connect;
pub mod events;

/// Where the build.hcl comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file (`-`: standard input, shown as `stdin_name`).
    Path {
        /// The file.
        path: PathBuf,
        /// The name standard input is shown as.
        stdin_name: Option<String>,
    },
    /// Text already read (the MCP server reads below its root), shown as `name`, living at
    /// `path` (its directory is asked for git facts).
    Text {
        /// How diagnostics name the file.
        name: String,
        /// Where the file is (or would be).
        path: PathBuf,
        /// Its text.
        text: String,
    },
}

impl Source {
    /// A file on disk.
    pub fn path(path: impl Into<PathBuf>) -> Source {
        Source::Path {
            path: path.into(),
            stdin_name: None,
        }
    }

    fn location(&self) -> &Path {
        match self {
            Source::Path { path, .. } | Source::Text { path, .. } => path,
        }
    }
}

/// What to open.
#[derive(Debug, Clone)]
pub struct Input {
    /// The build.hcl.
    pub source: Source,
    /// `--templates DIR`: templates replacing the embedded ones of the same name.
    pub templates: Option<PathBuf>,
}

/// A build.hcl that compiled without errors.
#[derive(Debug)]
pub struct Opened {
    /// The sources the findings point into, the build.hcl among them.
    pub sources: Sources,
    /// Every phase's job.
    pub compiled: Compiled,
    /// The loaded file: its spans point at the settings behind each job field.
    pub loaded: Loaded,
    /// The warnings and notes of the compile, unsorted.
    pub findings: Vec<Finding>,
}

/// A build.hcl that did not compile (or could not be read).
#[derive(Debug)]
pub struct Failed {
    /// The sources the findings point into.
    pub sources: Sources,
    /// Every finding, at least one of them an error.
    pub findings: Vec<Finding>,
}

impl Failed {
    /// How many errors.
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count().max(1)
    }
}

/// Reads and compiles a build.hcl exactly as `render` does: the operator policy of `options`
/// decides whether `input.templates` may be used (a `policy-templates` finding at the flag
/// when not); findings about flags point into `options.command_line`.
///
/// # Errors
/// [`Failed`] with every finding when the file cannot be read or has an error.
pub fn open(input: &Input, options: &CompileOptions) -> Result<Opened, Box<Failed>> {
    let mut sources = Sources::default().with_command_line(options.command_line.clone());
    let fail = |sources, findings| Err(Box::new(Failed { sources, findings }));
    let id = match &input.source {
        Source::Path { path, stdin_name } => {
            match compile::read(&mut sources, path, stdin_name.as_deref()) {
                Ok(id) => id,
                Err(f) => return fail(sources, vec![*f]),
            }
        }
        Source::Text { name, text, .. } => sources.add(name.clone(), text.clone()),
    };
    if let (Some(dir), Some(policy)) = (&input.templates, &options.policy) {
        if !policy.allows_templates() {
            let (cmd, span) = sources.flag_span("--templates", &dir.display().to_string());
            let f = policy.templates_refused(cmd, span);
            return fail(sources, vec![f]);
        }
    }
    let templates = match compile::templates(input.templates.as_deref(), &mut sources) {
        Ok(t) => t,
        Err(f) => return fail(sources, vec![*f]),
    };
    let renderer = Renderer::new(&templates);
    let (compiled, findings) = compile::compile_loaded(
        &mut sources,
        id,
        input.source.location(),
        options,
        &renderer,
    );
    match compiled {
        Some((compiled, loaded)) if !findings.iter().any(Finding::is_error) => Ok(Opened {
            sources,
            compiled,
            loaded,
            findings,
        }),
        _ => fail(sources, findings),
    }
}

impl Opened {
    /// sha256 of the build.hcl's bytes, as the jobs' `nomad-build.source` meta carries it.
    pub fn source_sha256(&self) -> String {
        let text = &self.sources.get(self.loaded.file).text;
        format!("{:x}", Sha256::digest(text.as_bytes()))
    }

    /// The build.hcl with what explains Nomad's placement failures of its jobs in its terms.
    pub fn build_file(&self) -> BuildFile<'_> {
        BuildFile {
            sources: &self.sources,
            loaded: &self.loaded,
            compiled: &self.compiled,
        }
    }

    /// The job of the first phase: its namespace and region are the run's.
    pub fn first_job(&self) -> &crate::nomad::model::Job {
        &self.compiled.phases[0].job.job
    }
}
