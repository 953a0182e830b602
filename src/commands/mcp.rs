//! `nomad-build mcp [--root DIR]`: the MCP server on standard input and output.

use crate::cli::McpArgs;
use std::sync::Arc;

use crate::mcp::{self, Nomad, Root};

/// Serves until the client goes away: exit 0, or 1 when the server cannot start or the
/// session fails.
pub(super) fn run(a: &McpArgs) -> u8 {
    let dir = a.root.clone().unwrap_or_else(|| ".".into());
    let root = match Root::new(&dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    match mcp::run_stdio(root, Some(Arc::new(Nomad::from_env()))) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
