//! The job part of Nomad's HTTP API (`POST /v1/jobs`), as serde types.
//!
//! Every struct mirrors a Go struct of `hashicorp/nomad`'s `api` package (`api/jobs.go`,
//! `api/tasks.go`, `api/resources.go`, `api/constraint.go`, `api/consul.go`, `api/csi.go`) and
//! uses its Go field names and field order, so the JSON is what Nomad's agent decodes. The model
//! is deliberately a subset:
//!
//! - Only fields a job author writes are modelled; fields the server sets (`Stop`, `Status`,
//!   `Version`, indexes, ...) are left out. A job that carries `"Stop": true` is registered as
//!   stopped, so this model can never emit it. `Vault.Policies` is left out too: Nomad 1.10
//!   removed the token workflow and silently ignores it.
//! - Networks, services, scaling policies, update/migrate strategies, secrets, actions and
//!   multiregion are not modelled (batch build jobs need none of them).
//! - Every struct rejects unknown keys, so JSON that names a field this model lacks, or misspells
//!   one (`Envvar` for `Envvars`), fails to deserialize instead of being dropped silently as
//!   Nomad's own decoder would.
//!
//! JSON keys are the Go field names: the PascalCase of the Rust field name (`node_pool` is
//! `NodePool`), renamed only where Go spells it otherwise (`ID`, `TTL`, `MemoryMB`, ...).
//! Optional fields are `Option`s and lists and maps are skipped when empty, so no `null` is ever
//! written. Durations (Go `time.Duration`) are integer nanoseconds ([`Nanoseconds`]). Maps keep
//! insertion order. Driver `Config` keys are the driver's own snake_case keys, passed through.
//!
//! Not every supported Nomad release has every field: [`FIELD_RELEASES`] lists, for each field
//! the model can emit that is not in (or not honoured by) every release from 1.9.0 on, the
//! first release that has (or honours) it, from `schemas/nomad/CHANGES.md`. The jobspec decoder
//! refuses such a field when the target release lacks it, and a test checks every field the
//! decoder can emit against the strict schema of every known release.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::target::NomadVersion;

/// From which release on a field is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// The field is in the job API from this release: an older release's HCL parser refuses
    /// it ("Unsupported argument") and its HTTP agent drops it from the API JSON silently.
    Added(NomadVersion),
    /// Every supported release has the field, but only this release and later act on it:
    /// older ones accept it and drop it silently.
    Honoured(NomadVersion),
}

impl Since {
    /// The release.
    pub fn version(self) -> NomadVersion {
        match self {
            Since::Added(v) | Since::Honoured(v) => v,
        }
    }

    /// Whether a job for `target` may carry the field.
    pub fn available_in(self, target: NomadVersion) -> bool {
        target >= self.version()
    }
}

/// The fields of this model that not every release from 1.9.0 on has or honours: (Go type, Go
/// field name, since when), from `schemas/nomad/CHANGES.md` (which cites `api/*.go` and
/// `command/agent/job_endpoint.go` at each tag). Every other field is in every supported
/// release.
pub const FIELD_RELEASES: &[(&str, &str, Since)] = &[
    // `api/tasks.go:867@v1.9.2`.
    (
        "TaskArtifact",
        "Chown",
        Since::Added(NomadVersion::new(1, 9, 2)),
    ),
    // `api/tasks.go:458@v1.10.0`.
    (
        "VolumeRequest",
        "Sticky",
        Since::Added(NomadVersion::new(1, 10, 0)),
    ),
    // `api/tasks.go:951@v1.10.2`.
    (
        "Template",
        "Once",
        Since::Added(NomadVersion::new(1, 10, 2)),
    ),
    // Copied to the server struct from 1.11.1 (`command/agent/job_endpoint.go:1642@v1.11.3`).
    (
        "NUMAResource",
        "Devices",
        Since::Honoured(NomadVersion::new(1, 11, 1)),
    ),
    // `api/tasks.go:510@v2.0.3`.
    (
        "TaskGroup",
        "MaxRunDuration",
        Since::Added(NomadVersion::new(2, 0, 3)),
    ),
    // `api/tasks.go:1263@v2.0.3`.
    (
        "WorkloadIdentity",
        "ExtraClaims",
        Since::Added(NomadVersion::new(2, 0, 3)),
    ),
    // `api/tasks.go:924@v2.0.5`.
    (
        "ChangeScript",
        "RunOnFirstRender",
        Since::Added(NomadVersion::new(2, 0, 5)),
    ),
];

/// Since when the field `field` of the Go type `go_type` is there; `None` when every
/// supported release has it.
pub fn field_since(go_type: &str, field: &str) -> Option<Since> {
    FIELD_RELEASES
        .iter()
        .find(|(t, f, _)| *t == go_type && *f == field)
        .map(|(_, _, s)| *s)
}

/// From this release on, `Vault.Policies` is ignored (the legacy token workflow is gone; the
/// agent no longer copies the field, `command/agent/job_endpoint.go:1474@v1.9.7`). The model
/// has no such field, and the decoder refuses `vault { policies }` on every target, since a job
/// for an older release may run on a newer one.
pub const VAULT_POLICIES_IGNORED_FROM: NomadVersion = NomadVersion::new(1, 10, 0);

/// A Go `time.Duration`: a signed count of nanoseconds.
pub type Nanoseconds = i64;

/// A Go `map[string]string` (`Meta`, `Env`, artifact options), in insertion order.
pub type StringMap = IndexMap<String, String>;

/// The body of `POST /v1/jobs`: Go `api.JobRegisterRequest`, reduced to its `Job`.
///
/// Serializes as `{"Job": {...}}`, the form the HTTP API requires and `nomad job run -json`
/// accepts. The other envelope fields (`EnforceIndex`, `PolicyOverride`, `SecretID`, ...) are
/// request options, not part of the job, and are not modelled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct JobRegisterRequest {
    /// The job.
    pub job: Job,
}

/// Go `api.Job` (`api/jobs.go`): the fields parsed from a jobspec.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct Job {
    /// HCL `region`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// HCL `namespace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The `job "<id>"` label, or HCL `id`.
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// HCL `name`; defaults to the label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HCL `type`: `service`, `batch`, `system` or `sysbatch` (Nomad's default is `service`).
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// HCL `priority`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// HCL `all_at_once`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_at_once: Option<bool>,
    /// HCL `datacenters`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub datacenters: Vec<String>,
    /// HCL `node_pool`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_pool: Option<String>,
    /// HCL `constraint` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// HCL `affinity` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub affinities: Vec<Affinity>,
    /// HCL `group` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub task_groups: Vec<TaskGroup>,
    /// HCL `spread` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spreads: Vec<Spread>,
    /// HCL `periodic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periodic: Option<PeriodicConfig>,
    /// HCL `parameterized`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameterized_job: Option<ParameterizedJobConfig>,
    /// HCL `reschedule` at job level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reschedule: Option<ReschedulePolicy>,
    /// HCL `meta`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub meta: StringMap,
    /// HCL `ui`.
    #[serde(rename = "UI", skip_serializing_if = "Option::is_none")]
    pub ui: Option<JobUiConfig>,
}

/// Go `api.PeriodicConfig` (`api/jobs.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct PeriodicConfig {
    /// HCL `enabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// HCL `cron`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// HCL `crons`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub specs: Vec<String>,
    /// `cron` whenever `cron` or `crons` is set (the jobspec parser sets it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec_type: Option<String>,
    /// HCL `prohibit_overlap`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prohibit_overlap: Option<bool>,
    /// HCL `time_zone`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// Go `api.ParameterizedJobConfig` (`api/jobs.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct ParameterizedJobConfig {
    /// HCL `payload`: `optional`, `required` or `forbidden`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// HCL `meta_required`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meta_required: Vec<String>,
    /// HCL `meta_optional`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meta_optional: Vec<String>,
}

/// Go `api.JobUIConfig` (`api/jobs.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct JobUiConfig {
    /// HCL `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// HCL `link` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<JobUiLink>,
}

/// Go `api.JobUILink` (`api/jobs.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct JobUiLink {
    /// HCL `label`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// HCL `url`.
    #[serde(rename = "URL", skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Go `api.TaskGroup` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct TaskGroup {
    /// The `group "<name>"` label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HCL `count`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// HCL `constraint` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// HCL `affinity` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub affinities: Vec<Affinity>,
    /// HCL `task` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
    /// HCL `spread` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spreads: Vec<Spread>,
    /// HCL `volume "<name>"` blocks, keyed by label.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub volumes: IndexMap<String, VolumeRequest>,
    /// HCL `restart`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    /// HCL `disconnect`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disconnect: Option<DisconnectStrategy>,
    /// HCL `reschedule` at group level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reschedule_policy: Option<ReschedulePolicy>,
    /// HCL `ephemeral_disk`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral_disk: Option<EphemeralDisk>,
    /// HCL `meta`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub meta: StringMap,
    /// HCL `shutdown_delay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shutdown_delay: Option<Nanoseconds>,
    /// HCL `max_run_duration` (batch and sysbatch only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_run_duration: Option<Nanoseconds>,
    /// HCL `consul`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consul: Option<Consul>,
}

/// Go `api.Task` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct Task {
    /// The `task "<name>"` label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HCL `driver`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// HCL `user`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// HCL `lifecycle`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<TaskLifecycle>,
    /// HCL `config`: the driver's configuration, with the driver's own (snake_case) keys.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub config: Map<String, Value>,
    /// HCL `constraint` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// HCL `affinity` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub affinities: Vec<Affinity>,
    /// HCL `env`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub env: StringMap,
    /// HCL `resources`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// HCL `restart` at task level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    /// HCL `meta`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub meta: StringMap,
    /// HCL `kill_timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kill_timeout: Option<Nanoseconds>,
    /// HCL `logs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_config: Option<LogConfig>,
    /// HCL `artifact` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<TaskArtifact>,
    /// HCL `vault` (the task's own, or the group's or job's copied in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault: Option<Vault>,
    /// HCL `consul`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consul: Option<Consul>,
    /// HCL `template` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<Template>,
    /// HCL `dispatch_payload`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatch_payload: Option<DispatchPayloadConfig>,
    /// HCL `volume_mount` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<VolumeMount>,
    /// HCL `leader`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<bool>,
    /// HCL `shutdown_delay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shutdown_delay: Option<Nanoseconds>,
    /// HCL `kill_signal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kill_signal: Option<String>,
    /// HCL `kind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The default workload identity: the `identity` block without `name` or with
    /// `name = "default"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<WorkloadIdentity>,
    /// The named `identity` blocks (for example `vault_default`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<WorkloadIdentity>,
}

/// Go `api.TaskLifecycle` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct TaskLifecycle {
    /// HCL `hook`: `prestart`, `poststart` or `poststop`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<String>,
    /// HCL `sidecar`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sidecar: Option<bool>,
}

/// Go `api.Template` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct Template {
    /// HCL `source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_path: Option<String>,
    /// HCL `destination`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dest_path: Option<String>,
    /// HCL `data`: consul-template text, not interpolated by Nomad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedded_tmpl: Option<String>,
    /// HCL `change_mode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_mode: Option<String>,
    /// HCL `change_script`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_script: Option<ChangeScript>,
    /// HCL `change_signal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_signal: Option<String>,
    /// HCL `once`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub once: Option<bool>,
    /// HCL `splay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub splay: Option<Nanoseconds>,
    /// HCL `perms`: octal file mode as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perms: Option<String>,
    /// HCL `uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<i64>,
    /// HCL `gid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<i64>,
    /// HCL `left_delimiter`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_delim: Option<String>,
    /// HCL `right_delimiter`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right_delim: Option<String>,
    /// HCL `env`: whether the rendered file is read as environment variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub envvars: Option<bool>,
    /// HCL `vault_grace` (deprecated; a non-zero value only produces a warning).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault_grace: Option<Nanoseconds>,
    /// HCL `wait`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait: Option<WaitConfig>,
    /// HCL `error_on_missing_key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub err_missing_key: Option<bool>,
}

/// Go `api.WaitConfig` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct WaitConfig {
    /// HCL `min`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<Nanoseconds>,
    /// HCL `max`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<Nanoseconds>,
}

/// Go `api.ChangeScript` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct ChangeScript {
    /// HCL `command`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// HCL `args`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// HCL `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Nanoseconds>,
    /// HCL `fail_on_error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_on_error: Option<bool>,
    /// HCL `run_on_first_render`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_on_first_render: Option<bool>,
}

/// Go `api.Vault` (`api/tasks.go`), without `Policies` (ignored by Nomad since 1.10).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct Vault {
    /// HCL `role`: the Vault JWT role to log in with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// HCL `namespace` (Enterprise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// HCL `cluster` (non-default clusters are Enterprise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// HCL `env`: expose `VAULT_TOKEN` to the task (Nomad's default: true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<bool>,
    /// HCL `disable_file`: do not write `secrets/vault_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_file: Option<bool>,
    /// HCL `change_mode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_mode: Option<String>,
    /// HCL `change_signal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_signal: Option<String>,
    /// HCL `allow_token_expiration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_token_expiration: Option<bool>,
}

/// Go `api.WorkloadIdentity` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct WorkloadIdentity {
    /// HCL `name` (`vault_default`, ...; empty or `default` is the default identity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HCL `aud`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audience: Vec<String>,
    /// HCL `change_mode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_mode: Option<String>,
    /// HCL `change_signal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_signal: Option<String>,
    /// HCL `env`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<bool>,
    /// HCL `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<bool>,
    /// HCL `filepath`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filepath: Option<String>,
    /// HCL `service_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// HCL `ttl`.
    #[serde(rename = "TTL", skip_serializing_if = "Option::is_none")]
    pub ttl: Option<Nanoseconds>,
    /// HCL `extra_claims`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_claims: Vec<String>,
}

/// Go `api.Resources` (`api/resources.go`), without networks, the deprecated `IOPS` and
/// `DiskMB`, which Nomad's HTTP agent never copies from a task (`ApiResourcesToStructs`): the
/// disk is the group's `EphemeralDisk`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct Resources {
    /// HCL `cpu`, in MHz.
    #[serde(rename = "CPU", skip_serializing_if = "Option::is_none")]
    pub cpu: Option<i64>,
    /// HCL `cores`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cores: Option<i64>,
    /// HCL `memory`, in MB.
    #[serde(rename = "MemoryMB", skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<i64>,
    /// HCL `memory_max`, in MB.
    #[serde(rename = "MemoryMaxMB", skip_serializing_if = "Option::is_none")]
    pub memory_max_mb: Option<i64>,
    /// HCL `device "<name>"` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<RequestedDevice>,
    /// HCL `numa`.
    #[serde(rename = "NUMA", skip_serializing_if = "Option::is_none")]
    pub numa: Option<NumaResource>,
    /// HCL `secrets`, in MB.
    #[serde(rename = "SecretsMB", skip_serializing_if = "Option::is_none")]
    pub secrets_mb: Option<i64>,
}

/// Go `api.RequestedDevice` (`api/resources.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct RequestedDevice {
    /// The `device "<vendor>/<type>/<name>"` label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HCL `count`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// HCL `constraint` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// HCL `affinity` blocks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub affinities: Vec<Affinity>,
}

/// Go `api.NUMAResource` (`api/resources.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct NumaResource {
    /// HCL `affinity`: `none`, `prefer` or `require`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity: Option<String>,
    /// HCL `devices`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<String>,
}

/// Go `api.RestartPolicy` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct RestartPolicy {
    /// HCL `interval`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Nanoseconds>,
    /// HCL `attempts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i64>,
    /// HCL `delay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<Nanoseconds>,
    /// HCL `mode`: `fail` or `delay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// HCL `render_templates`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub render_templates: Option<bool>,
}

/// Go `api.ReschedulePolicy` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct ReschedulePolicy {
    /// HCL `attempts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i64>,
    /// HCL `interval`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Nanoseconds>,
    /// HCL `delay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<Nanoseconds>,
    /// HCL `delay_function`: `constant`, `exponential` or `fibonacci`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_function: Option<String>,
    /// HCL `max_delay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_delay: Option<Nanoseconds>,
    /// HCL `unlimited`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unlimited: Option<bool>,
}

/// Go `api.DisconnectStrategy` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct DisconnectStrategy {
    /// HCL `lost_after`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_after: Option<Nanoseconds>,
    /// HCL `stop_on_client_after`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_on_client_after: Option<Nanoseconds>,
    /// HCL `replace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace: Option<bool>,
    /// HCL `reconcile`: `best_score`, `keep_original`, `keep_replacement` or `longest_running`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconcile: Option<String>,
}

/// Go `api.EphemeralDisk` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct EphemeralDisk {
    /// HCL `sticky`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sticky: Option<bool>,
    /// HCL `migrate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migrate: Option<bool>,
    /// HCL `size`, in MB.
    #[serde(rename = "SizeMB", skip_serializing_if = "Option::is_none")]
    pub size_mb: Option<i64>,
}

/// Go `api.LogConfig` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct LogConfig {
    /// HCL `max_files`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_files: Option<i64>,
    /// HCL `max_file_size`, in MB.
    #[serde(rename = "MaxFileSizeMB", skip_serializing_if = "Option::is_none")]
    pub max_file_size_mb: Option<i64>,
    /// HCL `enabled` (compatibility; use `disabled`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// HCL `disabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// Go `api.Constraint` (`api/constraint.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct Constraint {
    /// HCL `attribute` (or `distinct_property`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l_target: Option<String>,
    /// HCL `value` (or the value of a shorthand such as `semver`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r_target: Option<String>,
    /// HCL `operator` (default `=`, or the shorthand's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operand: Option<String>,
}

/// Go `api.Affinity` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct Affinity {
    /// HCL `attribute`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l_target: Option<String>,
    /// HCL `value` (or the value of a shorthand).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r_target: Option<String>,
    /// HCL `operator` (default `=`, or the shorthand's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operand: Option<String>,
    /// HCL `weight`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<i8>,
}

/// Go `api.Spread` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct Spread {
    /// HCL `attribute`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// HCL `weight`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<i8>,
    /// HCL `target "<value>"` blocks (the Go field is singular).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spread_target: Vec<SpreadTarget>,
}

/// Go `api.SpreadTarget` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct SpreadTarget {
    /// The `target "<value>"` label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// HCL `percent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<u8>,
}

/// Go `api.VolumeRequest` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct VolumeRequest {
    /// The `volume "<name>"` label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HCL `type`: `host` or `csi`.
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// HCL `source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// HCL `read_only`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// HCL `sticky`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sticky: Option<bool>,
    /// HCL `access_mode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_mode: Option<String>,
    /// HCL `attachment_mode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_mode: Option<String>,
    /// HCL `mount_options`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_options: Option<CsiMountOptions>,
    /// HCL `per_alloc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_alloc: Option<bool>,
}

/// Go `api.CSIMountOptions` (`api/csi.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct CsiMountOptions {
    /// HCL `fs_type`.
    #[serde(rename = "FSType", skip_serializing_if = "Option::is_none")]
    pub fs_type: Option<String>,
    /// HCL `mount_flags`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mount_flags: Vec<String>,
}

/// Go `api.VolumeMount` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct VolumeMount {
    /// HCL `volume`: the name of a group `volume`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    /// HCL `destination`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// HCL `read_only`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// HCL `propagation_mode`: `private`, `host-to-task` or `bidirectional`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagation_mode: Option<String>,
    /// HCL `selinux_label`.
    #[serde(rename = "SELinuxLabel", skip_serializing_if = "Option::is_none")]
    pub selinux_label: Option<String>,
}

/// Go `api.TaskArtifact` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct TaskArtifact {
    /// HCL `source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub getter_source: Option<String>,
    /// HCL `options` block.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub getter_options: StringMap,
    /// HCL `headers` block.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub getter_headers: StringMap,
    /// HCL `mode`: `any`, `file` or `dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub getter_mode: Option<String>,
    /// HCL `insecure`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub getter_insecure: Option<bool>,
    /// HCL `destination`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_dest: Option<String>,
    /// HCL `chown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chown: Option<bool>,
}

/// Go `api.DispatchPayloadConfig` (`api/tasks.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct DispatchPayloadConfig {
    /// HCL `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// Go `api.Consul` (`api/consul.go`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "PascalCase")]
pub struct Consul {
    /// HCL `namespace` (Enterprise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// HCL `cluster` (Enterprise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// HCL `partition`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
}
