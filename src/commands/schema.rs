//! `nomad-build schema`: the JSON Schema of build.hcl.

/// Prints the schema.
pub(super) fn run() -> u8 {
    print!("{}", crate::schema::schema_json());
    0
}
