//! `nomad-build schema [build|policy]`: the JSON Schema of build.hcl or of the policy file.

use crate::cli::SchemaKind;

/// Prints the schema.
pub(super) fn run(kind: SchemaKind) -> u8 {
    match kind {
        SchemaKind::Build => print!("{}", crate::schema::schema_json()),
        SchemaKind::Policy => print!("{}", crate::policy::schema_json()),
    }
    0
}
