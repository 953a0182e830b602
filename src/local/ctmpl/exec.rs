//! Execution: the parts of `text/template/exec.go` that run our subset, and the functions
//! this renderer implements.

use serde_json::{Map, Value};

use super::parse::{vault_read_path, Arg, ArgKind, Cmd, Control, Node, Pipe};
use super::value::{eval_args, from_json, print_value, query_escape, sprintf, to_json, Val};
use super::{base64, line_col, unsupported, CtmplError};

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

/// Executes `nodes` (parsed from `src`) as consul-template does: data nil, `missingkey=error`,
/// `secret "PATH"` read from `secrets`. Returns the output text.
pub(super) fn execute(
    src: &str,
    secrets: &Map<String, Value>,
    nodes: &[Node],
) -> Result<String, CtmplError> {
    let mut exec = Exec {
        src,
        secrets,
        vars: vec![("$".to_owned(), Val::Nil)],
        out: String::new(),
    };
    exec.walk(&Val::Nil, nodes)?;
    Ok(exec.out)
}

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

    /// `evalCall` of one of the functions in `parse::SUPPORTED_FUNCS`; `final_` is the piped-in
    /// value (last argument).
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
    use super::super::test_support::{fails, message, ok};
    use super::super::CtmplError;

    // Expected strings below are written from the Go sources cited in the `ctmpl` module
    // docs, not from this code's output.

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
            ok(r"{{ if false }}a{{ else if true }}b{{ else }}c{{ end }}"),
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
}
