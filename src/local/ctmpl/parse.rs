//! Parser: a port of the parts of `text/template/parse/parse.go` that build our subset, and
//! the function names it checks at parse time.

use super::lex::{lex, Item, Kw, Tok};
use super::{syntax, unsupported, CtmplError};

#[derive(Debug)]
pub(super) enum Node {
    Text(String),
    Action(Pipe),
    If(Control),
    With(Control),
}

#[derive(Debug)]
pub(super) struct Control {
    pub(super) pipe: Pipe,
    pub(super) list: Vec<Node>,
    pub(super) else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
pub(super) struct Pipe {
    pub(super) pos: usize,
    pub(super) decl: Vec<String>,
    pub(super) is_assign: bool,
    pub(super) cmds: Vec<Cmd>,
}

#[derive(Debug)]
pub(super) struct Cmd {
    pub(super) args: Vec<Arg>,
}

#[derive(Debug)]
pub(super) struct Arg {
    pub(super) pos: usize,
    pub(super) kind: ArgKind,
}

#[derive(Debug)]
pub(super) enum ArgKind {
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
    pub(super) fn describe(&self) -> String {
        match &self.kind {
            ArgKind::Field(idents) => idents.iter().fold(String::new(), |mut s, i| {
                s.push('.');
                s.push_str(i);
                s
            }),
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

pub(super) fn parse(src: &str) -> Result<Vec<Node>, CtmplError> {
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
                Tok::Space => {}
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
            'x' => u8::try_from(hex(&mut chars, 2)?).unwrap_or(u8::MAX),
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

pub(super) fn collect_paths(nodes: &[Node], out: &mut Vec<String>) {
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
pub(super) fn vault_read_path(raw: &str) -> Result<String, &'static str> {
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

#[cfg(test)]
mod tests {
    use super::super::test_support::fails;
    use super::super::{secret_paths, CtmplError};

    // Expected strings below are written from the Go sources cited in the `ctmpl` module
    // docs, not from this code's output.

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
