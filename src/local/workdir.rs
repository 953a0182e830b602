//! The work directory of `nomad-build local` and the files the runner writes into it.
//!
//! The runner writes credentials into the work directory and builds what it finds at each
//! group's `alloc/src`, so it trusts nothing it did not put there itself: a `--workdir` is used
//! only when it is new, empty, or marked by an earlier run ([`MARKER`]), owned by the user and
//! not writable by everyone; each group's directory is laid anew for every run; and secret
//! files are created with their final mode, never through a symlink.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The file nomad-build writes into a work directory it created (or found empty), by which a
/// later run knows that what is in the directory is its own.
pub const MARKER: &str = ".nomad-build-workdir";

/// What the marker file says.
const MARKER_TEXT: &str = "This directory is a work directory of `nomad-build local`; \
                           its contents are replaced on every run.\n";

/// Why a `--workdir` is refused.
#[derive(Debug, thiserror::Error)]
pub enum WorkdirError {
    /// Not a directory.
    #[error("the work directory `{0}` is not a directory")]
    NotADirectory(String),
    /// Owned by another user.
    #[error("the work directory `{0}` belongs to another user")]
    NotOwned(String),
    /// Writable by every user.
    #[error("the work directory `{0}` is writable by every user")]
    WorldWritable(String),
    /// Has contents that an earlier run did not leave.
    #[error(
        "the work directory `{0}` is not empty and was not made by nomad-build (it has no \
         `{MARKER}`)"
    )]
    Foreign(String),
    /// Could not be created or read.
    #[error("cannot use the work directory `{0}`: {1}")]
    Io(String, io::Error),
}

impl WorkdirError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            WorkdirError::Io(..) => "pass `--workdir` a directory you can write, or leave it out",
            _ => {
                "pass `--workdir` a new or empty directory of yours (nomad-build creates a new \
                 one), or leave it out for a temporary one"
            }
        }
    }
}

/// The work directory of a run: the one given, or a temporary one removed when dropped
/// unless kept.
#[derive(Debug)]
pub struct Workdir {
    path: PathBuf,
    temp: Option<tempfile::TempDir>,
}

impl Workdir {
    /// `dir`, checked (see the module docs) and marked, or a new temporary directory.
    pub fn new(dir: Option<&Path>) -> Result<Self, WorkdirError> {
        let Some(d) = dir else {
            let t = tempfile::Builder::new()
                .prefix("nomad-build-local.")
                .tempdir()
                .map_err(|e| WorkdirError::Io(std::env::temp_dir().display().to_string(), e))?;
            return Ok(Workdir {
                path: t.path().to_path_buf(),
                temp: Some(t),
            });
        };
        let shown = d.display().to_string();
        let io = |e| WorkdirError::Io(shown.clone(), e);
        let path = std::path::absolute(d).map_err(io)?;
        match fs::symlink_metadata(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).map_err(io)?;
                }
                private_dir(&path).map_err(io)?;
                mark(&path).map_err(io)?;
            }
            Err(e) => return Err(io(e)),
            Ok(_) => {
                check_existing(&path, &shown)?;
                if fs::read_dir(&path).map_err(io)?.next().is_none() {
                    mark(&path).map_err(io)?;
                } else if !marked(&path) {
                    return Err(WorkdirError::Foreign(shown));
                }
            }
        }
        Ok(Workdir { path, temp: None })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keeps a temporary directory after the run.
    pub fn keep(self) {
        let _ = self.temp.map(tempfile::TempDir::keep);
    }
}

/// An existing `--workdir` (symlinks followed: the user may name it through one) is a
/// directory of the user's that not everyone can write to.
fn check_existing(path: &Path, shown: &str) -> Result<(), WorkdirError> {
    let meta = fs::metadata(path).map_err(|e| WorkdirError::Io(shown.to_owned(), e))?;
    if !meta.is_dir() {
        return Err(WorkdirError::NotADirectory(shown.to_owned()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(WorkdirError::NotOwned(shown.to_owned()));
        }
        if meta.mode() & 0o002 != 0 {
            return Err(WorkdirError::WorldWritable(shown.to_owned()));
        }
    }
    Ok(())
}

/// Whether `dir` holds the marker as a regular file of the user's (not a symlink).
fn marked(dir: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(dir.join(MARKER)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return false;
        }
    }
    meta.file_type().is_file()
}

fn mark(dir: &Path) -> io::Result<()> {
    match create_file(&dir.join(MARKER), MARKER_TEXT, 0o644) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && marked(dir) => Ok(()),
        other => other,
    }
}

/// Creates the directory `path` (its parent must exist) readable by the user only.
pub(super) fn private_dir(path: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(path)
}

/// Removes whatever is at `path`: a directory with its contents, or a file or symlink (the
/// link itself, never what it points to). Nothing there is fine.
pub(super) fn remove(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        // `remove_dir_all` does not follow symlinks inside the tree either.
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
    }
}

/// Lays the directory `path` anew: removes what is there ([`remove`]) and creates it.
pub(super) fn fresh_dir(path: &Path) -> io::Result<()> {
    remove(path)?;
    fs::create_dir_all(path)
}

/// Creates the file `path` with `text` and `mode`: it must not exist (`O_CREAT|O_EXCL`) and
/// is not reached through a symlink (`O_NOFOLLOW`), and it has its mode from the moment it
/// exists (then exactly `mode`, whatever the umask).
pub(super) fn create_file(path: &Path, text: &str, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    let mut f = {
        use rustix::fs::{Mode, OFlags};
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        fs::File::from(rustix::fs::open(path, flags, Mode::from_raw_mode(mode))?)
    };
    #[cfg(not(unix))]
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn a_new_directory_is_created_private_and_marked_then_reused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a/b");
        let w = Workdir::new(Some(&dir)).expect("new");
        assert_eq!(w.path(), dir);
        assert_eq!(mode(&dir), 0o700);
        assert!(marked(&dir));
        fs::write(dir.join("left-over"), "x").expect("write");
        Workdir::new(Some(&dir)).expect("marked: reused");
    }

    #[test]
    fn an_empty_directory_is_adopted() {
        let tmp = tempfile::tempdir().expect("tempdir");
        Workdir::new(Some(tmp.path())).expect("empty");
        assert!(marked(tmp.path()));
    }

    #[test]
    fn foreign_and_shared_directories_are_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("planted");
        fs::create_dir_all(dir.join("build/build/alloc")).expect("mkdir");
        let e = Workdir::new(Some(&dir)).expect_err("foreign");
        assert!(matches!(e, WorkdirError::Foreign(_)), "{e}");
        // A marker that is a symlink is no marker.
        symlink("/etc/hostname", dir.join(MARKER)).expect("symlink");
        let e = Workdir::new(Some(&dir)).expect_err("symlinked marker");
        assert!(matches!(e, WorkdirError::Foreign(_)), "{e}");

        let open = tmp.path().join("open");
        fs::create_dir(&open).expect("mkdir");
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).expect("chmod");
        let e = Workdir::new(Some(&open)).expect_err("world-writable");
        assert!(matches!(e, WorkdirError::WorldWritable(_)), "{e}");

        let file = tmp.path().join("file");
        fs::write(&file, "x").expect("write");
        let e = Workdir::new(Some(&file)).expect_err("file");
        assert!(matches!(e, WorkdirError::NotADirectory(_)), "{e}");
    }

    #[test]
    fn files_are_created_with_their_mode_and_never_through_a_symlink() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let target = tmp.path().join("attacker");
        let link = tmp.path().join("auth.json");
        symlink(&target, &link).expect("symlink");
        let e = create_file(&link, "secret", 0o400).expect_err("through a dangling symlink");
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert!(!target.exists());
        remove(&link).expect("rm link");
        create_file(&link, "secret", 0o400).expect("create");
        assert_eq!(mode(&link), 0o400);
        assert_eq!(fs::read_to_string(&link).expect("read"), "secret");
    }

    #[test]
    fn fresh_directories_replace_symlinks_without_following_them() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir(&elsewhere).expect("mkdir");
        fs::write(elsewhere.join("keep"), "x").expect("write");
        let src = tmp.path().join("src");
        symlink(&elsewhere, &src).expect("symlink");
        fresh_dir(&src).expect("fresh");
        assert!(fs::symlink_metadata(&src).expect("meta").is_dir());
        assert_eq!(fs::read_dir(&src).expect("dir").count(), 0);
        assert!(elsewhere.join("keep").exists());
    }
}
