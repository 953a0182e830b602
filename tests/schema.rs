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
fn schema_is_valid_json_schema_and_accepts_the_examples_shape() {
    let committed = std::fs::read_to_string(common::root().join("schemas/build.schema.json"))
        .expect("committed schema");
    let schema: serde_json::Value = serde_json::from_str(&committed).expect("JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    assert_eq!(schema["required"], serde_json::json!(["pipeline"]));
}
