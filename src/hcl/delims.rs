//! Unclosed delimiters: when hcl-edit fails to parse a file, a scan of the text finds a `{`,
//! `[`, `(`, `${`, string or heredoc that is never closed, so that the error is reported at
//! its opening (as rustc does) rather than where the parser gave up, often the end of the file.
//!
//! The scan knows just enough HCL to pair delimiters: comments (`#`, `//`, `/* */`), quoted
//! strings with their escapes and their `${ }` and `%{ }` templates, and heredocs (whose
//! text is skipped up to the line holding only their end marker).

use std::ops::Range;

/// What is not closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opener {
    /// `{`.
    Brace,
    /// `[`.
    Bracket,
    /// `(`.
    Paren,
    /// `${` or `%{` in a string.
    Template,
    /// `"`.
    Quote,
    /// `<<EOT` or `<<-EOT`.
    Heredoc,
}

impl Opener {
    /// The closing text.
    fn closer(self) -> &'static str {
        match self {
            Opener::Brace | Opener::Template => "}",
            Opener::Bracket => "]",
            Opener::Paren => ")",
            Opener::Quote => "\"",
            Opener::Heredoc => "end marker",
        }
    }
}

/// Where the scan found out that an opener is not closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum End {
    /// The file ended (at this offset, after its last non-blank character).
    File(usize),
    /// The line ended inside a quoted string (at the newline).
    Line(usize),
    /// Another delimiter closed first: this one.
    Other(Range<usize>),
}

/// An opener that is never closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unclosed {
    /// What it is.
    pub(crate) opener: Opener,
    /// Where it is (for a heredoc, `<<EOT`).
    pub(crate) open: Range<usize>,
    /// Where the scan found out.
    pub(crate) end: End,
    /// A closer that matched it although it is indented less than the opener's line: the
    /// likely reason why an outer opener is left unclosed at the end of the file.
    pub(crate) misplaced: Option<Range<usize>>,
    /// The heredoc's end marker.
    pub(crate) marker: Option<String>,
    /// Other openers still open at the end of the file (outer ones).
    pub(crate) also_open: Vec<Range<usize>>,
}

impl Unclosed {
    /// The diagnostic's message: "unclosed `{`".
    pub(crate) fn message(&self) -> String {
        match self.opener {
            Opener::Quote => "unclosed string".to_owned(),
            Opener::Heredoc => format!(
                "unclosed heredoc `<<{}`",
                self.marker.as_deref().unwrap_or_default()
            ),
            o => format!("unclosed `{}`", Self::opener_text(o)),
        }
    }

    fn opener_text(o: Opener) -> &'static str {
        match o {
            Opener::Brace => "{",
            Opener::Bracket => "[",
            Opener::Paren => "(",
            Opener::Template => "${",
            Opener::Quote => "\"",
            Opener::Heredoc => "<<",
        }
    }

    /// The label on the opener.
    pub(crate) fn label(&self) -> String {
        match (self.opener, &self.misplaced) {
            (Opener::Quote, _) => "this string is not closed".to_owned(),
            (Opener::Heredoc, _) => "this heredoc is not closed".to_owned(),
            (o, Some(_)) => format!("this `{}` is probably not closed", Self::opener_text(o)),
            (o, None) => format!("this `{}` is not closed", Self::opener_text(o)),
        }
    }

    /// The other labels: where the scan found out, and the misplaced closer.
    pub(crate) fn secondary(&self, src: &str) -> Vec<(Range<usize>, String)> {
        let mut out = Vec::new();
        if let Some(m) = &self.misplaced {
            let c = &src[m.clone()];
            out.push((
                m.clone(),
                format!("this `{c}` matches it, but is indented less"),
            ));
        }
        for o in &self.also_open {
            out.push((
                o.clone(),
                format!("`{}` not closed either", &src[o.clone()]),
            ));
        }
        match &self.end {
            End::File(at) => out.push((*at..*at, "the file ends here".to_owned())),
            End::Line(at) => out.push((*at..*at, "the line ends here".to_owned())),
            End::Other(r) => out.push((
                r.clone(),
                format!(
                    "`{}` found before the `{}` is closed",
                    &src[r.clone()],
                    self.opener.closer()
                ),
            )),
        }
        out
    }

    /// How to fix it.
    pub(crate) fn help(&self, src: &str) -> String {
        match (self.opener, &self.end) {
            (Opener::Quote, _) => "end the string with `\"` on the same line; text over several \
                                   lines is a heredoc (`<<EOT`)"
                .to_owned(),
            (Opener::Heredoc, _) => format!(
                "end the heredoc with a line holding only `{}`",
                self.marker.as_deref().unwrap_or_default()
            ),
            (o, End::Other(r)) => format!("add `{}` before the `{}`", o.closer(), &src[r.clone()]),
            (o, _) => format!("add the missing `{}`", o.closer()),
        }
    }
}

/// One open delimiter.
#[derive(Debug, Clone)]
struct Frame {
    opener: Opener,
    open: Range<usize>,
}

/// The indentation (in bytes of spaces and tabs) of the line holding `at`.
fn indent_of(src: &str, at: usize) -> usize {
    let start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    src[start..]
        .bytes()
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count()
}

/// Whether `at` is the first non-blank character of its line.
fn starts_line(src: &str, at: usize) -> bool {
    let start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    src[start..at].bytes().all(|b| b == b' ' || b == b'\t')
}

/// The heredoc introducer at `at` (`<<EOT` or `<<-EOT`, then the end of the line): its marker
/// and the offset after its newline.
fn heredoc_at(src: &str, at: usize) -> Option<(String, usize, usize)> {
    let rest = src[at..].strip_prefix("<<")?;
    let rest_start = at + 2;
    let (dash, rest) = match rest.strip_prefix('-') {
        Some(r) => (1, r),
        None => (0, rest),
    };
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        .count();
    if len == 0 || !rest.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    let marker = &rest[..len];
    let after = &rest[len..];
    let line_end = after.find('\n')?;
    if !after[..line_end].trim_end_matches('\r').trim().is_empty() {
        return None;
    }
    let intro_end = rest_start + dash + len;
    Some((marker.to_owned(), intro_end, intro_end + line_end + 1))
}

/// The offset after the last non-blank character of `src`.
fn end_of_text(src: &str) -> usize {
    src.trim_end().len()
}

/// Scans `src` for an opener that is never closed. `None` when every delimiter is paired (or
/// the text has a problem this scan does not judge, such as an unterminated comment or a
/// stray closer).
pub(crate) fn unclosed(src: &str) -> Option<Unclosed> {
    let bytes = src.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut misplaced: Option<(Range<usize>, Range<usize>)> = None;
    let mut i = 0;
    let problem = |f: &Frame, end: End| Unclosed {
        opener: f.opener,
        open: f.open.clone(),
        end,
        misplaced: None,
        marker: None,
        also_open: Vec::new(),
    };
    while i < bytes.len() {
        let c = bytes[i];
        let in_string = stack.last().is_some_and(|f| f.opener == Opener::Quote);
        if in_string {
            match c {
                b'\\' => i += 2,
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                b'$' | b'%' if src[i..].starts_with("$${") || src[i..].starts_with("%%{") => {
                    i += 3;
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(Frame {
                        opener: Opener::Template,
                        open: i..i + 2,
                    });
                    i += 2;
                }
                b'\n' | b'\r' => {
                    let quote = stack.pop().expect("in a string");
                    // A quote inside an unclosed `${` ends the string the template is in.
                    if let Some(t) = stack.last().filter(|f| f.opener == Opener::Template) {
                        return Some(problem(t, End::Other(quote.open)));
                    }
                    return Some(problem(&quote, End::Line(i)));
                }
                _ => i += 1,
            }
            continue;
        }
        match c {
            b'#' => i = src[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = src[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => match src[i + 2..].find("*/") {
                Some(n) => i = i + 2 + n + 2,
                None => return None,
            },
            b'"' => {
                stack.push(Frame {
                    opener: Opener::Quote,
                    open: i..i + 1,
                });
                i += 1;
            }
            b'<' if src[i..].starts_with("<<") => match heredoc_at(src, i) {
                Some((marker, intro_end, body)) => {
                    let mut at = body;
                    let mut closed = None;
                    while at <= src.len() {
                        let line_end = src[at..].find('\n').map_or(src.len(), |n| at + n);
                        if src[at..line_end].trim() == marker {
                            closed = Some(line_end);
                            break;
                        }
                        if line_end == src.len() {
                            break;
                        }
                        at = line_end + 1;
                    }
                    match closed {
                        Some(end) => i = end,
                        None => {
                            let f = Frame {
                                opener: Opener::Heredoc,
                                open: i..intro_end,
                            };
                            let mut p = problem(&f, End::File(end_of_text(src)));
                            p.marker = Some(marker);
                            return Some(p);
                        }
                    }
                }
                None => i += 2,
            },
            b'{' | b'[' | b'(' => {
                let opener = match c {
                    b'{' => Opener::Brace,
                    b'[' => Opener::Bracket,
                    _ => Opener::Paren,
                };
                stack.push(Frame {
                    opener,
                    open: i..i + 1,
                });
                i += 1;
            }
            b'}' | b']' | b')' => {
                let top = stack.last()?;
                let matches = matches!(
                    (top.opener, c),
                    (Opener::Brace | Opener::Template, b'}')
                        | (Opener::Bracket, b']')
                        | (Opener::Paren, b')')
                );
                if !matches {
                    return Some(problem(top, End::Other(i..i + 1)));
                }
                let top = stack.pop().expect("checked above");
                if misplaced.is_none()
                    && top.opener != Opener::Template
                    && starts_line(src, i)
                    && indent_of(src, i) < indent_of(src, top.open.start)
                {
                    misplaced = Some((top.open.clone(), i..i + 1));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    let innermost = stack.last()?;
    let end = End::File(end_of_text(src));
    let mut p = match &misplaced {
        // The closer that matched `open` was indented like an outer block's end: `open` is
        // the likely culprit, and the outer blocks are what is left open.
        Some((open, closer)) => {
            let f = Frame {
                opener: Opener::Brace,
                open: open.clone(),
            };
            let mut p = problem(&f, end);
            p.opener = match &src[open.clone()] {
                "[" => Opener::Bracket,
                "(" => Opener::Paren,
                _ => Opener::Brace,
            };
            p.misplaced = Some(closer.clone());
            p
        }
        None => {
            let mut p = problem(innermost, end);
            p.also_open = stack[..stack.len() - 1]
                .iter()
                .map(|f| f.open.clone())
                .collect();
            p
        }
    };
    if p.opener == Opener::Quote {
        p.end = End::File(src.len());
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The opener's text, the end's text (or `EOF`/`EOL`) and the misplaced closer's line.
    fn scan(src: &str) -> Option<(String, String, Option<usize>)> {
        let u = unclosed(src)?;
        let end = match &u.end {
            End::File(at) => {
                assert!(src[*at..].trim().is_empty(), "{src:?}");
                "EOF".to_owned()
            }
            End::Line(at) => {
                assert_eq!(&src[*at..=*at], "\n");
                "EOL".to_owned()
            }
            End::Other(r) => src[r.clone()].to_owned(),
        };
        let line = u
            .misplaced
            .map(|m| src[..m.start].matches('\n').count() + 1);
        let open = &src[u.open.clone()];
        Some((open.to_owned(), end, line))
    }

    #[allow(clippy::unnecessary_wraps)] // shaped like the function under test's result
    fn s(a: &str, b: &str, line: Option<usize>) -> Option<(String, String, Option<usize>)> {
        Some((a.to_owned(), b.to_owned(), line))
    }

    #[test]
    fn balanced_text_has_nothing_unclosed() {
        let src = r#"a = "}${x["]"]}%{ if y }{%{ endif }$${z" # {
// (
/* [ */ b = [1, (2)]
c = <<EOT
  { [
EOT
d = <<-X
  (
  X
e {
  f = { g = "\"{" }
}
"#;
        assert_eq!(unclosed(src), None);
    }

    #[test]
    fn each_kind_is_found_at_its_opening() {
        assert_eq!(scan("a {\n  b = 1\n"), s("{", "EOF", None));
        assert_eq!(scan("a = [1, 2\nb = 3\n"), s("[", "EOF", None));
        assert_eq!(scan("x {\n  a = (1 + 2\n}\n"), s("(", "}", None));
        assert_eq!(scan("a = \"abc\nb = 1\n"), s("\"", "EOL", None));
        assert_eq!(scan("a = \"abc"), s("\"", "EOF", None));
        assert_eq!(scan("a = <<EOT\nhello\n"), s("<<EOT", "EOF", None));
        assert_eq!(
            scan("a = <<-EOT\n  hello\n  EOS\n"),
            s("<<-EOT", "EOF", None)
        );
        assert_eq!(scan("a = \"${x\"\n"), s("${", "\"", None));
        assert_eq!(scan("a = [1, 2}\n"), s("[", "}", None));
    }

    #[test]
    fn a_closer_indented_like_an_outer_block_points_at_the_culprit() {
        let src = "pipeline \"app\" {\n  image {\n    repository = \"x\"\n  \n  build {}\n}\n";
        let u = unclosed(src).expect("unclosed");
        assert_eq!(u.open.start, src.find("image {").unwrap() + 6);
        assert_eq!(scan(src), s("{", "EOF", Some(6)));
        assert_eq!(u.message(), "unclosed `{`");
        assert_eq!(u.label(), "this `{` is probably not closed");
        let labels: Vec<String> = u.secondary(src).into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            labels,
            [
                "this `}` matches it, but is indented less",
                "the file ends here"
            ]
        );
        assert_eq!(u.help(src), "add the missing `}`");
    }

    #[test]
    fn outer_openers_left_open_are_named_too() {
        let src = "a {\n  b {\n    c = 1\n";
        let u = unclosed(src).expect("unclosed");
        assert_eq!(&src[u.open.clone()], "{");
        assert_eq!(u.open.start, 8);
        assert_eq!(u.also_open, vec![2..3]);
    }

    #[test]
    fn what_the_scan_does_not_judge_is_left_to_the_parser() {
        assert_eq!(unclosed("a = 1 }\n"), None);
        assert_eq!(unclosed("/* never closed\n"), None);
        assert_eq!(unclosed("a = 1 = 2\n"), None);
    }
}
