//! `schemas/build.schema.json` is the committed copy of `nomad-build schema`.
//! Regenerate with `cargo run -- schema > schemas/build.schema.json`.

mod common;

#[test]
fn committed_schema_matches_the_binary() {
    let (code, stdout, _) = common::run(&common::root(), &["schema"]);
    assert_eq!(code, 0);
    let committed = std::fs::read_to_string(common::root().join("schemas/build.schema.json"))
        .expect("committed schema");
    assert!(
        stdout == committed,
        "schemas/build.schema.json is stale: run `cargo run -- schema > schemas/build.schema.json`"
    );
}

#[test]
fn schema_is_a_valid_json_schema_with_one_required_pipeline() {
    let committed = std::fs::read_to_string(common::root().join("schemas/build.schema.json"))
        .expect("committed schema");
    let schema: serde_json::Value = serde_json::from_str(&committed).expect("JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    assert_eq!(schema["required"], serde_json::json!(["pipeline"]));
}

/// Every example and every `ok-*` fixture, as the loader reads it (labelled blocks as maps,
/// blocks as objects, variables resolved), conforms to the published schema; and the schema
/// is not vacuous: the same document with an unknown attribute or a wrong type is refused.
#[test]
fn schema_accepts_every_example_and_refuses_what_the_loader_refuses() {
    use nomad_build::diag::Sources;
    use nomad_build::load::{load, VarInputs};

    let committed = std::fs::read_to_string(common::root().join("schemas/build.schema.json"))
        .expect("committed schema");
    let schema: serde_json::Value = serde_json::from_str(&committed).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    for (parent, prefix) in [("examples", ""), ("tests/fixtures", "ok-")] {
        for e in std::fs::read_dir(common::root().join(parent)).expect(parent) {
            let p = e.expect("entry").path();
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            if name.starts_with(prefix) && p.join("build.hcl").is_file() {
                dirs.push(p);
            }
        }
    }
    dirs.sort();
    assert!(dirs.len() >= 8, "examples and ok fixtures: {dirs:?}");
    for dir in dirs {
        let path = dir.join("build.hcl");
        let mut sources = Sources::default();
        let file = sources.add(
            path.display().to_string(),
            std::fs::read_to_string(&path).expect("read"),
        );
        let (loaded, findings) = load(&mut sources, file, &VarInputs::default());
        let loaded = loaded.unwrap_or_else(|| panic!("{}: {findings:?}", path.display()));
        assert!(!loaded.has_errors(), "{}: {findings:?}", path.display());
        let (name, pipeline) = loaded.pipeline();
        let doc = serde_json::json!({ "pipeline": { name: pipeline } });
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            path.display(),
            errors.join("\n")
        );

        let mut unknown = doc.clone();
        unknown["pipeline"][name]["no_such_attribute"] = serde_json::json!(1);
        assert!(
            !validator.is_valid(&unknown),
            "{}: an unknown attribute passes the schema",
            path.display()
        );
        let mut wrong = doc.clone();
        wrong["pipeline"][name]["image"] = serde_json::json!("not a block");
        assert!(
            !validator.is_valid(&wrong),
            "{}: a block given as a string passes the schema",
            path.display()
        );
    }
}
