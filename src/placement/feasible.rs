//! Constraint evaluation with Nomad's exact rules: a port of `scheduler/feasible/feasible.go`
//! (`resolveTarget`, `checkConstraint` and the `check*` helpers it calls), of the datacenter
//! glob (`github.com/ryanuber/go-glob`, used by `Node.IsInAnyDC`) and of Go's
//! `strconv.ParseBool` (used by `DriverChecker`).
//!
//! Every node value is a string, and a target that does not resolve is the empty string marked
//! "not found", exactly as `resolveTarget` returns it: `!=` compares the empty string, the
//! other operators except `is_not_set` fail on a missing side.

use std::collections::HashMap;

use regex::Regex;

use super::nodes::Node;
use super::version::{SemverConstraints, Version, VersionConstraints};

/// A constraint as the scheduler sees it (Go `structs.Constraint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// `LTarget`.
    pub l_target: String,
    /// `Operand`.
    pub operand: String,
    /// `RTarget`.
    pub r_target: String,
}

impl Constraint {
    /// A constraint from its three parts.
    pub fn new(l: &str, operand: &str, r: &str) -> Constraint {
        Constraint {
            l_target: l.to_owned(),
            operand: operand.to_owned(),
            r_target: r.to_owned(),
        }
    }

    /// Go `Constraint.String()`, the key of `ConstraintFiltered`: `"<L> <op> <R>"` (with a
    /// trailing space when `R` is empty).
    pub fn key(&self) -> String {
        format!("{} {} {}", self.l_target, self.operand, self.r_target)
    }
}

/// Go `resolveTarget`: a literal resolves to itself; `${node.unique.id}`,
/// `${node.datacenter}`, `${node.unique.name}`, `${node.class}`, `${node.pool}`,
/// `${attr.<name>}` and `${meta.<name>}` to the node's values; anything else starting with
/// `${` is not found.
pub fn resolve_target(target: &str, node: &Node) -> (String, bool) {
    if !target.starts_with("${") {
        return (target.to_owned(), true);
    }
    let strip = |prefix: &str| {
        let rest = &target[prefix.len()..];
        rest.strip_suffix('}').unwrap_or(rest).to_owned()
    };
    match target {
        "${node.unique.id}" => (node.id.clone(), true),
        "${node.datacenter}" => (node.datacenter.clone(), true),
        "${node.unique.name}" => (node.name.clone(), true),
        "${node.class}" => (node.node_class.clone(), true),
        "${node.pool}" => (node.node_pool.clone(), true),
        t if t.starts_with("${attr.") => match node.attributes.get(&strip("${attr.")) {
            Some(v) => (v.clone(), true),
            None => (String::new(), false),
        },
        t if t.starts_with("${meta.") => match node.meta.get(&strip("${meta.")) {
            Some(v) => (v.clone(), true),
            None => (String::new(), false),
        },
        _ => (String::new(), false),
    }
}

/// The compiled-constraint caches of one evaluation (Go `EvalContext`'s regexp, version and
/// semver caches).
#[derive(Debug, Default)]
pub struct Caches {
    regexps: HashMap<String, Option<Regex>>,
    versions: HashMap<String, Option<VersionConstraints>>,
    semvers: HashMap<String, Option<SemverConstraints>>,
}

/// Go `ConstraintChecker.meetsConstraint`: resolve both targets, then [`check_constraint`].
pub fn meets(c: &Constraint, node: &Node, caches: &mut Caches) -> bool {
    let (l, l_found) = resolve_target(&c.l_target, node);
    let (r, r_found) = resolve_target(&c.r_target, node);
    check_constraint(&c.operand, &l, &r, l_found, r_found, caches)
}

/// Go `checkConstraint`.
pub fn check_constraint(
    operand: &str,
    l: &str,
    r: &str,
    l_found: bool,
    r_found: bool,
    caches: &mut Caches,
) -> bool {
    match operand {
        // Handled by their own iterators, not here.
        "distinct_hosts" | "distinct_property" => true,
        "=" | "==" | "is" => l_found && r_found && l == r,
        "!=" | "not" => l != r,
        "<" | "<=" | ">" | ">=" => l_found && r_found && check_order(operand, l, r),
        "is_set" => l_found,
        "is_not_set" => !l_found,
        "version" => {
            l_found
                && r_found
                && caches
                    .versions
                    .entry(r.to_owned())
                    .or_insert_with(|| VersionConstraints::parse(r))
                    .as_ref()
                    .zip(Version::parse(l))
                    .is_some_and(|(c, v)| c.check(&v))
        }
        "semver" => {
            l_found
                && r_found
                && caches
                    .semvers
                    .entry(r.to_owned())
                    .or_insert_with(|| SemverConstraints::parse(r))
                    .as_ref()
                    .zip(Version::parse(l))
                    .is_some_and(|(c, v)| c.check(&v))
        }
        "regexp" => {
            l_found
                && r_found
                && caches
                    .regexps
                    .entry(r.to_owned())
                    .or_insert_with(|| go_regexp(r))
                    .as_ref()
                    .is_some_and(|re| re.is_match(l))
        }
        "set_contains" | "set_contains_all" => l_found && r_found && set_contains_all(l, r),
        "set_contains_any" => l_found && r_found && set_contains_any(l, r),
        _ => false,
    }
}

/// Go `checkOrder`: as integers if both parse, else as floats, else lexically (bytes).
pub fn check_order(op: &str, l: &str, r: &str) -> bool {
    if let (Some(a), Some(b)) = (go_parse_int(l), go_parse_int(r)) {
        return compare(op, a, b);
    }
    if let (Some(a), Some(b)) = (go_parse_float(l), go_parse_float(r)) {
        return compare(op, a, b);
    }
    compare(op, l, r)
}

/// Go `compareOrder`.
#[allow(clippy::needless_pass_by_value)] // called with numbers, strings and versions alike
fn compare<T: PartialOrd>(op: &str, a: T, b: T) -> bool {
    match op {
        "<" => a < b,
        "<=" => a <= b,
        ">" => a > b,
        ">=" => a >= b,
        _ => false,
    }
}

/// Go `strconv.ParseInt(s, 10, 64)`: an optional sign and decimal digits, in range.
fn go_parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Go `strconv.ParseFloat(s, 64)`, decimal forms: an out-of-range value is an error there (Go
/// returns ±Inf with `ErrRange`), as is anything Rust reads that Go does not. Go's hexadecimal
/// floats (`0x1p-2`) and digit underscores are not read.
fn go_parse_float(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = unsigned.to_ascii_lowercase();
    let word = matches!(lower.as_str(), "inf" | "infinity" | "nan");
    if !word
        && !unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || b".eE+-".contains(&b))
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    (word || v.is_finite()).then_some(v)
}

/// Go `checkSetContainsAll`: every comma-separated item of `r` (trimmed) is an item of `l`.
pub fn set_contains_all(l: &str, r: &str) -> bool {
    let have: Vec<&str> = l.split(',').map(str::trim).collect();
    r.split(',').map(str::trim).all(|x| have.contains(&x))
}

/// Go `checkSetContainsAny`: some item of `r` is an item of `l`.
pub fn set_contains_any(l: &str, r: &str) -> bool {
    let have: Vec<&str> = l.split(',').map(str::trim).collect();
    r.split(',').map(str::trim).any(|x| have.contains(&x))
}

/// Compiles a Go (RE2) regular expression with the `regex` crate, keeping Go's meaning where
/// the two differ: Go's Perl classes `\d`, `\w`, `\s` and the boundaries `\b`, `\B` are ASCII
/// only, and `\Q…\E` quotes literal text. `None` when either syntax refuses the pattern.
pub fn go_regexp(pattern: &str) -> Option<Regex> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'd' => out.push_str("[0-9]"),
            'D' => out.push_str("[^0-9]"),
            'w' => out.push_str("[0-9A-Za-z_]"),
            'W' => out.push_str("[^0-9A-Za-z_]"),
            's' => out.push_str(r"[\t\n\f\r ]"),
            'S' => out.push_str(r"[^\t\n\f\r ]"),
            'b' => out.push_str(r"(?-u:\b)"),
            'B' => out.push_str(r"(?-u:\B)"),
            'Q' => {
                let mut lit = String::new();
                while let Some(q) = chars.next() {
                    if q == '\\' && chars.peek() == Some(&'E') {
                        chars.next();
                        break;
                    }
                    lit.push(q);
                }
                out.push_str(&regex::escape(&lit));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Regex::new(&out).ok()
}

/// `github.com/ryanuber/go-glob` `Glob`: `*` is the only wildcard (no `?`, no classes).
pub fn glob(pattern: &str, subject: &str) -> bool {
    if pattern.is_empty() {
        return subject.is_empty();
    }
    if pattern == "*" {
        return true;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return subject == pattern;
    }
    let leading = pattern.starts_with('*');
    let trailing = pattern.ends_with('*');
    let end = parts.len() - 1;
    let mut subj = subject;
    for (i, part) in parts.iter().enumerate().take(end) {
        let idx = subj.find(part);
        let at = match idx {
            Some(at) if i > 0 || leading || at == 0 => at,
            _ => return false,
        };
        subj = &subj[at + part.len()..];
    }
    trailing || subj.ends_with(parts[end])
}

/// Go `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    //! The operator table, derived from `scheduler/feasible/feasible.go` (each case names the
    //! function whose rule it pins) and the tables of its `feasible_test.go`.
    use super::*;

    /// (operand, left, right, expected, the function of feasible.go whose rule decides it).
    /// `None` is a target that does not resolve (`resolveTarget` returns `"", false`).
    type Case = (
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        bool,
        &'static str,
    );

    const TABLE: &[Case] = &[
        // Equality: `=`, `==`, `is`; both sides found and equal.
        ("=", Some("foo"), Some("foo"), true, "checkConstraint"),
        ("is", Some("foo"), Some("foo"), true, "checkConstraint"),
        ("==", Some("foo"), Some("foo"), true, "checkConstraint"),
        ("==", Some("foo"), None, false, "checkConstraint"),
        ("==", None, Some("foo"), false, "checkConstraint"),
        ("==", None, None, false, "checkConstraint"),
        ("=", Some(""), None, false, "checkConstraint"),
        ("=", Some("Linux"), Some("linux"), false, "checkConstraint"),
        // Inequality compares the strings only: a missing side is the empty string.
        ("!=", Some("foo"), Some("foo"), false, "checkConstraint"),
        ("!=", Some("foo"), Some("bar"), true, "checkConstraint"),
        ("!=", None, Some("foo"), true, "checkConstraint"),
        ("!=", Some("foo"), None, true, "checkConstraint"),
        ("!=", None, None, false, "checkConstraint"),
        ("!=", None, Some(""), false, "checkConstraint"),
        ("not", Some("foo"), Some("bar"), true, "checkConstraint"),
        // Ordering: integers, then floats, then bytes.
        ("<", Some("bar"), Some("foo"), true, "checkLexicalOrder"),
        ("<=", Some("foo"), Some("foo"), true, "checkLexicalOrder"),
        (">", Some("bar"), Some("foo"), false, "checkLexicalOrder"),
        (">=", Some("bar"), Some("bar"), true, "checkLexicalOrder"),
        (">", Some("1"), Some("foo"), false, "checkLexicalOrder"),
        ("<", Some("foo"), Some("bar"), false, "checkLexicalOrder"),
        ("<", Some("10"), Some("1"), false, "checkIntegralOrder"),
        ("<", Some("1"), Some("10"), true, "checkIntegralOrder"),
        (">", Some("-2"), Some("-10"), true, "checkIntegralOrder"),
        (">=", Some("+5"), Some("5"), true, "checkIntegralOrder"),
        ("<", Some("10.5"), Some("1.5"), false, "checkFloatOrder"),
        ("<", Some("1.5"), Some("10.5"), true, "checkFloatOrder"),
        ("<", Some("9"), Some("10.0"), true, "checkFloatOrder"),
        (">", Some("1e3"), Some("999"), true, "checkFloatOrder"),
        (
            "<",
            Some("1.10.0"),
            Some("1.9.0"),
            true,
            "checkLexicalOrder",
        ),
        (">", Some("v10"), Some("v9"), false, "checkLexicalOrder"),
        ("<", None, Some("bar"), false, "checkConstraint"),
        (">=", Some("3"), None, false, "checkConstraint"),
        // Presence.
        ("is_set", Some("foo"), None, true, "checkConstraint"),
        ("is_set", Some(""), None, true, "checkConstraint"),
        ("is_set", None, None, false, "checkConstraint"),
        ("is_not_set", None, None, true, "checkConstraint"),
        ("is_not_set", Some("foo"), None, false, "checkConstraint"),
        // go-version constraints.
        (
            "version",
            Some("1.2.3"),
            Some("~> 1.0"),
            true,
            "checkVersionMatch",
        ),
        ("version", None, Some("~> 1.0"), false, "checkVersionMatch"),
        (
            "version",
            Some("1.2.3"),
            Some(">= 1.0, < 1.4"),
            true,
            "checkVersionMatch",
        ),
        (
            "version",
            Some("2.0.1"),
            Some("~> 1.0"),
            false,
            "checkVersionMatch",
        ),
        (
            "version",
            Some("1.4"),
            Some(">= 1.0, < 1.4"),
            false,
            "checkVersionMatch",
        ),
        (
            "version",
            Some("1"),
            Some("~> 1.0"),
            true,
            "checkVersionMatch",
        ),
        (
            "version",
            Some("1.3.0-beta1"),
            Some(">= 0.6.1"),
            false,
            "checkVersionMatch",
        ),
        (
            "version",
            Some("1.7.0-alpha1"),
            Some(">= 1.6.0-beta1"),
            false,
            "checkVersionMatch",
        ),
        (
            "version",
            Some("1.3.0-beta1+ent"),
            Some("= 1.3.0-beta1"),
            true,
            "checkVersionMatch",
        ),
        (
            "version",
            Some("linux"),
            Some(">= 1.0"),
            false,
            "checkVersionMatch",
        ),
        (
            "version",
            Some("1.2.3"),
            Some(">= one"),
            false,
            "checkVersionMatch",
        ),
        // Nomad's semver constraints: SemVer ordering of pre-releases, no `~>`.
        (
            "semver",
            Some("1.2.3"),
            Some("~> 1.0"),
            false,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.2.3"),
            Some(">= 1.0, < 1.4"),
            true,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("2.0.1"),
            Some("~> 1.0"),
            false,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.4"),
            Some(">= 1.0, < 1.4"),
            false,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1"),
            Some("~> 1.0"),
            false,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.3.0-beta1"),
            Some(">= 0.6.1"),
            true,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.7.0-alpha1"),
            Some(">= 1.6.0-beta1"),
            true,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.7.0-beta"),
            Some(">= 1.7.0"),
            false,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.7.0"),
            Some(">= 1.7.0-dev"),
            true,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.7.0-beta.1"),
            Some(">= 1.7.0-a"),
            true,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.7.0-rc.1"),
            Some(">= 1.7.0-dev"),
            true,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.3.0-beta1+ent"),
            Some("= 1.3.0-beta1"),
            true,
            "checkVersionMatch",
        ),
        // The implicit constraints Nomad adds (nomad/job_endpoint_hooks.go and
        // job_endpoint_hook_implicit_identities.go) against real client versions.
        (
            "semver",
            Some("1.15.6"),
            Some(">= 0.6.1"),
            true,
            "checkVersionMatch",
        ),
        ("semver", None, Some(">= 0.6.1"), false, "checkVersionMatch"),
        (
            "semver",
            Some("1.10.4"),
            Some(">= 1.7.0-a"),
            true,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.7.0-dev"),
            Some(">= 1.7.0-a"),
            true,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.6.9"),
            Some(">= 1.7.0-a"),
            false,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.11.0+ent"),
            Some(">= 1.7.0-a"),
            true,
            "checkVersionMatch",
        ),
        // The left side is read leniently (go-version's NewVersion) by both.
        (
            "semver",
            Some("v1.8"),
            Some(">= 1.7.0"),
            true,
            "checkVersionMatch",
        ),
        (
            "semver",
            Some("1.8beta"),
            Some(">= 1.7.0"),
            true,
            "checkVersionMatch",
        ),
        // Regular expressions: unanchored search, Go syntax.
        (
            "regexp",
            Some("foobarbaz"),
            Some("[\\w]+"),
            true,
            "checkRegexpMatch",
        ),
        ("regexp", None, Some("[\\w]+"), false, "checkRegexpMatch"),
        (
            "regexp",
            Some("foobar"),
            Some("bar"),
            true,
            "checkRegexpMatch",
        ),
        (
            "regexp",
            Some("foobar"),
            Some("^foo"),
            true,
            "checkRegexpMatch",
        ),
        (
            "regexp",
            Some("foobar"),
            Some("^bar"),
            false,
            "checkRegexpMatch",
        ),
        (
            "regexp",
            Some("zipzap"),
            Some("foo"),
            false,
            "checkRegexpMatch",
        ),
        ("regexp", Some("1"), Some("foo"), false, "checkRegexpMatch"),
        (
            "regexp",
            Some("anything"),
            Some("("),
            false,
            "checkRegexpMatch",
        ),
        (
            "regexp",
            Some("٣"),
            Some("^\\d$"),
            false,
            "checkRegexpMatch",
        ),
        ("regexp", Some("3"), Some("^\\d$"), true, "checkRegexpMatch"),
        (
            "regexp",
            Some("a.b"),
            Some("^\\Qa.b\\E$"),
            true,
            "checkRegexpMatch",
        ),
        (
            "regexp",
            Some("axb"),
            Some("^\\Qa.b\\E$"),
            false,
            "checkRegexpMatch",
        ),
        // Sets: comma-separated, items trimmed.
        (
            "set_contains",
            Some("foo,bar,baz"),
            Some("foo,  bar  "),
            true,
            "checkSetContainsAll",
        ),
        (
            "set_contains",
            Some("foo,bar,baz"),
            Some("foo,bam"),
            false,
            "checkSetContainsAll",
        ),
        (
            "set_contains_all",
            Some("a, b ,c"),
            Some("c,a"),
            true,
            "checkSetContainsAll",
        ),
        ("set_contains", None, Some("foo"), false, "checkConstraint"),
        (
            "set_contains_any",
            Some("foo,bar,baz"),
            Some("bam,bar"),
            true,
            "checkSetContainsAny",
        ),
        (
            "set_contains_any",
            Some("foo,bar,baz"),
            Some("bam,boom"),
            false,
            "checkSetContainsAny",
        ),
        (
            "set_contains_any",
            Some("foo"),
            None,
            false,
            "checkConstraint",
        ),
        // Left to other iterators; an unknown operator never matches.
        ("distinct_hosts", None, None, true, "checkConstraint"),
        (
            "distinct_property",
            Some("x"),
            Some("2"),
            true,
            "checkConstraint",
        ),
        ("~=", Some("foo"), Some("foo"), false, "checkConstraint"),
        ("", Some("foo"), Some("foo"), false, "checkConstraint"),
    ];

    #[test]
    fn operator_table() {
        let mut caches = Caches::default();
        for (op, l, r, want, rule) in TABLE {
            let got = check_constraint(
                op,
                l.unwrap_or(""),
                r.unwrap_or(""),
                l.is_some(),
                r.is_some(),
                &mut caches,
            );
            assert_eq!(got, *want, "{l:?} {op} {r:?} ({rule})");
        }
    }

    fn node() -> Node {
        let mut n = Node {
            id: "12345678-abcd-efab-cdef-123456789abc".to_owned(),
            name: "foobar".to_owned(),
            datacenter: "dc1".to_owned(),
            node_class: "linux-medium-pci".to_owned(),
            node_pool: "builders".to_owned(),
            ..Node::default()
        };
        n.attributes
            .insert("kernel.name".to_owned(), "linux".to_owned());
        n.meta.insert("pci-dss".to_owned(), "true".to_owned());
        n
    }

    #[test]
    fn resolve_targets() {
        // feasible_test.go TestResolveConstraintTarget, plus `${node.pool}`.
        let n = node();
        let cases = [
            ("${node.unique.id}", Some(n.id.as_str())),
            ("${node.datacenter}", Some("dc1")),
            ("${node.unique.name}", Some("foobar")),
            ("${node.class}", Some("linux-medium-pci")),
            ("${node.pool}", Some("builders")),
            ("${node.foo}", None),
            ("${attr.kernel.name}", Some("linux")),
            ("${attr.rand}", None),
            ("${meta.pci-dss}", Some("true")),
            ("${meta.rand}", None),
            ("${env.HOME}", None),
            ("literal", Some("literal")),
            ("$attr.kernel.name", Some("$attr.kernel.name")),
        ];
        for (target, want) in cases {
            let (v, found) = resolve_target(target, &n);
            assert_eq!(found.then_some(v.as_str()), want, "{target}");
        }
        let mut caches = Caches::default();
        let c = Constraint::new("${attr.kernel.name}", "=", "linux");
        assert!(meets(&c, &n, &mut caches));
        let c = Constraint::new("${meta.pci-dss}", "=", "${meta.pci-dss}");
        assert!(meets(&c, &n, &mut caches));
        assert_eq!(
            Constraint::new("${attr.x}", "is_set", "").key(),
            "${attr.x} is_set "
        );
    }

    #[test]
    fn glob_matches_like_go_glob() {
        // ryanuber/go-glob glob_test.go.
        let stars = "*".repeat(1000);
        for pattern in ["", "*", "**", "***", "****************", stars.as_str()] {
            assert!(glob(pattern, ""), "{pattern:?}");
        }
        let x_stars = format!("{stars}x");
        let stars_x = format!("x{stars}");
        let x_stars_x = format!("x{stars}x");
        for pattern in [
            "test",
            "*test*",
            "*x",
            "*****************x",
            x_stars.as_str(),
            "x*",
            "x*****************",
            stars_x.as_str(),
            "x*x",
            "x****************x",
            x_stars_x.as_str(),
        ] {
            assert!(!glob(pattern, ""), "{pattern:?}");
        }
        assert!(glob("", "") && !glob("", "test") && glob("test", "test"));
        for pattern in [
            "*test",
            "this*",
            "this*test",
            "*is *",
            "*is*a*",
            "**test**",
            "**is**a***test*",
            "* *",
            "*",
            "**********",
            "*Ѿ*",
            "*is a ϗѾ *",
        ] {
            assert!(glob(pattern, "this is a ϗѾ test"), "{pattern:?}");
        }
        for pattern in [
            "test*",
            "*is",
            "*no*",
            " ",
            "* ",
            " *",
            "*ʤ*",
            "this*this is a test",
        ] {
            assert!(!glob(pattern, "this is a test"), "{pattern:?}");
        }
        // `*` is the only wildcard: datacenter patterns as `Node.IsInAnyDC` applies them.
        for (pattern, dc, want) in [
            ("dc1", "dc1", true),
            ("dc1", "dc10", false),
            ("dc*", "dc10", true),
            ("dc*", "xdc1", false),
            ("us-*-1", "us-east-1", true),
            ("us-*-1", "us-east-2", false),
            ("dc?", "dc1", false),
            ("dc[12]", "dc1", false),
        ] {
            assert_eq!(glob(pattern, dc), want, "{pattern:?} {dc:?}");
        }
    }

    #[test]
    fn parse_bool_like_strconv() {
        for t in ["1", "t", "T", "true", "TRUE", "True"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["0", "f", "F", "false", "FALSE", "False"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        for bad in ["", "yes", "tRUE", " true"] {
            assert_eq!(parse_bool(bad), None, "{bad}");
        }
    }
}
