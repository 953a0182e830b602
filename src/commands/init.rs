//! `nomad-build init [PATH]`: a commented starter build.hcl, never over an existing file.

use std::io::Write;
use std::path::Path;

const STARTER: &str = include_str!("../../templates/starter.build.hcl");

/// Exit 0 when written, 1 when the file exists or cannot be written.
pub(super) fn run(path: &Path) -> u8 {
    let mut err = std::io::stderr().lock();
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut f) => match f.write_all(STARTER.as_bytes()) {
            Ok(()) => {
                let _ = writeln!(
                    err,
                    "wrote {}; edit it, then run `nomad-build validate`",
                    path.display()
                );
                0
            }
            Err(e) => {
                let _ = writeln!(err, "error: cannot write `{}`: {e}", path.display());
                1
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = writeln!(
                err,
                "error: `{}` already exists; not overwriting it",
                path.display()
            );
            1
        }
        Err(e) => {
            let _ = writeln!(err, "error: cannot create `{}`: {e}", path.display());
            1
        }
    }
}
