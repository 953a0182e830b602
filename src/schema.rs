//! The JSON Schema of build.hcl, as `nomad-build schema` prints it and
//! `schemas/build.schema.json` commits it.

/// The schema, pretty-printed with a final newline.
pub(crate) fn schema_json() -> String {
    let mut s = serde_json::to_string_pretty(crate::load::schema()).expect("the schema serializes");
    s.push('\n');
    s
}
