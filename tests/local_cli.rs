//! `nomad-build local` refusals that happen before anything runs (no buildah needed).

mod common;

use std::fs;

/// A template override that renames a task: `local` decides how to run a task by the role the
/// plan gave it, so a task the plan never asked for is refused up front instead of being run
/// some other way.
#[test]
fn a_task_the_plan_did_not_ask_for_is_refused_before_anything_runs() {
    let tpl = tempfile::tempdir().expect("tempdir");
    let build =
        fs::read_to_string(common::root().join("templates/build.nomad.hcl.j2")).expect("template");
    let renamed = build.replacen("task {= names.build | hcl =} {", "task \"compile\" {", 1);
    assert_ne!(renamed, build);
    fs::write(tpl.path().join("build.nomad.hcl.j2"), renamed).expect("write");
    let work = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = common::run(
        &common::root().join("examples/minimal"),
        &[
            "local",
            "--run-id",
            "t1",
            "--templates",
            tpl.path().to_str().expect("utf-8"),
            "--workdir",
            work.path().to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: task `compile` of group `build` in the build job is not one the plan asked for; \
         a template override must name its tasks with `names.*` and the test names\n\
         failed: nothing was run\n"
    );
    assert_eq!(fs::read_dir(work.path()).expect("workdir").count(), 0);
}

/// The checkout writes HEAD's commit time for the build's `--timestamp`. A `git` that fails
/// only that query used to mean "no time": the build went on with wall-clock timestamps, exit
/// 0, no word, a different digest on every run. Now the checkout fails and says why, and the
/// build never starts.
#[test]
fn a_failed_commit_time_query_fails_the_checkout() {
    use std::os::unix::fs::PermissionsExt;

    let repo = tempfile::tempdir().expect("tempdir");
    let r = repo.path();
    fs::write(
        r.join("build.hcl"),
        "pipeline \"stamp\" {\n  source {\n    url = \"https://git.example.com/acme/stamp.git\"\n  }\n\n  image {\n    repository = \"registry.example.com/acme/stamp\"\n  }\n\n  build {}\n}\n",
    )
    .expect("build.hcl");
    fs::write(r.join("Containerfile"), "FROM scratch\n").expect("Containerfile");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(r)
            .args(args)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-qm",
        "one",
    ]);

    // A `git` first on PATH that fails the commit-time query and passes everything else on.
    let bin = tempfile::tempdir().expect("tempdir");
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .expect("sh")
            .stdout,
    )
    .expect("utf-8");
    let wrapper = bin.path().join("git");
    fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do\n  [ \"$a\" = \"--format=%ct\" ] && {{ echo 'fatal: simulated failure' >&2; exit 128; }}\ndone\nexec {} \"$@\"\n",
            real.trim()
        ),
    )
    .expect("wrapper");
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let secrets = r.join("..").join("no-secrets.json");
    fs::write(&secrets, "{}").expect("secrets");
    let work = tempfile::tempdir().expect("tempdir");
    let wd = work.path().join("wd");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nomad-build"))
        .current_dir(r)
        .args(["local", "--phase", "build", "--run-id", "t1", "--secrets"])
        .arg(&secrets)
        .arg("--workdir")
        .arg(&wd)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(
            "build/checkout | error: cannot read HEAD's commit time for a reproducible build: \
             `git log -1 --format=%ct` failed (exit status: 128): fatal: simulated failure\n"
        ),
        "{stdout}"
    );
    assert!(
        !stdout.contains("▶ build/build"),
        "the build started:\n{stdout}"
    );
    assert!(!wd.join("build/build/alloc/source-date-epoch").exists());
}
