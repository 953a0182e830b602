//! `nomad-build nodes snapshot -o FILE [--with-allocations]`: the snapshot `plan --nodes`
//! reads, from the cluster.

use std::io::Write;
use std::path::Path;

use crate::app::connect::{Connect, Refused};
use crate::cli::{NodesCommand, NodesSnapshotArgs};
use crate::cluster::{exit, nodes};

/// Entry point of `nodes`.
pub(super) fn run(c: &NodesCommand) -> u8 {
    match c {
        NodesCommand::Snapshot(a) => snapshot(a),
    }
}

fn snapshot(a: &NodesSnapshotArgs) -> u8 {
    let connect = Connect::from_process(a.address.as_deref(), a.token.as_deref());
    let client = match connect.client(None, None) {
        Ok(c) => c,
        Err(e) => {
            super::print_refused(&e);
            return exit::CLUSTER;
        }
    };
    let nodes = match nodes::snapshot(&client, a.with_allocations) {
        Ok(n) => n,
        Err(e) => {
            eprintln!(
                "error: reading the nodes: {}",
                Refused::request(&e, &client, "node:read")
            );
            return exit::CLUSTER;
        }
    };
    let mut text = serde_json::to_string_pretty(&nodes).expect("JSON values serialize");
    text.push('\n');
    if let Err(e) = write_atomically(&a.out, text.as_bytes()) {
        eprintln!("error: cannot write `{}`: {e}", a.out.display());
        return 1;
    }
    eprintln!(
        "wrote {} node{}{} to {}",
        nodes.len(),
        if nodes.len() == 1 { "" } else { "s" },
        if a.with_allocations {
            " with their allocations"
        } else {
            ""
        },
        a.out.display()
    );
    0
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`, so that a
/// reader never sees half a snapshot.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map_or_else(
        || "nodes.json".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
