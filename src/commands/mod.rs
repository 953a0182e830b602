//! Subcommands that live in their own modules.

pub mod run;
pub mod status;
