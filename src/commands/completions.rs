//! `nomad-build completions SHELL`: a shell completion script.

use clap::CommandFactory;

use crate::cli::Cli;

/// Prints the completion script of `shell`.
pub(super) fn run(shell: clap_complete::Shell) -> u8 {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "nomad-build",
        &mut std::io::stdout(),
    );
    0
}
