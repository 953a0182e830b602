//! The `origin` remote as the source to build (no `source.url`): its URL is checked like
//! `source.url`, its credentials never reach a job, a diagnostic or an MCP result, and the MCP
//! tools ask git only about repositories below `--root`.

mod common;

use common::mcp::Mcp;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::json;

const USER: &str = "gitlab-ci-token";
const TOKEN: &str = "glcbt-64_Zq8sEcReT";

/// `examples/minimal` without its `source` block: the jobs clone the `origin` remote.
fn without_source() -> String {
    let text =
        fs::read_to_string(common::root().join("examples/minimal/build.hcl")).expect("example");
    let text = text.replace(
        "  source {\n    url = \"https://git.example.com/acme/hello.git\"\n    ref = \"main\"\n  }\n\n",
        "",
    );
    assert!(!text.contains("source"));
    text
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A git repository at `dir` with one commit and `origin` at `url`.
fn repo(dir: &Path, url: &str) {
    fs::create_dir_all(dir).expect("mkdir");
    git(dir, &["init", "-q"]);
    git(
        dir,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
    );
    git(dir, &["remote", "add", "origin", url]);
}

fn credentialed_url() -> String {
    format!("https://{USER}:{TOKEN}@gitlab.example.com/acme/app.git")
}

const CREDENTIALS_WARNING: &str = "origin-url-credentials

  ⚠ the `origin` remote's URL carries credentials; the jobs clone it without them
   ╭─[git remote get-url origin:1:9]
 1 │ https://***@gitlab.example.com/acme/app.git
   ·         ─┬─
   ·          ╰── a user name or password was here; it is not written anywhere
   ╰────
  help: git credentials belong in Vault: `source { credentials { path = \"...\" } }`; set
        `source.url` to the URL without them to silence this

";

#[test]
fn origin_credentials_are_stripped_from_every_job_with_a_warning() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("app");
    repo(&dir, &credentialed_url());
    fs::write(dir.join("build.hcl"), without_source()).expect("write");

    for format in ["hcl", "json"] {
        let (code, stdout, stderr) =
            common::run(&dir, &["render", "--run-id", "r1", "--format", format]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(stderr, CREDENTIALS_WARNING);
        assert!(
            stdout.contains("git remote add -- origin https://gitlab.example.com/acme/app.git"),
            "{stdout}"
        );
        for leaked in [TOKEN, USER] {
            assert!(!stdout.contains(leaked), "`{leaked}` in the {format} jobs");
        }
    }
    // The files `render -o` writes, every phase.
    let (code, stderr, files) = common::render_dir(&dir, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!files.is_empty());
    for (name, text) in &files {
        for leaked in [TOKEN, USER] {
            assert!(!text.contains(leaked), "`{leaked}` in {name}");
        }
    }

    // validate says the same, in every format; the token is in none.
    let (code, stdout, stderr) = common::run(&dir, &["validate"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!("{CREDENTIALS_WARNING}passed: 0 errors and 1 warning in 1 file\n")
    );
    for format in ["json", "sarif", "github"] {
        let (code, stdout, stderr) = common::run(&dir, &["validate", "--format", format]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("origin-url-credentials"), "{stdout}");
        assert!(
            !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
            "{format}"
        );
    }

    // A comment in build.hcl cannot silence it; `--deny warnings` fails on it.
    fs::write(
        dir.join("build.hcl"),
        format!(
            "# nomad-build:ignore-file origin-url-credentials -- it is fine\n{}",
            without_source()
        ),
    )
    .expect("write");
    let (code, _, stderr) = common::run(&dir, &["validate", "--deny", "warnings"]);
    assert_eq!(code, 1, "{stderr}");
    // The comment is read, and silences nothing.
    assert!(stderr.starts_with("unused-suppression\n"), "{stderr}");
    assert!(
        stderr.ends_with(&format!(
            "{CREDENTIALS_WARNING}failed: 0 errors and 2 warnings in 1 file\n"
        )),
        "{stderr}"
    );
}

#[test]
fn an_ssh_password_goes_and_the_ssh_user_stays() {
    let work = tempfile::tempdir().expect("tempdir");
    repo(
        work.path(),
        &format!("ssh://git:{TOKEN}@git.example.com/acme/app.git"),
    );
    fs::write(work.path().join("build.hcl"), without_source()).expect("write");
    let (code, stdout, stderr) = common::run(work.path(), &["render", "--run-id", "r1"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("ssh://git:***@git.example.com/acme/app.git"),
        "{stderr}"
    );
    assert!(
        stdout.contains("git remote add -- origin ssh://git@git.example.com/acme/app.git"),
        "{stdout}"
    );
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
}

#[test]
fn a_refused_origin_is_an_error_at_the_remote() {
    let work = tempfile::tempdir().expect("tempdir");
    repo(work.path(), "ext::sh -c touch% pwned");
    fs::write(work.path().join("build.hcl"), without_source()).expect("write");
    let (code, stdout, stderr) = common::run(work.path(), &["render", "--run-id", "r1"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "invalid-source-url

  × the `origin` remote `ext::sh -c touch% pwned` is not a usable clone URL
   ╭─[git remote get-url origin:1:1]
 1 │ ext::sh -c touch% pwned
   · ───────────┬───────────
   ·            ╰── the `<transport>::` form (ext::, fd::, ...) makes git run a remote helper
   ╰────
  help: set `source.url` in build.hcl to the repository to clone; the `origin` remote is cloned
        only when there is none

failed: 1 error; nothing was written
"
    );

    // An unknown scheme with credentials: refused, and the credentials are not shown.
    let work = tempfile::tempdir().expect("tempdir");
    repo(work.path(), &format!("fd://{USER}:{TOKEN}@host/x"));
    fs::write(work.path().join("build.hcl"), without_source()).expect("write");
    let (code, _, stderr) = common::run(work.path(), &["validate"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("the `origin` remote `fd://***@host/x` is not a usable clone URL"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the scheme must be https, ssh, git or file"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(TOKEN) && !stderr.contains(USER),
        "{stderr}"
    );

    // With `source.url` the origin is not used, so not checked either.
    let work = tempfile::tempdir().expect("tempdir");
    repo(work.path(), "ext::sh -c touch% pwned");
    let example =
        fs::read_to_string(common::root().join("examples/minimal/build.hcl")).expect("example");
    fs::write(work.path().join("build.hcl"), example).expect("write");
    let (code, _, stderr) = common::run(work.path(), &["validate"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
}

// ---------------------------------------------------------------------------------------------
// MCP

#[test]
fn mcp_does_not_read_a_repository_above_its_root() {
    let work = tempfile::tempdir().expect("tempdir");
    // The repository (with a credentialed origin) is above the root.
    repo(work.path(), &credentialed_url());
    let root = work.path().join("sub/root");
    fs::create_dir_all(&root).expect("mkdir");
    fs::write(root.join("build.hcl"), without_source()).expect("write");
    // The CLI, unconfined, finds that repository's origin.
    let (code, stdout, _) = common::run(&root, &["render", "--run-id", "r1"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("gitlab.example.com"));

    let mut mcp = Mcp::start(&root);
    for args in [
        json!({"path": "build.hcl", "run_id": "r1"}),
        json!({"text": without_source(), "file_name": "build.hcl", "run_id": "r1"}),
    ] {
        let (is_error, text) = mcp.call("render", &args);
        assert!(is_error, "{text}");
        assert!(text.contains("missing-source"), "{text}");
        assert!(!text.contains("gitlab.example.com"), "{text}");
        assert!(!text.contains(TOKEN) && !text.contains(USER), "{text}");
    }
    let (is_error, text) = mcp.call("validate", &json!({"path": "build.hcl"}));
    assert!(!is_error, "{text}");
    assert!(text.contains("missing-source"), "{text}");
    assert!(!text.contains("gitlab.example.com"), "{text}");
}

#[test]
fn mcp_strips_the_credentials_of_a_root_repository() {
    let work = tempfile::tempdir().expect("tempdir");
    let root = work.path().join("app");
    repo(&root, &credentialed_url());
    fs::write(root.join("build.hcl"), without_source()).expect("write");
    let mut mcp = Mcp::start(&root);
    let (is_error, text) = mcp.call("render", &json!({"path": "build.hcl", "run_id": "r1"}));
    assert!(!is_error, "{text}");
    assert!(
        text.contains("origin https://gitlab.example.com/acme/app.git"),
        "{text}"
    );
    assert!(text.contains("origin-url-credentials"), "{text}");
    assert!(!text.contains(TOKEN) && !text.contains(USER), "{text}");
}

#[cfg(unix)]
#[test]
fn mcp_refuses_a_file_name_symlinked_out_of_the_root() {
    let work = tempfile::tempdir().expect("tempdir");
    // A repository outside the root, with a credentialed origin, reached through a symlink.
    let outside = work.path().join("outside");
    repo(&outside, &credentialed_url());
    let root = work.path().join("root");
    fs::create_dir_all(&root).expect("mkdir");
    std::os::unix::fs::symlink(&outside, root.join("link")).expect("symlink");
    fs::write(outside.join("build.hcl"), without_source()).expect("write");
    std::os::unix::fs::symlink(outside.join("build.hcl"), root.join("file.hcl")).expect("symlink");

    let mut mcp = Mcp::start(&root);
    for (tool, name) in [
        ("render", "link/build.hcl"),
        ("render", "link/new/build.hcl"),
        ("render", "file.hcl"),
        ("validate", "link/build.hcl"),
    ] {
        let mut args = json!({"text": without_source(), "file_name": name});
        if tool == "render" {
            args["run_id"] = json!("r1");
        }
        let (is_error, text) = mcp.call(tool, &args);
        assert!(is_error, "{tool} {name}: {text}");
        assert!(
            text.contains("leads outside the root"),
            "{tool} {name}: {text}"
        );
        assert!(
            !text.contains("gitlab.example.com"),
            "{tool} {name}: {text}"
        );
    }
}
