//! Lexer: a port of `text/template/parse/lex.go` (default delimiters, comments not emitted).

use super::{syntax, CtmplError};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Text(String),
    LeftDelim,
    RightDelim,
    Space,
    Field(String),
    Identifier(String),
    Variable(String),
    Str,
    RawStr,
    Bool(bool),
    Number,
    CharConst,
    Pipe,
    Declare,
    Assign,
    LeftParen,
    RightParen,
    Char(char),
    Dot,
    Kw(Kw),
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kw {
    Block,
    Break,
    Continue,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl Kw {
    fn from_word(word: &str) -> Option<Self> {
        Some(match word {
            "block" => Self::Block,
            "break" => Self::Break,
            "continue" => Self::Continue,
            "define" => Self::Define,
            "else" => Self::Else,
            "end" => Self::End,
            "if" => Self::If,
            "nil" => Self::Nil,
            "range" => Self::Range,
            "template" => Self::Template,
            "with" => Self::With,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Block => "block",
            Self::Break => "break",
            Self::Continue => "continue",
            Self::Define => "define",
            Self::Else => "else",
            Self::End => "end",
            Self::If => "if",
            Self::Nil => "nil",
            Self::Range => "range",
            Self::Template => "template",
            Self::With => "with",
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Item {
    pub(super) tok: Tok,
    pub(super) pos: usize,
    pub(super) val: String,
}

/// `spaceChars` in lex.go.
const SPACE_CHARS: [char; 4] = [' ', '\t', '\r', '\n'];

fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// `isAlphaNumeric` in lex.go (`_`, Unicode letters and digits).
fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space_byte(b[1])
}

fn has_right_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space_byte(b[0]) && b[1] == b'-'
}

fn left_trim_len(s: &str) -> usize {
    s.len() - s.trim_start_matches(SPACE_CHARS).len()
}

/// Go's `%#U` of a rune.
fn go_rune_u(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("U+{:04X} '{c}'", u32::from(c))
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    items: Vec<Item>,
    paren_depth: i32,
}

impl Lexer<'_> {
    fn push(&mut self, tok: Tok, pos: usize, end: usize) {
        let val = self.src[pos..end].to_owned();
        self.items.push(Item { tok, pos, val });
    }

    fn err(&self, pos: usize, message: impl Into<String>) -> CtmplError {
        syntax(self.src, pos, message)
    }

    fn peek_char(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    /// `lexText` / `lexLeftDelim` / `lexComment`, to the end of the input.
    fn run(mut self) -> Result<Vec<Item>, CtmplError> {
        loop {
            let start = self.pos;
            let Some(x) = self.src[start..].find("{{") else {
                let end = self.src.len();
                if end > start {
                    let text = self.src[start..].to_owned();
                    self.push(Tok::Text(text), start, end);
                }
                self.push(Tok::Eof, end, end);
                return Ok(self.items);
            };
            let delim = start + x;
            let mut text_end = delim;
            if has_left_trim_marker(&self.src[delim + 2..]) {
                text_end = start + self.src[start..delim].trim_end_matches(SPACE_CHARS).len();
            }
            if text_end > start {
                let text = self.src[start..text_end].to_owned();
                self.push(Tok::Text(text), start, text_end);
            }
            self.pos = delim + 2;
            let after = if has_left_trim_marker(&self.src[self.pos..]) {
                2
            } else {
                0
            };
            if self.src[self.pos + after..].starts_with("/*") {
                self.pos += after;
                self.comment()?;
                continue;
            }
            self.push(Tok::LeftDelim, delim, delim + 2);
            self.pos += after;
            self.paren_depth = 0;
            self.inside_action()?;
        }
    }

    fn comment(&mut self) -> Result<(), CtmplError> {
        let open = self.pos;
        let body = self.pos + 2;
        let Some(i) = self.src[body..].find("*/") else {
            return Err(self.err(open, "unclosed comment"));
        };
        self.pos = body + i + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return Err(self.err(open, "comment ends before closing delimiter"));
        }
        if trim {
            self.pos += 2;
        }
        self.pos += 2;
        if trim {
            self.pos += left_trim_len(&self.src[self.pos..]);
        }
        Ok(())
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = &self.src[self.pos..];
        if has_right_trim_marker(rest) && rest[2..].starts_with("}}") {
            return (true, true);
        }
        (rest.starts_with("}}"), false)
    }

    /// `atTerminator`: may an identifier end here?
    fn at_terminator(&self) -> bool {
        match self.peek_char() {
            None => true,
            Some(c) => {
                SPACE_CHARS.contains(&c) || matches!(c, '.' | ',' | '|' | ':' | ')' | '(' | '}')
            }
        }
    }

    fn eat_alnum(&mut self) {
        while let Some(c) = self.peek_char() {
            if !is_alnum(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    fn bad_character(&self) -> CtmplError {
        let c = self.peek_char().unwrap_or('\u{fffd}');
        self.err(self.pos, format!("bad character {}", go_rune_u(c)))
    }

    /// `lexInsideAction` up to and including the right delimiter.
    fn inside_action(&mut self) -> Result<(), CtmplError> {
        loop {
            let (delim, trim) = self.at_right_delim();
            if delim {
                if self.paren_depth != 0 {
                    return Err(self.err(self.pos, "unclosed left paren"));
                }
                if trim {
                    self.pos += 2;
                }
                let at = self.pos;
                self.pos += 2;
                self.push(Tok::RightDelim, at, self.pos);
                if trim {
                    self.pos += left_trim_len(&self.src[self.pos..]);
                }
                return Ok(());
            }
            let start = self.pos;
            let Some(c) = self.peek_char() else {
                return Err(self.err(start, "unclosed action"));
            };
            match c {
                ' ' | '\t' | '\r' | '\n' => {
                    let n = left_trim_len(&self.src[start..]);
                    let mut end = start + n;
                    if has_right_trim_marker(&self.src[end - 1..])
                        && self.src[end + 1..].starts_with("}}")
                    {
                        end -= 1;
                        if n == 1 {
                            continue;
                        }
                    }
                    self.pos = end;
                    self.push(Tok::Space, start, end);
                }
                '=' => {
                    self.pos += 1;
                    self.push(Tok::Assign, start, self.pos);
                }
                ':' => {
                    if !self.src[start + 1..].starts_with('=') {
                        return Err(self.err(start, "expected :="));
                    }
                    self.pos += 2;
                    self.push(Tok::Declare, start, self.pos);
                }
                '|' => {
                    self.pos += 1;
                    self.push(Tok::Pipe, start, self.pos);
                }
                '"' => self.quoted(b'"', "unterminated quoted string", Tok::Str)?,
                '\'' => self.quoted(b'\'', "unterminated character constant", Tok::CharConst)?,
                '`' => {
                    let Some(i) = self.src[start + 1..].find('`') else {
                        return Err(self.err(start, "unterminated raw quoted string"));
                    };
                    self.pos = start + 1 + i + 1;
                    self.push(Tok::RawStr, start, self.pos);
                }
                '$' => {
                    self.pos += 1;
                    if !self.at_terminator() {
                        self.eat_alnum();
                        if !self.at_terminator() {
                            return Err(self.bad_character());
                        }
                    }
                    let name = self.src[start..self.pos].to_owned();
                    self.push(Tok::Variable(name), start, self.pos);
                }
                '.' if self
                    .src
                    .as_bytes()
                    .get(start + 1)
                    .is_some_and(|b| !b.is_ascii_digit()) =>
                {
                    self.pos += 1;
                    if self.at_terminator() {
                        self.push(Tok::Dot, start, self.pos);
                    } else {
                        self.eat_alnum();
                        if !self.at_terminator() {
                            return Err(self.bad_character());
                        }
                        let name = self.src[start + 1..self.pos].to_owned();
                        self.push(Tok::Field(name), start, self.pos);
                    }
                }
                '.' | '+' | '-' | '0'..='9' => self.number()?,
                c if is_alnum(c) => {
                    self.eat_alnum();
                    if !self.at_terminator() {
                        return Err(self.bad_character());
                    }
                    let word = &self.src[start..self.pos];
                    let tok = match (Kw::from_word(word), word) {
                        (Some(kw), _) => Tok::Kw(kw),
                        (None, "true") => Tok::Bool(true),
                        (None, "false") => Tok::Bool(false),
                        (None, _) => Tok::Identifier(word.to_owned()),
                    };
                    self.push(tok, start, self.pos);
                }
                '(' => {
                    self.pos += 1;
                    self.paren_depth += 1;
                    self.push(Tok::LeftParen, start, self.pos);
                }
                ')' => {
                    self.pos += 1;
                    self.paren_depth -= 1;
                    if self.paren_depth < 0 {
                        return Err(self.err(start, "unexpected right paren U+0029 ')'"));
                    }
                    self.push(Tok::RightParen, start, self.pos);
                }
                c if c.is_ascii() && !c.is_ascii_control() => {
                    self.pos += 1;
                    self.push(Tok::Char(c), start, self.pos);
                }
                c => {
                    return Err(self.err(
                        start,
                        format!("unrecognized character in action: {}", go_rune_u(c)),
                    ))
                }
            }
        }
    }

    /// `lexQuote` / `lexChar`: a backslash escapes anything but a newline.
    fn quoted(&mut self, quote: u8, unterminated: &str, tok: Tok) -> Result<(), CtmplError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut i = start + 1;
        loop {
            match bytes.get(i) {
                None | Some(b'\n') => return Err(self.err(start, unterminated)),
                Some(b'\\') => match bytes.get(i + 1) {
                    None | Some(b'\n') => return Err(self.err(start, unterminated)),
                    Some(_) => i += 2,
                },
                Some(&b) if b == quote => {
                    i += 1;
                    break;
                }
                Some(_) => i += 1,
            }
        }
        self.pos = i;
        self.push(tok, start, i);
        Ok(())
    }

    /// `lexNumber` / `scanNumber` (numbers are then refused by the parser).
    fn number(&mut self) -> Result<(), CtmplError> {
        let start = self.pos;
        self.scan_number(start)?;
        if matches!(self.peek_char(), Some('+' | '-')) {
            self.scan_number(start)?;
            if !self.src[..self.pos].ends_with('i') {
                return Err(self.err(
                    start,
                    format!("bad number syntax: {:?}", &self.src[start..self.pos]),
                ));
            }
        }
        self.push(Tok::Number, start, self.pos);
        Ok(())
    }

    fn scan_number(&mut self, start: usize) -> Result<(), CtmplError> {
        const DEC: &str = "0123456789_";
        const HEX: &str = "0123456789abcdefABCDEF_";
        let accept = |lx: &mut Self, set: &str| -> bool {
            match lx.peek_char() {
                Some(c) if set.contains(c) => {
                    lx.pos += c.len_utf8();
                    true
                }
                _ => false,
            }
        };
        let accept_run = |lx: &mut Self, set: &str| while accept(lx, set) {};
        accept(self, "+-");
        let mut digits = DEC;
        if accept(self, "0") {
            if accept(self, "xX") {
                digits = HEX;
            } else if accept(self, "oO") {
                digits = "01234567_";
            } else if accept(self, "bB") {
                digits = "01_";
            }
        }
        accept_run(self, digits);
        if accept(self, ".") {
            accept_run(self, digits);
        }
        if digits == DEC && accept(self, "eE") {
            accept(self, "+-");
            accept_run(self, DEC);
        }
        if digits == HEX && accept(self, "pP") {
            accept(self, "+-");
            accept_run(self, DEC);
        }
        accept(self, "i");
        if let Some(c) = self.peek_char().filter(|&c| is_alnum(c)) {
            self.pos += c.len_utf8();
            return Err(self.err(
                start,
                format!("bad number syntax: {:?}", &self.src[start..self.pos]),
            ));
        }
        Ok(())
    }
}

pub(super) fn lex(src: &str) -> Result<Vec<Item>, CtmplError> {
    Lexer {
        src,
        pos: 0,
        items: Vec::new(),
        paren_depth: 0,
    }
    .run()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{fails, ok};
    use super::super::CtmplError;

    // Expected strings below are written from the Go sources cited in the `ctmpl` module
    // docs, not from this code's output.

    #[test]
    fn text_is_copied_and_strings_print_raw() {
        assert_eq!(ok("a } }} {\n"), "a } }} {\n");
        assert_eq!(ok(r#"{{ "<&>\"'" }}"#), "<&>\"'");
        assert_eq!(ok(r#"{{ "{{" }}"#), "{{");
        assert_eq!(ok("{{ `a\\n\r` }}"), "a\\n");
        assert_eq!(ok(r#"{{ "\x41\101\u00e9\U0001F600\t" }}"#), "AAé😀\t");
        assert_eq!(ok("{{/* note */}}x"), "x");
    }

    #[test]
    fn trim_markers_eat_all_adjacent_whitespace() {
        assert_eq!(ok("a \t\r\n {{- \"b\" -}} \n\t\r c"), "abc");
        assert_eq!(ok("a\n{{-\n\"b\"\t-}}\nc"), "abc");
        assert_eq!(ok("a {{ \"b\" }} c"), "a b c");
        assert_eq!(ok("a\n{{- /* c */ -}}\n\nb"), "ab");
        // `{{-3}}` is not a trim marker: numbers are refused, whitespace is kept.
        assert!(matches!(fails("a {{-3}}"), CtmplError::Unsupported { .. }));
    }
}
