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

/// Whether `c` may not reach a terminal as it is: a control character (C0, DEL, C1: `ESC`
/// starts terminal escape sequences, `CR` rewrites the line, `BEL` rings) or a bidirectional
/// formatting character (which reorders what is shown around it).
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every control and bidirectional formatting character (newlines and tabs included)
/// written as `\u{1b}`, for one-line texts that may hold values from build.hcl or the
/// environment: messages, labels, help lines, file names.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c != '\t' && is_hidden(c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c != '\t' && is_hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A source text made safe to show ([`escape_source`]) and how its byte offsets moved.
#[derive(Debug, Clone)]
pub struct Escaped<'a> {
    /// The text: as [`escape_controls`], but line ends (`\n`, `\r\n`) and tabs are kept.
    pub text: std::borrow::Cow<'a, str>,
    /// For each escaped character: its offset in the original text and how many bytes longer
    /// the text is after it.
    moves: Vec<(usize, usize)>,
}

impl Escaped<'_> {
    /// Whether anything was escaped.
    pub fn changed(&self) -> bool {
        !self.moves.is_empty()
    }

    /// The offset in [`Escaped::text`] of the byte offset `o` of the original text.
    pub fn offset(&self, o: usize) -> usize {
        let i = self.moves.partition_point(|(at, _)| *at < o);
        o + i.checked_sub(1).map_or(0, |i| self.moves[i].1)
    }

    /// `f` with its spans moved into [`Escaped::text`] and its texts escaped.
    pub fn finding(&self, f: &Finding) -> Finding {
        let mut f = f.clone();
        f.message = escape_controls(&f.message).into_owned();
        f.help = f.help.map(|h| escape_controls(&h).into_owned());
        for l in std::iter::once(&mut f.primary).chain(f.secondary.iter_mut()) {
            l.span = self.offset(l.span.start)..self.offset(l.span.end);
            l.text = escape_controls(&l.text).into_owned();
        }
        f
    }
}

/// `text` (a source file, or lines of one) with its control and bidirectional formatting
/// characters escaped as [`escape_controls`] does, except line ends and tabs, which snippets
/// show as what they are.
pub fn escape_source(text: &str) -> Escaped<'_> {
    // A byte scan first: most files hold none of these (C0 but tab and line ends, DEL, and the
    // lead bytes of C1 and of the bidirectional formatting characters).
    let suspect = text.bytes().any(|b| {
        (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2)
    });
    if !suspect && !text.contains('\r') {
        return Escaped {
            text: std::borrow::Cow::Borrowed(text),
            moves: Vec::new(),
        };
    }
    let mut out = String::new();
    let mut moves = Vec::new();
    let mut extra = 0;
    let mut copied = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let line_end = c == '\n' || (c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n'));
        if c == '\t' || line_end || !is_hidden(c) {
            continue;
        }
        if out.capacity() == 0 {
            out.reserve(text.len() + 16);
        }
        out.push_str(&text[copied..i]);
        let shown = format!("\\u{{{:x}}}", u32::from(c));
        extra += shown.len() - c.len_utf8();
        out.push_str(&shown);
        copied = i + c.len_utf8();
        moves.push((i, extra));
    }
    if moves.is_empty() {
        return Escaped {
            text: std::borrow::Cow::Borrowed(text),
            moves,
        };
    }
    out.push_str(&text[copied..]);
    Escaped {
        text: std::borrow::Cow::Owned(out),
        moves,
    }
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
    fn controls_are_escaped() {
        assert_eq!(
            escape_controls("a\u{1b}[31mred\u{7}\r\nb\tc\u{9b}\u{202e}é"),
            "a\\u{1b}[31mred\\u{7}\\u{d}\\u{a}b\tc\\u{9b}\\u{202e}é"
        );
        assert!(matches!(
            escape_controls("plain é"),
            std::borrow::Cow::Borrowed(_)
        ));
        let text = "x\r\n= \"\u{1b}]0;t\u{7}\"\ty\u{202e}z\r";
        let e = escape_source(text);
        assert_eq!(e.text, "x\r\n= \"\\u{1b}]0;t\\u{7}\"\ty\\u{202e}z\\u{d}");
        let y = text.find('y').expect("y");
        assert_eq!(&e.text[e.offset(y)..=e.offset(y)], "y");
        let esc = text.find('\u{1b}').expect("esc");
        assert_eq!(e.offset(esc), esc);
        assert_eq!(&e.text[e.offset(esc + 1)..e.offset(esc + 3)], "]0");
        assert!(!escape_source("a\r\nb\tc\n").changed());
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
