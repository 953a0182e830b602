//! The job: `job "<id>" { ... }` and the blocks only a job has (`periodic`, `parameterized`,
//! `ui`), and the fix-ups of `normalizeJob` and `decodeJob`.

use serde_json::{Map, Value};

use super::group::{give_vault, GROUP, RESCHEDULE};
use super::placement::{AFFINITY, CONSTRAINT, SPREAD};
use super::schema::{at, sub, sub_as, Kind, Refusal, Spec, Ty, INT, NOT_IN_BATCH, UNSUPPORTED};
use super::task::{TASK, VAULT};

pub(super) static JOB: Spec = Spec {
    go: "Job",
    attrs: &[
        at("region", Ty::Str),
        at("namespace", Ty::Str),
        at("id", Ty::Str).json("ID"),
        at("name", Ty::Str),
        at("type", Ty::Str),
        at("priority", INT),
        at("all_at_once", Ty::Bool),
        at("datacenters", Ty::Strs),
        at("node_pool", Ty::Str),
    ],
    blocks: &[
        sub_as("constraint", "Constraints", Kind::Many(&CONSTRAINT)),
        sub_as("affinity", "Affinities", Kind::Many(&AFFINITY)),
        sub_as("spread", "Spreads", Kind::Many(&SPREAD)),
        sub_as("group", "TaskGroups", Kind::Labeled(&GROUP, "Name")),
        // Not fields of Job: moved into tasks and groups by `finish_job`.
        sub_as("task", "Tasks", Kind::Labeled(&TASK, "Name")).moved(),
        sub("vault", Kind::One(&VAULT)).moved(),
        sub("periodic", Kind::One(&PERIODIC)),
        sub_as(
            "parameterized",
            "ParameterizedJob",
            Kind::One(&PARAMETERIZED),
        ),
        sub("reschedule", Kind::One(&RESCHEDULE)),
        sub("meta", Kind::StrMap { attr: true }),
        sub_as("ui", "UI", Kind::One(&UI)),
    ],
    refused: &[
        ("update", Refusal::Unsupported(NOT_IN_BATCH)),
        ("migrate", Refusal::Unsupported(NOT_IN_BATCH)),
        ("multiregion", Refusal::Unsupported(UNSUPPORTED)),
        (
            "stop",
            Refusal::Forbidden("a job registered with `stop` is stopped and places nothing"),
        ),
        ("secret", Refusal::Unsupported(UNSUPPORTED)),
    ],
    finish: Some(finish_periodic_job),
    writes: &[],
};

pub(super) static PERIODIC: Spec = Spec::of(
    "PeriodicConfig",
    &[
        at("enabled", Ty::Bool),
        at("cron", Ty::Str).json("Spec"),
        at("crons", Ty::Strs).json("Specs"),
        at("prohibit_overlap", Ty::Bool),
        at("time_zone", Ty::Str),
    ],
    &[],
)
.writing(&["SpecType"]);

pub(super) static PARAMETERIZED: Spec = Spec::of(
    "ParameterizedJobConfig",
    &[
        at("payload", Ty::Str),
        at("meta_required", Ty::Strs),
        at("meta_optional", Ty::Strs),
    ],
    &[],
);

pub(super) static UI: Spec = Spec::of(
    "JobUIConfig",
    &[at("description", Ty::Str)],
    &[sub_as("link", "Links", Kind::Many(&UI_LINK))],
);

pub(super) static UI_LINK: Spec = Spec::of(
    "JobUILink",
    &[at("label", Ty::Str), at("url", Ty::Str).json("URL")],
    &[],
);

/// `normalizeJob`: a periodic job with `cron` or `crons` has `SpecType = "cron"`.
fn finish_periodic_job(m: &mut Map<String, Value>) {
    if let Some(Value::Object(p)) = m.get_mut("Periodic") {
        if p.contains_key("Spec") || p.contains_key("Specs") {
            p.insert("SpecType".to_owned(), Value::from("cron"));
        }
    }
}

/// `normalizeJob` and `decodeJob`: ID and name from the label, tasks directly in the job
/// become groups, the job's `vault` goes to every task without one.
pub(super) fn finish_job(m: &mut Map<String, Value>, label: &str) {
    if !m.contains_key("ID") {
        m.insert("ID".to_owned(), Value::from(label));
    }
    if !m.contains_key("Name") {
        m.insert("Name".to_owned(), Value::from(label));
    }
    if let Some(Value::Array(tasks)) = m.remove("Tasks") {
        let mut groups: Vec<Value> = tasks
            .into_iter()
            .map(|t| {
                let mut g = Map::new();
                g.insert(
                    "Name".to_owned(),
                    t.get("Name").cloned().unwrap_or(Value::Null),
                );
                g.insert("Tasks".to_owned(), Value::Array(vec![t]));
                Value::Object(g)
            })
            .collect();
        if let Some(Value::Array(rest)) = m.remove("TaskGroups") {
            groups.extend(rest);
        }
        m.insert("TaskGroups".to_owned(), Value::Array(groups));
    }
    if let Some(vault) = m.remove("Vault") {
        if let Some(Value::Array(groups)) = m.get_mut("TaskGroups") {
            for g in groups.iter_mut().filter_map(Value::as_object_mut) {
                give_vault(g.get_mut("Tasks"), &vault);
            }
        }
    }
}
