//! The task: `task "<name>" { ... }` and the blocks of a task (resources, templates, vault,
//! identities, ...), and the identity fix-up of `normalizeJob`.

use serde_json::{Map, Value};

use super::group::{CONSUL, RESTART};
use super::placement::{AFFINITY, CONSTRAINT};
use super::schema::{at, required, sub, sub_as, Kind, Refusal, Spec, Ty, INT, UINT, UNSUPPORTED};

pub(super) static TASK: Spec = Spec {
    go: "Task",
    attrs: &[
        at("driver", Ty::Str),
        at("user", Ty::Str),
        at("kill_timeout", Ty::Dur),
        at("leader", Ty::Bool),
        at("shutdown_delay", Ty::Dur),
        at("kill_signal", Ty::Str),
        at("kind", Ty::Str),
    ],
    blocks: &[
        sub("lifecycle", Kind::One(&LIFECYCLE)),
        sub("config", Kind::Config),
        sub_as("constraint", "Constraints", Kind::Many(&CONSTRAINT)),
        sub_as("affinity", "Affinities", Kind::Many(&AFFINITY)),
        sub("env", Kind::StrMap { attr: true }),
        sub("resources", Kind::One(&RESOURCES)),
        sub_as("restart", "RestartPolicy", Kind::One(&RESTART)),
        sub("meta", Kind::StrMap { attr: true }),
        sub_as("logs", "LogConfig", Kind::One(&LOGS)),
        sub_as("artifact", "Artifacts", Kind::Many(&ARTIFACT)),
        sub("vault", Kind::One(&VAULT)),
        sub("consul", Kind::One(&CONSUL)),
        sub_as("template", "Templates", Kind::Many(&TEMPLATE)),
        sub("dispatch_payload", Kind::One(&DISPATCH_PAYLOAD)),
        sub_as("volume_mount", "VolumeMounts", Kind::Many(&VOLUME_MOUNT)),
        // Split into `Identity` and `Identities` by `finish_task`.
        sub_as("identity", "Identities", Kind::Many(&IDENTITY)),
    ],
    refused: &[
        ("service", Refusal::Unsupported(UNSUPPORTED)),
        ("csi_plugin", Refusal::Unsupported(UNSUPPORTED)),
        ("scaling", Refusal::Unsupported(UNSUPPORTED)),
        ("secret", Refusal::Unsupported(UNSUPPORTED)),
        ("action", Refusal::Unsupported(UNSUPPORTED)),
        ("schedule", Refusal::Unsupported(UNSUPPORTED)),
    ],
    finish: Some(finish_task),
    writes: &["Identity"],
};

pub(super) static LIFECYCLE: Spec = Spec::of(
    "TaskLifecycle",
    &[required("hook", Ty::Str), at("sidecar", Ty::Bool)],
    &[],
);

pub(super) static RESOURCES: Spec = Spec {
    go: "Resources",
    attrs: &[
        at("cpu", INT).json("CPU"),
        at("cores", INT),
        at("memory", INT).json("MemoryMB"),
        at("memory_max", INT).json("MemoryMaxMB"),
        at("secrets", INT).json("SecretsMB"),
    ],
    blocks: &[
        sub_as("device", "Devices", Kind::Labeled(&DEVICE, "Name")),
        sub_as("numa", "NUMA", Kind::One(&NUMA)),
    ],
    refused: &[
        ("network", Refusal::Unsupported(UNSUPPORTED)),
        (
            "iops",
            Refusal::Unsupported("deprecated and ignored by Nomad"),
        ),
        (
            "disk",
            Refusal::Ignored(
                "Nomad's agent never copies a task's `disk` into the job; size the group's \
                 `ephemeral_disk` instead",
            ),
        ),
    ],
    finish: None,
    writes: &[],
};

pub(super) static DEVICE: Spec = Spec::of(
    "RequestedDevice",
    &[at("count", UINT)],
    &[
        sub_as("constraint", "Constraints", Kind::Many(&CONSTRAINT)),
        sub_as("affinity", "Affinities", Kind::Many(&AFFINITY)),
    ],
);

pub(super) static NUMA: Spec = Spec::of(
    "NUMAResource",
    &[at("affinity", Ty::Str), at("devices", Ty::Strs)],
    &[],
);

pub(super) static LOGS: Spec = Spec::of(
    "LogConfig",
    &[
        at("max_files", INT),
        at("max_file_size", INT).json("MaxFileSizeMB"),
        at("enabled", Ty::Bool),
        at("disabled", Ty::Bool),
    ],
    &[],
);

pub(super) static ARTIFACT: Spec = Spec::of(
    "TaskArtifact",
    &[
        at("source", Ty::Str).json("GetterSource"),
        at("mode", Ty::Str).json("GetterMode"),
        at("insecure", Ty::Bool).json("GetterInsecure"),
        at("destination", Ty::Str).json("RelativeDest"),
        at("chown", Ty::Bool),
    ],
    &[
        sub_as("options", "GetterOptions", Kind::StrMap { attr: false }),
        sub_as("headers", "GetterHeaders", Kind::StrMap { attr: false }),
    ],
);

pub(super) static VAULT: Spec = Spec {
    go: "Vault",
    attrs: &[
        at("role", Ty::Str),
        at("namespace", Ty::Str),
        at("cluster", Ty::Str),
        at("env", Ty::Bool),
        at("disable_file", Ty::Bool),
        at("change_mode", Ty::Str),
        at("change_signal", Ty::Str),
        at("allow_token_expiration", Ty::Bool),
    ],
    blocks: &[],
    refused: &[(
        "policies",
        Refusal::Ignored(
            "Nomad 1.10.0 removed the token workflow and ignores `policies`; \
         Vault access comes from `role` and the task's workload identity",
        ),
    )],
    finish: None,
    writes: &[],
};

pub(super) static TEMPLATE: Spec = Spec::of(
    "Template",
    &[
        at("source", Ty::Str).json("SourcePath"),
        at("destination", Ty::Str).json("DestPath"),
        at("data", Ty::Str).json("EmbeddedTmpl"),
        at("change_mode", Ty::Str),
        at("change_signal", Ty::Str),
        at("once", Ty::Bool),
        at("splay", Ty::Dur),
        at("perms", Ty::Str),
        at("uid", INT),
        at("gid", INT),
        at("left_delimiter", Ty::Str).json("LeftDelim"),
        at("right_delimiter", Ty::Str).json("RightDelim"),
        at("env", Ty::Bool).json("Envvars"),
        at("vault_grace", Ty::Dur),
        at("error_on_missing_key", Ty::Bool).json("ErrMissingKey"),
    ],
    &[
        sub("change_script", Kind::One(&CHANGE_SCRIPT)),
        sub("wait", Kind::One(&WAIT)),
    ],
);

pub(super) static WAIT: Spec = Spec::of(
    "WaitConfig",
    &[required("min", Ty::Dur), required("max", Ty::Dur)],
    &[],
);

pub(super) static CHANGE_SCRIPT: Spec = Spec::of(
    "ChangeScript",
    &[
        required("command", Ty::Str),
        at("args", Ty::Strs),
        at("timeout", Ty::Dur),
        required("fail_on_error", Ty::Bool),
        at("run_on_first_render", Ty::Bool),
    ],
    &[],
);

pub(super) static DISPATCH_PAYLOAD: Spec =
    Spec::of("DispatchPayloadConfig", &[at("file", Ty::Str)], &[]);

pub(super) static VOLUME_MOUNT: Spec = Spec::of(
    "VolumeMount",
    &[
        at("volume", Ty::Str),
        at("destination", Ty::Str),
        at("read_only", Ty::Bool),
        at("propagation_mode", Ty::Str),
        at("selinux_label", Ty::Str).json("SELinuxLabel"),
    ],
    &[],
);

pub(super) static IDENTITY: Spec = Spec::of(
    "WorkloadIdentity",
    &[
        at("name", Ty::Str),
        at("aud", Ty::Strs).json("Audience"),
        at("change_mode", Ty::Str),
        at("change_signal", Ty::Str),
        at("env", Ty::Bool),
        at("file", Ty::Bool),
        at("filepath", Ty::Str),
        at("service_name", Ty::Str),
        at("ttl", Ty::Dur).json("TTL"),
        at("extra_claims", Ty::Strs),
    ],
    &[],
);

/// `normalizeJob`: the first identity without a name or named `default` is the task's default
/// identity.
fn finish_task(m: &mut Map<String, Value>) {
    let Some(Value::Array(ids)) = m.get_mut("Identities") else {
        return;
    };
    let default = ids.iter().position(|w| match w.get("Name") {
        None => true,
        Some(Value::String(s)) => s.is_empty() || s == "default",
        Some(_) => false,
    });
    if let Some(i) = default {
        let w = ids.remove(i);
        if ids.is_empty() {
            m.remove("Identities");
        }
        m.insert("Identity".to_owned(), w);
    }
}
