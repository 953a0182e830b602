//! The human format: a finding rendered by miette's graphical handler, as `validate` prints it.

use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use super::{Finding, Label, Severity, Sources};

/// Whether rendered diagnostics use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// ANSI colours and styles.
    Always,
    /// Plain text.
    Never,
}

/// A finding bound to its source, as miette wants it.
struct View<'a> {
    finding: &'a Finding,
    source: NamedSource<String>,
}

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.finding.fmt(f)
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for View<'_> {}

impl Diagnostic for View<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.finding
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = |l: &Label, primary: bool| {
            let text = (!l.text.is_empty()).then(|| l.text.clone());
            let span = miette::SourceSpan::from(l.span.start..l.span.end.max(l.span.start));
            if primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        };
        let primary = std::iter::once(label(&self.finding.primary, true));
        let rest = self.finding.secondary.iter().map(move |l| label(l, false));
        Some(Box::new(primary.chain(rest)))
    }
}

/// Lines longer than this many characters are cut around the labels in snippets.
const MAX_LINE: usize = 120;
/// Characters kept on each side of a label on a cut line.
const MARGIN: usize = 32;
/// What stands for the cut part of a line.
const ELLIPSIS: &str = "…";

/// Renders one finding the way `validate` prints it. Control and bidirectional formatting
/// characters are shown escaped (`\u{1b}`) in the snippet, the texts and the file name
/// ([`super::escape_source`]), so that nothing in build.hcl can drive the terminal. A line
/// longer than [`MAX_LINE`] characters is shown cut around the places the finding points at
/// (`…` marks the cuts). The `file:line:col` header gives the place in the file as it is.
pub fn render(finding: &Finding, sources: &Sources, color: Color) -> String {
    let file = sources.get(finding.file);
    let name = super::escape_controls(&file.name);
    let escaped = super::escape_source(&file.text);
    let safe = escaped.finding(finding);
    let (text, shown, cut) = match cut_long_lines(&escaped.text, &safe) {
        Some((text, cut)) => (text, cut, true),
        None => (escaped.text.clone().into_owned(), safe, false),
    };
    let out = render_view(&shown, &name, text, color);
    if !cut && !escaped.changed() {
        return out;
    }
    // miette computed line:col in the text it was given; the header must give the place in
    // the file.
    let (line, col) = sources.line_col(finding.file, finding.primary.span.start);
    let header = format!("[{name}:");
    match out.find(&header) {
        Some(at) => {
            let rest = &out[at + header.len()..];
            let end = rest.find(']').map_or(out.len(), |e| at + header.len() + e);
            format!("{}[{name}:{line}:{col}{}", &out[..at], &out[end..])
        }
        None => out,
    }
}

/// A copy of `text` whose lines longer than [`MAX_LINE`] characters are cut to a window around
/// the label boundaries on them, and `finding` with its spans moved into the copy; `None` when
/// no line needs cutting.
fn cut_long_lines(text: &str, finding: &Finding) -> Option<(String, Finding)> {
    let long = text
        .split('\n')
        .any(|l| l.len() > MAX_LINE && l.chars().count() > MAX_LINE);
    if !long {
        return None;
    }
    let labels: Vec<&Label> = std::iter::once(&finding.primary)
        .chain(&finding.secondary)
        .collect();
    let points: Vec<usize> = labels
        .iter()
        .flat_map(|l| [l.span.start, l.span.end])
        .collect();
    let mut out = String::with_capacity(text.len().min(1 << 16));
    // (original line start, original kept range, where the kept range starts in `out`).
    let mut map: Vec<(usize, std::ops::Range<usize>, usize)> = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let end = start + body.len();
        let keep = if body.chars().count() > MAX_LINE {
            window(text, start, end, &points)
        } else {
            start..end
        };
        if keep.start > start {
            out.push_str(ELLIPSIS);
        }
        map.push((start, keep.clone(), out.len()));
        out.push_str(&text[keep.clone()]);
        if keep.end < end {
            out.push_str(ELLIPSIS);
        }
        out.push_str(&line[body.len()..]);
        start += line.len();
    }
    let moved = |o: usize| -> usize {
        let i = map.partition_point(|(s, ..)| *s <= o).saturating_sub(1);
        let Some((_, keep, at)) = map.get(i) else {
            return o;
        };
        if o < keep.start {
            at.saturating_sub(ELLIPSIS.len())
        } else if o > keep.end {
            at + keep.len() + ELLIPSIS.len()
        } else {
            at + (o - keep.start)
        }
    };
    let mut cut = finding.clone();
    for l in std::iter::once(&mut cut.primary).chain(cut.secondary.iter_mut()) {
        l.span = moved(l.span.start)..moved(l.span.end);
    }
    Some((out, cut))
}

/// The part of the line `start..end` of `text` to show: from [`MARGIN`] characters before the
/// first label boundary on it to [`MARGIN`] after the last, at most [`MAX_LINE`] characters (on
/// char boundaries); the line's beginning when no label boundary is on it.
fn window(text: &str, start: usize, end: usize, points: &[usize]) -> std::ops::Range<usize> {
    let on: Vec<usize> = points
        .iter()
        .copied()
        .filter(|p| (start..=end).contains(p))
        .collect();
    let line = &text[start..end];
    let byte_at = |chars: usize| {
        line.char_indices()
            .nth(chars)
            .map_or(end, |(i, _)| start + i)
    };
    let chars_before = |o: usize| text[start..o].chars().count();
    let (first, last) = match (on.iter().min(), on.iter().max()) {
        (Some(f), Some(l)) => (chars_before(*f), chars_before(*l)),
        _ => (0, 0),
    };
    let from = first.saturating_sub(MARGIN);
    let to = (last + MARGIN)
        .max(from + MAX_LINE.min(2 * MARGIN))
        .min(from + MAX_LINE);
    byte_at(from)..byte_at(to)
}

fn render_view(finding: &Finding, name: &str, text: String, color: Color) -> String {
    let view = View {
        finding,
        source: NamedSource::new(name, text).with_language("hcl"),
    };
    let theme = match color {
        Color::Always => GraphicalTheme::unicode(),
        Color::Never => GraphicalTheme::unicode_nocolor(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = handler.render_report(&mut out, &view);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_cut_around_the_label_and_the_header_keeps_the_real_place() {
        let mut sources = Sources::default();
        let long = format!(
            "x = \"{}\", y = BAD, z = \"{}\"",
            "a".repeat(50_000),
            "b".repeat(50_000)
        );
        let text = format!("pipeline \"p\" {{\n  {long}\n}}\n");
        let file = sources.add("build.hcl", text.clone());
        let at = text.find("BAD").expect("BAD");
        let f = Finding::new("invalid-value", Severity::Error, file, at..at + 3, "bad")
            .label("here")
            .also(0..8, "in this block");
        let out = render(&f, &sources, Color::Never);
        let (line, col) = sources.line_col(file, at);
        assert_eq!((line, col), (2, 50_015));
        let expected = format!(
            "invalid-value\n\n  × bad\n   ╭─[build.hcl:2:50015]\n 1 │ pipeline \"p\" {{\n   · \
             ────┬───\n   ·     ╰── in this block\n 2 │ …{a}\", y = BAD, z = \"{b}…\n   · \
             {pad}─┬─\n   · {pad} ╰── here\n 3 │ }}\n   ╰────\n",
            a = "a".repeat(25),
            b = "b".repeat(25),
            pad = " ".repeat(33),
        );
        assert_eq!(out, expected);
        assert!(
            out.lines().all(|l| l.chars().count() < MAX_LINE + 20),
            "{out}"
        );
    }

    #[test]
    fn short_lines_are_left_alone() {
        let mut sources = Sources::default();
        let file = sources.add("f", "a = 1\n");
        let f = Finding::new("invalid-value", Severity::Error, file, 4..5, "m");
        assert!(cut_long_lines(&sources.get(file).text, &f).is_none());
        assert!(render(&f, &sources, Color::Never).contains("[f:1:5]"));
    }
}
