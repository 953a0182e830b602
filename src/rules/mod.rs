//! The rule catalogue: every check nomad-build makes, with a stable id, a severity and docs.

use crate::diag::Severity;

/// One rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable kebab-case id, shown with every diagnostic.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line: what it checks.
    pub summary: &'static str,
    /// Markdown: what it checks, why it matters, an example.
    pub doc: &'static str,
}

/// Every rule, sorted by id.
pub fn all() -> &'static [Rule] {
    RULES
}

/// The rule with this id.
pub fn get(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

static RULES: &[Rule] = &[];
