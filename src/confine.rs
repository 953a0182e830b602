//! Path confinement: the build reads `image.context` and `image.containerfile` from the
//! repository and from nowhere else.
//!
//! Two halves. [`normalize`] and [`normalize_under`] work on the text of a path, as validate
//! and plan see it: a relative path whose `..` components never climb above the repository
//! root, normalised to the form the build script passes to buildah. [`check_task`] works on a
//! real working tree, for `nomad-build local`: it resolves the paths a build task reads,
//! symlinks included, and refuses any that lead out of the tree. (In a Nomad job the build
//! script makes the same check itself, against the fresh checkout, before buildah starts.)

use std::path::{Component, Path, PathBuf};

use crate::nomad::model::Task;

/// Task meta key of the build task: the context directory as passed to buildah.
pub(crate) const CONTEXT_META: &str = "nomad-build.context";
/// Task meta key of the build task: the Containerfile as passed to buildah, when set.
pub(crate) const CONTAINERFILE_META: &str = "nomad-build.containerfile";

/// Why a path from `build.hcl` cannot be confined to the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathError {
    /// The empty string.
    Empty,
    /// Starts with `/`.
    Absolute,
    /// Contains a NUL character, which no file name can.
    Nul,
    /// A `..` climbs above the repository root.
    Escapes,
    /// Names a directory (`.`, `..` or a trailing `/`) where a file is expected.
    NotAFile,
}

impl PathError {
    /// One line for a diagnostic label.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            PathError::Empty => "the path is empty",
            PathError::Absolute => "an absolute path points outside the repository",
            PathError::Nul => "a path cannot contain a NUL character",
            PathError::Escapes => "`..` climbs above the repository root",
            PathError::NotAFile => "this names a directory, not a file",
        }
    }
}

/// Normalises a relative path lexically: empty and `.` components are dropped and each `..`
/// removes the component before it. Returns `.` for the root itself, otherwise the remaining
/// components joined by `/`.
pub(crate) fn normalize(path: &str) -> Result<String, PathError> {
    normalize_under(".", path)
}

/// Normalises `path`, relative to `base` (itself a normalised path relative to the root), into
/// a path relative to the root. `..` may climb out of `base` but never above the root.
pub(crate) fn normalize_under(base: &str, path: &str) -> Result<String, PathError> {
    if path.is_empty() {
        return Err(PathError::Empty);
    }
    if path.starts_with('/') {
        return Err(PathError::Absolute);
    }
    if path.contains('\0') {
        return Err(PathError::Nul);
    }
    let mut parts: Vec<&str> = base
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::Escapes);
                }
            }
            c => parts.push(c),
        }
    }
    Ok(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

/// The Containerfile relative to the root: `containerfile` (relative to the normalised
/// `context`), normalised, after checking that it names a file.
pub(crate) fn containerfile_under(context: &str, containerfile: &str) -> Result<String, PathError> {
    let last = containerfile.rsplit('/').next().unwrap_or_default();
    if !containerfile.is_empty() && matches!(last, "" | "." | "..") {
        return Err(PathError::NotAFile);
    }
    normalize_under(context, containerfile)
}

/// How a normalised path is passed to a tool: `.` as it is, anything else behind `./`, so
/// that no path can be read as an option, as standard input (`-`) or, by buildah, as a URL
/// or git repository (`https://…`, `git@…`, `github.com/…`).
pub(crate) fn as_argument(normalized: &str) -> String {
    if normalized == "." {
        ".".to_owned()
    } else {
        format!("./{normalized}")
    }
}

/// For a build task (one with [`CONTEXT_META`]): checks that its context and Containerfile,
/// resolved in the working tree `root` with every symlink followed, stay inside `root`. Without
/// an explicit Containerfile, the `Containerfile` and `Dockerfile` that buildah would look for
/// in the context are checked when they exist. Other tasks pass.
///
/// Returns a message naming the path and where it leads.
pub(crate) fn check_task(task: &Task, root: &Path) -> Result<(), String> {
    let Some(context) = task.meta.get(CONTEXT_META) else {
        return Ok(());
    };
    let real_root = std::fs::canonicalize(root)
        .map_err(|e| format!("cannot resolve the working tree {}: {e}", root.display()))?;
    let context = normalize(context).map_err(|e| {
        format!(
            "the build context `{context}` is not inside the working tree: {}",
            e.reason()
        )
    })?;
    let mut paths = vec![("the build context", context.clone())];
    match task.meta.get(CONTAINERFILE_META) {
        Some(file) => {
            let file = normalize(file).map_err(|e| {
                format!(
                    "the Containerfile `{file}` is not inside the working tree: {}",
                    e.reason()
                )
            })?;
            paths.push(("the Containerfile", file));
        }
        None => {
            for name in ["Containerfile", "Dockerfile"] {
                let file = normalize_under(&context, name).unwrap_or_default();
                if root.join(&file).symlink_metadata().is_ok() {
                    paths.push(("the Containerfile", file));
                }
            }
        }
    }
    for (what, rel) in paths {
        let resolved = resolve(&root.join(&rel));
        if !resolved.starts_with(&real_root) {
            return Err(format!(
                "{what} `{rel}` resolves to {}, outside the working tree {}; refusing to build",
                resolved.display(),
                real_root.display()
            ));
        }
    }
    Ok(())
}

/// Keeps a `git` command from looking for a repository above `root`: sets
/// `GIT_CEILING_DIRECTORIES` to the parent of `root` (so `root` itself may be the top of a
/// working tree) and drops the variables that point git at a repository elsewhere (`GIT_DIR`,
/// `GIT_WORK_TREE`, `GIT_COMMON_DIR`). Returns `false`, leaving the command as it was, when
/// `root` cannot be resolved or its parent cannot be written in the colon-separated ceiling
/// list: the caller must not run git then.
pub(crate) fn confine_git(cmd: &mut std::process::Command, root: &Path) -> bool {
    let Ok(root) = std::fs::canonicalize(root) else {
        return false;
    };
    let ceiling = match root.parent() {
        None => None,
        Some(parent) => match parent.to_str() {
            Some(p) if !p.contains(':') => Some(p.to_owned()),
            _ => return false,
        },
    };
    for var in ["GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR"] {
        cmd.env_remove(var);
    }
    match ceiling {
        Some(c) => cmd.env("GIT_CEILING_DIRECTORIES", c),
        // The root is `/`: there is nothing above it.
        None => cmd.env_remove("GIT_CEILING_DIRECTORIES"),
    };
    true
}

/// Where `path` leads: the canonical form of its longest prefix that exists, with the rest of
/// its components appended. A dangling symlink at the end resolves to the link's directory.
fn resolve(path: &Path) -> PathBuf {
    let mut rest: Vec<Component<'_>> = Vec::new();
    let mut at = path;
    loop {
        if let Ok(real) = std::fs::canonicalize(at) {
            let mut out = real;
            for c in rest.iter().rev() {
                out.push(c);
            }
            return out;
        }
        let Some(parent) = at.parent() else {
            return path.to_path_buf();
        };
        if let Some(last) = at.components().next_back() {
            rest.push(last);
        }
        at = parent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_inside_the_root() {
        assert_eq!(normalize("."), Ok(".".to_owned()));
        assert_eq!(normalize("./"), Ok(".".to_owned()));
        assert_eq!(normalize("a//b/./c/"), Ok("a/b/c".to_owned()));
        assert_eq!(normalize("a/../b"), Ok("b".to_owned()));
        assert_eq!(normalize("a/.."), Ok(".".to_owned()));
        assert_eq!(normalize("-x"), Ok("-x".to_owned()));
    }

    #[test]
    fn refuses_what_leaves_the_root() {
        assert_eq!(normalize(""), Err(PathError::Empty));
        assert_eq!(normalize("/etc"), Err(PathError::Absolute));
        assert_eq!(normalize(".."), Err(PathError::Escapes));
        assert_eq!(normalize("../../etc"), Err(PathError::Escapes));
        assert_eq!(normalize("a/../../etc"), Err(PathError::Escapes));
        assert_eq!(normalize("a\0b"), Err(PathError::Nul));
    }

    #[test]
    fn containerfiles_are_relative_to_the_context() {
        assert_eq!(
            containerfile_under("svc/api", "deploy/Containerfile"),
            Ok("svc/api/deploy/Containerfile".to_owned())
        );
        assert_eq!(
            containerfile_under("svc/api", "../../Dockerfile"),
            Ok("Dockerfile".to_owned())
        );
        assert_eq!(
            containerfile_under("svc", "../../Dockerfile"),
            Err(PathError::Escapes)
        );
        assert_eq!(
            containerfile_under(".", "/etc/passwd"),
            Err(PathError::Absolute)
        );
        assert_eq!(containerfile_under(".", "dir/"), Err(PathError::NotAFile));
        assert_eq!(containerfile_under("a", ".."), Err(PathError::NotAFile));
    }

    #[test]
    fn arguments_never_look_like_options_or_urls() {
        assert_eq!(as_argument("."), ".");
        assert_eq!(as_argument("-"), "./-");
        assert_eq!(as_argument("https:/x"), "./https:/x");
        assert_eq!(as_argument("github.com/acme/app"), "./github.com/acme/app");
    }

    fn build_task(context: &str, containerfile: Option<&str>) -> Task {
        let mut t = Task::default();
        t.meta.insert(CONTEXT_META.to_owned(), context.to_owned());
        if let Some(f) = containerfile {
            t.meta.insert(CONTAINERFILE_META.to_owned(), f.to_owned());
        }
        t
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_tree_are_refused() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(root.join("ctx")).expect("mkdir");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::fs::write(outside.join("secret"), "x").expect("write");
        symlink(&outside, root.join("out")).expect("symlink");
        symlink(outside.join("secret"), root.join("ctx/Dockerfile")).expect("symlink");
        symlink("../ctx", root.join("ctx/up")).expect("symlink");

        assert_eq!(check_task(&Task::default(), &root), Ok(()));
        // `ctx/up` leads back to `ctx`, whose Dockerfile leads out.
        assert!(check_task(&build_task("./ctx/up", None), &root).is_err());
        let e = check_task(&build_task("./out", None), &root).expect_err("context");
        assert!(e.contains("the build context `out` resolves to"), "{e}");
        let e = check_task(&build_task("./ctx", None), &root).expect_err("default Dockerfile");
        assert!(e.contains("the Containerfile `ctx/Dockerfile`"), "{e}");
        let e =
            check_task(&build_task(".", Some("./out/missing")), &root).expect_err("missing leaf");
        assert!(e.contains("outside the working tree"), "{e}");
        assert!(check_task(&build_task("../x", None), &root).is_err());
        std::fs::remove_file(root.join("ctx/Dockerfile")).expect("rm");
        assert_eq!(check_task(&build_task("./ctx/up", None), &root), Ok(()));
        assert_eq!(
            check_task(&build_task(".", Some("./ctx/missing")), &root),
            Ok(())
        );
    }
}
