//! `nomad-build mcp [--root DIR] [--policy FILE] [--allow-templates]`: the MCP server on
//! standard input and output.

use crate::cli::McpArgs;
use crate::diag::Color;
use std::sync::Arc;

use crate::mcp::{self, Nomad, Root};

/// Serves until the client goes away: exit 0, or 1 when the server cannot start or the
/// session fails, 2 when the policy cannot be used.
pub(super) fn run(a: &McpArgs, color: Color) -> u8 {
    let policy = match super::load_policy(a.policy.policy.as_deref(), color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let dir = a.root.clone().unwrap_or_else(|| ".".into());
    let root = match Root::new(&dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    match mcp::run_stdio_with(
        root,
        Some(Arc::new(Nomad::from_env())),
        policy,
        a.allow_templates,
    ) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
