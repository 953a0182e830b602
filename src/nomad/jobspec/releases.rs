//! Fields that not every target release has: the `template-field-too-new` finding, and the
//! tests that hold the decoder's tables to the strict schema of every known release.

use crate::diag::{FileId, Finding};
use crate::hcl::Item;
use crate::nomad::model::Since;
use crate::rules::template_field_too_new;
use crate::target::NomadVersion;

/// What in build.hcl makes the embedded templates write the field `field` of Go type `go`.
fn asked_by(go: &str, field: &str) -> Option<&'static str> {
    match (go, field) {
        ("TaskGroup", "MaxRunDuration") => Some("the `timeout` of `build` or of a `test`"),
        _ => None,
    }
}

/// The finding for `item` (the field `key` of Go type `go`, in `path`), which `target` lacks
/// or ignores.
pub(super) fn too_new(
    file: FileId,
    item: Item<'_>,
    since: Since,
    target: NomadVersion,
    go: &str,
    key: &str,
    path: &str,
) -> Finding {
    let name = item.name();
    let first = since.version();
    let (message, label) = match since {
        Since::Added(_) => (
            format!("`{name}` in {path} is not in Nomad {target}: Nomad has it from {first}"),
            format!("needs Nomad {first} or later"),
        ),
        Since::Honoured(_) => (
            format!("Nomad {target} ignores `{name}` in {path}: Nomad honours it from {first}"),
            format!("ignored before Nomad {first}"),
        ),
    };
    let mut help = format!(
        "raise the target to {first} (`nomad {{ version = \"{first}\" }}` in build.hcl, or \
         `--nomad-version {first}`) if every server, client and `nomad` CLI that runs the jobs \
         has it, or leave `{name}` out of the template for older releases"
    );
    if let Some(why) = asked_by(go, key) {
        help.push_str(&format!("; {why} in build.hcl asks for it"));
    }
    template_field_too_new::RULE
        .finding(file, item.key_span(), message)
        .label(label)
        .help(help)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashSet};

    use serde_json::Value;

    use super::super::decode_for;
    use super::super::job::JOB;
    use super::super::schema::{Kind, Spec};
    use crate::nomad::model::{field_since, Since, FIELD_RELEASES, VAULT_POLICIES_IGNORED_FROM};
    use crate::rules::{template_field_too_new, template_ignored_field, template_missing_field};
    use crate::target::{NomadVersion, DEFAULT, KNOWN, LIFECYCLE_HOOK_REQUIRED};

    fn v(s: &str) -> NomadVersion {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn schema(release: NomadVersion) -> Value {
        let file = release.schema_file().expect("a known release");
        let path = format!("{}/schemas/nomad/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The `$defs` name a property refers to (directly, as a list's items or a map's values).
    fn referenced(prop: &Value) -> Option<&str> {
        [
            prop.get("$ref"),
            prop.pointer("/items/$ref"),
            prop.pointer("/additionalProperties/$ref"),
        ]
        .into_iter()
        .flatten()
        .find_map(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    }

    /// Walks the tables from `spec` and checks each field against `schema` (of `release`):
    /// a field the decoder emits for `release` must be a property of its Go type there, and a
    /// field added after `release` must not be. Collects every (Go type, key) in `seen`.
    fn check(
        spec: &'static Spec,
        schema: &Value,
        release: NomadVersion,
        visited: &mut HashSet<*const Spec>,
        seen: &mut BTreeSet<(&'static str, String)>,
        problems: &mut Vec<String>,
    ) {
        if !visited.insert(std::ptr::from_ref(spec)) {
            return;
        }
        let Some(props) = schema
            .pointer(&format!("/$defs/{}/properties", spec.go))
            .and_then(Value::as_object)
        else {
            problems.push(format!("{release}: no `$defs/{}`", spec.go));
            return;
        };
        let mut fields: Vec<(String, &str)> = spec
            .attrs
            .iter()
            .filter(|a| !a.rewritten)
            .map(|a| (a.key().into_owned(), "the attribute"))
            .chain(
                spec.writes
                    .iter()
                    .map(|w| ((*w).to_owned(), "the computed key")),
            )
            .collect();
        let mut nested = Vec::new();
        for b in spec.blocks {
            let key = b.key();
            let inner = match b.kind {
                Kind::One(s) | Kind::Many(s) => Some((s, None)),
                Kind::Labeled(s, label) | Kind::Keyed(s, label) => Some((s, Some(label))),
                Kind::StrMap { .. } | Kind::Config => None,
            };
            if !b.moved {
                if let (Some((s, _)), Some(prop)) = (inner, props.get(key.as_ref())) {
                    if referenced(prop) != Some(s.go) {
                        problems.push(format!(
                            "{release}: `{}.{key}` holds {:?}, the table says `{}`",
                            spec.go,
                            referenced(prop),
                            s.go
                        ));
                    }
                }
                fields.push((key.into_owned(), "the block"));
            }
            nested.extend(inner);
        }
        for (key, what) in fields {
            let since = field_since(spec.go, &key);
            let emitted = since.is_none_or(|s| s.available_in(release));
            let present = props.contains_key(&key);
            if emitted && !present {
                problems.push(format!(
                    "{release}: the decoder emits {what} `{}.{key}`, which Nomad {release} lacks \
                     (give it a release in model::FIELD_RELEASES)",
                    spec.go
                ));
            }
            if let Some(Since::Added(first)) = since {
                if release < first && present {
                    problems.push(format!(
                        "{release}: `{}.{key}` is said to come with {first}, but Nomad {release} \
                         has it",
                        spec.go
                    ));
                }
            }
            seen.insert((spec.go, key));
        }
        for (s, label) in nested {
            if let Some(label) = label {
                let has = schema
                    .pointer(&format!("/$defs/{}/properties/{label}", s.go))
                    .is_some();
                if !has {
                    problems.push(format!("{release}: no `{}.{label}` for the label", s.go));
                }
            }
            check(s, schema, release, visited, seen, problems);
        }
    }

    #[test]
    fn every_field_the_decoder_emits_is_in_each_known_release() {
        let mut all_seen = BTreeSet::new();
        let mut problems = Vec::new();
        for release in KNOWN {
            let schema = schema(release);
            assert!(schema.pointer("/properties/Job").is_some());
            let mut seen = BTreeSet::new();
            check(
                &JOB,
                &schema,
                release,
                &mut HashSet::new(),
                &mut seen,
                &mut problems,
            );
            all_seen.append(&mut seen);
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        // Every release-dependent field is one the decoder reads.
        for (go, field, _) in FIELD_RELEASES {
            assert!(
                all_seen.contains(&(*go, (*field).to_owned())),
                "FIELD_RELEASES names `{go}.{field}`, which no decoder table emits"
            );
        }
        assert!(all_seen.len() > 150, "{}", all_seen.len());
    }

    #[test]
    fn the_drift_check_catches_a_field_without_a_release() {
        // `Task.Secrets` (1.11.0) in a table without a release: 1.9.7 and 1.10.5 lack it.
        use super::super::schema::{sub, Sub};
        static SECRET: Spec = Spec::of("Secret", &[], &[]);
        static BLOCKS: [Sub; 1] = [sub("secrets", Kind::Many(&SECRET))];
        static TASK: Spec = Spec::of("Task", &[], &BLOCKS);
        let mut problems = Vec::new();
        for release in KNOWN {
            check(
                &TASK,
                &schema(release),
                release,
                &mut HashSet::new(),
                &mut BTreeSet::new(),
                &mut problems,
            );
        }
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems[0].starts_with("1.9.7: the decoder emits the block `Task.Secrets`"));
        assert!(problems.iter().any(|p| p == "1.9.7: no `$defs/Secret`"));
    }

    /// A batch job whose one task has `task_body` (and whose group has `group_body`).
    fn job(group_body: &str, task_body: &str) -> String {
        format!(
            "job \"j\" {{\n  type = \"batch\"\n  group \"g\" {{\n{group_body}    \
             task \"t\" {{\n      driver = \"docker\"\n{task_body}    }}\n  }}\n}}\n"
        )
    }

    /// A task's `resources` with `numa { devices }`.
    const NUMA_DEVICES: &str = r#"      resources {
        numa {
          affinity = "require"
          devices  = ["nvidia/gpu"]
        }
      }
"#;

    fn rules_at(src: &str, target: NomadVersion) -> Vec<(&'static str, String)> {
        match decode_for(src, 0, target) {
            Ok(_) => Vec::new(),
            Err(f) => f
                .iter()
                .map(|f| (f.rule, src[f.primary.span.clone()].to_owned()))
                .collect(),
        }
    }

    #[test]
    fn a_field_is_refused_before_its_release_and_accepted_from_it() {
        let template = |inner: &str| {
            format!(
                "      template {{\n        data        = \"x\"\n        \
                 destination = \"local/x\"\n{inner}      }}\n"
            )
        };
        let cases = [
            (
                job("    max_run_duration = \"20m\"\n", ""),
                "max_run_duration",
                "2.0.3",
            ),
            (
                job("", &template("        once = true\n")),
                "once",
                "1.10.2",
            ),
            (
                job(
                    "",
                    r#"      identity {
        name         = "x"
        extra_claims = ["a"]
      }
"#,
                ),
                "extra_claims",
                "2.0.3",
            ),
            (
                job(
                    "",
                    &template(
                        r#"        change_mode = "script"
        change_script {
          command             = "/bin/true"
          fail_on_error       = true
          run_on_first_render = true
        }
"#,
                    ),
                ),
                "run_on_first_render",
                "2.0.5",
            ),
            (
                job(
                    r#"    volume "v" {
      type   = "host"
      source = "v"
      sticky = true
    }
"#,
                    "",
                ),
                "sticky",
                "1.10.0",
            ),
            (
                job(
                    "",
                    r#"      artifact {
        source = "https://example.com/x"
        chown  = true
      }
"#,
                ),
                "chown",
                "1.9.2",
            ),
            (job("", NUMA_DEVICES), "devices", "1.11.1"),
        ];
        for (src, field, first) in cases {
            let first = v(first);
            // The release just before (1.9.0 for a field of x.y.0: every supported older one).
            let before = match first.patch {
                0 => DEFAULT,
                p => NomadVersion::new(first.major, first.minor, p - 1),
            };
            assert_eq!(
                rules_at(&src, before),
                [(template_field_too_new::RULE.id, field.to_owned())],
                "{field} at {before}"
            );
            assert_eq!(rules_at(&src, first), [], "{field} at {first}");
            assert_eq!(rules_at(&src, NomadVersion::newest_known()), [], "{field}");
        }
    }

    #[test]
    fn the_finding_names_the_field_the_target_and_the_release() {
        let src = job("    max_run_duration = \"20m\"\n", "");
        let f = decode_for(&src, 0, DEFAULT).expect_err("1.9.0 lacks it");
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "`max_run_duration` in job \"j\" > group \"g\" is not in Nomad 1.9.0: Nomad has it \
             from 2.0.3"
        );
        assert_eq!(f[0].primary.text, "needs Nomad 2.0.3 or later");
        let help = f[0].help.as_deref().unwrap_or_default();
        assert!(
            help.starts_with(
                "raise the target to 2.0.3 (`nomad { version = \"2.0.3\" }` in build.hcl, or \
                 `--nomad-version 2.0.3`)"
            ),
            "{help}"
        );
        assert!(help.contains("the `timeout` of `build`"), "{help}");
        let src = job("", NUMA_DEVICES);
        let f = decode_for(&src, 0, v("1.11.0")).expect_err("1.11.0 drops it");
        assert_eq!(
            f[0].message,
            "Nomad 1.11.0 ignores `devices` in job \"j\" > group \"g\" > task \"t\" > resources \
             > numa: Nomad honours it from 1.11.1"
        );
    }

    #[test]
    fn refusals_on_every_target_name_their_release() {
        // `policies` is ignored from 1.10.0, so a job for 1.9 (which may also run on 1.10 and
        // later) must not rely on it either.
        let src = job("", "      vault {\n        policies = [\"p\"]\n      }\n");
        for target in [DEFAULT, NomadVersion::newest_known()] {
            assert_eq!(
                rules_at(&src, target),
                [(template_ignored_field::RULE.id, "policies".to_owned())]
            );
        }
        let f = decode_for(&src, 0, DEFAULT).expect_err("refused");
        let help = f[0].help.as_deref().unwrap_or_default();
        assert!(
            help.contains(&format!("Nomad {VAULT_POLICIES_IGNORED_FROM} ")),
            "{help}"
        );
        assert_eq!(
            super::super::task::VAULT.refused[0].0,
            "policies",
            "the refusal above is the one of `Vault.Policies`"
        );
        // Every release drops a task's `disk`.
        let src = job("", "      resources {\n        disk = 100\n      }\n");
        for target in KNOWN {
            assert_eq!(
                rules_at(&src, target),
                [(template_ignored_field::RULE.id, "disk".to_owned())]
            );
        }
        // A lifecycle without `hook` is refused everywhere: 1.10.4 and later fail to parse it,
        // older releases drop it.
        let src = job("", "      lifecycle {\n        sidecar = true\n      }\n");
        for target in KNOWN {
            assert_eq!(
                rules_at(&src, target),
                [(template_missing_field::RULE.id, "lifecycle".to_owned())]
            );
        }
        let f = decode_for(&src, 0, DEFAULT).expect_err("refused");
        let help = f[0].help.as_deref().unwrap_or_default();
        assert!(
            help.contains(&format!("Nomad {LIFECYCLE_HOOK_REQUIRED} and later")),
            "{help}"
        );
        assert!(LIFECYCLE_HOOK_REQUIRED.requires_lifecycle_hook());
        assert!(!NomadVersion::new(1, 10, 3).requires_lifecycle_hook());
    }
}
