//! Fixture tests for `nomad_build::local::ctmpl`, the local stand-in for consul-template.
//!
//! Each directory under `tests/ctmpl/` holds `template.ctmpl` (template text, byte for byte),
//! `secrets.json` (a `--secrets` file: KV v2 path → data) and either `expected` (the exact bytes
//! consul-template would write) or `error` (`Variant: text`: the `CtmplError` variant and a
//! text its message must contain). The expected bytes were derived by hand from Go's and
//! consul-template's sources; `tests/ctmpl/README.md` shows the derivation of each one.

use std::fs;
use std::path::{Path, PathBuf};

use nomad_build::local::ctmpl::{render, secret_paths, CtmplError};
use serde_json::{Map, Value};

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ctmpl")
}

fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(fixture_root())
        .expect("tests/ctmpl is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

fn secrets(dir: &Path) -> Map<String, Value> {
    serde_json::from_str(&read(dir, "secrets.json"))
        .unwrap_or_else(|e| panic!("{}/secrets.json: {e}", dir.display()))
}

/// Checks one fixture; returns a description of the mismatch, if any.
fn check(dir: &Path) -> Option<String> {
    let template = read(dir, "template.ctmpl");
    let result = render(&template, &secrets(dir));
    if dir.join("expected").exists() {
        let expected = read(dir, "expected");
        return match result {
            Ok(got) if got == expected => None,
            Ok(got) => Some(format!("rendered {got:?}\n  expected {expected:?}")),
            Err(e) => Some(format!("failed: {e}\n  expected {expected:?}")),
        };
    }
    let spec = read(dir, "error");
    let (variant, text) = spec
        .trim_end_matches('\n')
        .split_once(": ")
        .expect("`error` is `Variant: text`");
    let err = match result {
        Ok(got) => return Some(format!("rendered {got:?}, expected a {variant} error")),
        Err(e) => e,
    };
    let (got_variant, message) = match &err {
        CtmplError::MissingSecret(path) => ("MissingSecret", path.clone()),
        CtmplError::Syntax { message, .. } => ("Syntax", message.clone()),
        CtmplError::Exec { message, .. } => ("Exec", message.clone()),
        CtmplError::Unsupported { construct, .. } => ("Unsupported", construct.clone()),
    };
    if got_variant != variant || !message.contains(text) {
        return Some(format!("error {err:?}\n  expected {variant}: {text}"));
    }
    None
}

#[test]
fn fixtures_render_as_consul_template_would() {
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 6, "fixtures missing: {dirs:?}");
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|dir| {
            let name = dir.file_name().unwrap_or_default().to_string_lossy();
            check(dir).map(|problem| format!("{name}: {problem}"))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The fixtures named here render the exact template text our jobs carry.
#[test]
fn fixture_templates_are_the_ones_our_jobs_carry() {
    let snapshot = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/examples__example-full.snap"),
    )
    .expect("the full example's snapshot");
    for name in [
        "registry-auth-two-registries",
        "git-credentials-special-characters",
        "registry-pull-json-escapes",
        "missing-field",
        "missing-secret",
    ] {
        let template = read(&fixture_root().join(name), "template.ctmpl");
        let json = serde_json::to_string(&template).expect("a string serializes");
        assert!(
            snapshot.contains(&format!("\"EmbeddedTmpl\": {json}")),
            "{name}/template.ctmpl is not an EmbeddedTmpl of examples__example-full.snap"
        );
    }
}

#[test]
fn secret_paths_lists_what_the_fixtures_read() {
    let paths = |name: &str| secret_paths(&read(&fixture_root().join(name), "template.ctmpl"));
    assert_eq!(
        paths("registry-auth-two-registries"),
        [
            "secret/data/nomad/jobs/registry-credentials",
            "secret/data/nomad/jobs/mirror-credentials",
        ]
    );
    assert_eq!(
        paths("git-credentials-special-characters"),
        ["secret/data/nomad/jobs/git-credentials"]
    );
    assert_eq!(paths("trim-markers"), ["secret/data/ci/trim"]);
}

/// A path missing from the secrets file is reported as such, not as a template error.
#[test]
fn a_missing_path_is_missing_secret() {
    let dir = fixture_root().join("missing-secret");
    let err = render(&read(&dir, "template.ctmpl"), &secrets(&dir)).expect_err("path is absent");
    assert_eq!(
        err,
        CtmplError::MissingSecret("secret/data/nomad/jobs/git-credentials".to_owned())
    );
}
