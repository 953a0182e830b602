//! Stage 2, validate: semantic rules over a loaded file (names, references, durations,
//! Nomad's limits, credentials, cluster requirements). Structure and types were checked while
//! loading. Each rule lives in its own file under [`crate::rules`], which also documents it.

use crate::diag::Finding;
use crate::load::Loaded;

/// Runs every semantic rule; returns findings in no particular order.
pub fn check(l: &Loaded) -> Vec<Finding> {
    crate::rules::check(l)
}
