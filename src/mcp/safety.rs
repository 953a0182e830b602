//! What keeps the MCP server's tools inside their bounds: [`Root`] confines every path a tool
//! reads to one directory, and [`Redactor`] keeps secret values out of everything they return.
//!
//! A requested path is taken relative to the root (an absolute one must name a place below it),
//! normalised without touching the disk (`.` dropped, `a/..` folded; a `..` that climbs out of
//! the root is refused), then resolved through the file system: a symlink whose target lies
//! outside the root is refused as well. Results name files by their path relative to the root.

use std::path::{Component, Path, PathBuf};

/// The directory the tools are confined to.
#[derive(Debug, Clone)]
pub struct Root {
    /// The root with every symlink resolved.
    dir: PathBuf,
    /// The root as given, made absolute (an absolute path under it is accepted too).
    given: PathBuf,
}

/// A path a tool may read: where it is and how results name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The canonical path.
    pub path: PathBuf,
    /// The path relative to the root, `/`-separated (`.` for the root itself).
    pub shown: String,
}

impl Root {
    /// The root at `dir`, which must be an existing directory.
    pub fn new(dir: &Path) -> Result<Root, String> {
        let given = std::path::absolute(dir)
            .map_err(|e| format!("cannot use `{}` as the root: {e}", dir.display()))?;
        let canonical = dir
            .canonicalize()
            .map_err(|e| format!("cannot use `{}` as the root: {e}", dir.display()))?;
        if !canonical.is_dir() {
            return Err(format!(
                "cannot use `{}` as the root: not a directory",
                dir.display()
            ));
        }
        Ok(Root {
            dir: canonical,
            given: normalize(&given).unwrap_or(given),
        })
    }

    /// The canonical root directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `requested` below the root, normalised, without looking at the disk: the place a file
    /// of that name would have. Refuses empty paths, NUL bytes, absolute paths elsewhere and
    /// `..` escapes.
    pub fn lexical(&self, requested: &str) -> Result<PathBuf, String> {
        if requested.is_empty() {
            return Err("the path is empty".to_owned());
        }
        if requested.contains('\0') {
            return Err("the path contains a NUL byte".to_owned());
        }
        let p = Path::new(requested);
        let rel = if p.is_absolute() {
            let n = normalize(p).ok_or_else(|| self.outside(requested))?;
            let rel = n
                .strip_prefix(&self.dir)
                .or_else(|_| n.strip_prefix(&self.given))
                .map_err(|_| self.outside(requested))?;
            rel.to_path_buf()
        } else {
            normalize(p).ok_or_else(|| self.outside(requested))?
        };
        Ok(self.dir.join(rel))
    }

    /// `requested` below the root, which must exist; symlinks are followed and must stay
    /// below the root too.
    pub fn existing(&self, requested: &str) -> Result<Resolved, String> {
        let lexical = self.lexical(requested)?;
        let path = lexical
            .canonicalize()
            .map_err(|e| format!("cannot read `{requested}`: {}", io_reason(&e)))?;
        if !path.starts_with(&self.dir) {
            return Err(self.through_symlink(requested));
        }
        Ok(Resolved {
            shown: self.shown(&path),
            path,
        })
    }

    /// A file name for text that does not come from the disk: its place below the root,
    /// normalised. It need not exist, but what of it exists is resolved like [`Root::existing`]
    /// resolves a path: the longest part of it that exists (the file itself, even a dangling
    /// symlink, or a directory above it), symlinks followed, must lie below the root. (The
    /// file's directory is where git is asked about the repository.)
    pub fn name(&self, requested: &str) -> Result<Resolved, String> {
        let lexical = self.lexical(requested)?;
        let mut missing = Vec::new();
        let mut at = lexical.as_path();
        while at.symlink_metadata().is_err() {
            let (Some(parent), Some(last)) = (at.parent(), at.file_name()) else {
                break;
            };
            missing.push(last.to_owned());
            at = parent;
        }
        let mut path = at.canonicalize().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!("`{requested}` leads through a dangling symlink; refused")
            }
            _ => format!("cannot use `{requested}`: {}", io_reason(&e)),
        })?;
        if !path.starts_with(&self.dir) {
            return Err(self.through_symlink(requested));
        }
        path.extend(missing.iter().rev());
        Ok(Resolved {
            shown: self.shown(&path),
            path,
        })
    }

    fn through_symlink(&self, requested: &str) -> String {
        format!(
            "`{requested}` leads outside the root `{}` (through a symlink)",
            self.dir.display()
        )
    }

    /// A path found below the root by walking it (not typed by the client, so it need not be
    /// UTF-8): it must exist, and symlinks are followed and must stay below the root. The
    /// error names the path as results name it.
    pub fn found(&self, path: &Path) -> Result<Resolved, String> {
        let shown = self.shown(path);
        let resolved = path
            .canonicalize()
            .map_err(|e| format!("cannot read `{shown}`: {}", io_reason(&e)))?;
        if !resolved.starts_with(&self.dir) {
            return Err(self.through_symlink(&shown));
        }
        Ok(Resolved {
            shown: self.shown(&resolved),
            path: resolved,
        })
    }

    /// How results name `path`, a path below the root.
    pub fn shown(&self, path: &Path) -> String {
        match path.strip_prefix(&self.dir) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
            Ok(rel) => rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            Err(_) => path.display().to_string(),
        }
    }

    fn outside(&self, requested: &str) -> String {
        format!(
            "`{requested}` is outside the root `{}`; tools only read below it",
            self.dir.display()
        )
    }
}

/// `p` without `.` components and with `a/..` folded; `None` when a `..` climbs above the
/// start (for a relative path) or above `/` (for an absolute one).
fn normalize(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for c in p.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => out.push(c.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                if depth == 0 {
                    return None;
                }
                out.pop();
                depth -= 1;
            }
            Component::Normal(n) => {
                out.push(n);
                depth += 1;
            }
        }
    }
    Some(out)
}

/// An I/O error's reason without the OS error number.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_owned(),
                None => s,
            }
        }
    }
}

/// Reads a file below the root as UTF-8 text.
pub fn read_text(r: &Resolved) -> Result<String, String> {
    if r.path.is_dir() {
        return Err(format!("cannot read `{}`: it is a directory", r.shown));
    }
    std::fs::read_to_string(&r.path)
        .map_err(|e| format!("cannot read `{}`: {}", r.shown, io_reason(&e)))
}

pub use crate::redact::{Redactor, REDACTED};

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> (tempfile::TempDir, Root) {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(tmp.path().join("r/sub")).expect("mkdir");
        std::fs::write(tmp.path().join("r/sub/build.hcl"), "x").expect("write");
        std::fs::write(tmp.path().join("outside.hcl"), "secret").expect("write");
        let root = Root::new(&tmp.path().join("r")).expect("root");
        (tmp, root)
    }

    #[test]
    fn relative_and_absolute_paths_below_the_root() {
        let (tmp, root) = root();
        let r = root.existing("sub/build.hcl").expect("inside");
        assert_eq!(r.shown, "sub/build.hcl");
        let r = root.existing("./sub/../sub/./build.hcl").expect("inside");
        assert_eq!(r.shown, "sub/build.hcl");
        let abs = tmp.path().join("r/sub/build.hcl");
        let r = root
            .existing(abs.to_str().expect("utf-8"))
            .expect("absolute inside");
        assert_eq!(r.shown, "sub/build.hcl");
        assert_eq!(root.existing(".").expect("root").shown, ".");
    }

    #[test]
    fn escapes_are_refused() {
        let (tmp, root) = root();
        for p in [
            "../outside.hcl",
            "sub/../../outside.hcl",
            "/etc/passwd",
            "",
            "a\0b",
        ] {
            let e = root.existing(p).expect_err(p);
            assert!(!e.is_empty());
        }
        let abs = tmp.path().join("outside.hcl");
        let e = root
            .existing(abs.to_str().expect("utf-8"))
            .expect_err("absolute outside");
        assert!(e.contains("outside the root"), "{e}");
        let e = root.name("../build.hcl").expect_err("name outside");
        assert!(e.contains("outside the root"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_root_are_refused() {
        let (tmp, root) = root();
        std::os::unix::fs::symlink(
            tmp.path().join("outside.hcl"),
            tmp.path().join("r/link.hcl"),
        )
        .expect("symlink");
        std::os::unix::fs::symlink(tmp.path(), tmp.path().join("r/up")).expect("symlink");
        let e = root.existing("link.hcl").expect_err("symlinked file");
        assert!(e.contains("symlink"), "{e}");
        let e = root.existing("up/outside.hcl").expect_err("symlinked dir");
        assert!(e.contains("symlink"), "{e}");
        std::os::unix::fs::symlink(
            tmp.path().join("r/sub/build.hcl"),
            tmp.path().join("r/inside.hcl"),
        )
        .expect("symlink");
        assert_eq!(
            root.existing("inside.hcl").expect("inside").shown,
            "sub/build.hcl"
        );
    }

    #[cfg(unix)]
    #[test]
    fn file_names_are_confined_through_symlinks() {
        use std::os::unix::fs::symlink;
        let (tmp, root) = root();
        // Names of files that need not exist, below the root: fine.
        assert_eq!(root.name("new.hcl").expect("new").shown, "new.hcl");
        assert_eq!(
            root.name("sub/a/b/build.hcl").expect("nested").shown,
            "sub/a/b/build.hcl"
        );
        assert_eq!(
            root.name("sub/build.hcl").expect("existing").shown,
            "sub/build.hcl"
        );
        // A directory symlinked out of the root (its git repository is not the root's), a
        // file symlinked out, and a dangling symlink to a place outside: refused.
        std::fs::create_dir(tmp.path().join("repo")).expect("mkdir");
        symlink(tmp.path().join("repo"), tmp.path().join("r/up")).expect("symlink");
        symlink(
            tmp.path().join("outside.hcl"),
            tmp.path().join("r/link.hcl"),
        )
        .expect("symlink");
        symlink(
            tmp.path().join("nowhere.hcl"),
            tmp.path().join("r/dangling.hcl"),
        )
        .expect("symlink");
        for (name, why) in [
            ("up/build.hcl", "leads outside the root"),
            ("up/deeper/build.hcl", "leads outside the root"),
            ("link.hcl", "leads outside the root"),
            ("dangling.hcl", "dangling symlink"),
            ("dangling.hcl/x", "dangling symlink"),
        ] {
            let e = root.name(name).expect_err(name);
            assert!(e.contains(why), "{name}: {e}");
        }
        // A symlink that stays inside is named by its target, as `existing` does.
        symlink(tmp.path().join("r/sub"), tmp.path().join("r/alias")).expect("symlink");
        assert_eq!(
            root.name("alias/new.hcl").expect("inside").shown,
            "sub/new.hcl"
        );
    }

    #[test]
    fn missing_files_say_so_without_os_error_numbers() {
        let (_tmp, root) = root();
        let e = root.existing("nope.hcl").expect_err("missing");
        assert_eq!(e, "cannot read `nope.hcl`: no such file or directory");
    }
}
