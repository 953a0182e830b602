//! Local stand-in for the consul-template that renders a Nomad `template` block from Vault.
//!
//! `nomad-build local` runs the compiled jobs without Nomad or Vault, but the credential files
//! its tasks read must be the bytes consul-template would write. [`render`] executes the same
//! template text (a job's `EmbeddedTmpl`) against a JSON map of Vault KV v2 path → secret data.
//! It implements the subset of Go `text/template` and consul-template that our templates use,
//! with their semantics, and refuses everything else with [`CtmplError::Unsupported`].
//!
//! Sources (Nomad pins consul-template v0.42.1; its `template/` and `dependency/vault_*.go` are
//! unchanged at HEAD `1deacb7d`; Go files are the current `src/` tree):
//!
//! - **Lexing** (`text/template/parse/lex.go`): text is copied verbatim up to `{{`. `{{- ` and
//!   ` -}}` (the `-` next to the delimiter, separated from the action by one of space, tab, CR or
//!   LF: `hasLeftTrimMarker`/`hasRightTrimMarker`) trim *all* adjacent space, tab, CR and LF of
//!   the neighbouring text (`strings.TrimRight`/`TrimLeft` with `spaceChars = " \t\r\n"`).
//!   `{{-3}}` is the number `-3`, not a trim. Actions may span lines. `{{/* … */}}` is a comment.
//! - **Parsing** (`parse/parse.go`): a pipeline is `[$x := | $x =] command ('|' command)*`;
//!   a command is space-separated operands; `.a.b.c` is one field chain. A variable must be
//!   declared before use, and is in scope until the `{{end}}` of the enclosing `if`/`with`
//!   (`parseControl` pops `t.vars`); top-level variables live to the end. `{{else if …}}` and
//!   `{{else with …}}` are supported as in Go. Functions are checked at parse time
//!   (`function "x" not defined`).
//! - **Execution** (`text/template/exec.go`): consul-template executes with data `nil`, so `.`
//!   and `$` start as nil, and with `missingkey=error` (consul-template `template/template.go`,
//!   `Execute`, when the job sets `error_on_missing_key = true`, as all of ours do). `evalField`:
//!   a missing map key → `map has no entry for key "k"`; a field of a nil value → `nil data; no
//!   entry for key "k"`; a field of a nil value found in a map → `nil pointer evaluating
//!   interface {}.k`; a field of anything that is neither map nor struct (e.g. a string) →
//!   `can't evaluate field k in type …`. `if`/`with` test Go truth (`isTrue`: nil, `""`, empty
//!   map/list, `false` are false; a `*Secret` is true). `with` sets `.` to the value.
//! - **Printing** (`exec.go`, `printValue`): an action prints its value with `fmt.Fprint`, raw:
//!   `text/template` does **no** HTML or other escaping. A nil value prints `<no value>`
//!   (`printableValue`), `true`/`false` as such, a map as `map[k:v …]` with sorted keys, a list
//!   as `[a b]`. An action that declares a variable prints nothing.
//! - **`secret "path"`** (consul-template `template/funcs.go`, `secretFunc`; `dependency/
//!   vault_read.go`, `vault_common.go`): returns a `*dependency.Secret` whose `Data` is the Vault
//!   API response's `data` (`updateSecret`: `ours.Data = theirs.Data`), i.e. for KV v2
//!   `{"data": <the secret's map>, "metadata": {…}}`, hence `.Data.data.username`. The path is
//!   `strings.TrimSpace`d and trimmed of `/` (`NewVaultReadQuery`). Vault's client decodes JSON
//!   with `UseNumber`, so numbers are `json.Number` (printed as their text). The secret's other
//!   fields and `.Data.metadata` have no local source and are refused.
//! - **Functions**: `printf` (`fmt.Sprintf`; `%s` and `%%` only, plus Go's `%!s(MISSING)`,
//!   `%!(EXTRA …)`, `%!(NOVERB)` forms), `base64Encode` (`base64.StdEncoding`, padded),
//!   `toJSON` (`json.Marshal` → HTML-safe escaping, sorted map keys, then `bytes.TrimSpace`),
//!   `urlquery` (`url.QueryEscape` of `evalArgs`), `replaceAll FROM TO S`
//!   (`strings.ReplaceAll(S, FROM, TO)`, so a piped value is `S`).

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CtmplError {
    /// `secret "PATH"` reads a path the secrets file does not have.
    #[error("the secrets file has no `{0}`")]
    MissingSecret(String),
    /// The template does not parse; Go's `text/template` rejects it too. `line` and `col` are
    /// 1-based (`col` counts bytes).
    #[error("template: {line}:{col}: {message}")]
    Syntax {
        /// Line of the offending token.
        line: usize,
        /// Byte column of the offending token.
        col: usize,
        /// Go's message, e.g. `undefined variable "$x"`.
        message: String,
    },
    /// Executing the template fails where Go's `text/template` fails too.
    #[error("template: {line}:{col}: executing at <{context}>: {message}")]
    Exec {
        /// Line of the node being executed.
        line: usize,
        /// Byte column of the node being executed.
        col: usize,
        /// The node, as Go prints it (e.g. `.Data.data.username`).
        context: String,
        /// Go's message, e.g. `map has no entry for key "username"`.
        message: String,
    },
    /// A construct consul-template accepts that this renderer does not implement.
    #[error("template: {line}:{col}: {construct} is not supported by the local renderer")]
    Unsupported {
        /// Line of the construct.
        line: usize,
        /// Byte column of the construct.
        col: usize,
        /// What it is, e.g. `{{range}}`.
        construct: String,
    },
}

/// Renders `template` as consul-template (in Nomad, with `error_on_missing_key = true`) would,
/// reading `secret "PATH"` from `secrets` (KV v2 path → the secret's data object).
///
/// A path missing from `secrets` is [`CtmplError::MissingSecret`]; consul-template would wait
/// for it instead.
pub fn render(template: &str, secrets: &Map<String, Value>) -> Result<String, CtmplError> {
    let nodes = parse(template)?;
    let mut exec = Exec {
        src: template,
        secrets,
        vars: vec![("$".to_owned(), Val::Nil)],
        out: String::new(),
    };
    exec.walk(&Val::Nil, &nodes)?;
    Ok(exec.out)
}

/// The Vault paths `template` reads with `secret "PATH"` (a string literal argument), in order
/// of first appearance, normalized as consul-template does. A path computed at run time is not
/// listed; a template that does not parse lists nothing (and [`render`] reports why).
pub fn secret_paths(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(nodes) = parse(template) {
        collect_paths(&nodes, &mut out);
    }
    out
}

/// Standard base64 (`+`, `/`, `=` padding, no line breaks): Go's `base64.StdEncoding`, which
/// consul-template's `base64Encode` uses.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = u32::from(chunk[0]);
        let b1 = chunk.get(1).map_or(0, |&b| u32::from(b));
        let b2 = chunk.get(2).map_or(0, |&b| u32::from(b));
        let n = (b0 << 16) | (b1 << 8) | b2;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

// -------------------------------------------------------------------------------------------
// Lexer: a port of text/template/parse/lex.go (default delimiters, comments not emitted).
// -------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
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
enum Kw {
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

    fn name(self) -> &'static str {
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
struct Item {
    tok: Tok,
    pos: usize,
    val: String,
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

/// 1-based line and byte column of `pos` in `src`.
fn line_col(src: &str, pos: usize) -> (usize, usize) {
    let before = &src.as_bytes()[..pos.min(src.len())];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let col = 1 + before.iter().rev().take_while(|&&b| b != b'\n').count();
    (line, col)
}

fn syntax(src: &str, pos: usize, message: impl Into<String>) -> CtmplError {
    let (line, col) = line_col(src, pos);
    CtmplError::Syntax {
        line,
        col,
        message: message.into(),
    }
}

fn unsupported(src: &str, pos: usize, construct: impl Into<String>) -> CtmplError {
    let (line, col) = line_col(src, pos);
    CtmplError::Unsupported {
        line,
        col,
        construct: construct.into(),
    }
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
        const DEC: &str = "0123456789_";
        const HEX: &str = "0123456789abcdefABCDEF_";
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

fn lex(src: &str) -> Result<Vec<Item>, CtmplError> {
    Lexer {
        src,
        pos: 0,
        items: Vec::new(),
        paren_depth: 0,
    }
    .run()
}

// -------------------------------------------------------------------------------------------
// Parser: a port of the parts of text/template/parse/parse.go that build our subset.
// -------------------------------------------------------------------------------------------

#[derive(Debug)]
enum Node {
    Text(String),
    Action(Pipe),
    If(Control),
    With(Control),
}

#[derive(Debug)]
struct Control {
    pipe: Pipe,
    list: Vec<Node>,
    else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
struct Pipe {
    pos: usize,
    decl: Vec<String>,
    is_assign: bool,
    cmds: Vec<Cmd>,
}

#[derive(Debug)]
struct Cmd {
    args: Vec<Arg>,
}

#[derive(Debug)]
struct Arg {
    pos: usize,
    kind: ArgKind,
}

#[derive(Debug)]
enum ArgKind {
    /// `.a.b`: the field names.
    Field(Vec<String>),
    /// `$x.a.b`: the variable and the field names.
    Variable(String, Vec<String>),
    /// A function name.
    Ident(String),
    /// A string constant: its value and its source text.
    Str(String, String),
    Bool(bool),
    Dot,
    Nil,
}

impl Arg {
    /// The node as Go's `Node.String` prints it.
    fn describe(&self) -> String {
        match &self.kind {
            ArgKind::Field(idents) => idents.iter().map(|i| format!(".{i}")).collect(),
            ArgKind::Variable(name, fields) => {
                let mut s = name.clone();
                for f in fields {
                    s.push('.');
                    s.push_str(f);
                }
                s
            }
            ArgKind::Ident(name) => name.clone(),
            ArgKind::Str(_, quoted) => quoted.clone(),
            ArgKind::Bool(b) => b.to_string(),
            ArgKind::Dot => ".".to_owned(),
            ArgKind::Nil => "nil".to_owned(),
        }
    }
}

/// Go's text/template builtins (`funcs.go`, `builtins`).
const GO_BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// consul-template's own functions (`template/template.go`, `funcMap`); Sprig's are added with
/// a `sprig_` prefix.
const CONSUL_TEMPLATE_FUNCS: &[&str] = &[
    "datacenters",
    "exportedServices",
    "importedServices",
    "file",
    "key",
    "keyExists",
    "keyOrDefault",
    "ls",
    "safeLs",
    "node",
    "nodes",
    "partitions",
    "peerings",
    "secret",
    "secrets",
    "service",
    "connect",
    "services",
    "tree",
    "safeTree",
    "caRoots",
    "caLeaf",
    "pkiCert",
    "nomadServices",
    "nomadService",
    "nomadVarList",
    "nomadVarListSafe",
    "nomadVar",
    "nomadVarExists",
    "scratch",
    "base64Decode",
    "base64Encode",
    "base64URLDecode",
    "base64URLEncode",
    "byKey",
    "byPort",
    "byTag",
    "contains",
    "containsAll",
    "containsAny",
    "containsNone",
    "containsNotAll",
    "env",
    "mustEnv",
    "envOrDefault",
    "executeTemplate",
    "explode",
    "explodeMap",
    "mergeMap",
    "mergeMapWithOverride",
    "in",
    "indent",
    "loop",
    "join",
    "trim",
    "trimPrefix",
    "trimSuffix",
    "trimSpace",
    "parseBool",
    "parseFloat",
    "parseInt",
    "parseJSON",
    "parseUint",
    "parseYAML",
    "plugin",
    "regexReplaceAll",
    "regexMatch",
    "replaceAll",
    "sha256Hex",
    "md5sum",
    "hmacSHA256Hex",
    "timestamp",
    "toLower",
    "toJSON",
    "toJSONPretty",
    "toUnescapedJSON",
    "toUnescapedJSONPretty",
    "toTitle",
    "toTOML",
    "toUpper",
    "toYAML",
    "split",
    "splitToMap",
    "byMeta",
    "sockaddr",
    "writeToFile",
    "add",
    "subtract",
    "multiply",
    "divide",
    "modulo",
    "minimum",
    "maximum",
    "spew_dump",
    "spew_printf",
    "spew_sdump",
    "spew_sprintf",
];

/// The functions this renderer implements.
const SUPPORTED_FUNCS: &[&str] = &[
    "secret",
    "printf",
    "base64Encode",
    "toJSON",
    "urlquery",
    "replaceAll",
];

/// Nomad's `DefaultTemplateFunctionDenylist` (nomad `client/config/config.go`).
const NOMAD_DENIED_FUNCS: &[&str] = &["executeTemplate", "plugin", "writeToFile"];

enum Parsed {
    Node(Node),
    End,
    Else,
}

struct Parser<'a> {
    src: &'a str,
    items: Vec<Item>,
    idx: usize,
    vars: Vec<String>,
}

fn parse(src: &str) -> Result<Vec<Node>, CtmplError> {
    let mut p = Parser {
        src,
        items: lex(src)?,
        idx: 0,
        vars: vec!["$".to_owned()],
    };
    let mut list = Vec::new();
    while p.peek().tok != Tok::Eof {
        let pos = p.peek().pos;
        match p.text_or_action()? {
            Parsed::Node(n) => list.push(n),
            Parsed::End => return Err(p.err(pos, "unexpected {{end}}")),
            Parsed::Else => return Err(p.err(pos, "unexpected {{else}}")),
        }
    }
    Ok(list)
}

impl Parser<'_> {
    fn peek(&self) -> &Item {
        &self.items[self.idx.min(self.items.len() - 1)]
    }

    fn next(&mut self) -> Item {
        let item = self.peek().clone();
        self.idx += 1;
        item
    }

    fn backup(&mut self) {
        self.idx -= 1;
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let item = self.next();
            if item.tok != Tok::Space {
                return item;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let item = self.next_non_space();
        self.backup();
        item
    }

    fn err(&self, pos: usize, message: impl Into<String>) -> CtmplError {
        syntax(self.src, pos, message)
    }

    fn unsupported(&self, pos: usize, construct: impl Into<String>) -> CtmplError {
        unsupported(self.src, pos, construct)
    }

    /// `unexpected`: Go's `unexpected <token> in <context>`.
    fn unexpected(&self, item: &Item, context: &str) -> CtmplError {
        let desc = match &item.tok {
            Tok::Eof => "EOF".to_owned(),
            Tok::Kw(kw) => format!("<{}>", kw.name()),
            _ if item.val.chars().count() > 10 => {
                format!("{:?}...", item.val.chars().take(10).collect::<String>())
            }
            _ => format!("{:?}", item.val),
        };
        self.err(item.pos, format!("unexpected {desc} in {context}"))
    }

    fn item_list(&mut self) -> Result<(Vec<Node>, Parsed), CtmplError> {
        let mut list = Vec::new();
        loop {
            let item = self.peek_non_space();
            if item.tok == Tok::Eof {
                return Err(self.err(item.pos, "unexpected EOF"));
            }
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                end => return Ok((list, end)),
            }
        }
    }

    fn text_or_action(&mut self) -> Result<Parsed, CtmplError> {
        let item = self.next_non_space();
        match item.tok {
            Tok::Text(text) => Ok(Parsed::Node(Node::Text(text))),
            Tok::LeftDelim => self.action(),
            _ => Err(self.unexpected(&item, "input")),
        }
    }

    fn action(&mut self) -> Result<Parsed, CtmplError> {
        let item = self.next_non_space();
        if let Tok::Kw(kw) = item.tok {
            match kw {
                Kw::With => return Ok(Parsed::Node(Node::With(self.parse_control("with")?))),
                Kw::If => return Ok(Parsed::Node(Node::If(self.parse_control("if")?))),
                Kw::Else => {
                    let next = self.peek_non_space();
                    if !matches!(next.tok, Tok::Kw(Kw::If | Kw::With)) {
                        self.expect_right_delim("else")?;
                    }
                    return Ok(Parsed::Else);
                }
                Kw::End => {
                    self.expect_right_delim("end")?;
                    return Ok(Parsed::End);
                }
                Kw::Nil => {}
                other => {
                    return Err(self.unsupported(item.pos, format!("{{{{{}}}}}", other.name())))
                }
            }
        }
        self.backup();
        Ok(Parsed::Node(Node::Action(self.pipeline("command")?)))
    }

    fn expect_right_delim(&mut self, context: &str) -> Result<(), CtmplError> {
        let item = self.next_non_space();
        if item.tok != Tok::RightDelim {
            return Err(self.unexpected(&item, context));
        }
        Ok(())
    }

    /// `parseControl`: variables declared inside go out of scope at the matching `{{end}}`.
    fn parse_control(&mut self, context: &str) -> Result<Control, CtmplError> {
        let mark = self.vars.len();
        let pipe = self.pipeline(context)?;
        let (list, next) = self.item_list()?;
        let else_list = match next {
            Parsed::Else => {
                let nested = match (context, &self.peek().tok) {
                    ("if", Tok::Kw(Kw::If)) => Some(("if", false)),
                    ("with", Tok::Kw(Kw::With)) => Some(("with", true)),
                    _ => None,
                };
                if let Some((ctx, is_with)) = nested {
                    self.next();
                    let control = self.parse_control(ctx)?;
                    Some(vec![if is_with {
                        Node::With(control)
                    } else {
                        Node::If(control)
                    }])
                } else {
                    let (list, end) = self.item_list()?;
                    if !matches!(end, Parsed::End) {
                        let pos = self.items[self.idx.saturating_sub(1)].pos;
                        return Err(self.err(pos, "expected end; found {{else}}"));
                    }
                    Some(list)
                }
            }
            _ => None,
        };
        self.vars.truncate(mark);
        Ok(Control {
            pipe,
            list,
            else_list,
        })
    }

    /// `pipeline`: declarations? command ('|' command)*, up to the right delimiter.
    fn pipeline(&mut self, context: &str) -> Result<Pipe, CtmplError> {
        let pos = self.peek_non_space().pos;
        let mut pipe = Pipe {
            pos,
            decl: Vec::new(),
            is_assign: false,
            cmds: Vec::new(),
        };
        let var = self.peek_non_space();
        if let Tok::Variable(name) = &var.tok {
            let var_idx = self.idx;
            self.next_non_space();
            let next = self.peek_non_space();
            match next.tok {
                Tok::Assign | Tok::Declare => {
                    pipe.is_assign = next.tok == Tok::Assign;
                    self.next_non_space();
                    pipe.decl.push(name.clone());
                    self.vars.push(name.clone());
                }
                Tok::Char(',') => {
                    return Err(self.err(next.pos, format!("too many declarations in {context}")))
                }
                _ => self.idx = var_idx,
            }
        }
        loop {
            let item = self.next_non_space();
            match item.tok {
                Tok::RightDelim => break,
                Tok::Bool(_)
                | Tok::CharConst
                | Tok::Number
                | Tok::Dot
                | Tok::Field(_)
                | Tok::Identifier(_)
                | Tok::Kw(Kw::Nil)
                | Tok::RawStr
                | Tok::Str
                | Tok::Variable(_)
                | Tok::LeftParen => {
                    self.backup();
                    pipe.cmds.push(self.command()?);
                }
                _ => return Err(self.unexpected(&item, context)),
            }
        }
        if pipe.cmds.is_empty() {
            return Err(self.err(pos, format!("missing value for {context}")));
        }
        for (i, cmd) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                cmd.args[0].kind,
                ArgKind::Bool(_) | ArgKind::Dot | ArgKind::Nil | ArgKind::Str(..)
            ) {
                return Err(self.err(
                    cmd.args[0].pos,
                    format!("non executable command in pipeline stage {}", i + 1),
                ));
            }
        }
        Ok(pipe)
    }

    fn command(&mut self) -> Result<Cmd, CtmplError> {
        let pos = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.peek_non_space();
            if let Some(arg) = self.operand()? {
                args.push(arg);
            }
            let item = self.next();
            match item.tok {
                Tok::Space => continue,
                Tok::RightDelim | Tok::RightParen => {
                    self.backup();
                    break;
                }
                Tok::Pipe => break,
                _ => return Err(self.unexpected(&item, "operand")),
            }
        }
        if args.is_empty() {
            return Err(self.err(pos, "empty command"));
        }
        Ok(Cmd { args })
    }

    /// `operand`: a term followed by `.Field`s.
    fn operand(&mut self) -> Result<Option<Arg>, CtmplError> {
        let Some(mut arg) = self.term()? else {
            return Ok(None);
        };
        if matches!(self.peek().tok, Tok::Field(_)) {
            let mut fields = Vec::new();
            while let Tok::Field(name) = &self.peek().tok {
                fields.push(name.clone());
                self.next();
            }
            match &mut arg.kind {
                ArgKind::Field(idents) | ArgKind::Variable(_, idents) => idents.extend(fields),
                ArgKind::Ident(name) => {
                    let construct = format!("a field of a function result (`{name}.…`)");
                    return Err(self.unsupported(arg.pos, construct));
                }
                _ => {
                    let message = format!("unexpected . after term {:?}", arg.describe());
                    return Err(self.err(arg.pos, message));
                }
            }
        }
        Ok(Some(arg))
    }

    fn term(&mut self) -> Result<Option<Arg>, CtmplError> {
        let item = self.next_non_space();
        let pos = item.pos;
        let kind = match item.tok {
            Tok::Identifier(name) => {
                let defined = GO_BUILTINS.contains(&name.as_str())
                    || CONSUL_TEMPLATE_FUNCS.contains(&name.as_str())
                    || name.starts_with("sprig_");
                if !defined {
                    return Err(self.err(pos, format!("function {name:?} not defined")));
                }
                if NOMAD_DENIED_FUNCS.contains(&name.as_str()) {
                    let construct = format!(
                        "the function `{name}` (denied by Nomad's default function_denylist)"
                    );
                    return Err(self.unsupported(pos, construct));
                }
                if !SUPPORTED_FUNCS.contains(&name.as_str()) {
                    return Err(self.unsupported(pos, format!("the function `{name}`")));
                }
                ArgKind::Ident(name)
            }
            Tok::Dot => ArgKind::Dot,
            Tok::Kw(Kw::Nil) => ArgKind::Nil,
            Tok::Variable(name) => {
                if !self.vars.contains(&name) {
                    return Err(self.err(pos, format!("undefined variable {name:?}")));
                }
                ArgKind::Variable(name, Vec::new())
            }
            Tok::Field(name) => ArgKind::Field(vec![name]),
            Tok::Bool(b) => ArgKind::Bool(b),
            Tok::Number => {
                return Err(self.unsupported(pos, format!("the number {}", item.val)));
            }
            Tok::CharConst => {
                return Err(self.unsupported(pos, format!("the character constant {}", item.val)));
            }
            Tok::LeftParen => return Err(self.unsupported(pos, "a parenthesized pipeline")),
            Tok::Str => match unquote_interpreted(&item.val) {
                Ok(text) => ArgKind::Str(text, item.val),
                Err(UnquoteError::Syntax) => return Err(self.err(pos, "invalid syntax")),
                Err(UnquoteError::NotUtf8) => {
                    let construct = format!("the string {} (not valid UTF-8)", item.val);
                    return Err(self.unsupported(pos, construct));
                }
            },
            Tok::RawStr => {
                let text = item.val[1..item.val.len() - 1].replace('\r', "");
                ArgKind::Str(text, item.val)
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(Arg { pos, kind }))
    }
}

enum UnquoteError {
    Syntax,
    NotUtf8,
}

/// `strconv.Unquote` of a double-quoted Go string literal (quotes included).
fn unquote_interpreted(quoted: &str) -> Result<String, UnquoteError> {
    fn hex(chars: &mut std::str::Chars<'_>, n: usize) -> Result<u32, UnquoteError> {
        let mut v = 0;
        for _ in 0..n {
            let d = chars
                .next()
                .and_then(|c| c.to_digit(16))
                .ok_or(UnquoteError::Syntax)?;
            v = v * 16 + d;
        }
        Ok(v)
    }
    let inner = &quoted[1..quoted.len() - 1];
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '\n' {
            return Err(UnquoteError::Syntax);
        }
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let esc = chars.next().ok_or(UnquoteError::Syntax)?;
        let byte = match esc {
            'a' => 7,
            'b' => 8,
            'f' => 12,
            'n' => b'\n',
            'r' => b'\r',
            't' => b'\t',
            'v' => 11,
            '\\' => b'\\',
            '"' => b'"',
            'x' => hex(&mut chars, 2)? as u8,
            'u' | 'U' => {
                let v = hex(&mut chars, if esc == 'u' { 4 } else { 8 })?;
                let c = char::from_u32(v).ok_or(UnquoteError::Syntax)?;
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            '0'..='7' => {
                let mut v = esc.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let d = chars
                        .next()
                        .and_then(|c| c.to_digit(8))
                        .ok_or(UnquoteError::Syntax)?;
                    v = v * 8 + d;
                }
                u8::try_from(v).map_err(|_| UnquoteError::Syntax)?
            }
            _ => return Err(UnquoteError::Syntax),
        };
        out.push(byte);
    }
    String::from_utf8(out).map_err(|_| UnquoteError::NotUtf8)
}

fn collect_paths(nodes: &[Node], out: &mut Vec<String>) {
    for node in nodes {
        match node {
            Node::Text(_) => {}
            Node::Action(pipe) => collect_pipe_paths(pipe, out),
            Node::If(c) | Node::With(c) => {
                collect_pipe_paths(&c.pipe, out);
                collect_paths(&c.list, out);
                if let Some(e) = &c.else_list {
                    collect_paths(e, out);
                }
            }
        }
    }
}

fn collect_pipe_paths(pipe: &Pipe, out: &mut Vec<String>) {
    for cmd in &pipe.cmds {
        if let [Arg {
            kind: ArgKind::Ident(f),
            ..
        }, Arg {
            kind: ArgKind::Str(path, _),
            ..
        }] = cmd.args.as_slice()
        {
            if f == "secret" {
                if let Ok(p) = vault_read_path(path) {
                    if !out.contains(&p) {
                        out.push(p);
                    }
                }
            }
        }
    }
}

/// `NewVaultReadQuery`: `strings.TrimSpace`, then `strings.Trim(s, "/")`, then `url.Parse`
/// (whose path decoding and `?version=` queries are refused here).
fn vault_read_path(raw: &str) -> Result<String, &'static str> {
    let path = raw.trim().trim_matches('/');
    if path.is_empty() {
        return Err("an empty secret path");
    }
    let first_segment = path.split('/').next().unwrap_or_default();
    if path.contains(['?', '#', '%'])
        || first_segment.contains(':')
        || path.bytes().any(|b| b < 0x20 || b == 0x7f)
    {
        return Err("a secret path with `?`, `#`, `%`, a control character or a URL scheme");
    }
    Ok(path.to_owned())
}

// -------------------------------------------------------------------------------------------
// Values and the functions' Go semantics.
// -------------------------------------------------------------------------------------------

/// A value as the template sees it (Go types in comments).
#[derive(Debug, Clone)]
enum Val {
    /// An untyped nil / invalid `reflect.Value` (Execute's data, a JSON null).
    Nil,
    /// `string`.
    Str(String),
    /// `json.Number` (Vault's client decodes with `UseNumber`).
    Num(String),
    /// `bool`.
    Bool(bool),
    /// `map[string]interface{}`.
    Map(Map<String, Value>),
    /// `[]interface{}`.
    List(Vec<Value>),
    /// `*dependency.Secret`, holding the KV v2 secret's data.
    Secret(Map<String, Value>),
    /// The `Data` field of a KV v2 `*dependency.Secret`: `{"data": …, "metadata": …}`.
    SecretData(Map<String, Value>),
}

impl Val {
    /// Go's name of the dynamic type, as `text/template` error messages print it.
    fn type_name(&self) -> &'static str {
        match self {
            Val::Nil => "<nil>",
            Val::Str(_) => "string",
            Val::Num(_) => "json.Number",
            Val::Bool(_) => "bool",
            Val::Map(_) | Val::SecretData(_) => "map[string]interface {}",
            Val::List(_) => "[]interface {}",
            Val::Secret(_) => "*dependency.Secret",
        }
    }

    /// `isTrue`.
    fn truth(&self) -> bool {
        match self {
            Val::Nil => false,
            Val::Str(s) | Val::Num(s) => !s.is_empty(),
            Val::Bool(b) => *b,
            Val::Map(m) | Val::SecretData(m) => !m.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Secret(_) => true,
        }
    }
}

const NON_INTEGER: &str = "a non-integer number in the secrets file (Vault would keep its exact \
                           text, the secrets file's parser does not)";

fn integer_text(n: &serde_json::Number) -> Result<String, &'static str> {
    if n.is_i64() || n.is_u64() {
        Ok(n.to_string())
    } else {
        Err(NON_INTEGER)
    }
}

fn from_json(v: &Value) -> Result<Val, &'static str> {
    Ok(match v {
        Value::Null => Val::Nil,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => Val::Num(integer_text(n)?),
        Value::String(s) => Val::Str(s.clone()),
        Value::Array(a) => Val::List(a.clone()),
        Value::Object(o) => Val::Map(o.clone()),
    })
}

const SECRET_OBJECT: &str = "using a whole secret (`*dependency.Secret` or its `.Data`) as a value";

/// `fmt`'s `%v` of a value nested in a map or list (`printValue` at depth > 0).
fn fmt_json(v: &Value, out: &mut String) -> Result<(), &'static str> {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&integer_text(n)?),
        Value::String(s) => out.push_str(s),
        Value::Array(a) => fmt_list(a, out)?,
        Value::Object(m) => fmt_map(m, out)?,
    }
    Ok(())
}

fn fmt_list(list: &[Value], out: &mut String) -> Result<(), &'static str> {
    out.push('[');
    for (i, v) in list.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        fmt_json(v, out)?;
    }
    out.push(']');
    Ok(())
}

/// `fmt` prints maps with their keys sorted (`internal/fmtsort`: strings by byte order).
fn fmt_map(map: &Map<String, Value>, out: &mut String) -> Result<(), &'static str> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    out.push_str("map[");
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(k);
        out.push(':');
        fmt_json(&map[k], out)?;
    }
    out.push(']');
    Ok(())
}

/// `fmt`'s `%v` of a top-level operand (`fmt.Sprint`, `%!(EXTRA …)`).
fn fmt_v(v: &Val) -> Result<String, &'static str> {
    let mut out = String::new();
    match v {
        Val::Nil => out.push_str("<nil>"),
        Val::Str(s) | Val::Num(s) => out.push_str(s),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Map(m) => fmt_map(m, &mut out)?,
        Val::List(l) => fmt_list(l, &mut out)?,
        Val::Secret(_) | Val::SecretData(_) => return Err(SECRET_OBJECT),
    }
    Ok(out)
}

/// What an action prints (`printValue` → `printableValue` → `fmt.Fprint`), unescaped.
fn print_value(v: &Val) -> Result<String, &'static str> {
    match v {
        Val::Nil => Ok("<no value>".to_owned()),
        other => fmt_v(other),
    }
}

/// `fmt.Sprintf` for `%s` and `%%` (Go's `%!…` forms included).
fn sprintf(format: &str, args: &[Val]) -> Result<String, String> {
    let mut out = String::new();
    let mut argi = 0;
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            None => out.push_str("%!(NOVERB)"),
            Some('%') => out.push('%'),
            Some('s') => {
                match args.get(argi) {
                    None => out.push_str("%!s(MISSING)"),
                    Some(Val::Str(s) | Val::Num(s)) => out.push_str(s),
                    Some(Val::Bool(b)) => {
                        let _ = write!(out, "%!s(bool={b})");
                    }
                    Some(Val::Nil) => out.push_str("%!s(<nil>)"),
                    Some(other) => {
                        return Err(format!("printf's %s of a {} value", other.type_name()))
                    }
                }
                argi += 1;
            }
            Some(v) => {
                return Err(format!(
                    "the printf verb or flag `%{v}` (only %s and %% are implemented)"
                ))
            }
        }
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[argi..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if let Val::Nil = a {
                out.push_str("<nil>");
            } else {
                out.push_str(a.type_name());
                out.push('=');
                out.push_str(&fmt_v(a)?);
            }
        }
        out.push(')');
    }
    Ok(out)
}

/// `json.Marshal` of a string: encoding/json `appendString` with `escapeHTML` set. The `\b`
/// and `\f` short forms are Go ≥ 1.22's; older releases wrote `\u0008` and `\u000c`.
fn json_quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_value(v: &Value, out: &mut String) -> Result<(), &'static str> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&integer_text(n)?),
        Value::String(s) => json_quote(s, out),
        Value::Array(a) => json_list(a, out)?,
        Value::Object(m) => json_map(m, out)?,
    }
    Ok(())
}

fn json_list(list: &[Value], out: &mut String) -> Result<(), &'static str> {
    out.push('[');
    for (i, v) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_value(v, out)?;
    }
    out.push(']');
    Ok(())
}

/// encoding/json sorts map keys (`strings.Compare`, byte order).
fn json_map(map: &Map<String, Value>, out: &mut String) -> Result<(), &'static str> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    out.push('{');
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_quote(k, out);
        out.push(':');
        json_value(&map[k], out)?;
    }
    out.push('}');
    Ok(())
}

/// consul-template's `toJSON`: `json.Marshal`, then `bytes.TrimSpace` (a no-op on its output).
fn to_json(v: &Val) -> Result<String, &'static str> {
    let mut out = String::new();
    match v {
        Val::Nil => out.push_str("null"),
        Val::Str(s) => json_quote(s, &mut out),
        Val::Num(s) => out.push_str(s),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Map(m) => json_map(m, &mut out)?,
        Val::List(l) => json_list(l, &mut out)?,
        Val::Secret(_) | Val::SecretData(_) => return Err(SECRET_OBJECT),
    }
    Ok(out)
}

/// `url.QueryEscape`: unreserved `A-Za-z0-9-_.~` kept, space → `+`, every other byte `%XX`.
fn query_escape(s: &str) -> String {
    const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(UPPER_HEX[usize::from(b >> 4)]));
                out.push(char::from(UPPER_HEX[usize::from(b & 15)]));
            }
        }
    }
    out
}

/// text/template's `evalArgs`: one `string` as is, otherwise `fmt.Sprint` of the operands with
/// nil replaced by `<no value>`; `Sprint` puts a space between two operands that are both
/// non-strings.
fn eval_args(args: &[Val]) -> Result<String, &'static str> {
    if let [Val::Str(s)] = args {
        return Ok(s.clone());
    }
    let mut out = String::new();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Val::Nil | Val::Str(_) | Val::Num(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        out.push_str(&print_value(arg)?);
        prev_string = is_string;
    }
    Ok(out)
}

// -------------------------------------------------------------------------------------------
// Execution: the parts of text/template/exec.go that run our subset.
// -------------------------------------------------------------------------------------------

/// Fields of `dependency.Secret` that have no local source.
const SECRET_FIELDS: &[&str] = &[
    "RequestID",
    "LeaseID",
    "LeaseDuration",
    "Renewable",
    "Warnings",
    "Auth",
    "WrapInfo",
];

/// Methods of `json.Number`, which `.Field` syntax would call.
const NUMBER_METHODS: &[&str] = &["Float64", "Int64", "String"];

struct Exec<'a> {
    src: &'a str,
    secrets: &'a Map<String, Value>,
    vars: Vec<(String, Val)>,
    out: String,
}

impl Exec<'_> {
    fn err(&self, arg: &Arg, message: impl Into<String>) -> CtmplError {
        let (line, col) = line_col(self.src, arg.pos);
        CtmplError::Exec {
            line,
            col,
            context: arg.describe(),
            message: message.into(),
        }
    }

    fn unsupported(&self, pos: usize, construct: impl Into<String>) -> CtmplError {
        unsupported(self.src, pos, construct)
    }

    fn walk(&mut self, dot: &Val, nodes: &[Node]) -> Result<(), CtmplError> {
        for node in nodes {
            match node {
                Node::Text(text) => self.out.push_str(text),
                Node::Action(pipe) => {
                    let v = self.eval_pipeline(dot, pipe)?;
                    if pipe.decl.is_empty() {
                        let printed = print_value(&v).map_err(|c| self.unsupported(pipe.pos, c))?;
                        self.out.push_str(&printed);
                    }
                }
                Node::If(c) => self.walk_if_or_with(false, dot, c)?,
                Node::With(c) => self.walk_if_or_with(true, dot, c)?,
            }
        }
        Ok(())
    }

    /// `walkIfOrWith`: variables declared inside are popped afterwards.
    fn walk_if_or_with(&mut self, with: bool, dot: &Val, c: &Control) -> Result<(), CtmplError> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &c.pipe)?;
        let result = if val.truth() {
            if with {
                self.walk(&val, &c.list)
            } else {
                self.walk(dot, &c.list)
            }
        } else if let Some(else_list) = &c.else_list {
            self.walk(dot, else_list)
        } else {
            Ok(())
        };
        self.vars.truncate(mark);
        result
    }

    fn eval_pipeline(&mut self, dot: &Val, pipe: &Pipe) -> Result<Val, CtmplError> {
        let mut value = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value.take())?);
        }
        let value = value.unwrap_or(Val::Nil);
        for name in &pipe.decl {
            if pipe.is_assign {
                match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = value.clone(),
                    None => {
                        let (line, col) = line_col(self.src, pipe.pos);
                        return Err(CtmplError::Exec {
                            line,
                            col,
                            context: name.clone(),
                            message: format!("undefined variable: {name}"),
                        });
                    }
                }
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn var_value(&self, arg: &Arg, name: &str) -> Result<Val, CtmplError> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| self.err(arg, format!("undefined variable: {name}")))
    }

    fn eval_command(
        &mut self,
        dot: &Val,
        cmd: &Cmd,
        final_: Option<Val>,
    ) -> Result<Val, CtmplError> {
        let first = &cmd.args[0];
        let has_args = cmd.args.len() > 1 || final_.is_some();
        let not_a_function = |this: &Self| {
            if has_args {
                Err(this.err(
                    first,
                    format!("can't give argument to non-function {}", first.describe()),
                ))
            } else {
                Ok(())
            }
        };
        match &first.kind {
            ArgKind::Field(idents) => Ok(self.eval_chain(first, dot.clone(), idents, has_args)?.0),
            ArgKind::Variable(name, fields) => {
                let v = self.var_value(first, name)?;
                if fields.is_empty() {
                    not_a_function(self)?;
                    Ok(v)
                } else {
                    Ok(self.eval_chain(first, v, fields, has_args)?.0)
                }
            }
            ArgKind::Ident(name) => self.call(dot, first, name, &cmd.args[1..], final_),
            ArgKind::Str(text, _) => {
                not_a_function(self)?;
                Ok(Val::Str(text.clone()))
            }
            ArgKind::Bool(b) => {
                not_a_function(self)?;
                Ok(Val::Bool(*b))
            }
            ArgKind::Dot => {
                not_a_function(self)?;
                Ok(dot.clone())
            }
            ArgKind::Nil => Err(self.err(first, "nil is not a command")),
        }
    }

    /// `evalFieldChain`. Returns the value and whether it came out of a map (Go type
    /// `interface {}`), which changes what a further field access reports.
    fn eval_chain(
        &self,
        arg: &Arg,
        receiver: Val,
        idents: &[String],
        has_args: bool,
    ) -> Result<(Val, bool), CtmplError> {
        let mut cur = (receiver, false);
        for (i, name) in idents.iter().enumerate() {
            let last = i + 1 == idents.len();
            cur = self.eval_field(arg, name, cur.0, cur.1, last && has_args)?;
        }
        Ok(cur)
    }

    /// `evalField` with `missingkey=error`.
    fn eval_field(
        &self,
        arg: &Arg,
        name: &str,
        receiver: Val,
        boxed: bool,
        has_args: bool,
    ) -> Result<(Val, bool), CtmplError> {
        let map_args = || self.err(arg, format!("{name} is not a method but has arguments"));
        let missing = || self.err(arg, format!("map has no entry for key {name:?}"));
        match receiver {
            Val::Nil if boxed => {
                Err(self.err(arg, format!("nil pointer evaluating interface {{}}.{name}")))
            }
            Val::Nil => Err(self.err(arg, format!("nil data; no entry for key {name:?}"))),
            Val::Map(m) => {
                if has_args {
                    return Err(map_args());
                }
                let v = m.get(name).ok_or_else(missing)?;
                let v = from_json(v).map_err(|c| self.unsupported(arg.pos, c))?;
                Ok((v, true))
            }
            Val::SecretData(data) => {
                if has_args {
                    return Err(map_args());
                }
                match name {
                    "data" => Ok((Val::Map(data), true)),
                    "metadata" => Err(self.unsupported(
                        arg.pos,
                        "the KV v2 `.Data.metadata` of a secret (there is no local source for it)",
                    )),
                    _ => Err(missing()),
                }
            }
            Val::Secret(data) => match name {
                "Data" if has_args => {
                    Err(self.err(arg, "Data has arguments but cannot be invoked as function"))
                }
                "Data" => Ok((Val::SecretData(data), false)),
                _ if SECRET_FIELDS.contains(&name) => Err(self.unsupported(
                    arg.pos,
                    format!("the secret's `.{name}` (there is no local source for it)"),
                )),
                _ => Err(self.err(
                    arg,
                    format!("can't evaluate field {name} in type *dependency.Secret"),
                )),
            },
            Val::Num(_) if NUMBER_METHODS.contains(&name) => {
                Err(self.unsupported(arg.pos, format!("calling json.Number's `{name}` method")))
            }
            other => {
                let typ = if boxed {
                    "interface {}"
                } else {
                    other.type_name()
                };
                Err(self.err(arg, format!("can't evaluate field {name} in type {typ}")))
            }
        }
    }

    /// `evalArg` for an operand of type `interface{}`.
    fn arg_value(&mut self, dot: &Val, arg: &Arg) -> Result<(Val, bool), CtmplError> {
        match &arg.kind {
            ArgKind::Dot => Ok((dot.clone(), false)),
            ArgKind::Nil => Ok((Val::Nil, false)),
            ArgKind::Str(text, _) => Ok((Val::Str(text.clone()), false)),
            ArgKind::Bool(b) => Ok((Val::Bool(*b), false)),
            ArgKind::Field(idents) => self.eval_chain(arg, dot.clone(), idents, false),
            ArgKind::Variable(name, fields) => {
                let v = self.var_value(arg, name)?;
                if fields.is_empty() {
                    Ok((v, false))
                } else {
                    self.eval_chain(arg, v, fields, false)
                }
            }
            ArgKind::Ident(name) => Ok((self.call(dot, arg, name, &[], None)?, false)),
        }
    }

    /// `evalArg` for an operand of type `string`.
    fn arg_string(&mut self, dot: &Val, arg: &Arg) -> Result<String, CtmplError> {
        match &arg.kind {
            ArgKind::Str(text, _) => Ok(text.clone()),
            ArgKind::Bool(b) => Err(self.err(arg, format!("expected string; found {b}"))),
            ArgKind::Nil => Err(self.err(arg, "cannot assign nil to string")),
            _ => {
                let (v, boxed) = self.arg_value(dot, arg)?;
                self.want_string(arg, v, boxed)
            }
        }
    }

    /// `validateType(value, string)`.
    fn want_string(&self, arg: &Arg, v: Val, boxed: bool) -> Result<String, CtmplError> {
        match v {
            Val::Str(s) => Ok(s),
            Val::Nil if boxed => Err(self.err(
                arg,
                "wrong type for value; expected string; got interface {}",
            )),
            Val::Nil => Err(self.err(arg, "invalid value; expected string")),
            other => Err(self.err(
                arg,
                format!(
                    "wrong type for value; expected string; got {}",
                    other.type_name()
                ),
            )),
        }
    }

    fn wrong_args(&self, node: &Arg, name: &str, want: usize, got: usize) -> CtmplError {
        self.err(
            node,
            format!("wrong number of args for {name}: want {want} got {got}"),
        )
    }

    /// The arguments of a function whose parameters are all `string`.
    fn string_args(
        &mut self,
        dot: &Val,
        node: &Arg,
        name: &str,
        args: &[Arg],
        final_: Option<Val>,
        want: usize,
    ) -> Result<Vec<String>, CtmplError> {
        let got = args.len() + usize::from(final_.is_some());
        if got != want {
            return Err(self.wrong_args(node, name, want, got));
        }
        let mut out = Vec::with_capacity(want);
        for a in args {
            out.push(self.arg_string(dot, a)?);
        }
        if let Some(f) = final_ {
            out.push(self.want_string(node, f, false)?);
        }
        Ok(out)
    }

    /// `evalCall` of one of [`SUPPORTED_FUNCS`]; `final_` is the piped-in value (last argument).
    fn call(
        &mut self,
        dot: &Val,
        node: &Arg,
        name: &str,
        args: &[Arg],
        final_: Option<Val>,
    ) -> Result<Val, CtmplError> {
        let got = args.len() + usize::from(final_.is_some());
        match name {
            "secret" => {
                let mut parts = Vec::with_capacity(got);
                for a in args {
                    parts.push(self.arg_string(dot, a)?);
                }
                if let Some(f) = final_ {
                    parts.push(self.want_string(node, f, false)?);
                }
                match parts.as_slice() {
                    [] => Ok(Val::Nil),
                    [path] => self.read_secret(node, path),
                    _ => Err(self
                        .unsupported(node.pos, "`secret` with `k=v` parameters (a Vault write)")),
                }
            }
            "printf" => {
                if got == 0 {
                    return Err(self.err(
                        node,
                        "wrong number of args for printf: want at least 1 got 0",
                    ));
                }
                let mut rest = Vec::new();
                let format = if let Some((first, tail)) = args.split_first() {
                    let format = self.arg_string(dot, first)?;
                    for a in tail {
                        rest.push(self.arg_value(dot, a)?.0);
                    }
                    rest.extend(final_);
                    format
                } else {
                    self.want_string(node, final_.unwrap_or(Val::Nil), false)?
                };
                let s = sprintf(&format, &rest).map_err(|c| self.unsupported(node.pos, c))?;
                Ok(Val::Str(s))
            }
            "base64Encode" => {
                let s = self.string_args(dot, node, name, args, final_, 1)?;
                Ok(Val::Str(base64(s[0].as_bytes())))
            }
            "replaceAll" => {
                let s = self.string_args(dot, node, name, args, final_, 3)?;
                Ok(Val::Str(s[2].replace(&s[0], &s[1])))
            }
            "toJSON" => {
                if got != 1 {
                    return Err(self.wrong_args(node, name, 1, got));
                }
                let v = match (args.first(), final_) {
                    (Some(a), _) => self.arg_value(dot, a)?.0,
                    (None, f) => f.unwrap_or(Val::Nil),
                };
                let s = to_json(&v).map_err(|c| self.unsupported(node.pos, c))?;
                Ok(Val::Str(s))
            }
            "urlquery" => {
                let mut vals = Vec::with_capacity(got);
                for a in args {
                    vals.push(self.arg_value(dot, a)?.0);
                }
                vals.extend(final_);
                let s = eval_args(&vals).map_err(|c| self.unsupported(node.pos, c))?;
                Ok(Val::Str(query_escape(&s)))
            }
            _ => Err(self.unsupported(node.pos, format!("the function `{name}`"))),
        }
    }

    fn read_secret(&self, node: &Arg, raw: &str) -> Result<Val, CtmplError> {
        if raw.trim().trim_matches('/').is_empty() {
            return Err(self.err(
                node,
                format!("error calling secret: vault.read: invalid format: {raw:?}"),
            ));
        }
        let path = vault_read_path(raw).map_err(|c| self.unsupported(node.pos, c))?;
        match self.secrets.get(&path) {
            None => Err(CtmplError::MissingSecret(path)),
            Some(Value::Object(data)) => Ok(Val::Secret(data.clone())),
            Some(_) => Err(self.err(
                node,
                format!("the secrets file's `{path}` is not a JSON object (a KV v2 secret's data)"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secrets(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn reg() -> Map<String, Value> {
        secrets(
            json!({"kv/data/r": {"username": "u", "password": "p", "empty": "", "n": 42,
            "none": null, "yes": true, "obj": {"b": "2", "a": 1}, "list": ["x", 2]}}),
        )
    }

    fn ok(t: &str) -> String {
        match render(t, &reg()) {
            Ok(s) => s,
            Err(e) => panic!("{t:?}: {e}"),
        }
    }

    fn fails(t: &str) -> CtmplError {
        match render(t, &reg()) {
            Ok(s) => panic!("{t:?} rendered {s:?}"),
            Err(e) => e,
        }
    }

    fn message(e: &CtmplError) -> String {
        match e {
            CtmplError::Syntax { message, .. } | CtmplError::Exec { message, .. } => {
                message.clone()
            }
            other => other.to_string(),
        }
    }

    // Expected strings below are written from the Go sources cited in the module docs, not
    // from this code's output.

    #[test]
    fn base64_matches_rfc4648_test_vectors() {
        // RFC 4648 §10.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), enc);
        }
        // 0xfb 0xff → 111110 111111 1111(00): `+`, `/`, `8` and one `=`.
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

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

    #[test]
    fn secret_fields_and_missingkey_error() {
        assert_eq!(
            ok(
                r#"{{ with secret "kv/data/r" }}{{ .Data.data.username }}:{{ .Data.data.password }}{{ end }}"#
            ),
            "u:p"
        );
        // Path normalization as in NewVaultReadQuery.
        assert_eq!(
            ok(r#"{{ with secret " /kv/data/r/ " }}{{ .Data.data.username }}{{ end }}"#),
            "u"
        );
        let e = fails(r#"{{ with secret "kv/data/r" }}{{ .Data.data.nope }}{{ end }}"#);
        assert_eq!(message(&e), r#"map has no entry for key "nope""#);
        assert!(e.to_string().contains("<.Data.data.nope>"), "{e}");
        let e = fails(r#"{{ with secret "kv/data/r" }}{{ .Data.nope }}{{ end }}"#);
        assert_eq!(message(&e), r#"map has no entry for key "nope""#);
        let e = fails(r#"{{ with secret "kv/data/r" }}{{ .Nope }}{{ end }}"#);
        assert_eq!(
            message(&e),
            "can't evaluate field Nope in type *dependency.Secret"
        );
        let e = fails(r#"{{ with secret "kv/data/r" }}{{ .Data.data.username.first }}{{ end }}"#);
        assert_eq!(
            message(&e),
            "can't evaluate field first in type interface {}"
        );
        let e = fails(r#"{{ with secret "kv/data/r" }}{{ .Data.data.none.x }}{{ end }}"#);
        assert_eq!(message(&e), "nil pointer evaluating interface {}.x");
        let e = fails(
            r#"{{ with secret "kv/data/r" }}{{ $u := .Data.data.username }}{{ $u.x }}{{ end }}"#,
        );
        assert_eq!(message(&e), "can't evaluate field x in type string");
        // Top level: `.` is nil (Execute(&b, nil)).
        assert_eq!(
            message(&fails("{{ .Data }}")),
            r#"nil data; no entry for key "Data""#
        );
        assert!(matches!(
            fails(r#"{{ with secret "kv/data/r" }}{{ .Data.metadata.version }}{{ end }}"#),
            CtmplError::Unsupported { .. }
        ));
    }

    #[test]
    fn missing_secret_path() {
        assert_eq!(
            fails(r#"{{ with secret "kv/data/absent" }}x{{ end }}"#),
            CtmplError::MissingSecret("kv/data/absent".to_owned())
        );
    }

    #[test]
    fn printing_non_strings() {
        let t = |body: &str| format!(r#"{{{{ with secret "kv/data/r" }}}}{body}{{{{ end }}}}"#);
        assert_eq!(ok(&t("{{ .Data.data.n }}")), "42");
        assert_eq!(ok(&t("{{ .Data.data.yes }}")), "true");
        assert_eq!(ok(&t("{{ .Data.data.none }}")), "<no value>");
        assert_eq!(ok(&t("{{ .Data.data.obj }}")), "map[a:1 b:2]");
        assert_eq!(ok(&t("{{ .Data.data.list }}")), "[x 2]");
        assert_eq!(ok("{{ $ }}|{{ . }}"), "<no value>|<no value>");
        assert!(matches!(
            fails(&t("{{ . }}")),
            CtmplError::Unsupported { .. }
        ));
    }

    #[test]
    fn with_else_and_truth() {
        let t = |cond: &str| {
            format!(
                r#"{{{{ with secret "kv/data/r" }}}}{{{{ with {cond} }}}}T{{{{ else }}}}F{{{{ end }}}}{{{{ end }}}}"#
            )
        };
        assert_eq!(ok(&t(".Data.data.username")), "T");
        assert_eq!(ok(&t(".Data.data.empty")), "F");
        assert_eq!(ok(&t(".Data.data.none")), "F");
        assert_eq!(ok(&t(".Data.data.yes")), "T");
        // `with` sets dot; `if` does not.
        assert_eq!(
            ok(
                r#"{{ with secret "kv/data/r" }}{{ with .Data.data.username }}{{ . }}{{ end }}{{ end }}"#
            ),
            "u"
        );
        assert_eq!(
            ok(
                r#"{{ with secret "kv/data/r" }}{{ if .Data.data.username }}{{ .Data.data.password }}{{ end }}{{ end }}"#
            ),
            "p"
        );
        assert_eq!(
            ok(r#"{{ with "" }}a{{ else with "b" }}{{ . }}{{ end }}"#),
            "b"
        );
        assert_eq!(
            ok(r#"{{ if false }}a{{ else if true }}b{{ else }}c{{ end }}"#),
            "b"
        );
        // `secret` with no argument returns nil, which is false.
        assert_eq!(ok("{{ with secret }}a{{ else }}b{{ end }}"), "b");
    }

    #[test]
    fn variables_are_scoped_to_their_control() {
        assert_eq!(ok(r#"{{ $x := "a" }}{{ $x }}"#), "a");
        assert_eq!(
            ok(r#"{{ $x := "a" }}{{ with "b" }}{{ $x = . }}{{ end }}{{ $x }}"#),
            "b"
        );
        assert_eq!(
            ok(r#"{{ $x := "a" }}{{ with "b" }}{{ $x := . }}{{ $x }}{{ end }}{{ $x }}"#),
            "ba"
        );
        let e = fails(r#"{{ with "b" }}{{ $y := . }}{{ end }}{{ $y }}"#);
        assert!(matches!(e, CtmplError::Syntax { .. }));
        assert_eq!(message(&e), r#"undefined variable "$y""#);
        // A declaration prints nothing.
        assert_eq!(ok(r#"[{{ $z := "q" }}]"#), "[]");
    }

    #[test]
    fn printf_follows_fmt() {
        assert_eq!(ok(r#"{{ printf "%s:%s" "a" "b" }}"#), "a:b");
        assert_eq!(ok(r#"{{ printf "100%%" }}"#), "100%");
        assert_eq!(ok(r#"{{ printf "%s-%s" "a" }}"#), "a-%!s(MISSING)");
        assert_eq!(ok(r#"{{ printf "%s" "a" "b" }}"#), "a%!(EXTRA string=b)");
        assert_eq!(ok(r#"{{ printf "%s" true }}"#), "%!s(bool=true)");
        assert_eq!(ok(r#"{{ printf "x%" }}"#), "x%!(NOVERB)");
        assert_eq!(ok(r#"{{ "b" | printf "a%s" }}"#), "ab");
        let t = r#"{{ with secret "kv/data/r" }}{{ printf "%s/%s" .Data.data.n .Data.data.none }}{{ end }}"#;
        assert_eq!(ok(t), "42/%!s(<nil>)");
        assert!(matches!(
            fails(r#"{{ printf "%d" "a" }}"#),
            CtmplError::Unsupported { .. }
        ));
    }

    #[test]
    fn to_json_is_go_json_marshal() {
        // encoding/json appendString with escapeHTML: `<`, `>`, `&` → \u003c \u003e \u0026;
        // \b \f \n \r \t short escapes; other C0 controls \u00XX with lowercase hex;
        // U+2028/U+2029 escaped; `/`, DEL and non-ASCII kept.
        assert_eq!(
            ok(r#"{{ "a\"b\\c<d>e&f\n\r\t\b\f\x01\x1f/\x7fé\u2028\u2029" | toJSON }}"#),
            r#""a\"b\\c\u003cd\u003ee\u0026f\n\r\t\b\f\u0001\u001f/"#.to_owned()
                + "\u{7f}é"
                + r#"\u2028\u2029""#
        );
        let t = |body: &str| format!(r#"{{{{ with secret "kv/data/r" }}}}{body}{{{{ end }}}}"#);
        assert_eq!(ok(&t("{{ .Data.data.n | toJSON }}")), "42");
        assert_eq!(ok(&t("{{ .Data.data.none | toJSON }}")), "null");
        assert_eq!(
            ok(&t("{{ .Data.data.obj | toJSON }}")),
            r#"{"a":1,"b":"2"}"#
        );
        assert_eq!(ok(&t("{{ .Data.data.list | toJSON }}")), r#"["x",2]"#);
        assert_eq!(ok(&t("{{ toJSON .Data.data.yes }}")), "true");
    }

    #[test]
    fn urlquery_is_query_escape() {
        assert_eq!(
            ok(r#"{{ "aZ09-_.~ +/:@%?#&=é" | urlquery }}"#),
            "aZ09-_.~+%2B%2F%3A%40%25%3F%23%26%3D%C3%A9"
        );
        // evalArgs: fmt.Sprint adds no space between string operands.
        assert_eq!(ok(r#"{{ urlquery "a" "b" }}"#), "ab");
        assert_eq!(ok("{{ urlquery true false }}"), "true+false");
        let t = r#"{{ with secret "kv/data/r" }}{{ .Data.data.none | urlquery }}{{ end }}"#;
        assert_eq!(ok(t), "%3Cno+value%3E");
    }

    #[test]
    fn replace_all_takes_the_subject_last() {
        assert_eq!(ok(r#"{{ "a+b+c" | replaceAll "+" "%20" }}"#), "a%20b%20c");
        assert_eq!(ok(r#"{{ replaceAll "x" "y" "axbx" }}"#), "ayby");
        assert_eq!(ok(r#"{{ "ab" | replaceAll "" "-" }}"#), "-a-b-");
        let e = fails(r#"{{ replaceAll "x" "y" }}"#);
        assert_eq!(
            message(&e),
            "wrong number of args for replaceAll: want 3 got 2"
        );
    }

    #[test]
    fn base64_encode_wants_a_string() {
        assert_eq!(ok(r#"{{ "u:p" | base64Encode }}"#), "dTpw");
        let e = fails(r#"{{ with secret "kv/data/r" }}{{ .Data.data.n | base64Encode }}{{ end }}"#);
        assert_eq!(
            message(&e),
            "wrong type for value; expected string; got json.Number"
        );
        let e =
            fails(r#"{{ with secret "kv/data/r" }}{{ .Data.data.none | base64Encode }}{{ end }}"#);
        assert_eq!(message(&e), "invalid value; expected string");
    }

    #[test]
    fn syntax_errors_and_unsupported_constructs() {
        let syntax = |t: &str| match fails(t) {
            CtmplError::Syntax { message, .. } => message,
            other => panic!("{t:?}: {other:?}"),
        };
        assert_eq!(syntax("{{ nope }}"), r#"function "nope" not defined"#);
        assert_eq!(syntax("{{ with \"a\" }}"), "unexpected EOF");
        assert_eq!(syntax("{{ end }}"), "unexpected {{end}}");
        assert_eq!(syntax("{{ }}"), "missing value for command");
        assert_eq!(
            syntax("{{ \"a\" | \"b\" }}"),
            "non executable command in pipeline stage 2"
        );
        assert_eq!(syntax("{{ \"a }}"), "unterminated quoted string");
        assert_eq!(syntax("{{ \"\\q\" }}"), "invalid syntax");
        assert_eq!(syntax("{{ \"a\""), "unclosed action");
        for t in [
            "{{ range . }}{{ end }}",
            "{{ template \"x\" }}",
            "{{ define \"x\" }}{{ end }}",
            "{{ toLower \"A\" }}",
            "{{ (printf \"a\") }}",
            "{{ 3 }}",
            "{{ writeToFile \"a\" }}",
        ] {
            assert!(matches!(fails(t), CtmplError::Unsupported { .. }), "{t}");
        }
    }

    #[test]
    fn secret_paths_lists_literal_paths_once() {
        let t = r#"{{ with secret "a/data/x" }}{{ end }}{{ with secret "/b/data/y/" }}{{ else }}{{ with secret "a/data/x" }}{{ end }}{{ end }}"#;
        assert_eq!(secret_paths(t), vec!["a/data/x", "b/data/y"]);
        assert!(secret_paths("{{ with secret").is_empty());
    }
}
