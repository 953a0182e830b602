//! The Nomad release the jobs are compiled for: the oldest release (servers, clients and the
//! `nomad` CLI that parses the HCL) that must accept and run them.
//!
//! What differs between releases is listed in `schemas/nomad/CHANGES.md`; each feature the
//! output depends on has a predicate here (for example [`NomadVersion::has_max_run_duration`]),
//! so that the plan and the templates ask the target, never a version number.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A Nomad release, `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NomadVersion {
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Patch release.
    pub patch: u32,
}

impl NomadVersion {
    /// `major.minor.patch`.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        NomadVersion {
            major,
            minor,
            patch,
        }
    }

    /// Whether task groups have `max_run_duration` (`TaskGroup.MaxRunDuration`, from 2.0.3).
    /// Before it the HCL jobspec rejects the attribute and the API JSON drops the field.
    pub fn has_max_run_duration(self) -> bool {
        self >= MAX_RUN_DURATION
    }

    /// Whether Nomad refuses a task named `alloc` (`Task.Validate`, from 1.11.0).
    pub fn rejects_task_named_alloc(self) -> bool {
        self >= REJECTS_ALLOC
    }

    /// Whether `lifecycle { hook }` is required by the HCL parser (from 1.10.4).
    pub fn requires_lifecycle_hook(self) -> bool {
        self >= LIFECYCLE_HOOK_REQUIRED
    }

    /// The release of a Nomad build string, from its leading `X.Y.Z` (`2.0.5`, `1.10.3+ent`,
    /// `1.11.0-dev`, `v1.9`), as agents report it in their `build` tag.
    pub fn from_build(build: &str) -> Option<NomadVersion> {
        let core = build.trim().trim_start_matches('v');
        let core = core.split(['-', '+', ' ']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
        Some(NomadVersion::new(
            parts.next()??,
            parts.next()??,
            parts.next().unwrap_or(Some(0))?,
        ))
    }

    /// The newest release the tool knows.
    pub fn newest_known() -> NomadVersion {
        KNOWN[KNOWN.len() - 1]
    }

    /// Whether this is one of the releases the tool has a strict job schema for.
    pub fn is_known(self) -> bool {
        KNOWN.contains(&self)
    }

    /// The file name of the strict job schema of a known release (`schemas/nomad/`).
    pub fn schema_file(self) -> Option<String> {
        self.is_known().then(|| format!("job-v{self}.schema.json"))
    }

    /// Whether nomad-build can compile for this release (1.9.0 and later).
    pub fn is_supported(self) -> bool {
        self >= MINIMUM
    }

    /// Whether this release is newer than every release the tool knows: its jobs are compiled
    /// for [`NomadVersion::newest_known`] instead.
    pub fn is_newer_than_known(self) -> bool {
        self > NomadVersion::newest_known()
    }

    /// The release the output is made for: this one, or the newest known release when this
    /// one is newer ([`NomadVersion::is_newer_than_known`]).
    #[must_use]
    pub fn for_output(self) -> NomadVersion {
        self.min(NomadVersion::newest_known())
    }
}

impl Default for NomadVersion {
    fn default() -> Self {
        DEFAULT
    }
}

impl fmt::Display for NomadVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl Serialize for NomadVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a text is not a Nomad version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a Nomad version: {why}")]
pub struct ParseVersionError {
    /// The text.
    pub text: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl FromStr for NomadVersion {
    type Err = ParseVersionError;

    /// `X.Y` (patch 0) or `X.Y.Z`, decimal numbers without signs or leading zeros.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why| ParseVersionError {
            text: s.to_owned(),
            why,
        };
        let parts: Vec<&str> = s.split('.').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(err(
                "write `X.Y` or `X.Y.Z`, for example `1.10` or `1.10.5`",
            ));
        }
        let mut nums = [0u32; 3];
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("each part is a decimal number (`1.10.5`)"));
            }
            if p.len() > 1 && p.starts_with('0') {
                return Err(err("a part has a leading zero"));
            }
            nums[i] = p.parse().map_err(|_| err("a part is too large"))?;
        }
        Ok(NomadVersion::new(nums[0], nums[1], nums[2]))
    }
}

/// The default target: every supported release accepts the jobs.
pub const DEFAULT: NomadVersion = NomadVersion::new(1, 9, 0);

/// The oldest release the tool can compile for.
pub const MINIMUM: NomadVersion = NomadVersion::new(1, 9, 0);

/// The releases the tool knows, oldest first: the newest CE release of each line, each with a
/// strict job schema in `schemas/nomad/`.
pub const KNOWN: [NomadVersion; 4] = [
    NomadVersion::new(1, 9, 7),
    NomadVersion::new(1, 10, 5),
    NomadVersion::new(1, 11, 3),
    NomadVersion::new(2, 0, 5),
];

/// First release with `TaskGroup.MaxRunDuration` (`api/tasks.go:510@v2.0.3`).
const MAX_RUN_DURATION: NomadVersion = NomadVersion::new(2, 0, 3);

/// First release whose `Task.Validate` refuses the name `alloc`.
const REJECTS_ALLOC: NomadVersion = NomadVersion::new(1, 11, 0);

/// First release whose HCL parser requires `lifecycle { hook }`.
///
/// Before it the API canonicalizer drops a lifecycle without a hook, and the task runs as a
/// main task (`api/tasks.go:760@v1.10.4`). The jobspec decoder requires `hook` on every target.
pub const LIFECYCLE_HOOK_REQUIRED: NomadVersion = NomadVersion::new(1, 10, 4);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> NomadVersion {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn build_strings_read_their_release() {
        let b = NomadVersion::from_build;
        assert_eq!(b("2.0.5"), Some(NomadVersion::new(2, 0, 5)));
        assert_eq!(b("1.10.3+ent"), Some(NomadVersion::new(1, 10, 3)));
        assert_eq!(b("1.11.0-dev"), Some(NomadVersion::new(1, 11, 0)));
        assert_eq!(b("v1.9"), Some(NomadVersion::new(1, 9, 0)));
        assert_eq!(b("dev"), None);
        assert!(b("1.8.4") < Some(NomadVersion::new(1, 9, 0)));
    }

    #[test]
    fn parses_two_or_three_parts() {
        assert_eq!(v("1.10"), NomadVersion::new(1, 10, 0));
        assert_eq!(v("2.0.5"), NomadVersion::new(2, 0, 5));
        for bad in [
            "",
            "1",
            "1.",
            "1.2.3.4",
            "v1.9",
            "1.9.0-beta1",
            "01.9",
            "1.-9",
            "1. 9",
        ] {
            assert!(bad.parse::<NomadVersion>().is_err(), "{bad:?}");
        }
        let e = "1.x".parse::<NomadVersion>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "`1.x` is not a Nomad version: each part is a decimal number (`1.10.5`)"
        );
    }

    #[test]
    fn orders_numerically_and_displays_three_parts() {
        assert!(v("1.10.0") > v("1.9.7"));
        assert!(v("2.0") < v("2.0.3"));
        assert_eq!(v("1.10").to_string(), "1.10.0");
        assert_eq!(serde_json::to_string(&v("1.11.3")).unwrap(), "\"1.11.3\"");
        assert_eq!(NomadVersion::default(), DEFAULT);
    }

    #[test]
    fn known_releases_are_sorted_and_have_schemas() {
        assert!(KNOWN.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(NomadVersion::newest_known(), v("2.0.5"));
        assert!(MINIMUM <= DEFAULT && DEFAULT <= KNOWN[0]);
        for k in KNOWN {
            let file = k.schema_file().expect("a known release has a schema");
            let path = format!("{}/schemas/nomad/{file}", env!("CARGO_MANIFEST_DIR"));
            assert!(std::path::Path::new(&path).is_file(), "{path}");
        }
        assert_eq!(v("1.10.0").schema_file(), None);
    }

    #[test]
    fn features_follow_changes_md() {
        assert!(!v("2.0.2").has_max_run_duration() && v("2.0.3").has_max_run_duration());
        assert!(!v("1.10.5").rejects_task_named_alloc() && v("1.11.0").rejects_task_named_alloc());
        assert!(!v("1.10.3").requires_lifecycle_hook() && v("1.10.4").requires_lifecycle_hook());
        assert!(!DEFAULT.has_max_run_duration());
    }

    #[test]
    fn support_and_output_follow_minimum_and_known() {
        assert!(!v("1.8.9").is_supported() && v("1.9.0").is_supported());
        assert!(!v("2.0.5").is_newer_than_known() && v("2.0.6").is_newer_than_known());
        assert_eq!(v("3.1").for_output(), v("2.0.5"));
        assert_eq!(v("1.10").for_output(), v("1.10.0"));
    }
}
