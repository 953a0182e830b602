//! The shape of the tables of [`super::job`], [`super::group`], [`super::task`] and
//! [`super::placement`]: which attributes and blocks each kind of block holds, their types, and
//! the JSON keys they fill. A key is the Go field name, which is the PascalCase of the HCL name
//! (`node_pool` fills `NodePool`) unless the table gives another (`id` fills `ID`).
//!
//! Each [`Spec`] names the Go type of its object (`TaskGroup`), so that a key can be looked up
//! in [`crate::nomad::model::FIELD_RELEASES`] (the first release that has it) and in a
//! release's strict schema (`$defs/<Go type>`); the tests in `releases.rs` check every table
//! against every known release's schema.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::hcl::{Field, Layout};

/// The type of an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ty {
    /// A string; numbers and bools are converted, as HCL does for string fields.
    Str,
    /// A bool.
    Bool,
    /// A whole number in a range.
    Int(i64, i64),
    /// A Go duration string, or integer nanoseconds.
    Dur,
    /// A list of strings.
    Strs,
}

pub(super) const INT: Ty = Ty::Int(i64::MIN, i64::MAX);
pub(super) const UINT: Ty = Ty::Int(0, i64::MAX);
pub(super) const I8: Ty = Ty::Int(-128, 127);
pub(super) const U8: Ty = Ty::Int(0, 255);

/// Why a block nomad-build does not model is refused.
pub(super) const UNSUPPORTED: &str =
    "not supported by nomad-build's job model (it renders batch build jobs)";
/// Why a deprecated field is refused.
pub(super) const DEPRECATED: &str = "deprecated and ignored by Nomad 1.10 and later";
/// Why `update` and `migrate` are refused.
pub(super) const NOT_IN_BATCH: &str =
    "not allowed in batch jobs, and not supported by nomad-build's job model";

/// The Go field name of an HCL name: its PascalCase (`max_run_duration` → `MaxRunDuration`).
pub(super) fn pascal(hcl: &str) -> String {
    let mut out = String::with_capacity(hcl.len());
    let mut upper = true;
    for c in hcl.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The JSON key for `hcl`: `json` when given, else the PascalCase of `hcl`.
fn key(hcl: &str, json: Option<&'static str>) -> Cow<'static, str> {
    match json {
        Some(j) => Cow::Borrowed(j),
        None => Cow::Owned(pascal(hcl)),
    }
}

/// An attribute: its HCL name, its type, and the JSON key it fills.
#[derive(Debug)]
pub(super) struct Attr {
    pub(super) hcl: &'static str,
    pub(super) ty: Ty,
    pub(super) required: bool,
    json: Option<&'static str>,
    /// Not a field of the block's Go type: the block's `finish` turns it into others (the
    /// shorthands of `constraint` and `affinity`).
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the release tests"))]
    pub(super) rewritten: bool,
}

impl Attr {
    /// Fills `json` instead of the PascalCase of the HCL name.
    pub(super) const fn json(self, json: &'static str) -> Attr {
        Attr {
            json: Some(json),
            ..self
        }
    }

    /// Read by the block's `finish`, which writes other keys instead ([`Spec::writes`]).
    pub(super) const fn rewritten(self) -> Attr {
        Attr {
            rewritten: true,
            ..self
        }
    }

    /// The JSON key it fills.
    pub(super) fn key(&self) -> Cow<'static, str> {
        key(self.hcl, self.json)
    }
}

/// An optional attribute.
pub(super) const fn at(hcl: &'static str, ty: Ty) -> Attr {
    Attr {
        hcl,
        ty,
        required: false,
        json: None,
        rewritten: false,
    }
}

/// A required attribute.
pub(super) const fn required(hcl: &'static str, ty: Ty) -> Attr {
    Attr {
        required: true,
        ..at(hcl, ty)
    }
}

/// How a nested block is decoded and stored.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    /// At most one block: an object.
    One(&'static Spec),
    /// Repeatable, unlabelled: a list of objects.
    Many(&'static Spec),
    /// Repeatable with one label, stored in the named field: a list of objects.
    Labeled(&'static Spec, &'static str),
    /// Repeatable with one label, unique: an object keyed by the label, which is also stored
    /// in the named field.
    Keyed(&'static Spec, &'static str),
    /// A map of strings: a block, or also a map attribute when `attr` is true.
    StrMap { attr: bool },
    /// A driver's free-form configuration.
    Config,
}

/// A nested block: its HCL name, how it is decoded, and the JSON key it fills.
#[derive(Debug)]
pub(super) struct Sub {
    pub(super) hcl: &'static str,
    pub(super) kind: Kind,
    json: Option<&'static str>,
    /// Not a field of the block's Go type: the block's `finish` moves it elsewhere (a `task`
    /// directly in `job` becomes a group, a job's or group's `vault` goes into the tasks).
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the release tests"))]
    pub(super) moved: bool,
}

impl Sub {
    /// The JSON key it fills.
    pub(super) fn key(&self) -> Cow<'static, str> {
        key(self.hcl, self.json)
    }

    /// Moved elsewhere by the block's `finish`.
    pub(super) const fn moved(self) -> Sub {
        Sub {
            moved: true,
            ..self
        }
    }
}

/// A nested block filling the PascalCase of its HCL name.
pub(super) const fn sub(hcl: &'static str, kind: Kind) -> Sub {
    Sub {
        hcl,
        kind,
        json: None,
        moved: false,
    }
}

/// A nested block filling `json`.
pub(super) const fn sub_as(hcl: &'static str, json: &'static str, kind: Kind) -> Sub {
    Sub {
        hcl,
        kind,
        json: Some(json),
        moved: false,
    }
}

/// Why the decoder refuses a name Nomad knows.
#[derive(Debug, Clone, Copy)]
pub(super) enum Refusal {
    /// Not in nomad-build's model of the job (`template-unknown-field`): why.
    Unsupported(&'static str),
    /// Accepted and ignored by Nomad (`template-ignored-field`): what to write instead.
    Ignored(&'static str),
    /// Makes the job something else than a job to run (`forbidden-job-field`): what it does.
    Forbidden(&'static str),
}

/// The content of one kind of block.
#[derive(Debug)]
pub(super) struct Spec {
    /// The Go type (in `api/*.go`) of the decoded object: its `$defs` name in the schemas.
    pub(super) go: &'static str,
    pub(super) attrs: &'static [Attr],
    pub(super) blocks: &'static [Sub],
    /// Names Nomad knows here that this decoder refuses.
    pub(super) refused: &'static [(&'static str, Refusal)],
    /// Turns the decoded object into Go's shape.
    pub(super) finish: Option<fn(&mut Map<String, Value>)>,
    /// Keys that a `finish` (this block's or an enclosing one's) writes into the object besides
    /// those of the tables (`Constraint.LTarget`, `PeriodicConfig.SpecType`).
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the release tests"))]
    pub(super) writes: &'static [&'static str],
}

impl Spec {
    /// The Go type `go`, with attributes and blocks only.
    pub(super) const fn of(
        go: &'static str,
        attrs: &'static [Attr],
        blocks: &'static [Sub],
    ) -> Spec {
        Spec {
            go,
            attrs,
            blocks,
            refused: &[],
            finish: None,
            writes: &[],
        }
    }

    /// With the keys a `finish` writes besides those of the tables.
    pub(super) const fn writing(self, writes: &'static [&'static str]) -> Spec {
        Spec { writes, ..self }
    }

    /// Every name, attributes first.
    pub(super) fn names(&self) -> Vec<&'static str> {
        self.attrs
            .iter()
            .map(|a| a.hcl)
            .chain(self.blocks.iter().map(|b| b.hcl))
            .collect()
    }
}

/// What a field of a [`Spec`] is.
#[derive(Debug, Clone, Copy)]
pub(super) enum Entry {
    /// An attribute.
    Attr(&'static Attr),
    /// A nested block (a map of strings may also be an attribute).
    Sub(&'static Sub),
}

impl Layout for &'static Spec {
    type Data = Entry;

    fn field(&self, name: &str) -> Option<Field<Entry>> {
        let spec: &'static Spec = self;
        if let Some(a) = spec.attrs.iter().find(|a| a.hcl == name) {
            return Some(Field::attribute(Entry::Attr(a)).required(a.required));
        }
        let sb = spec.blocks.iter().find(|b| b.hcl == name)?;
        let e = Entry::Sub(sb);
        Some(match sb.kind {
            Kind::One(_) | Kind::Config => Field::block(e),
            Kind::Many(_) => Field::blocks(e, 0),
            Kind::Labeled(..) => Field::blocks(e, 1),
            Kind::Keyed(..) => Field::blocks(e, 1).unique(),
            Kind::StrMap { attr: true } => Field::block(e).or_attribute(),
            Kind::StrMap { attr: false } => Field::block(e),
        })
    }

    fn names(&self) -> Vec<&str> {
        Spec::names(self)
    }
}

/// The top level of a jobspec: one `job "<id>"` block.
#[derive(Debug)]
pub(super) struct Top;

impl Layout for Top {
    type Data = &'static Spec;

    fn field(&self, name: &str) -> Option<Field<&'static Spec>> {
        (name == "job").then(|| Field {
            once: true,
            ..Field::blocks(&super::job::JOB, 1).required(true)
        })
    }

    fn names(&self) -> Vec<&str> {
        vec!["job"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_pascal_case_of_hcl_names_unless_given() {
        assert_eq!(pascal("max_run_duration"), "MaxRunDuration");
        assert_eq!(pascal("region"), "Region");
        assert_eq!(at("node_pool", Ty::Str).key(), "NodePool");
        assert_eq!(at("id", Ty::Str).json("ID").key(), "ID");
        assert_eq!(sub("lifecycle", Kind::Config).key(), "Lifecycle");
        assert_eq!(sub_as("logs", "LogConfig", Kind::Config).key(), "LogConfig");
    }
}
