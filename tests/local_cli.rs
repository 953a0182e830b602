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
