//! `nomad-build` compiles a repository's `build.hcl` into one Nomad batch job per phase.
//!
//! The stages are visible in the module list and run in this order:
//! load ([`load`]: parse with hcl-edit, resolve variables, decode into [`config`]) →
//! validate ([`validate`]: every rule, every problem) → plan ([`plan`]: the template context of
//! each phase) → render ([`render`]: minijinja templates → HCL jobspec, decoded by [`nomad`] into
//! the typed API model → JSON) → emit ([`emit`]: atomic files, stdout or `--check`).

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod ctmpl;
pub mod diag;
pub mod emit;
pub mod escape;
pub mod eval;
pub mod load;
pub mod local;
pub mod nomad;
pub mod plan;
pub mod reference;
pub mod render;
pub mod report;
pub mod rules;
pub mod schema;
pub mod suppress;
pub mod validate;
