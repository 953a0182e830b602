//! `nomad-build init [PATH]`: a commented starter build.hcl, never over an existing file.

use std::io::Write;
use std::path::Path;

use crate::plan::GitInfo;

const STARTER: &str = include_str!("../../templates/starter.build.hcl");

/// The starter's commented `source` block, and what replaces it when there is no `origin`
/// remote to default to.
const COMMENTED_SOURCE: &str = "  # source {\n  #   url = \"https://git.example.com/acme/my-service.git\"\n  #   ref = \"main\"\n  # }\n";
const SOURCE: &str = "  source {\n    url = \"https://git.example.com/acme/my-service.git\"\n    ref = \"main\"\n  }\n";

/// The starter for a file in `dir`, and the line of `source.url` when the user must fill it in
/// (no `origin` remote to default to).
fn starter(dir: &Path) -> (String, Option<usize>) {
    if GitInfo::discover(dir, None).origin.is_some() {
        return (STARTER.to_owned(), None);
    }
    let at = STARTER.find(COMMENTED_SOURCE).unwrap_or(0);
    let text = STARTER.replacen(COMMENTED_SOURCE, SOURCE, 1);
    let line = text[..at].matches('\n').count() + 2;
    (text, Some(line))
}

/// Exit 0 when written, 1 when the file exists or cannot be written.
pub(super) fn run(path: &Path) -> u8 {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (text, url_line) = starter(dir);
    let mut err = std::io::stderr().lock();
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut f) => match f.write_all(text.as_bytes()) {
            Ok(()) => {
                let _ = match url_line {
                    None => writeln!(
                        err,
                        "wrote {}; edit it, then run `nomad-build validate`",
                        path.display()
                    ),
                    Some(line) => writeln!(
                        err,
                        "wrote {}; there is no `origin` remote to build from, so set `source.url` \
                         (line {line}) to the repository's clone URL, then run `nomad-build validate`",
                        path.display()
                    ),
                };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_has_the_commented_source_block_it_replaces() {
        assert!(STARTER.contains(COMMENTED_SOURCE));
        let dir = tempfile::tempdir().expect("tempdir");
        let (text, line) = starter(dir.path());
        let line = line.expect("no origin outside git");
        assert_eq!(
            text.lines().nth(line - 1),
            Some("    url = \"https://git.example.com/acme/my-service.git\"")
        );
    }
}
