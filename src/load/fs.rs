//! Opening the files a repository could have planted, without following symlinks.
//!
//! build.hcl, `--var-file`s, the `-o` directory and the files in it that `--check` compares
//! are all paths the repository may contain, and the repository is written by whoever can push
//! a branch. The rule is the same for each: **no component of the path as written may be a
//! symbolic link** (whatever it points to, inside the repository or not), and the file read
//! must be a regular file (not a FIFO, a device, a socket, or a file of `/proc` or `/sys`).
//! Each component is opened relative to the directory before it (`openat` with `O_NOFOLLOW`),
//! so a symlink swapped in between a check and the open is refused too. A refusal is an
//! [`std::io::Error`] whose source is a [`Refused`] ([`refused`] finds it), so callers that
//! report I/O errors report it with its reason.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The part of the path that was refused, as written (`nomad`, `nomad/app.build.nomad.hcl`).
    pub path: PathBuf,
    /// What it is.
    pub why: Why,
}

/// What a refused path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// A symbolic link.
    Symlink,
    /// Not a regular file where a file is read: what it is instead (`a FIFO`).
    NotRegular(&'static str),
    /// Not a directory where a directory is needed: what it is instead.
    NotDirectory(&'static str),
    /// A regular file of a kernel pseudo file system (`/proc`, `/sys`).
    Pseudo(&'static str),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match self.why {
            Why::Symlink => write!(
                f,
                "`{path}` is a symbolic link, and nomad-build does not follow symlinks in the \
                 paths it reads or writes"
            ),
            Why::NotRegular(kind) => write!(f, "`{path}` is {kind}, not a regular file"),
            Why::NotDirectory(kind) => write!(f, "`{path}` is {kind}, not a directory"),
            Why::Pseudo(fs) => write!(f, "`{path}` is a file of {fs}, not a regular file"),
        }
    }
}

impl std::error::Error for Refused {}

impl Refused {
    fn error(path: PathBuf, why: Why) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, Refused { path, why })
    }
}

/// The [`Refused`] inside `e`, when `e` is a refusal (and not, say, a missing file).
pub fn refused(e: &io::Error) -> Option<&Refused> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Refused>())
}

/// Reads the regular file at `path` as UTF-8 text, following no symlink in any component.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    io::Read::read_to_string(&mut imp::open_file(path)?, &mut text)?;
    Ok(text)
}

/// An output directory opened without following symlinks: its files are read and replaced
/// relative to it.
#[derive(Debug)]
pub struct OutDir {
    /// The directory as given.
    path: PathBuf,
    inner: imp::Dir,
}

impl OutDir {
    /// Opens `path`; with `create`, creates the components that are missing (mode `0777` less
    /// the umask, like `mkdir -p`).
    pub fn open(path: &Path, create: bool) -> io::Result<OutDir> {
        Ok(OutDir {
            path: path.to_owned(),
            inner: imp::Dir::open(path, create)?,
        })
    }

    /// The directory as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the regular file `name` of the directory (a plain file name) as bytes.
    pub fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        self.inner.read(name, &self.path.join(name))
    }

    /// Writes every `(name, contents)` into the directory, each through a temporary file
    /// (mode `0644` less the umask) and a rename, so that a reader never sees a partial file
    /// and nothing is renamed into place when a write fails. A symlink at a name is replaced,
    /// never followed. Returns the paths written.
    pub fn write_all(&self, files: &[(&str, &[u8])]) -> io::Result<Vec<PathBuf>> {
        self.inner.write_all(files)?;
        Ok(files.iter().map(|(n, _)| self.path.join(n)).collect())
    }
}

/// The components of `path` below its root, with the path as written up to each.
fn parts(path: &Path) -> (bool, Vec<(&OsStr, PathBuf)>) {
    let mut absolute = false;
    let mut out = Vec::new();
    let mut so_far = PathBuf::new();
    for c in path.components() {
        match c {
            Component::RootDir | Component::Prefix(_) => {
                absolute = true;
                so_far.push(c.as_os_str());
            }
            Component::CurDir => {}
            Component::ParentDir | Component::Normal(_) => {
                so_far.push(c.as_os_str());
                out.push((c.as_os_str(), so_far.clone()));
            }
        }
    }
    (absolute, out)
}

#[cfg(unix)]
mod imp {
    use std::ffi::OsStr;
    use std::fs::File;
    use std::io::{self, Write};
    use std::os::fd::OwnedFd;
    use std::path::{Path, PathBuf};

    use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags};
    use rustix::io::Errno;

    use super::{parts, Refused, Why};

    /// How an intermediate directory is opened: only to resolve names below it.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const DIR_FLAGS: OFlags = OFlags::PATH
        .union(OFlags::DIRECTORY)
        .union(OFlags::NOFOLLOW)
        .union(OFlags::CLOEXEC);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const DIR_FLAGS: OFlags = OFlags::RDONLY
        .union(OFlags::DIRECTORY)
        .union(OFlags::NOFOLLOW)
        .union(OFlags::CLOEXEC);

    fn kind(t: FileType) -> &'static str {
        match t {
            FileType::RegularFile => "a regular file",
            FileType::Directory => "a directory",
            FileType::Symlink => "a symbolic link",
            FileType::Fifo => "a FIFO",
            FileType::Socket => "a socket",
            FileType::CharacterDevice => "a character device",
            FileType::BlockDevice => "a block device",
            FileType::Unknown => "of an unknown kind",
        }
    }

    /// Looks at `name` in `dir` without following it; refuses a symlink.
    fn lstat(dir: &OwnedFd, name: &OsStr, shown: &Path) -> io::Result<FileType> {
        let st = rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
        let t = FileType::from_raw_mode(st.st_mode);
        if t == FileType::Symlink {
            return Err(Refused::error(shown.to_owned(), Why::Symlink));
        }
        Ok(t)
    }

    /// Opens `name` in `dir` with `flags` and `O_NOFOLLOW`; a symlink that appeared since
    /// [`lstat`] is refused as one.
    fn open_at(dir: &OwnedFd, name: &OsStr, flags: OFlags, shown: &Path) -> io::Result<OwnedFd> {
        rfs::openat(
            dir,
            name,
            flags | OFlags::NOFOLLOW,
            Mode::from_raw_mode(0o644),
        )
        .map_err(|e| {
            if e == Errno::LOOP || e == Errno::MLINK {
                Refused::error(shown.to_owned(), Why::Symlink)
            } else {
                e.into()
            }
        })
    }

    /// Opens the directories of `parts` in turn from the working directory or the root;
    /// with `create`, makes the missing ones.
    fn walk(absolute: bool, parts: &[(&OsStr, PathBuf)], create: bool) -> io::Result<OwnedFd> {
        let mut dir = rfs::openat(
            rfs::CWD,
            if absolute { "/" } else { "." },
            DIR_FLAGS,
            Mode::empty(),
        )?;
        for (name, shown) in parts {
            let t = match lstat(&dir, name, shown) {
                Err(e) if create && e.kind() == io::ErrorKind::NotFound => {
                    match rfs::mkdirat(&dir, *name, Mode::from_raw_mode(0o777)) {
                        Ok(()) | Err(Errno::EXIST) => {}
                        Err(e) => return Err(e.into()),
                    }
                    lstat(&dir, name, shown)?
                }
                r => r?,
            };
            if t != FileType::Directory {
                return Err(Refused::error(shown.clone(), Why::NotDirectory(kind(t))));
            }
            dir = open_at(&dir, name, DIR_FLAGS, shown)?;
        }
        Ok(dir)
    }

    /// Opens the regular file `name` of `dir` for reading.
    fn open_in(dir: &OwnedFd, name: &OsStr, shown: &Path) -> io::Result<File> {
        let t = lstat(dir, name, shown)?;
        if t != FileType::RegularFile {
            return Err(Refused::error(shown.to_owned(), Why::NotRegular(kind(t))));
        }
        // Non-blocking, so that a FIFO swapped in since the look cannot hang the open.
        let fd = open_at(
            dir,
            name,
            OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK,
            shown,
        )?;
        let t = FileType::from_raw_mode(rfs::fstat(&fd)?.st_mode);
        if t != FileType::RegularFile {
            return Err(Refused::error(shown.to_owned(), Why::NotRegular(kind(t))));
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            /// `SYSFS_MAGIC` of `linux/magic.h`.
            const SYSFS_MAGIC: rfs::FsWord = 0x6265_6572;
            let fs = rfs::fstatfs(&fd)?.f_type;
            if fs == rfs::PROC_SUPER_MAGIC {
                return Err(Refused::error(shown.to_owned(), Why::Pseudo("/proc")));
            }
            if fs == SYSFS_MAGIC {
                return Err(Refused::error(shown.to_owned(), Why::Pseudo("/sys")));
            }
        }
        Ok(File::from(fd))
    }

    pub(super) fn open_file(path: &Path) -> io::Result<File> {
        let (absolute, parts) = parts(path);
        let Some(((last, shown), dirs)) = parts.split_last() else {
            return Err(Refused::error(
                path.to_owned(),
                Why::NotRegular("a directory"),
            ));
        };
        if *last == ".." {
            return Err(Refused::error(
                path.to_owned(),
                Why::NotRegular("a directory"),
            ));
        }
        let dir = walk(absolute, dirs, false)?;
        open_in(&dir, last, shown)
    }

    #[derive(Debug)]
    pub(super) struct Dir(OwnedFd);

    impl Dir {
        pub(super) fn open(path: &Path, create: bool) -> io::Result<Dir> {
            let (absolute, parts) = parts(path);
            walk(absolute, &parts, create).map(Dir)
        }

        pub(super) fn read(&self, name: &str, shown: &Path) -> io::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            io::Read::read_to_end(&mut open_in(&self.0, OsStr::new(name), shown)?, &mut bytes)?;
            Ok(bytes)
        }

        pub(super) fn write_all(&self, files: &[(&str, &[u8])]) -> io::Result<()> {
            let mut staged: Vec<(String, &str)> = Vec::new();
            let result = self.stage(files, &mut staged);
            let result = result.and_then(|()| {
                for (tmp, name) in &staged {
                    rfs::renameat(&self.0, tmp.as_str(), &self.0, *name)?;
                }
                staged.clear();
                Ok(())
            });
            for (tmp, _) in &staged {
                let _ = rfs::unlinkat(&self.0, tmp.as_str(), AtFlags::empty());
            }
            result
        }

        /// Writes each file into a new temporary file next to it, recorded in `staged`.
        fn stage<'a>(
            &self,
            files: &[(&'a str, &[u8])],
            staged: &mut Vec<(String, &'a str)>,
        ) -> io::Result<()> {
            let pid = std::process::id();
            for (name, contents) in files {
                let mut n = 0u32;
                let (tmp, fd) = loop {
                    let tmp = format!(".{name}.{pid}.{n}.tmp");
                    match rfs::openat(
                        &self.0,
                        tmp.as_str(),
                        OFlags::WRONLY
                            | OFlags::CREATE
                            | OFlags::EXCL
                            | OFlags::NOFOLLOW
                            | OFlags::CLOEXEC,
                        Mode::from_raw_mode(0o644),
                    ) {
                        Ok(fd) => break (tmp, fd),
                        Err(Errno::EXIST) if n < 100 => n += 1,
                        Err(e) => return Err(e.into()),
                    }
                };
                staged.push((tmp, name));
                let mut file = File::from(fd);
                file.write_all(contents)?;
                file.sync_all()?;
            }
            Ok(())
        }
    }
}

#[cfg(not(unix))]
mod imp {
    //! Without `openat`: every component is looked at with `symlink_metadata` before the
    //! path is used (not proof against a symlink swapped in between).
    use std::fs::File;
    use std::io::{self, Write};
    use std::path::{Path, PathBuf};

    use super::{parts, Refused, Why};

    fn check(path: &Path, create: bool) -> io::Result<()> {
        let (_, parts) = parts(path);
        for (_, shown) in &parts {
            let m = match std::fs::symlink_metadata(shown) {
                Err(e) if create && e.kind() == io::ErrorKind::NotFound => {
                    std::fs::create_dir(shown)?;
                    std::fs::symlink_metadata(shown)?
                }
                r => r?,
            };
            if m.file_type().is_symlink() {
                return Err(Refused::error(shown.clone(), Why::Symlink));
            }
        }
        Ok(())
    }

    pub(super) fn open_file(path: &Path) -> io::Result<File> {
        check(path, false)?;
        if !std::fs::symlink_metadata(path)?.is_file() {
            return Err(Refused::error(
                path.to_owned(),
                Why::NotRegular("not a file"),
            ));
        }
        File::open(path)
    }

    #[derive(Debug)]
    pub(super) struct Dir(PathBuf);

    impl Dir {
        pub(super) fn open(path: &Path, create: bool) -> io::Result<Dir> {
            check(path, create)?;
            Ok(Dir(path.to_owned()))
        }

        pub(super) fn read(&self, name: &str, _shown: &Path) -> io::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            io::Read::read_to_end(&mut open_file(&self.0.join(name))?, &mut bytes)?;
            Ok(bytes)
        }

        pub(super) fn write_all(&self, files: &[(&str, &[u8])]) -> io::Result<()> {
            let mut staged = Vec::new();
            for (name, contents) in files {
                let mut tmp = tempfile::Builder::new()
                    .prefix(&format!(".{name}."))
                    .tempfile_in(&self.0)?;
                tmp.write_all(contents)?;
                tmp.as_file().sync_all()?;
                staged.push((tmp, self.0.join(name)));
            }
            for (tmp, path) in staged {
                tmp.persist(&path).map_err(|e| e.error)?;
            }
            Ok(())
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn in_dir<T>(f: impl FnOnce(&Path) -> T) -> T {
        let dir = tempfile::tempdir().expect("tempdir");
        f(dir.path())
    }

    #[test]
    fn a_symlink_anywhere_in_the_path_is_refused() {
        in_dir(|d| {
            std::fs::create_dir(d.join("real")).unwrap();
            std::fs::write(d.join("real/build.hcl"), "x").unwrap();
            symlink(d.join("real"), d.join("link")).unwrap();
            symlink(d.join("real/build.hcl"), d.join("real/alias.hcl")).unwrap();
            assert_eq!(read_to_string(&d.join("real/build.hcl")).unwrap(), "x");
            let e = read_to_string(&d.join("link/build.hcl")).unwrap_err();
            assert_eq!(
                refused(&e),
                Some(&Refused {
                    path: d.join("link"),
                    why: Why::Symlink
                })
            );
            let e = read_to_string(&d.join("real/alias.hcl")).unwrap_err();
            assert_eq!(refused(&e).map(|r| r.why), Some(Why::Symlink));
            let e = OutDir::open(&d.join("link"), true).unwrap_err();
            assert_eq!(refused(&e).map(|r| r.why), Some(Why::Symlink));
        });
    }

    #[test]
    fn only_regular_files_are_read() {
        let e = read_to_string(Path::new("/dev/null")).unwrap_err();
        assert_eq!(
            refused(&e).map(|r| r.why),
            Some(Why::NotRegular("a character device"))
        );
        #[cfg(target_os = "linux")]
        {
            let e = read_to_string(Path::new("/proc/version")).unwrap_err();
            assert_eq!(refused(&e).map(|r| r.why), Some(Why::Pseudo("/proc")));
        }
        in_dir(|d| {
            let e = read_to_string(d).unwrap_err();
            assert_eq!(
                refused(&e).map(|r| r.why),
                Some(Why::NotRegular("a directory"))
            );
            let e = read_to_string(&d.join("missing")).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::NotFound);
            assert!(refused(&e).is_none());
        });
    }

    #[test]
    fn writes_replace_symlinks_and_make_readable_files() {
        in_dir(|d| {
            std::fs::write(d.join("canary"), "secret").unwrap();
            let out = OutDir::open(&d.join("a/b"), true).unwrap();
            symlink(d.join("canary"), d.join("a/b/x.hcl")).unwrap();
            let written = out
                .write_all(&[("x.hcl", b"one".as_slice()), ("y.json", b"two")])
                .unwrap();
            assert_eq!(written, [d.join("a/b/x.hcl"), d.join("a/b/y.json")]);
            assert_eq!(std::fs::read_to_string(d.join("canary")).unwrap(), "secret");
            assert_eq!(std::fs::read_to_string(d.join("a/b/x.hcl")).unwrap(), "one");
            let mode = std::fs::metadata(d.join("a/b/y.json"))
                .unwrap()
                .permissions()
                .mode();
            // 0644 less whatever the umask takes away (the CLI test pins the umask).
            assert_eq!(mode & 0o777 & !0o644, 0, "mode {mode:o}");
            assert_eq!(mode & 0o600, 0o600, "mode {mode:o}");
            let names: Vec<_> = std::fs::read_dir(d.join("a/b"))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");
        });
    }
}
