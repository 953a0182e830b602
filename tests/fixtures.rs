//! Fixture tests: every `tests/fixtures/<case>/build.hcl` is validated and rendered with the
//! real binary. `err-*` cases snapshot the diagnostics exactly as a user sees them (every
//! problem, with file:line:col, snippet, rule id and help); `ok-*` cases snapshot the emitted
//! files, which must also pass Nomad's job schema.

mod common;

use std::path::Path;

#[test]
fn fixtures() {
    let schema = common::nomad_schema();
    insta::glob!("fixtures/*/build.hcl", |path| {
        let dir = path.parent().expect("fixture dir");
        let case = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let source = std::fs::read_to_string(path).expect("fixture");
        let args_file = dir.join("args");
        let extra: Vec<String> = std::fs::read_to_string(&args_file)
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        if case.starts_with("err-") || case.starts_with("warn-") {
            let mut args = vec!["validate", "build.hcl"];
            args.extend_from_slice(&extra);
            let (code, stdout, stderr) = common::run(dir, &args);
            let expected_code = i32::from(case.starts_with("err-"));
            assert_eq!(code, expected_code, "{case}: exit code\n{stderr}");
            assert_eq!(
                stdout, "",
                "{case}: validate prints diagnostics on stderr only"
            );
            insta::with_settings!({ description => source.clone(), omit_expression => true }, {
                insta::assert_snapshot!(stderr);
            });
        } else {
            let (code, stderr, files) = common::render_dir(dir, &extra);
            assert_eq!(code, 0, "{case}: render failed\n{stderr}");
            let mut shown = String::new();
            for (name, text) in &files {
                if name.ends_with(".json") {
                    let errors = common::schema_errors(&schema, text);
                    assert!(
                        errors.is_empty(),
                        "{case}/{name} fails Nomad's job schema:\n{}",
                        errors.join("\n")
                    );
                }
                shown.push_str(&format!("--- {name} ---\n{text}"));
            }
            insta::with_settings!({ description => source.clone(), omit_expression => true }, {
                insta::assert_snapshot!(shown);
            });
        }
    });
    assert!(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).is_dir());
}
