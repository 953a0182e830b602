//! The target Nomad release: where it comes from (`--nomad-version` over `nomad { version }`
//! over the default), that it reaches the compiled result, and that a rendered field the
//! target lacks is refused, pointing into the rendered jobspec.

mod common;

use std::fs;
use std::path::Path;

use nomad_build::compile::{compile_file, CompileOptions};
use nomad_build::render::{Renderer, Templates};
use nomad_build::target::{NomadVersion, DEFAULT};

/// A pipeline without timeouts, whose `nomad` block holds `nomad_body`.
fn pipeline(nomad_body: &str) -> String {
    format!(
        r#"pipeline "app" {{
  nomad {{
{nomad_body}  }}
  source {{
    url = "https://git.example.com/acme/app.git"
  }}
  image {{
    repository = "registry.example.com/acme/app"
  }}
  build {{}}
}}
"#
    )
}

/// Compiles `text` as a build.hcl with `--nomad-version flag`; the target, or the rule ids.
fn target_of(text: &str, flag: Option<&str>) -> Result<NomadVersion, Vec<&'static str>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("build.hcl");
    fs::write(&path, text).expect("write");
    let opts = CompileOptions {
        run_id: Some("3f2a1c9".to_owned()),
        nomad_version: flag.map(str::to_owned),
        ..Default::default()
    };
    let templates = Templates::embedded();
    let (_, compiled, findings) = compile_file(&path, None, &opts, &Renderer::new(&templates));
    let rules: Vec<&'static str> = findings.iter().map(|f| f.rule).collect();
    match compiled {
        Some(c) if rules.is_empty() => Ok(c.target),
        _ => Err(rules),
    }
}

fn v(s: &str) -> NomadVersion {
    s.parse().expect("a version")
}

#[test]
fn the_flag_wins_over_the_file_which_wins_over_the_default() {
    assert_eq!(target_of(&pipeline(""), None), Ok(DEFAULT));
    let file = pipeline("    version = \"1.10\"\n");
    assert_eq!(target_of(&file, None), Ok(v("1.10.0")));
    assert_eq!(target_of(&file, Some("1.11.3")), Ok(v("1.11.3")));
    assert_eq!(target_of(&pipeline(""), Some("2.0")), Ok(v("2.0.0")));
}

#[test]
fn too_old_or_malformed_is_an_error_and_too_new_compiles_for_the_newest_known() {
    assert_eq!(
        target_of(&pipeline(""), Some("1.8.9")),
        Err(vec!["invalid-nomad-version"])
    );
    assert_eq!(
        target_of(&pipeline("    version = \"v1.10\"\n"), None),
        Err(vec!["invalid-nomad-version"])
    );
    // The file's value is checked even when the flag wins.
    assert_eq!(
        target_of(&pipeline("    version = \"1.0\"\n"), Some("1.10")),
        Err(vec!["invalid-nomad-version"])
    );
    // A warning, and the output of the newest known release.
    assert_eq!(
        target_of(&pipeline("    version = \"3.1\"\n"), None),
        Err(vec!["unknown-nomad-version"])
    );
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("build.hcl"), pipeline("")).expect("write");
    let opts = CompileOptions {
        run_id: Some("3f2a1c9".to_owned()),
        nomad_version: Some("3.1".to_owned()),
        ..Default::default()
    };
    let templates = Templates::embedded();
    let (_, compiled, findings) = compile_file(
        &dir.path().join("build.hcl"),
        None,
        &opts,
        &Renderer::new(&templates),
    );
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, "unknown-nomad-version");
    assert_eq!(
        compiled
            .expect("a warning does not stop the compile")
            .target,
        NomadVersion::newest_known()
    );
}

/// `render` of `build_hcl` in a fresh directory with `--templates tpl` and `extra` arguments.
fn render(build_hcl: &str, tpl: &Path, extra: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("build.hcl"), build_hcl).expect("write");
    let mut args = vec![
        "render",
        "--phase",
        "build",
        "--run-id",
        "3f2a1c9",
        "--templates",
        tpl.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let (code, _, stderr) = common::run(dir.path(), &args);
    (code, stderr)
}

/// The diagnostics' lines joined, so that a message wrapped by the terminal reads as one.
fn flat(stderr: &str) -> String {
    stderr
        .lines()
        .map(|l| l.trim_start_matches([' ', '│']).trim_end())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_template_that_writes_a_field_the_target_lacks_is_refused() {
    let build =
        fs::read_to_string(common::root().join("templates/build.nomad.hcl.j2")).expect("template");
    let with_once = build.replacen(
        "      driver = \"docker\"\n",
        r#"      driver = "docker"

      template {
        data        = "x"
        destination = "local/x"
        once        = true
      }
"#,
        1,
    );
    assert_ne!(with_once, build);
    let tpl = tempfile::tempdir().expect("tempdir");
    fs::write(tpl.path().join("build.nomad.hcl.j2"), with_once).expect("write");

    // `template { once }` exists from Nomad 1.10.2; the default target is 1.9.0.
    let (code, stderr) = render(&pipeline(""), tpl.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("template-field-too-new\n"), "{stderr}");
    let shown = flat(&stderr);
    assert!(
        shown.contains(
            "`once` in job \"app-build-3f2a1c9\" > group \"build\" > task \"build\" > template \
             is not in Nomad 1.9.0: Nomad has it from 1.10.2"
        ),
        "{stderr}"
    );
    assert!(
        shown.contains("╰── needs Nomad 1.10.2 or later"),
        "{stderr}"
    );
    assert!(
        stderr.contains("app.build.nomad.hcl (rendered from "),
        "the finding points into the rendered jobspec: {stderr}"
    );
    assert!(
        shown.contains("help: raise the target to 1.10.2"),
        "{stderr}"
    );

    // From 1.10.2 on it is fine, whether the file or the flag says so; the flag wins.
    let (code, stderr) = render(&pipeline(""), tpl.path(), &["--nomad-version", "1.10.2"]);
    assert_eq!(code, 0, "{stderr}");
    let file = pipeline("    version = \"1.10.2\"\n");
    let (code, stderr) = render(&file, tpl.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = render(&file, tpl.path(), &["--nomad-version", "1.10"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with("template-field-too-new\n")
            && flat(&stderr).contains("is not in Nomad 1.10.0: Nomad has it from 1.10.2"),
        "{stderr}"
    );
}
