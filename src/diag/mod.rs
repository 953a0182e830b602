//! Diagnostics: rules produce [`Finding`]s (data) that point into [`Sources`]; [`human`]
//! renders them with miette, [`report`] as JSON, SARIF or GitHub workflow commands, and
//! [`cmdline`] makes the command line a source that findings about flags point into.

use std::ops::Range;

pub mod cmdline;
pub mod human;
pub mod report;

pub use cmdline::CommandLine;
pub use human::{render, Color};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Fails `validate` and stops `render`.
    Error,
    /// Reported; fails only with `--deny warnings`.
    Warning,
    /// Information about what the job needs from the cluster; never fails.
    Note,
}

/// Index of a file in [`Sources`].
pub type FileId = usize;

/// A labelled byte range in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Byte range in the file's text.
    pub span: Range<usize>,
    /// Text printed under the range.
    pub text: String,
}

/// One problem, found by one rule, at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable kebab-case rule id.
    pub rule: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// File the spans point into.
    pub file: FileId,
    /// One-line message: lowercase, names in backticks.
    pub message: String,
    /// The primary place.
    pub primary: Label,
    /// Related places ("first defined here").
    pub secondary: Vec<Label>,
    /// How to fix it, when known.
    pub help: Option<String>,
}

impl Finding {
    /// A finding of `rule` with `severity` at `span` in `file`. Only [`crate::rules::Rule`]
    /// calls this, so the id and severity always come from the catalogue.
    pub(crate) fn new(
        rule: &'static str,
        severity: Severity,
        file: FileId,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity,
            file,
            message: message.into(),
            primary: Label {
                span,
                text: String::new(),
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Sets the label under the primary span.
    #[must_use]
    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.primary.text = text.into();
        self
    }

    /// Adds a related place.
    #[must_use]
    pub fn also(mut self, span: Range<usize>, text: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    /// Sets the `help:` line.
    #[must_use]
    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    /// Whether this finding is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// One source file: its display name and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Name shown in diagnostics (the path as given, or `--stdin-filename`).
    pub name: String,
    /// The whole text.
    pub text: String,
}

/// Every file diagnostics may point into, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    /// The invocation findings about flags point into ([`cmdline`]).
    command_line: Option<CommandLine>,
    /// Its file, once a finding points into it.
    command_line_id: Option<FileId>,
}

impl Sources {
    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
        });
        self.files.len() - 1
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let text = &self.files[id].text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Sorts findings by file, then position, then rule, and drops exact duplicates.
pub fn sort(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (
            a.file,
            a.primary.span.start,
            a.primary.span.end,
            a.rule,
            &a.message,
        )
            .cmp(&(
                b.file,
                b.primary.span.start,
                b.primary.span.end,
                b.rule,
                &b.message,
            ))
    });
    findings.dedup();
}

/// The closest of `candidates` to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (levenshtein(name, c), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal-string-alignment distance: edits, with a swap of two neighbours counting as one.
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// Formats names as a backticked, comma-separated list.
pub fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(closest("imgae", ["image", "build"]), Some("image"));
        assert_eq!(closest("zzz", ["image", "build"]), None);
    }

    #[test]
    fn line_col_is_one_based() {
        let mut s = Sources::default();
        let id = s.add("f", "ab\ncé\nx");
        assert_eq!(s.line_col(id, 0), (1, 1));
        assert_eq!(s.line_col(id, 3), (2, 1));
        assert_eq!(s.line_col(id, 6), (2, 3));
    }
}
