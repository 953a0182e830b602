//! Placement: `constraint`, `affinity` and `spread`, which jobs, groups, tasks and devices
//! share, and the shorthands of `decodeConstraint` and `decodeAffinity`.

use serde_json::{Map, Value};

use super::schema::{at, pascal, sub_as, Kind, Refusal, Spec, Ty, I8, U8};

pub(super) static CONSTRAINT: Spec = Spec {
    go: "Constraint",
    attrs: &[
        at("attribute", Ty::Str).rewritten(),
        at("value", Ty::Str).rewritten(),
        at("operator", Ty::Str).rewritten(),
        at("distinct_property", Ty::Str).rewritten(),
        at("distinct_hosts", Ty::Bool).rewritten(),
        at("regexp", Ty::Str).rewritten(),
        at("version", Ty::Str).rewritten(),
        at("semver", Ty::Str).rewritten(),
        at("set_contains", Ty::Str).rewritten(),
    ],
    blocks: &[],
    refused: &[
        (
            "is_set",
            Refusal::Ignored("write `attribute = \"...\"` and `operator = \"is_set\"`"),
        ),
        (
            "is_not_set",
            Refusal::Ignored("write `attribute = \"...\"` and `operator = \"is_not_set\"`"),
        ),
        (
            "set_contains_any",
            Refusal::Ignored("write `operator = \"set_contains_any\"` and `value = \"...\"`"),
        ),
        (
            "set_contains_all",
            Refusal::Ignored("write `operator = \"set_contains_all\"` and `value = \"...\"`"),
        ),
    ],
    finish: Some(finish_constraint),
    writes: &["LTarget", "RTarget", "Operand"],
};

pub(super) static AFFINITY: Spec = Spec {
    go: "Affinity",
    attrs: &[
        at("attribute", Ty::Str).rewritten(),
        at("value", Ty::Str).rewritten(),
        at("operator", Ty::Str).rewritten(),
        at("weight", I8),
        at("version", Ty::Str).rewritten(),
        at("semver", Ty::Str).rewritten(),
        at("regexp", Ty::Str).rewritten(),
        at("set_contains", Ty::Str).rewritten(),
        at("set_contains_all", Ty::Str).rewritten(),
        at("set_contains_any", Ty::Str).rewritten(),
    ],
    blocks: &[],
    refused: &[],
    finish: Some(finish_affinity),
    writes: &["LTarget", "RTarget", "Operand"],
};

pub(super) static SPREAD: Spec = Spec::of(
    "Spread",
    &[at("attribute", Ty::Str), at("weight", I8)],
    &[sub_as(
        "target",
        "SpreadTarget",
        Kind::Labeled(&SPREAD_TARGET, "Value"),
    )],
);

pub(super) static SPREAD_TARGET: Spec = Spec::of("SpreadTarget", &[at("percent", U8)], &[]);

/// Removes the string decoded from the HCL attribute `hcl` (empty when there is none).
fn take_str(m: &mut Map<String, Value>, hcl: &str) -> String {
    match m.remove(&pascal(hcl)) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Go's `LTarget`, `RTarget` and `Operand` (default `=`).
fn put_targets(m: &mut Map<String, Value>, l: String, r: String, op: String) {
    if !l.is_empty() {
        m.insert("LTarget".to_owned(), Value::String(l));
    }
    if !r.is_empty() {
        m.insert("RTarget".to_owned(), Value::String(r));
    }
    let op = if op.is_empty() { "=".to_owned() } else { op };
    m.insert("Operand".to_owned(), Value::String(op));
}

/// `decodeConstraint`: later shorthands win, in this order.
fn finish_constraint(m: &mut Map<String, Value>) {
    let mut l = take_str(m, "attribute");
    let mut r = take_str(m, "value");
    let mut op = take_str(m, "operator");
    for key in ["version", "semver", "regexp", "set_contains"] {
        let v = take_str(m, key);
        if !v.is_empty() {
            key.clone_into(&mut op);
            r = v;
        }
    }
    if let Some(Value::Bool(b)) = m.remove(&pascal("distinct_hosts")) {
        "distinct_hosts".clone_into(&mut op);
        r = b.to_string();
    }
    let p = take_str(m, "distinct_property");
    if !p.is_empty() {
        "distinct_property".clone_into(&mut op);
        l = p;
    }
    put_targets(m, l, r, op);
}

/// `decodeAffinity`: later shorthands win, in this order.
fn finish_affinity(m: &mut Map<String, Value>) {
    let l = take_str(m, "attribute");
    let mut r = take_str(m, "value");
    let mut op = take_str(m, "operator");
    for key in [
        "version",
        "semver",
        "regexp",
        "set_contains_any",
        "set_contains_all",
        "set_contains",
    ] {
        let v = take_str(m, key);
        if !v.is_empty() {
            key.clone_into(&mut op);
            r = v;
        }
    }
    put_targets(m, l, r, op);
}
