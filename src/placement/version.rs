//! Version comparison as Nomad's scheduler does it: a port of `hashicorp/go-version` v1.9.0
//! (the version Nomad 2.0 pins; `version.go`, `constraint.go`) and of Nomad's own semver
//! constraints (`helper/constraints/semver/constraints.go`).
//!
//! Both constraint kinds parse the node's value with go-version's loose `NewVersion` and compare
//! with go-version's `Compare`. They differ in what they accept on the right and in how they
//! treat pre-releases:
//!
//! - `version` ([`VersionConstraints`]): go-version constraints (`=`, `!=`, `>`, `<`, `>=`,
//!   `<=`, `~>`, or no operator), loose versions (`1.2`, `v1.2.3`, `1.2.3beta`), and
//!   go-version's `prereleaseCheck`: a constraint without a pre-release never matches a
//!   pre-release (`1.3.0-beta1` does not satisfy `>= 0.6.1`), and one with a pre-release
//!   matches only pre-releases of the same `X.Y.Z`;
//! - `semver` ([`SemverConstraints`]): no `~>`, strict SemVer on the right (`1.2.3-rc.1`), and
//!   SemVer 2.0 ordering only (`1.7.0-beta.1` satisfies `>= 1.7.0-a`, `1.3.0-beta1` satisfies
//!   `>= 0.6.1`).
//!
//! Build metadata (`+ent`) never affects ordering.

use std::cmp::Ordering;
use std::sync::OnceLock;

use regex::Regex;

/// go-version's `VersionRegexpRaw`, verbatim.
const VERSION_RAW: &str = r"v?([0-9]+(\.[0-9]+)*?)(-([0-9]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)|(-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)))?(\+([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))??";

/// go-version's `SemverRegexpRaw`, verbatim: a pre-release needs its `-`.
const SEMVER_RAW: &str = r"v?([0-9]+(\.[0-9]+)*?)(-([0-9]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)|(-([A-Za-z\-~]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)))?(\+([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))??";

/// Go's `\s` (RE2, ASCII only); Rust's `\s` would also match Unicode spaces and `\v`.
const GO_SPACE: &str = r"[\t\n\f\r ]";

fn version_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&format!("^{VERSION_RAW}$")).expect("go-version regexp"))
}

fn semver_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&format!("^{SEMVER_RAW}$")).expect("go-version semver regexp"))
}

/// go-version's constraint regexp: `<=|>=|!=|~>|<|>|=|` then a loose version.
fn version_constraint_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r"^{GO_SPACE}*(<=|>=|!=|~>|<|>|=|){GO_SPACE}*({VERSION_RAW}){GO_SPACE}*$"
        ))
        .expect("go-version constraint regexp")
    })
}

/// Nomad's semver constraint regexp: `=`, `!=`, `>`, `<`, `>=`, `<=` or nothing, then a
/// strict version. (Nomad joins its operators in Go map order; anchored at both ends, every
/// order accepts the same strings with the same split.)
fn semver_constraint_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r"^{GO_SPACE}*(>=|<=|!=|=|>|<|){GO_SPACE}*({SEMVER_RAW}){GO_SPACE}*$"
        ))
        .expect("semver constraint regexp")
    })
}

/// A parsed version (go-version's `Version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Numeric segments, padded with zeros to at least three.
    segments: Vec<i64>,
    /// How many segments the text had.
    si: usize,
    /// Pre-release, without its `-`.
    pre: String,
    /// Build metadata, without its `+`.
    metadata: String,
}

impl Version {
    /// go-version's `NewVersion`: the loose form (`1.2`, `v1.2.3`, `1.2.3beta`, `1.2.3+ent`).
    pub fn parse(text: &str) -> Option<Version> {
        Version::parse_with(text, version_regex())
    }

    /// go-version's `NewSemver`: a pre-release must be introduced by `-`.
    pub fn parse_semver(text: &str) -> Option<Version> {
        Version::parse_with(text, semver_regex())
    }

    fn parse_with(text: &str, re: &Regex) -> Option<Version> {
        let m = re.captures(text)?;
        let digits = m.get(1)?.as_str();
        let mut segments = Vec::new();
        for s in digits.split('.') {
            segments.push(s.parse::<i64>().ok()?);
        }
        let si = segments.len();
        while segments.len() < 3 {
            segments.push(0);
        }
        let group = |i: usize| m.get(i).map_or("", |g| g.as_str());
        let pre = if group(7).is_empty() {
            group(4)
        } else {
            group(7)
        };
        Some(Version {
            segments,
            si,
            pre: pre.to_owned(),
            metadata: group(10).to_owned(),
        })
    }

    /// go-version's `String`: the canonical text, with pre-release and metadata.
    fn canonical(&self) -> String {
        let mut out = self
            .segments
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(".");
        if !self.pre.is_empty() {
            out.push('-');
            out.push_str(&self.pre);
        }
        if !self.metadata.is_empty() {
            out.push('+');
            out.push_str(&self.metadata);
        }
        out
    }

    /// go-version's `Compare`.
    pub fn compare(&self, other: &Version) -> Ordering {
        if self.canonical() == other.canonical() {
            return Ordering::Equal;
        }
        if self.segments == other.segments {
            return match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prereleases(&self.pre, &other.pre),
            };
        }
        let (a, b) = (&self.segments, &other.segments);
        for i in 0..a.len().max(b.len()) {
            if i >= a.len() {
                return if b[i..].iter().all(|s| *s == 0) {
                    Ordering::Equal
                } else {
                    Ordering::Less
                };
            }
            if i >= b.len() {
                return if a[i..].iter().all(|s| *s == 0) {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                };
            }
            match a[i].cmp(&b[i]) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        Ordering::Equal
    }
}

/// go-version's `comparePart`, quirks included (an empty part loses to a word and beats a
/// number).
fn compare_part(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let an = a.parse::<i64>().ok();
    let bn = b.parse::<i64>().ok();
    if a.is_empty() {
        return if bn.is_some() {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    if b.is_empty() {
        return if an.is_some() {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    }
    match (an, bn) {
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) if a > b => Ordering::Greater,
        (Some(x), Some(y)) if x > y => Ordering::Greater,
        _ => Ordering::Less,
    }
}

/// go-version's `comparePrereleases`: dot-separated parts, left to right.
fn compare_prereleases(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let pa: Vec<&str> = a.split('.').collect();
    let pb: Vec<&str> = b.split('.').collect();
    for i in 0..pa.len().max(pb.len()) {
        let x = pa.get(i).copied().unwrap_or("");
        let y = pb.get(i).copied().unwrap_or("");
        match compare_part(x, y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

/// A constraint operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equal,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Pessimistic,
}

fn op(text: &str) -> Op {
    match text {
        "!=" => Op::NotEqual,
        ">" => Op::Greater,
        "<" => Op::Less,
        ">=" => Op::GreaterEqual,
        "<=" => Op::LessEqual,
        "~>" => Op::Pessimistic,
        _ => Op::Equal,
    }
}

/// go-version's constraints (the `version` operator): `>= 1.0, < 1.4`, `~> 1.2`.
#[derive(Debug, Clone)]
pub struct VersionConstraints(Vec<(Op, Version)>);

impl VersionConstraints {
    /// go-version's `NewConstraint`: comma-separated constraints; `None` when malformed.
    pub fn parse(text: &str) -> Option<VersionConstraints> {
        let mut out = Vec::new();
        for single in text.split(',') {
            let m = version_constraint_regex().captures(single)?;
            let check = Version::parse(m.get(2)?.as_str())?;
            out.push((op(m.get(1).map_or("", |g| g.as_str())), check));
        }
        Some(VersionConstraints(out))
    }

    /// Whether `v` satisfies every constraint.
    pub fn check(&self, v: &Version) -> bool {
        self.0.iter().all(|(o, c)| match o {
            Op::Equal => v.compare(c) == Ordering::Equal,
            Op::NotEqual => v.compare(c) != Ordering::Equal,
            Op::Greater => prerelease_check(v, c) && v.compare(c) == Ordering::Greater,
            Op::Less => prerelease_check(v, c) && v.compare(c) == Ordering::Less,
            Op::GreaterEqual => prerelease_check(v, c) && v.compare(c) != Ordering::Less,
            Op::LessEqual => prerelease_check(v, c) && v.compare(c) != Ordering::Greater,
            Op::Pessimistic => pessimistic(v, c),
        })
    }
}

/// go-version's `prereleaseCheck`.
fn prerelease_check(v: &Version, c: &Version) -> bool {
    match (!v.pre.is_empty(), !c.pre.is_empty()) {
        (true, true) => v.segments == c.segments,
        (true, false) => false,
        _ => true,
    }
}

/// go-version's `constraintPessimistic` (`~>`).
fn pessimistic(v: &Version, c: &Version) -> bool {
    if !prerelease_check(v, c) || (!c.pre.is_empty() && v.pre.is_empty()) {
        return false;
    }
    if v.compare(c) == Ordering::Less {
        return false;
    }
    let cs = c.segments.len();
    if cs > v.segments.len() {
        return false;
    }
    for i in 0..c.si.saturating_sub(1) {
        if v.segments[i] != c.segments[i] {
            return false;
        }
    }
    c.segments[cs - 1] <= v.segments[cs - 1]
}

/// Nomad's semver constraints (the `semver` operator): SemVer 2.0 ordering, no `~>`.
#[derive(Debug, Clone)]
pub struct SemverConstraints(Vec<(Op, Version)>);

impl SemverConstraints {
    /// Nomad's `semver.NewConstraint`; `None` when malformed.
    pub fn parse(text: &str) -> Option<SemverConstraints> {
        let mut out = Vec::new();
        for single in text.split(',') {
            let m = semver_constraint_regex().captures(single)?;
            let check = Version::parse_semver(m.get(2)?.as_str())?;
            out.push((op(m.get(1).map_or("", |g| g.as_str())), check));
        }
        Some(SemverConstraints(out))
    }

    /// Whether `v` satisfies every constraint.
    pub fn check(&self, v: &Version) -> bool {
        self.0.iter().all(|(o, c)| {
            let ord = v.compare(c);
            match o {
                Op::Equal => ord == Ordering::Equal,
                Op::NotEqual => ord != Ordering::Equal,
                Op::Greater => ord == Ordering::Greater,
                Op::Less => ord == Ordering::Less,
                Op::GreaterEqual => ord != Ordering::Less,
                Op::LessEqual => ord != Ordering::Greater,
                Op::Pessimistic => false,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    //! The cases are the upstream tests' tables: go-version v1.9.0 `version_test.go` and
    //! `constraint_test.go`, Nomad's `helper/constraints/semver/constraints_test.go`.
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("{s} parses"))
    }

    #[test]
    fn new_version() {
        // TestNewVersion (the cases without a prefix option).
        let cases = [
            ("", true),
            ("1.2.3", false),
            ("1.0", false),
            ("1", false),
            ("1.2.beta", true),
            ("1.21.beta", true),
            ("foo", true),
            ("1.2-5", false),
            ("1.2-beta.5", false),
            ("\n1.2", true),
            ("1.2.0-x.Y.0+metadata", false),
            ("1.2.0-x.Y.0+metadata-width-hyphen", false),
            ("1.2.3-rc1-with-hyphen", false),
            ("1.2.3.4", false),
            ("1.2.0.4-x.Y.0+metadata", false),
            ("1.2.0.4-x.Y.0+metadata-width-hyphen", false),
            ("1.2.0-X-1.2.0+metadata~dist", false),
            ("1.2.3.4-rc1-with-hyphen", false),
            ("v1.2.3", false),
            ("foo1.2.3", true),
            ("1.7rc2", false),
            ("v1.7rc2", false),
            ("1.0-", false),
            ("controller-v0.40.2", true),
            ("azure-cli-v1.4.2", true),
        ];
        for (text, err) in cases {
            assert_eq!(Version::parse(text).is_none(), err, "{text:?}");
        }
        // NewSemver wants the `-` before a pre-release.
        assert!(Version::parse_semver("1.7rc2").is_none());
        assert!(Version::parse_semver("1.7.0-rc2").is_some());
        let x = v("v1.2.3-beta.1+ent");
        assert_eq!(
            (
                x.segments.clone(),
                x.si,
                x.pre.as_str(),
                x.metadata.as_str()
            ),
            (vec![1, 2, 3], 3, "beta.1", "ent")
        );
        assert_eq!(v("1.7rc2").pre, "rc2");
        assert_eq!(v("1.2").canonical(), "1.2.0");
        // TestVersionMetadata.
        for (text, want) in [
            ("1.2.3", ""),
            ("1.2-beta", ""),
            ("1.2.0-x.Y.0", ""),
            ("1.2.0-x.Y.0+metadata", "metadata"),
            ("1.2.0-metadata-1.2.0+metadata~dist", "metadata~dist"),
        ] {
            assert_eq!(v(text).metadata, want, "{text}");
        }
    }

    #[test]
    fn compare() {
        use Ordering::{Equal as E, Greater as G, Less as L};
        // TestVersionCompare, then TestComparePreReleases.
        let cases = [
            ("1.2.3", "1.4.5", L),
            ("1.2-beta", "1.2-beta", E),
            ("1.2", "1.1.4", G),
            ("1.2", "1.2-beta", G),
            ("1.2+foo", "1.2+beta", E),
            ("v1.2", "v1.2-beta", G),
            ("v1.2+foo", "v1.2+beta", E),
            ("v1.2.3.4", "v1.2.3.4", E),
            ("v1.2.0.0", "v1.2", E),
            ("v1.2.0.0.1", "v1.2", G),
            ("v1.2", "v1.2.0.0", E),
            ("v1.2", "v1.2.0.0.1", L),
            ("v1.2.0.0", "v1.2.0.0.1", L),
            ("v1.2.3.0", "v1.2.3.4", L),
            ("1.7rc2", "1.7rc1", G),
            ("1.7rc2", "1.7", L),
            ("1.2.0", "1.2.0-X-1.2.0+metadata~dist", G),
            ("1.2-beta.2", "1.2-beta.2", E),
            ("1.2-beta.1", "1.2-beta.2", L),
            ("1.2-beta.2", "1.2-beta.11", L),
            ("3.2-alpha.1", "3.2-alpha", G),
            ("1.2-beta.2", "1.2-beta.1", G),
            ("1.2-beta.11", "1.2-beta.2", G),
            ("1.2-beta", "1.2-beta.3", L),
            ("1.2-alpha", "1.2-beta.3", L),
            ("1.2-beta", "1.2-alpha.3", G),
            ("3.0-alpha.3", "3.0-rc.1", L),
            ("3.0-alpha3", "3.0-rc1", L),
            ("3.0-alpha.1", "3.0-alpha.beta", L),
            ("5.4-alpha", "5.4-alpha.beta", G),
            ("v1.2-beta.2", "v1.2-beta.2", E),
            ("v1.2-beta.1", "v1.2-beta.2", L),
            ("v3.2-alpha.1", "v3.2-alpha", G),
            ("v3.2-rc.1-1-g123", "v3.2-rc.2", G),
        ];
        for (a, b, want) in cases {
            assert_eq!(v(a).compare(&v(b)), want, "{a} <=> {b}");
        }
    }

    #[test]
    fn version_constraints() {
        // go-version TestNewConstraint.
        for (text, count) in [
            (">= 1.2", Some(1)),
            ("1.0", Some(1)),
            (">= 1.x", None),
            (">= 1.2, < 1.0", Some(2)),
            ("11387778780781445675529500000000000000000", None),
        ] {
            assert_eq!(
                VersionConstraints::parse(text).map(|c| c.0.len()),
                count,
                "{text}"
            );
        }
        // go-version TestConstraintCheck.
        let cases = [
            (">= 1.0, < 1.2", "1.1.5", true),
            ("< 1.0, < 1.2", "1.1.5", false),
            ("= 1.0", "1.1.5", false),
            ("= 1.0", "1.0.0", true),
            ("1.0", "1.0.0", true),
            ("~> 1.0", "2.0", false),
            ("~> 1.0", "1.1", true),
            ("~> 1.0", "1.2.3", true),
            ("~> 1.0.0", "1.2.3", false),
            ("~> 1.0.0", "1.0.7", true),
            ("~> 1.0.0", "1.1.0", false),
            ("~> 1.0.7", "1.0.4", false),
            ("~> 1.0.7", "1.0.7", true),
            ("~> 1.0.7", "1.0.8", true),
            ("~> 1.0.7", "1.0.7.5", true),
            ("~> 1.0.7", "1.0.6.99", false),
            ("~> 1.0.7", "1.0.8.0", true),
            ("~> 1.0.9.5", "1.0.9.5", true),
            ("~> 1.0.9.5", "1.0.9.4", false),
            ("~> 1.0.9.5", "1.0.9.6", true),
            ("~> 1.0.9.5", "1.0.9.5.0", true),
            ("~> 1.0.9.5", "1.0.9.5.1", true),
            ("~> 2.0", "2.1.0-beta", false),
            ("~> 2.1.0-a", "2.2.0", false),
            ("~> 2.1.0-a", "2.1.0", false),
            ("~> 2.1.0-a", "2.1.0-beta", true),
            ("~> 2.1.0-a", "2.2.0-alpha", false),
            ("> 2.0", "2.1.0-beta", false),
            (">= 2.1.0-a", "2.1.0-beta", true),
            (">= 2.1.0-a", "2.1.1-beta", false),
            (">= 2.0.0", "2.1.0-beta", false),
            (">= 2.1.0-a", "2.1.1", true),
            (">= 2.1.0-a", "2.1.1-beta", false),
            (">= 2.1.0-a", "2.1.0", true),
            ("<= 2.1.0-a", "2.0.0", true),
        ];
        for (c, ver, want) in cases {
            let cs = VersionConstraints::parse(c).unwrap_or_else(|| panic!("{c}"));
            assert_eq!(cs.check(&v(ver)), want, "{ver} {c}");
        }
    }

    #[test]
    fn semver_constraints() {
        // Nomad's semver TestNewConstraint.
        for (text, count) in [
            (">= 1.2", Some(1)),
            ("1.0", Some(1)),
            (">= 1.x", None),
            (">= 1.2, < 1.0", Some(2)),
            ("11387778780781445675529500000000000000000", None),
            (">= 1.0beta1", None),
            ("~> 1.0", None),
        ] {
            assert_eq!(
                SemverConstraints::parse(text).map(|c| c.0.len()),
                count,
                "{text}"
            );
        }
        // Nomad's semver TestConstraintCheck (versions parsed with NewSemver there).
        let cases = [
            (">= 1.0, < 1.2", "1.1.5", true),
            ("< 1.0, < 1.2", "1.1.5", false),
            ("= 1.0", "1.1.5", false),
            ("= 1.0", "1.0.0", true),
            ("1.0", "1.0.0", true),
            ("> 10", "8", false),
            ("> 2.0", "2.1.0-beta", true),
            ("> 2.1.0-a", "2.1.0-beta", true),
            ("> 2.1.0-a", "2.1.1-beta", true),
            ("> 2.0.0", "2.1.0-beta", true),
            ("> 2.1.0-a", "2.1.1", true),
            ("> 2.1.0-a", "2.1.1-beta", true),
            ("> 2.1.0-a", "2.1.0", true),
            ("<= 2.1.0-a", "2.0.0", true),
            (">= 0.6.1", "1.3.0-beta1", true),
            ("> 1.0-beta1", "1.0-rc1", true),
            (">= 0.6.1", "1.3.0-beta1+ent", true),
            (">= 1.3.0-beta1", "1.3.0-beta1+ent", true),
            ("> 1.3.0-beta1+cgo", "1.3.0-beta1+ent", false),
            ("= 1.3.0-beta1+cgo", "1.3.0-beta1+ent", true),
        ];
        for (c, ver, want) in cases {
            let cs = SemverConstraints::parse(c).unwrap_or_else(|| panic!("{c}"));
            let ver = Version::parse_semver(ver).unwrap_or_else(|| panic!("{ver}"));
            assert_eq!(cs.check(&ver), want, "{ver:?} {c}");
        }
    }
}
