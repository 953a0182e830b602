//! The task group: `group "<name>" { ... }` and the blocks of a group (volumes, restart and
//! reschedule policies, ...), and the fix-up of `decodeTaskGroup`.

use serde_json::{Map, Value};

use super::placement::{AFFINITY, CONSTRAINT, SPREAD};
use super::schema::{
    at, sub, sub_as, Kind, Refusal, Spec, Ty, DEPRECATED, INT, NOT_IN_BATCH, UNSUPPORTED,
};
use super::task::{TASK, VAULT};

pub(super) static GROUP: Spec = Spec {
    go: "TaskGroup",
    attrs: &[
        at("count", INT),
        at("shutdown_delay", Ty::Dur),
        at("max_run_duration", Ty::Dur),
    ],
    blocks: &[
        sub_as("constraint", "Constraints", Kind::Many(&CONSTRAINT)),
        sub_as("affinity", "Affinities", Kind::Many(&AFFINITY)),
        sub_as("task", "Tasks", Kind::Labeled(&TASK, "Name")),
        sub_as("spread", "Spreads", Kind::Many(&SPREAD)),
        sub_as("volume", "Volumes", Kind::Keyed(&VOLUME, "Name")),
        sub_as("restart", "RestartPolicy", Kind::One(&RESTART)),
        sub("disconnect", Kind::One(&DISCONNECT)),
        sub_as("reschedule", "ReschedulePolicy", Kind::One(&RESCHEDULE)),
        sub("ephemeral_disk", Kind::One(&EPHEMERAL_DISK)),
        sub("meta", Kind::StrMap { attr: true }),
        sub("consul", Kind::One(&CONSUL)),
        // Not a field of TaskGroup: copied into the tasks by `finish_group`.
        sub("vault", Kind::One(&VAULT)).moved(),
    ],
    refused: &[
        ("update", Refusal::Unsupported(NOT_IN_BATCH)),
        ("migrate", Refusal::Unsupported(NOT_IN_BATCH)),
        ("network", Refusal::Unsupported(UNSUPPORTED)),
        ("service", Refusal::Unsupported(UNSUPPORTED)),
        ("scaling", Refusal::Unsupported(UNSUPPORTED)),
        ("secret", Refusal::Unsupported(UNSUPPORTED)),
        (
            "stop_after_client_disconnect",
            Refusal::Unsupported(DEPRECATED),
        ),
        ("max_client_disconnect", Refusal::Unsupported(DEPRECATED)),
        (
            "prevent_reschedule_on_lost",
            Refusal::Unsupported(DEPRECATED),
        ),
    ],
    finish: Some(finish_group),
    writes: &[],
};

pub(super) static VOLUME: Spec = Spec::of(
    "VolumeRequest",
    &[
        at("type", Ty::Str),
        at("source", Ty::Str),
        at("read_only", Ty::Bool),
        at("sticky", Ty::Bool),
        at("access_mode", Ty::Str),
        at("attachment_mode", Ty::Str),
        at("per_alloc", Ty::Bool),
    ],
    &[sub("mount_options", Kind::One(&MOUNT_OPTIONS))],
);

pub(super) static MOUNT_OPTIONS: Spec = Spec::of(
    "CSIMountOptions",
    &[
        at("fs_type", Ty::Str).json("FSType"),
        at("mount_flags", Ty::Strs),
    ],
    &[],
);

pub(super) static RESTART: Spec = Spec::of(
    "RestartPolicy",
    &[
        at("interval", Ty::Dur),
        at("attempts", INT),
        at("delay", Ty::Dur),
        at("mode", Ty::Str),
        at("render_templates", Ty::Bool),
    ],
    &[],
);

pub(super) static RESCHEDULE: Spec = Spec::of(
    "ReschedulePolicy",
    &[
        at("attempts", INT),
        at("interval", Ty::Dur),
        at("delay", Ty::Dur),
        at("delay_function", Ty::Str),
        at("max_delay", Ty::Dur),
        at("unlimited", Ty::Bool),
    ],
    &[],
);

pub(super) static DISCONNECT: Spec = Spec::of(
    "DisconnectStrategy",
    &[
        at("lost_after", Ty::Dur),
        at("stop_on_client_after", Ty::Dur),
        at("replace", Ty::Bool),
        at("reconcile", Ty::Str),
    ],
    &[],
);

pub(super) static EPHEMERAL_DISK: Spec = Spec::of(
    "EphemeralDisk",
    &[
        at("sticky", Ty::Bool),
        at("migrate", Ty::Bool),
        at("size", INT).json("SizeMB"),
    ],
    &[],
);

pub(super) static CONSUL: Spec = Spec::of(
    "Consul",
    &[
        at("namespace", Ty::Str),
        at("cluster", Ty::Str),
        at("partition", Ty::Str),
    ],
    &[],
);

/// `decodeTaskGroup`: a group's `vault` goes to every task of the group without one.
fn finish_group(m: &mut Map<String, Value>) {
    if let Some(vault) = m.remove("Vault") {
        give_vault(m.get_mut("Tasks"), &vault);
    }
}

/// Gives `vault` to every task of `tasks` without one.
#[allow(clippy::needless_pass_by_value)] // the caller's `Option::as_mut()`, used once
pub(super) fn give_vault(tasks: Option<&mut Value>, vault: &Value) {
    if let Some(Value::Array(tasks)) = tasks {
        for t in tasks.iter_mut().filter_map(Value::as_object_mut) {
            if !t.contains_key("Vault") {
                t.insert("Vault".to_owned(), vault.clone());
            }
        }
    }
}
