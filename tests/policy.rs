//! The operator policy (`--policy`, `NOMAD_BUILD_POLICY`, docs/policy.md).
//!
//! - `tests/fixtures/policy/<case>/`: `build.hcl` validated under the `--policy` of its `args`
//!   file; the diagnostics are snapshotted exactly as a user sees them. `policy-*` and
//!   `security-*` cases exit 1, `bad-policy-*` cases (a policy that is not valid) exit 2.
//! - the complete example policy (`examples/policy.hcl`, included in docs/policy.md) under
//!   `validate`, `render` and `local`; `tests/mcp_policy.rs` drives MCP `render` under it.
//! - the committed `schemas/policy.schema.json` is what `nomad-build schema policy` prints.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

const EXAMPLE: &str = "examples/policy.hcl";

#[test]
fn fixtures() {
    insta::glob!("fixtures/policy/*/build.hcl", |path| {
        let dir = path.parent().expect("fixture dir");
        let case = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let args = fs::read_to_string(dir.join("args")).expect("every policy case has args");
        let mut argv = vec!["validate", "build.hcl"];
        argv.extend(args.split_whitespace());
        let (code, stdout, stderr) = common::run(dir, &argv);
        let want = if case.starts_with("bad-policy-") {
            2
        } else {
            1
        };
        assert_eq!(code, want, "{case}: exit code\n{stderr}");
        assert_eq!(stdout, "", "{case}");
        let policy = fs::read_to_string(dir.join("policy.hcl")).unwrap_or_default();
        let source = fs::read_to_string(path).expect("fixture");
        let description = format!("policy.hcl:\n{policy}\nbuild.hcl:\n{source}");
        insta::with_settings!({ description => description, omit_expression => true }, {
            insta::assert_snapshot!(stderr);
        });
    });
}

/// Runs the binary in the crate root with `envs` set.
fn run_env(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nomad-build"))
        .current_dir(common::root())
        .args(args)
        .envs(envs.iter().copied())
        .env("NO_COLOR", "1")
        .env_remove("NOMAD_BUILD_VAR_ref")
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

const ATTACKER: &str = "tests/fixtures/policy/policy-credentials-attacker/build.hcl";

#[test]
fn the_example_policy_passes_the_full_example_and_refuses_the_attacker() {
    let (code, out, err) = common::run(
        &common::root(),
        &["validate", "--policy", EXAMPLE, "examples/full/build.hcl"],
    );
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));

    let (code, out, err) = common::run(
        &common::root(),
        &[
            "render",
            "--policy",
            EXAMPLE,
            "--run-id",
            "p1",
            "--phase",
            "build",
            "examples/full/build.hcl",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    assert!(out.starts_with("job \"payments-api-build-p1\""), "{out}");

    let (code, out, err) = common::run(
        &common::root(),
        &[
            "render", "--policy", EXAMPLE, "--run-id", "p1", "--phase", "build", ATTACKER,
        ],
    );
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("policy-credentials"), "{err}");
    assert!(
        err.contains(&format!("{ATTACKER}:23:14]")),
        "the finding is at the secret's line: {err}"
    );
    assert!(
        err.ends_with("failed: 1 error; nothing was written\n"),
        "{err}"
    );
}

#[test]
fn the_environment_names_the_policy_and_the_flag_wins() {
    let (code, _, err) = run_env(&["validate", ATTACKER], &[("NOMAD_BUILD_POLICY", EXAMPLE)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("policy-credentials"), "{err}");
    // Without a policy the same file passes validation: that is what the policy is for.
    let (code, _, err) = run_env(&["validate", ATTACKER], &[]);
    assert_eq!(code, 0, "{err}");
    let empty = tempfile::NamedTempFile::new().expect("temp");
    let (code, _, err) = run_env(
        &[
            "validate",
            "--policy",
            empty.path().to_str().expect("utf-8"),
            "examples/minimal/build.hcl",
        ],
        &[("NOMAD_BUILD_POLICY", EXAMPLE)],
    );
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn local_refuses_before_anything_runs() {
    let work = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = common::run(
        &common::root(),
        &[
            "local",
            "--policy",
            EXAMPLE,
            "--run-id",
            "p1",
            "--workdir",
            work.path().to_str().expect("utf-8"),
            ATTACKER,
        ],
    );
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("policy-credentials"), "{err}");
    assert!(err.ends_with("failed: 1 error; nothing was run\n"), "{err}");
    assert_eq!(fs::read_dir(work.path()).expect("workdir").count(), 0);
}

#[test]
fn template_overrides_need_the_policy_to_allow_them() {
    let tpl = tempfile::tempdir().expect("tempdir");
    let dir = tpl.path().to_str().expect("utf-8");
    let args = [
        "render",
        "--policy",
        EXAMPLE,
        "--run-id",
        "p1",
        "--phase",
        "build",
        "--templates",
        dir,
        "examples/full/build.hcl",
    ];
    let (code, out, err) = common::run(&common::root(), &args);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.starts_with("policy-templates"), "{err}");
    assert!(
        err.ends_with("failed: 1 error; nothing was written\n"),
        "{err}"
    );

    let allowing = tempfile::NamedTempFile::new().expect("temp");
    let policy = fs::read_to_string(common::root().join(EXAMPLE))
        .expect("example")
        .replace("templates = false", "templates = true");
    fs::write(allowing.path(), policy).expect("write");
    let mut args = args;
    args[2] = allowing.path().to_str().expect("utf-8");
    let (code, _, err) = common::run(&common::root(), &args);
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn an_unreadable_policy_is_a_usage_error() {
    let (code, out, err) = common::run(
        &common::root(),
        &[
            "render",
            "--policy",
            "no/such/policy.hcl",
            "examples/minimal/build.hcl",
        ],
    );
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.starts_with("error: cannot read the policy `no/such/policy.hcl`: "),
        "{err}"
    );
    assert!(
        err.ends_with("\nfailed: the operator policy cannot be used; nothing was done\n"),
        "{err}"
    );
}

#[test]
fn committed_policy_schema_matches_the_binary() {
    let (code, stdout, _) = common::run(&common::root(), &["schema", "policy"]);
    assert_eq!(code, 0);
    let committed = fs::read_to_string(common::root().join("schemas/policy.schema.json"))
        .expect("committed schema");
    assert!(
        stdout == committed,
        "schemas/policy.schema.json is stale: run `cargo run -- schema policy > schemas/policy.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).expect("JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    for name in ["allow", "credentials", "repository"] {
        assert!(schema["properties"][name].is_object(), "{name}");
    }
}

#[test]
fn docs_show_the_example_policy_verbatim() {
    let docs = fs::read_to_string(common::root().join("docs/policy.md")).expect("docs");
    let example = fs::read_to_string(common::root().join(EXAMPLE)).expect("example");
    assert!(
        docs.contains(&format!("```hcl\n{example}```\n")),
        "docs/policy.md must show examples/policy.hcl verbatim in an hcl block"
    );
    // Every attribute of the policy's model is documented.
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(common::root().join("schemas/policy.schema.json")).expect("schema"),
    )
    .expect("JSON");
    for def in ["Allow", "CredentialsRule", "RepositoryRule"] {
        for name in schema["$defs"][def]["properties"]
            .as_object()
            .expect("props")
            .keys()
        {
            assert!(
                docs.contains(&format!("`{name}`")),
                "docs/policy.md: `{name}` of {def}"
            );
        }
    }
    assert!(Path::new(&common::root().join(EXAMPLE)).is_file());
}

#[test]
fn run_says_once_that_no_policy_pins_the_credentials() {
    const NOTICE: &str = "notice: no operator policy (--policy FILE or NOMAD_BUILD_POLICY): \
        build.hcl alone chooses where these credentials are sent, the Vault role, namespace, \
        node pool, images and privileges (see \"Security model\" in the README)\n";
    // An address the client refuses: `run` compiles, says what it has to, then stops.
    let nomad = [("NOMAD_ADDR", "ftp://127.0.0.1:1")];
    let (code, _, err) = run_env(
        &["run", "--run-id", "p1", "examples/full/build.hcl"],
        &nomad,
    );
    assert_eq!(code, 125, "{err}");
    assert!(err.starts_with(NOTICE), "{err}");
    assert_eq!(
        err.matches("notice: no operator policy").count(),
        1,
        "{err}"
    );
    let (code, _, err) = run_env(
        &[
            "run",
            "--policy",
            EXAMPLE,
            "--run-id",
            "p1",
            "examples/full/build.hcl",
        ],
        &nomad,
    );
    assert_eq!(code, 125, "{err}");
    assert!(!err.contains("notice:"), "{err}");
    // No credentials, nothing to say.
    let (code, _, err) = run_env(
        &["run", "--run-id", "p1", "examples/minimal/build.hcl"],
        &nomad,
    );
    assert_eq!(code, 125, "{err}");
    assert!(!err.contains("notice:"), "{err}");
}
