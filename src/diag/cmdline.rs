//! The command line as a source file, so that a finding about a flag or an argument points at
//! it like any other finding points into build.hcl.
//!
//! When the invocation is known (the binary passes its arguments in), findings point into the
//! whole command line as the user typed it, shell-quoted; a library caller without one (a test,
//! the MCP server) gets the flag and its value on their own. Spans are always computed from the
//! text, never written down.

use std::ops::Range;

use super::{FileId, Sources};
use crate::escape;

/// The name diagnostics show for the command line.
pub const NAME: &str = "command line";

/// The arguments of one invocation, shell-quoted, with each argument's byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    text: String,
    args: Vec<(String, Range<usize>)>,
}

impl CommandLine {
    /// The command line of `nomad-build` called with `args` (without the program name).
    pub fn new<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut text = String::from("nomad-build");
        let mut out = Vec::new();
        for a in args {
            let a: String = a.into();
            text.push(' ');
            let shown = escape::shell_quote(&a);
            let start = text.len();
            text.push_str(&shown);
            out.push((a, start..text.len()));
        }
        CommandLine { text, args: out }
    }

    /// The whole text, as shown in snippets.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where `flag`'s `value` is: the value of `--flag value`, or the whole `--flag=value`.
    fn flag_value(&self, flag: &str, value: &str) -> Option<Range<usize>> {
        for (i, (arg, range)) in self.args.iter().enumerate() {
            if arg == flag && self.args.get(i + 1).is_some_and(|(v, _)| v == value) {
                return Some(self.args[i + 1].1.clone());
            }
            if arg.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) == Some(value) {
                return Some(range.clone());
            }
        }
        None
    }

    /// Where the positional argument `value` is.
    fn positional(&self, value: &str) -> Option<Range<usize>> {
        self.args
            .iter()
            .find(|(a, _)| a == value)
            .map(|(_, r)| r.clone())
    }

    /// The program and its subcommand (`nomad-build render`).
    fn command(&self) -> Range<usize> {
        let end = self.args.first().map_or(self.text.len(), |(_, r)| r.end);
        0..end
    }
}

impl Sources {
    /// Sets the invocation findings about flags point into.
    #[must_use]
    pub fn with_command_line(mut self, cmd: Option<CommandLine>) -> Self {
        self.command_line = cmd;
        self
    }

    /// The file and span of `value` given to `flag` on the command line (`--run-id x`).
    pub fn flag_span(&mut self, flag: &str, value: &str) -> (FileId, Range<usize>) {
        let found = self
            .command_line
            .as_ref()
            .and_then(|c| c.flag_value(flag, value));
        match found {
            Some(span) => (self.command_line_file(), span),
            None => {
                let text = format!("{flag} {}", escape::shell_quote(value));
                let span = flag.len() + 1..text.len();
                (self.add(NAME, text), span)
            }
        }
    }

    /// The file and span of the positional argument `value` (a file name).
    pub fn argument_span(&mut self, value: &str) -> (FileId, Range<usize>) {
        let found = self.command_line.as_ref().and_then(|c| c.positional(value));
        match found {
            Some(span) => (self.command_line_file(), span),
            None => {
                let text = escape::shell_quote(value);
                let len = text.len();
                (self.add(NAME, text), 0..len)
            }
        }
    }

    /// The file and span of the command itself (`nomad-build local`); `fallback` is shown
    /// when the invocation is unknown.
    pub fn command_span(&mut self, fallback: &str) -> (FileId, Range<usize>) {
        match self.command_line.as_ref().map(CommandLine::command) {
            Some(span) => (self.command_line_file(), span),
            None => {
                let len = fallback.len();
                (self.add(NAME, fallback), 0..len)
            }
        }
    }

    /// The command line's file, added on first use.
    fn command_line_file(&mut self) -> FileId {
        if let Some(id) = self.command_line_id {
            return id;
        }
        let text = self
            .command_line
            .as_ref()
            .map(|c| c.text.clone())
            .unwrap_or_default();
        let id = self.add(NAME, text);
        self.command_line_id = Some(id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(s: &Sources, (id, span): (FileId, Range<usize>)) -> (String, String) {
        let t = &s.get(id).text;
        (t.clone(), t[span].to_owned())
    }

    #[test]
    fn flag_values_are_found_in_both_forms_and_quoted() {
        let cmd = CommandLine::new(["render", "a b.hcl", "--run-id", "Bad/ID", "--var=x=1 2"]);
        assert_eq!(
            cmd.text(),
            "nomad-build render 'a b.hcl' --run-id Bad/ID '--var=x=1 2'"
        );
        let mut s = Sources::default().with_command_line(Some(cmd));
        let at = s.flag_span("--run-id", "Bad/ID");
        let (text, value) = shown(&s, at);
        assert_eq!(value, "Bad/ID");
        assert!(text.starts_with("nomad-build render"));
        let at = s.flag_span("--var", "x=1 2");
        assert_eq!(shown(&s, at).1, "'--var=x=1 2'");
        let at = s.argument_span("a b.hcl");
        assert_eq!(shown(&s, at).1, "'a b.hcl'");
        let at = s.command_span("nomad-build");
        assert_eq!(shown(&s, at).1, "nomad-build render");
        // One file for every finding about the command line.
        assert_eq!(s.flag_span("--run-id", "Bad/ID").0, s.command_span("x").0);
    }

    #[test]
    fn without_an_invocation_the_flag_stands_alone() {
        let mut s = Sources::default();
        let at = s.flag_span("--run-id", "Bad/ID");
        assert_eq!(shown(&s, at), ("--run-id Bad/ID".into(), "Bad/ID".into()));
        let at = s.argument_span("missing.hcl");
        assert_eq!(shown(&s, at), ("missing.hcl".into(), "missing.hcl".into()));
        let at = s.command_span("nomad-build local");
        assert_eq!(shown(&s, at).1, "nomad-build local");
    }
}
