//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run by the real `pre-commit` (PyPI) on
//! real commits in scratch git repositories: a good build.hcl commits; a bad one, or job files
//! that `render` would now write differently, block the commit with the diagnostics in
//! pre-commit's output.
//!
//! The hooks run the binary under test: as `repo: local` hooks that mirror the manifest's with
//! `language: system` and the binary's path in `entry` (so nothing is compiled twice), and
//! through the manifest itself, committed to a throwaway hook repository, with the binary's
//! directory on PATH for `nomad-build-validate-system`.
//!
//! `pre-commit` must be on PATH (`.ci/run` installs it); these tests fail without it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_nomad-build");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command isolated from the caller's git and pre-commit configuration.
fn command(program: &str, cwd: &Path, cache: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(cwd)
        .env("PRE_COMMIT_HOME", cache)
        .env("PRE_COMMIT_COLOR", "never")
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("SKIP")
        .env_remove("NOMAD_BUILD_VAR_ref");
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_COMMON_DIR",
        "GIT_PREFIX",
    ] {
        c.env_remove(var);
    }
    c
}

fn output_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs a command that must succeed; returns its stdout.
fn run_ok(mut c: Command) -> String {
    let o = c
        .output()
        .unwrap_or_else(|e| panic!("cannot run {c:?}: {e}"));
    assert!(o.status.success(), "{c:?} failed:\n{}", output_text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Fails the test, with what to do, when `pre-commit` is not installed.
fn require_pre_commit() {
    match Command::new("pre-commit").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "`pre-commit --version` failed: {}\nthese tests need the real pre-commit: \
             python3 -m pip install 'pre-commit==4.*' (as .ci/run does)",
            output_text(&o)
        ),
        Err(e) => panic!(
            "`pre-commit` is not on PATH ({e}); these tests need the real pre-commit: \
             python3 -m pip install 'pre-commit==4.*' (as .ci/run does)"
        ),
    }
}

/// A scratch git repository with pre-commit installed as its pre-commit hook.
struct Repo {
    _tmp: TempDir,
    dir: PathBuf,
    cache: PathBuf,
    path: Option<OsString>,
}

impl Repo {
    /// A new repository whose `.pre-commit-config.yaml` is `config` (YAML, written as JSON).
    fn new(config: &Value) -> Repo {
        require_pre_commit();
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("work");
        let cache = tmp.path().join("pre-commit-home");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let repo = Repo {
            _tmp: tmp,
            dir,
            cache,
            path: None,
        };
        repo.git(&["init", "-q"]);
        repo.write(
            ".pre-commit-config.yaml",
            &serde_json::to_string_pretty(config).expect("config"),
        );
        let mut install = repo.cmd("pre-commit");
        install.arg("install");
        run_ok(install);
        repo
    }

    /// Puts `dir` first on the PATH of the commits' hooks.
    fn with_path_first(mut self, dir: &Path) -> Repo {
        let mut dirs = vec![dir.to_path_buf()];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        self.path = Some(std::env::join_paths(dirs).expect("PATH"));
        self
    }

    fn cmd(&self, program: &str) -> Command {
        let mut c = command(program, &self.dir, &self.cache);
        if let Some(p) = &self.path {
            c.env("PATH", p);
        }
        c
    }

    fn git(&self, args: &[&str]) -> String {
        let mut c = self.cmd("git");
        c.args(args);
        run_ok(c)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
    }

    /// `nomad-build render build.hcl -o jobs --run-id fixed` in the repository.
    fn render(&self) {
        let mut c = self.cmd(BIN);
        c.args(["render", "build.hcl", "-o", "jobs", "--run-id", "fixed"]);
        run_ok(c);
    }

    fn head(&self) -> Option<String> {
        let o = self
            .cmd("git")
            .args(["rev-parse", "-q", "--verify", "HEAD"])
            .output()
            .expect("git rev-parse");
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    }

    /// Stages everything and commits: (whether a commit was made, git's and the hooks'
    /// output). Asserts that a failed commit left HEAD where it was.
    fn commit(&self, message: &str) -> (bool, String) {
        self.git(&["add", "-A"]);
        let before = self.head();
        let o = self
            .cmd("git")
            .args([
                "-c",
                "user.name=x",
                "-c",
                "user.email=x@example.com",
                "-c",
                "commit.gpgsign=false",
                "commit",
                "-m",
                message,
            ])
            .output()
            .expect("git commit");
        let text = output_text(&o);
        if !o.status.success() {
            assert_eq!(self.head(), before, "a blocked commit moved HEAD:\n{text}");
        }
        (o.status.success(), text)
    }
}

/// The hooks of `.pre-commit-hooks.yaml`, each as its `key: value` pairs in order. The file
/// is a list of flat maps of plain scalars; anything else fails here.
fn manifest_hooks() -> Vec<Vec<(String, String)>> {
    let path = root().join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut hooks: Vec<Vec<(String, String)>> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let (item, start) = match line.strip_prefix("- ") {
            Some(rest) => (rest, true),
            None => (
                line.strip_prefix("  ")
                    .unwrap_or_else(|| panic!("unexpected manifest line: {line:?}")),
                false,
            ),
        };
        let (key, value) = item
            .split_once(": ")
            .unwrap_or_else(|| panic!("not `key: value`: {line:?}"));
        if start {
            hooks.push(Vec::new());
        }
        hooks
            .last_mut()
            .unwrap_or_else(|| panic!("a key before the first hook: {line:?}"))
            .push((key.to_owned(), value.trim().to_owned()));
    }
    hooks
}

fn field<'a>(hook: &'a [(String, String)], key: &str) -> Option<&'a str> {
    hook.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A shell word for pre-commit's `entry` (which it splits with `shlex`).
fn shell_word(s: &str) -> String {
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+=:@%".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[test]
fn the_manifest_declares_the_three_hooks() {
    require_pre_commit();
    let hooks = manifest_hooks();
    let summary: Vec<(&str, &str, &str, &str, Option<&str>)> = hooks
        .iter()
        .map(|h| {
            (
                field(h, "id").expect("id"),
                field(h, "entry").expect("entry"),
                field(h, "language").expect("language"),
                field(h, "files").expect("files"),
                field(h, "pass_filenames"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "nomad-build-validate",
                "nomad-build validate",
                "rust",
                r"(^|/)build\.hcl$",
                None
            ),
            (
                "nomad-build-validate-system",
                "nomad-build validate",
                "system",
                r"(^|/)build\.hcl$",
                None
            ),
            (
                "nomad-build-check",
                "nomad-build render --check",
                "rust",
                r"(^|/)build\.hcl$",
                Some("false")
            ),
        ]
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut c = command("pre-commit", &root(), tmp.path());
    c.args(["validate-manifest", ".pre-commit-hooks.yaml"]);
    run_ok(c);
}

/// `repo: local` hooks equivalent to the manifest's `language: rust` hooks, running the
/// binary under test; the check hook gets `args`.
fn local_config() -> Value {
    let mut hooks = Vec::new();
    for h in manifest_hooks() {
        if field(&h, "language") != Some("rust") {
            continue;
        }
        let id = field(&h, "id").expect("id");
        let entry = field(&h, "entry").expect("entry");
        let args = entry
            .strip_prefix("nomad-build ")
            .unwrap_or_else(|| panic!("{id}: entry does not run nomad-build: {entry}"));
        let mut hook = json!({
            "id": id,
            "name": field(&h, "name").unwrap_or(id),
            "entry": format!("{} {args}", shell_word(BIN)),
            "language": "system",
            "files": field(&h, "files").expect("files"),
        });
        if let Some(p) = field(&h, "pass_filenames") {
            hook["pass_filenames"] = json!(p == "true");
        }
        if id == "nomad-build-check" {
            hook["args"] = json!(["-o", "jobs", "--run-id", "fixed"]);
        }
        hooks.push(hook);
    }
    assert_eq!(hooks.len(), 2, "{hooks:?}");
    json!({ "repos": [{ "repo": "local", "hooks": hooks }] })
}

const MINIMAL: &str = include_str!("../examples/minimal/build.hcl");

/// examples/minimal/build.hcl with a timeout that is not a Go duration.
fn bad_build_hcl() -> String {
    let bad = MINIMAL.replace("timeout = \"20m\"", "timeout = \"1d\"");
    assert_ne!(
        bad, MINIMAL,
        "examples/minimal/build.hcl has no `timeout = \"20m\"`"
    );
    bad
}

#[test]
fn local_hooks_let_a_good_file_through() {
    let repo = Repo::new(&local_config());
    repo.write("build.hcl", MINIMAL);
    repo.render();
    let (ok, out) = repo.commit("good");
    assert!(ok, "the commit was blocked:\n{out}");
    assert!(out.contains("nomad-build validate"), "{out}");
    assert!(out.contains("Passed"), "{out}");
    let files = repo.git(&["ls-files"]);
    assert!(
        files.lines().any(|l| l == "jobs/hello.build.nomad.hcl"),
        "{files}"
    );
}

#[test]
fn local_hooks_block_a_bad_file_with_its_diagnostic() {
    let repo = Repo::new(&local_config());
    repo.write("build.hcl", MINIMAL);
    repo.render();
    let (ok, out) = repo.commit("good");
    assert!(ok, "{out}");
    // A bad file in a subdirectory: matched by `files`, passed to validate by name.
    repo.write("services/api/build.hcl", &bad_build_hcl());
    let (ok, out) = repo.commit("bad");
    assert!(!ok, "the commit went through:\n{out}");
    assert!(out.contains("nomad-build validate"), "{out}");
    assert!(out.contains("Failed"), "{out}");
    assert!(out.contains("invalid-duration"), "{out}");
    assert!(out.contains("`1d` is not a duration"), "{out}");
    assert!(out.contains("services/api/build.hcl:13:15"), "{out}");
}

#[test]
fn local_hooks_block_stale_job_files() {
    let repo = Repo::new(&local_config());
    repo.write("build.hcl", MINIMAL);
    repo.render();
    let (ok, out) = repo.commit("good");
    assert!(ok, "{out}");
    // Valid, but the committed jobs are now stale.
    repo.write("build.hcl", &MINIMAL.replace("\"20m\"", "\"30m\""));
    let (ok, out) = repo.commit("stale");
    assert!(!ok, "the commit went through:\n{out}");
    assert!(out.contains("nomad-build render --check"), "{out}");
    assert!(out.contains("out of date"), "{out}");
    assert!(out.contains("--- a/jobs/hello.build.nomad.hcl"), "{out}");
    // Rendering again makes it pass.
    repo.render();
    let (ok, out) = repo.commit("fresh");
    assert!(ok, "{out}");
}

#[test]
fn the_published_manifest_blocks_a_bad_file() {
    // A throwaway hook repository holding a copy of the manifest, at a commit of its own.
    let hooks = tempfile::tempdir().expect("tempdir");
    let cache = hooks.path().join("unused-cache");
    let hooks_dir = hooks.path().join("nomad-build");
    std::fs::create_dir_all(&hooks_dir).expect("mkdir");
    std::fs::copy(
        root().join(".pre-commit-hooks.yaml"),
        hooks_dir.join(".pre-commit-hooks.yaml"),
    )
    .expect("copy the manifest");
    let git = |args: &[&str]| {
        let mut c = command("git", &hooks_dir, &cache);
        c.args(args);
        run_ok(c)
    };
    git(&["init", "-q"]);
    git(&["add", ".pre-commit-hooks.yaml"]);
    git(&[
        "-c",
        "user.name=x",
        "-c",
        "user.email=x@example.com",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "-q",
        "-m",
        "hooks",
    ]);
    let rev = git(&["rev-parse", "HEAD"]).trim().to_owned();

    let config = json!({
        "repos": [{
            "repo": hooks_dir.to_str().expect("UTF-8 path"),
            "rev": rev,
            "hooks": [{ "id": "nomad-build-validate-system" }],
        }],
    });
    let bin_dir = Path::new(BIN).parent().expect("the binary's directory");
    let repo = Repo::new(&config).with_path_first(bin_dir);
    repo.write("build.hcl", MINIMAL);
    let (ok, out) = repo.commit("good");
    assert!(ok, "the commit was blocked:\n{out}");
    assert!(out.contains("nomad-build validate"), "{out}");
    repo.write("build.hcl", &bad_build_hcl());
    let (ok, out) = repo.commit("bad");
    assert!(!ok, "the commit went through:\n{out}");
    assert!(out.contains("invalid-duration"), "{out}");
    assert!(out.contains("`1d` is not a duration"), "{out}");
    assert!(out.contains("build.hcl:13:15"), "{out}");
}
