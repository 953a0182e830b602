//! `nomad-build` compiles a repository's `build.hcl` into one Nomad batch job per phase.
//!
//! [`compile::compile`] is the library entry point; its stages are visible in the module list
//! and run one way, in this order:
//!
//! 1. load ([`load`]: parse with hcl-edit (the shared HCL core is `hcl`), resolve variables,
//!    decode into [`config`]);
//! 2. check ([`rules`]: every semantic rule, every problem; then suppression comments; and the
//!    operator's [`policy`]): only a file without errors becomes a [`rules::Checked`];
//! 3. plan ([`plan`]: the template context of each [`phase`], from a `Checked` file);
//! 4. render ([`render`]: minijinja templates → HCL jobspec, quoting each value with
//!    [`escape`]);
//! 5. decode ([`nomad`]: the jobspec into the typed API model, checked against Nomad's rules);
//! 6. emit ([`emit`]: HCL or JSON, on standard output, atomic files or `--check`).
//!
//! [`target`] is the Nomad release the jobs are compiled for; [`diag`] holds findings and their
//! formats; `schema` is build.hcl's JSON Schema. [`commands`] are thin layers over the
//! library, one file a command, with [`cli`] their argument types; [`mcp`] serves the same
//! over MCP. [`app`] holds the use cases under the commands and the MCP server: opening a
//! build.hcl, the cluster connection, and the typed events of a run on the cluster.
//!
//! Running the jobs: [`local`] runs them on this machine; [`cluster`] submits them to Nomad
//! and follows them (`run`, `status`); [`placement`] says whether and why not they would be
//! placed (`plan`), with one result type and one explainer shared by `run`, `status` and
//! `plan`.
//!
//! Shared vocabulary, importing nothing of the crate or little: `duration` (Go durations,
//! read and written), `text` (tables, plurals, lists), [`lines`] (task output as lines),
//! [`redact`] (secrets kept out of output), `reference` (image references), `confine`
//! (paths kept inside the repository), `process_env` (the environment without panics).

pub mod app;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod compile;
pub mod config;
pub(crate) mod confine;
pub mod diag;
pub(crate) mod duration;
pub mod emit;
pub mod escape;
pub(crate) mod hcl;
pub mod lines;
pub mod load;
pub mod local;
pub mod mcp;
pub mod nomad;
pub mod phase;
pub mod placement;
pub mod plan;
pub mod policy;
pub(crate) mod process_env;
pub mod redact;
pub(crate) mod reference;
pub mod render;
pub mod rules;
pub(crate) mod schema;
pub mod target;
pub(crate) mod text;
