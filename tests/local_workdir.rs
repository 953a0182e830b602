//! `nomad-build local --workdir DIR` trusts nothing it finds in DIR: a directory it did not make
//! is refused before anything runs, and in one it did make, each group's directory is laid
//! anew (no planted `alloc/src`, no stale clone, no symlink in `secrets/`). None of this needs
//! buildah: the build task may fail for want of it, the files are what is checked.

mod common;

#[cfg(unix)]
mod unix {
    use std::fs;
    use std::os::unix::fs::{symlink, PermissionsExt};
    use std::path::{Path, PathBuf};

    use super::common;

    const REFUSED_HINT: &str = "hint: pass `--workdir` a new or empty directory of yours \
                                (nomad-build creates a new one), or leave it out for a \
                                temporary one\nfailed: nothing was run\n";

    /// A directory holding `examples/full/build.hcl` (not in a git repository: the directory
    /// is the working tree) and the secrets file its build phase reads.
    fn project(base: &Path) -> PathBuf {
        let dir = base.join("project");
        fs::create_dir_all(&dir).expect("mkdir");
        fs::copy(
            common::root().join("examples/full/build.hcl"),
            dir.join("build.hcl"),
        )
        .expect("copy");
        let cred = serde_json::json!({"username": "u", "password": "canary-password-1234"});
        let secrets = serde_json::json!({
            "secret/data/nomad/jobs/registry-credentials": cred,
            "secret/data/nomad/jobs/registry-pull-credentials": cred,
            "secret/data/nomad/jobs/mirror-credentials": {"user": "u", "token": "canary-token-5678"},
            "secret/data/nomad/jobs/git-credentials": cred,
        });
        fs::write(dir.join("secrets.json"), secrets.to_string()).expect("write");
        dir
    }

    fn local(project: &Path, workdir: &Path, extra: &[&str]) -> (i32, String, String) {
        let mut args = vec![
            "local",
            "--phase",
            "build",
            "--run-id",
            "w1",
            "--secrets",
            "secrets.json",
            "--workdir",
            workdir.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        common::run(project, &args)
    }

    /// Every entry below `dir`, relative, sorted (symlinks not followed).
    fn tree(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).expect("dir") {
                let p = e.expect("entry").path();
                out.push(
                    p.strip_prefix(dir)
                        .expect("below")
                        .to_string_lossy()
                        .into_owned(),
                );
                if fs::symlink_metadata(&p).expect("meta").is_dir() {
                    stack.push(p);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn a_directory_it_did_not_make_is_refused_before_anything_runs() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let project = project(tmp.path());

        // Not empty, no marker: a planted `alloc/src` among its contents.
        let foreign = tmp.path().join("foreign");
        fs::create_dir_all(foreign.join("build/build/alloc")).expect("mkdir");
        symlink(tmp.path(), foreign.join("build/build/alloc/src")).expect("symlink");
        let before = tree(&foreign);
        let (code, stdout, stderr) = local(&project, &foreign, &[]);
        assert_eq!(code, 1, "{stdout}{stderr}");
        assert_eq!(stdout, "");
        assert_eq!(
            stderr,
            format!(
                "error: the work directory `{}` is not empty and was not made by nomad-build \
                 (it has no `.nomad-build-workdir`)\n{REFUSED_HINT}",
                foreign.display()
            )
        );
        assert_eq!(tree(&foreign), before);

        // Writable by everyone, even when empty.
        let open = tmp.path().join("open");
        fs::create_dir(&open).expect("mkdir");
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).expect("chmod");
        let (code, stdout, stderr) = local(&project, &open, &[]);
        assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
        assert_eq!(
            stderr,
            format!(
                "error: the work directory `{}` is writable by every user\n{REFUSED_HINT}",
                open.display()
            )
        );
        assert!(tree(&open).is_empty());

        // Another user's (only checkable when this test may give a directory away).
        let theirs = tmp.path().join("theirs");
        fs::create_dir(&theirs).expect("mkdir");
        if std::os::unix::fs::chown(&theirs, Some(54_321), None).is_ok() {
            let (code, _, stderr) = local(&project, &theirs, &[]);
            assert_eq!(code, 1, "{stderr}");
            assert_eq!(
                stderr,
                format!(
                    "error: the work directory `{}` belongs to another user\n{REFUSED_HINT}",
                    theirs.display()
                )
            );
        }
    }

    #[test]
    fn a_new_directory_is_made_private_and_marked_and_an_empty_one_adopted() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let project = project(tmp.path());
        let new = tmp.path().join("new/work");
        let (code, stdout, stderr) = local(&project, &new, &[]);
        assert_ne!(code, 0, "without buildah the build fails: {stdout}{stderr}");
        assert!(stdout.contains("▶ build/build"), "{stdout}");
        let meta = fs::metadata(&new).expect("made");
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        assert!(fs::symlink_metadata(new.join(".nomad-build-workdir"))
            .expect("marker")
            .is_file());
        // The next run takes it again.
        let (_, stdout, _) = local(&project, &new, &[]);
        assert!(stdout.contains("▶ build/build"), "{stdout}");

        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).expect("mkdir");
        let (_, stdout, _) = local(&project, &empty, &[]);
        assert!(stdout.contains("▶ build/build"), "{stdout}");
        assert!(empty.join(".nomad-build-workdir").is_file());
    }

    #[test]
    fn each_run_lays_the_group_directory_anew() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let project = project(tmp.path());
        let work = tmp.path().join("work");
        let (_, stdout, stderr) = local(&project, &work, &[]);
        assert!(stdout.contains("▶ build/build"), "{stdout}{stderr}");
        let alloc = work.join("build/build/alloc");
        let src = alloc.join("src");
        let secrets = work.join("build/build/build/secrets");
        assert_eq!(
            fs::read_link(&src).expect("link"),
            project.canonicalize().expect("canonical")
        );

        // Between two runs, something plants: `alloc/src` pointing at another tree, and in
        // `secrets/` a dangling symlink where `auth.json` is written.
        let attacker = tmp.path().join("attacker");
        fs::create_dir(&attacker).expect("mkdir");
        fs::write(attacker.join("Containerfile"), "FROM scratch\n").expect("write");
        fs::remove_file(&src).expect("rm");
        symlink(&attacker, &src).expect("symlink");
        let stolen = tmp.path().join("stolen-auth.json");
        fs::remove_file(secrets.join("auth.json")).expect("rm");
        symlink(&stolen, secrets.join("auth.json")).expect("symlink");
        fs::write(alloc.join("left-over"), "x").expect("write");

        let (_, stdout, stderr) = local(&project, &work, &[]);
        assert!(stdout.contains("▶ build/build"), "{stdout}{stderr}");
        assert_eq!(
            fs::read_link(&src).expect("link"),
            project.canonicalize().expect("canonical")
        );
        assert!(
            !stolen.exists(),
            "auth.json was written through the symlink"
        );
        assert_eq!(fs::read_dir(&attacker).expect("dir").count(), 1);
        assert!(!alloc.join("left-over").exists());
        let auth = secrets.join("auth.json");
        let meta = fs::symlink_metadata(&auth).expect("auth.json");
        assert!(meta.is_file());
        assert_eq!(meta.permissions().mode() & 0o777, 0o400);
        assert_eq!(
            fs::metadata(&secrets)
                .expect("secrets")
                .permissions()
                .mode()
                & 0o777,
            0o700
        );

        // A stale clone (a directory at `alloc/src`, as a `--clone` run leaves it) is not
        // built either: the working tree is linked in its place.
        fs::remove_file(&src).expect("rm");
        fs::create_dir(&src).expect("mkdir");
        fs::write(src.join("Containerfile"), "FROM stale\n").expect("write");
        let (_, stdout, stderr) = local(&project, &work, &[]);
        assert!(stdout.contains("▶ build/build"), "{stdout}{stderr}");
        assert_eq!(
            fs::read_link(&src).expect("link"),
            project.canonicalize().expect("canonical")
        );
    }
}
