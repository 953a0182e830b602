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

/// Renders one finding the way `validate` prints it.
pub fn render(finding: &Finding, sources: &Sources, color: Color) -> String {
    let file = sources.get(finding.file);
    let view = View {
        finding,
        source: NamedSource::new(file.name.clone(), file.text.clone()).with_language("hcl"),
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
