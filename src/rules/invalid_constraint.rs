//! `invalid-constraint`.

use super::Cx;
use crate::diag::{closest, list};

declare_rule! {
    /// ## What it checks
    ///
    /// Each `nomad { constraint { ... } }` uses one of Nomad's operators, has an `attribute`
    /// (except `distinct_hosts`), writes an interpolated attribute as `${...}`, and has a
    /// `value` exactly when its operator takes one.
    ///
    /// ## Why it matters
    ///
    /// Nomad validates constraints at registration (`Constraint.Validate` in Nomad's
    /// `nomad/structs/structs.go`): an unknown operator, a missing right-hand side, a value on
    /// `is_set`, or (since Nomad 2.0) a `$`-attribute that is not `${...}` makes every job of the
    /// pipeline fail to register.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   nomad {
    ///     constraint {
    ///       attribute = "${attr.kernel.name}"
    ///       operator  = "=="
    ///       value     = "linux"
    ///     }
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidConstraint {
        id: "invalid-constraint",
        severity: Error,
        summary: "a `constraint` has an unknown operator, or lacks or has an extra attribute or value",
    }
}

const OPERATORS: [&str; 16] = [
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "regexp",
    "set_contains",
    "set_contains_all",
    "set_contains_any",
    "version",
    "semver",
    "distinct_hosts",
    "distinct_property",
    "is_set",
    "is_not_set",
];

pub(super) fn check(cx: &mut Cx<'_>) {
    let p = cx.p;
    for (i, con) in p.nomad.constraint.iter().enumerate() {
        let rel = format!("/nomad/constraint/{i}");
        let op = con.operator.as_deref().unwrap_or("=");
        if !OPERATORS.contains(&op) {
            let mut f = cx
                .finding(
                    &RULE,
                    &format!("{rel}/operator"),
                    format!("`{op}` is not a Nomad constraint operator"),
                )
                .label(format!("expected one of {}", list(&OPERATORS)));
            if let Some(s) = closest(op, OPERATORS) {
                f = f.help(format!("did you mean `{s}`?"));
            }
            cx.push(f);
            continue;
        }
        let needs_attr = op != "distinct_hosts";
        if needs_attr && con.attribute.as_deref().unwrap_or("").is_empty() {
            let f = cx
                .finding(&RULE, &rel, "constraint has no `attribute`")
                .label("missing `attribute`")
                .help("e.g. attribute = \"${attr.kernel.name}\"");
            cx.push(f);
        }
        if let Some(a) = &con.attribute {
            if a.starts_with('$') && !(a.starts_with("${") && a.ends_with('}')) {
                let f = cx
                    .finding(
                        &RULE,
                        &format!("{rel}/attribute"),
                        format!("`{a}` is not a Nomad interpolation"),
                    )
                    .label("write `${attr.<name>}`, `${meta.<name>}` or `${node.<field>}`");
                cx.push(f);
            }
        }
        let value_forbidden = matches!(op, "is_set" | "is_not_set" | "distinct_hosts");
        let has_value = con.value.as_deref().is_some_and(|v| !v.is_empty());
        if value_forbidden && has_value {
            let f = cx
                .finding(
                    &RULE,
                    &format!("{rel}/value"),
                    format!("operator `{op}` takes no `value`"),
                )
                .label("remove this value");
            cx.push(f);
        } else if !value_forbidden && op != "distinct_property" && !has_value {
            let f = cx
                .finding(&RULE, &rel, format!("operator `{op}` needs a `value`"))
                .label("missing `value`");
            cx.push(f);
        }
    }
}
