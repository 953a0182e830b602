//! `nomad-build rules`: the rule catalogue, one rule a line.

/// Prints the catalogue table.
pub(super) fn run() -> u8 {
    print!("{}", crate::rules::table());
    0
}
