//! `nomad-build` compiles a repository's `build.hcl` into one Nomad batch job per phase.
//!
//! [`compile::compile`] is the library entry point; its stages are visible in the module list
//! and run one way, in this order:
//!
//! 1. load ([`load`]: parse with hcl-edit, resolve variables, decode into [`config`]);
//! 2. check ([`rules`]: every semantic rule, every problem; then suppression comments);
//! 3. plan ([`plan`]: the template context of each [`phase`]);
//! 4. render ([`render`]: minijinja templates → HCL jobspec);
//! 5. decode ([`nomad`]: the jobspec into the typed API model, checked against Nomad's rules);
//! 6. emit ([`emit`]: HCL or JSON, on standard output, atomic files or `--check`).
//!
//! [`target`] is the Nomad release the jobs are compiled for; [`diag`] holds findings and their
//! formats; [`commands`] are thin layers over the library, one file a command, with [`cli`]
//! their argument types; [`local`] runs compiled jobs on this machine. [`app`] holds the use
//! cases under the commands and the MCP server ([`mcp`]): opening a build.hcl, the cluster
//! connection, and the typed events of a run on the cluster ([`cluster`]).

pub mod app;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod compile;
pub mod config;
pub mod confine;
pub mod diag;
pub mod duration;
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
pub mod process_env;
pub mod redact;
pub mod reference;
pub mod render;
pub mod rules;
pub mod schema;
pub mod target;
pub mod text;
