//! `invalid-meta-key`.

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// Every key of `nomad.meta` matches `[A-Za-z0-9_][A-Za-z0-9_.-]*` and is not one of the keys
    /// nomad-build sets itself, `nomad-build.*`, nor a variant of them: a key whose task
    /// environment variable is one of theirs. Nomad hands each meta key to the tasks twice, as
    /// `NOMAD_META_<key>` and as `NOMAD_META_<KEY>` upper-cased, with every character other than
    /// letters, digits and `_` replaced by `_` (`helper.CleanEnvVar`; current releases keep `.`,
    /// older ones replace it). So a key is refused when, upper-cased and with every character
    /// other than `A-Z`, `0-9` and `_` replaced by `_`, it starts with `NOMAD_BUILD_`:
    /// `nomad_build.run-id`, `NOMAD-BUILD.RUN-ID` and `Nomad_Build_Run_Id` all are.
    ///
    /// ## Why it matters
    ///
    /// Nomad accepts any meta key, but hands each one to the tasks as the environment variable
    /// `NOMAD_META_<key>` with every other character replaced by `_`, and to constraints and
    /// interpolation as `${meta.<key>}`. A key with spaces, `=`, quotes or `${` cannot be
    /// referenced, and two keys that differ only in such characters land on the same variable.
    /// Keys under `nomad-build.` would be silently replaced by the pipeline's own (run id,
    /// phase, source hash), which identify a run; a variant that differs only in case or
    /// punctuation keeps its own meta entry but lands on the same `NOMAD_META_NOMAD_BUILD_*`
    /// variable as the real key, and which of the two a task sees is up to Nomad's map order:
    /// a script that reads its run id from the environment could be handed a forged one.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   nomad {
    ///     meta = {
    ///       "nomad-build.run-id" = "mine"
    ///     }
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidMetaKey {
        id: "invalid-meta-key",
        severity: Error,
        summary: "a `nomad.meta` key is not a usable meta key or uses the reserved `nomad-build.` prefix",
    }
}

/// The prefix of [`env_name`] that nomad-build's own keys (`nomad-build.*`) have.
const RESERVED_ENV_PREFIX: &str = "NOMAD_META_NOMAD_BUILD_";

/// The task environment variable of meta key `k`, in the form every name Nomad may give it
/// collides with: `NOMAD_META_` and the key upper-cased, every character other than `A-Z`,
/// `0-9` and `_` replaced by `_` (Nomad's `helper.CleanEnvVar` also keeps `.` in current
/// releases; replacing it too is the coarser comparison, right for every release).
pub fn env_name(k: &str) -> String {
    let upper: String = k
        .to_uppercase()
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("NOMAD_META_{upper}")
}

pub(super) fn check(cx: &mut Cx<'_>) {
    for k in cx.p.nomad.meta.keys() {
        let env = env_name(k);
        let variant;
        let why = if k.starts_with("nomad-build.") {
            "keys under `nomad-build.` are set by nomad-build and identify the run"
        } else if env.starts_with(RESERVED_ENV_PREFIX) {
            variant = format!(
                "tasks would read it as `{env}`, the variable of nomad-build's own \
                 `nomad-build.*` keys"
            );
            &variant
        } else if !valid_meta_key(k) {
            "meta keys match `[A-Za-z0-9_][A-Za-z0-9_.-]*`"
        } else {
            continue;
        };
        let f = cx
            .finding_at_key(
                &RULE,
                &format!("/nomad/meta/{}", esc(k)),
                format!("`{k}` is not a usable meta key"),
            )
            .label(why)
            .help(if env.starts_with(RESERVED_ENV_PREFIX) {
                "name your own keys outside `nomad-build`, in any case or punctuation, e.g. `team` \
                 or `owner.email`"
            } else {
                "use letters, digits, `_`, `.` and `-`, e.g. `team` or `owner.email`"
            });
        cx.push(f);
    }
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]*`.
pub fn valid_meta_key(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::env_name;

    #[test]
    fn variants_of_reserved_keys_share_their_variable() {
        for k in [
            "nomad-build.run-id",
            "nomad_build.run-id",
            "NOMAD-BUILD.RUN-ID",
            "Nomad_Build_Run_Id",
            "nomad.build-run.id",
        ] {
            assert_eq!(env_name(k), "NOMAD_META_NOMAD_BUILD_RUN_ID", "{k}");
        }
        assert_eq!(env_name("owner.email"), "NOMAD_META_OWNER_EMAIL");
        assert!(!env_name("nomadbuild.x").starts_with(super::RESERVED_ENV_PREFIX));
    }
}
