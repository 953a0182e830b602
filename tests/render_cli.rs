//! `render` writing files: stdout, `-o`, `--check`, nothing written on failure; `init`.

mod common;

use std::fs;

fn example(name: &str) -> String {
    fs::read_to_string(common::root().join("examples").join(name).join("build.hcl"))
        .expect("example")
}

#[test]
fn stdout_hcl_and_json_match_the_files() {
    let dir = common::root().join("examples/minimal");
    let (code, hcl, _) = common::run(&dir, &["render", "--phase", "build", "--run-id", "3f2a1c9"]);
    assert_eq!(code, 0);
    let (code, json, _) = common::run(
        &dir,
        &[
            "render", "--phase", "build", "--format", "json", "--run-id", "3f2a1c9",
        ],
    );
    assert_eq!(code, 0);
    let (_, _, files) = common::render_dir(&dir, &[]);
    assert_eq!(files[0], ("hello.build.nomad.hcl".to_owned(), hcl));
    assert_eq!(files[1], ("hello.build.nomad.json".to_owned(), json));
}

#[test]
fn check_reports_stale_and_missing_files_and_writes_nothing() {
    let work = tempfile::tempdir().expect("tempdir");
    fs::write(work.path().join("build.hcl"), example("minimal")).expect("write");
    let (code, _, _) = common::run(
        work.path(),
        &["render", "--run-id", "abc1234", "-o", "jobs"],
    );
    assert_eq!(code, 0);
    let (code, stdout, stderr) = common::run(
        work.path(),
        &["render", "--run-id", "abc1234", "-o", "jobs", "--check"],
    );
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));

    // A stale file and a missing one: exit 1, a unified diff for each, nothing rewritten.
    let hcl = work.path().join("jobs/hello.build.nomad.hcl");
    let edited = fs::read_to_string(&hcl)
        .expect("hcl")
        .replace("priority    = 50", "priority    = 70");
    fs::write(&hcl, &edited).expect("edit");
    fs::remove_file(work.path().join("jobs/hello.build.nomad.json")).expect("rm");
    let (code, stdout, stderr) = common::run(
        work.path(),
        &["render", "--run-id", "abc1234", "-o", "jobs", "--check"],
    );
    assert_eq!(code, 1);
    assert!(
        stdout.contains("--- a/jobs/hello.build.nomad.hcl\n+++ b/jobs/hello.build.nomad.hcl\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-  priority    = 70\n+  priority    = 50\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("--- /dev/null\n+++ b/jobs/hello.build.nomad.json\n"),
        "{stdout}"
    );
    assert_eq!(
        stderr,
        "2 files out of date; run `nomad-build render -o jobs` to update\n"
    );
    assert_eq!(fs::read_to_string(&hcl).expect("hcl"), edited);
    assert!(!work.path().join("jobs/hello.build.nomad.json").exists());
}

#[test]
fn a_failing_render_writes_no_file_and_leaves_others_alone() {
    let work = tempfile::tempdir().expect("tempdir");
    let bad = example("full").replace("timeout = \"45m\"", "timeout = \"45 minutes\"");
    fs::write(work.path().join("build.hcl"), bad).expect("write");
    fs::create_dir(work.path().join("jobs")).expect("mkdir");
    fs::write(work.path().join("jobs/keep.txt"), "mine").expect("write");
    let (code, stdout, stderr) = common::run(
        work.path(),
        &["render", "--run-id", "abc1234", "-o", "jobs"],
    );
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(stderr.contains("invalid-duration"), "{stderr}");
    assert!(
        stderr.ends_with("failed: 1 error; nothing was written\n"),
        "{stderr}"
    );
    let names: Vec<_> = fs::read_dir(work.path().join("jobs"))
        .expect("dir")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(names, vec!["keep.txt"]);
}

#[test]
fn no_source_outside_git_is_an_error() {
    let work = tempfile::tempdir().expect("tempdir");
    let text = example("minimal").replace(
        "  source {\n    url = \"https://git.example.com/acme/hello.git\"\n    ref = \"main\"\n  }\n\n",
        "",
    );
    assert!(!text.contains("source"));
    fs::write(work.path().join("build.hcl"), text).expect("write");
    let (code, _, stderr) = common::run(
        work.path(),
        &["render", "--run-id", "abc1234", "--phase", "build"],
    );
    assert_eq!(code, 1);
    assert!(stderr.starts_with("missing-source\n"), "{stderr}");
    let (code, _, stderr) = common::run(work.path(), &["render", "--phase", "build"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("missing-run-id"), "{stderr}");
}

#[test]
fn source_defaults_to_the_enclosing_git_repository() {
    let work = tempfile::tempdir().expect("tempdir");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .current_dir(work.path())
            .args(args)
            .output()
            .expect("git")
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&[
        "remote",
        "add",
        "origin",
        "https://git.example.com/acme/hello.git",
    ]);
    let text = example("minimal").replace(
        "  source {\n    url = \"https://git.example.com/acme/hello.git\"\n    ref = \"main\"\n  }\n\n",
        "",
    );
    fs::write(work.path().join("build.hcl"), text).expect("write");
    git(&["add", "build.hcl"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-qm",
        "x",
    ]);
    let (code, hcl, stderr) = common::run(work.path(), &["render", "--phase", "build"]);
    assert_eq!(code, 0, "{stderr}");
    let out = std::process::Command::new("git")
        .current_dir(work.path())
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git");
    let head = String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    assert!(
        hcl.contains(&format!("job \"hello-build-{}\"", &head[..7])),
        "{hcl}"
    );
    assert!(
        hcl.contains(&format!("fetch -q --depth 1 -- origin {head}")),
        "{hcl}"
    );
}

#[test]
fn init_writes_a_valid_starter_and_never_overwrites() {
    let work = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = common::run(work.path(), &["init"]);
    assert_eq!(
        (code, stderr.as_str()),
        (
            0,
            "wrote build.hcl; there is no `origin` remote to build from, so set `source.url` \
             (line 15) to the repository's clone URL, then run `nomad-build validate`\n"
        )
    );
    // Without an `origin` remote the starter names its source, so it validates as written.
    let (code, _, stderr) = common::run(work.path(), &["validate"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    // In a clone with an `origin` remote, the source is left to default to it.
    let clone = tempfile::tempdir().expect("tempdir");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(clone.path())
            .status()
            .expect("git")
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&[
        "remote",
        "add",
        "origin",
        "https://git.example.com/acme/x.git",
    ]);
    let (code, _, stderr) = common::run(clone.path(), &["init"]);
    assert_eq!(
        (code, stderr.as_str()),
        (
            0,
            "wrote build.hcl; edit it, then run `nomad-build validate`\n"
        )
    );
    let written = fs::read_to_string(clone.path().join("build.hcl")).expect("read");
    assert!(written.contains("  # source {\n"), "{written}");
    fs::write(work.path().join("build.hcl"), "mine").expect("write");
    let (code, _, stderr) = common::run(work.path(), &["init"]);
    assert_eq!(
        (code, stderr.as_str()),
        (1, "error: `build.hcl` already exists; not overwriting it\n")
    );
    assert_eq!(
        fs::read_to_string(work.path().join("build.hcl")).expect("read"),
        "mine"
    );
}

#[test]
fn templates_dir_overrides_by_name_and_rendered_jobs_are_still_checked() {
    let dir = common::root().join("examples/minimal");
    let tpl = tempfile::tempdir().expect("tempdir");
    let checkout =
        fs::read_to_string(common::root().join("templates/checkout.sh.j2")).expect("template");
    fs::write(
        tpl.path().join("checkout.sh.j2"),
        format!("{checkout}echo 'platform team was here'\n"),
    )
    .expect("write");
    let tpl_s = tpl.path().to_str().expect("utf-8");
    let (code, hcl, stderr) = common::run(
        &dir,
        &[
            "render",
            "--phase",
            "build",
            "--run-id",
            "abc1234",
            "--templates",
            tpl_s,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(hcl.contains("echo 'platform team was here'\\n"), "{hcl}");

    // A template that puts a `user` on the buildah task is refused, pointing into its output.
    let build =
        fs::read_to_string(common::root().join("templates/build.nomad.hcl.j2")).expect("template");
    let with_user = build.replacen(
        "    task {= names.build | hcl =} {\n",
        "    task {= names.build | hcl =} {\n      user = \"build\"\n",
        1,
    );
    assert_ne!(with_user, build);
    fs::write(tpl.path().join("build.nomad.hcl.j2"), with_user).expect("write");
    let (code, stdout, stderr) = common::run(
        &dir,
        &[
            "render",
            "--phase",
            "build",
            "--run-id",
            "abc1234",
            "--templates",
            tpl_s,
        ],
    );
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.starts_with("buildah-user\n"), "{stderr}");
    assert!(
        stderr.contains("hello.build.nomad.hcl (rendered from "),
        "{stderr}"
    );

    // A template that writes a field Nomad does not know is a diagnostic, not a silent drop.
    let typo = build.replacen(
        "      driver = \"docker\"\n",
        "      driver = \"docker\"\n      kill_timout = \"30s\"\n",
        1,
    );
    fs::write(tpl.path().join("build.nomad.hcl.j2"), typo).expect("write");
    let (code, _, stderr) = common::run(
        &dir,
        &[
            "render",
            "--phase",
            "build",
            "--run-id",
            "abc1234",
            "--templates",
            tpl_s,
        ],
    );
    assert_eq!(code, 1);
    assert!(stderr.starts_with("template-unknown-field\n"), "{stderr}");
    assert!(
        stderr.contains("kill_timeout"),
        "the closest field is suggested: {stderr}"
    );
}
