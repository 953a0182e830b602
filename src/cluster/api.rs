//! The parts of Nomad's API responses that `run` and `status` read.
//!
//! Every field has a default: Evaluation and Allocation JSON omit zero-valued fields, and Go
//! writes nil maps and slices as `null`, which [`nullable`] turns into the empty value.

use std::collections::BTreeMap;

use crate::placement::AllocMetric;
use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default.
pub fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `PUT /v1/jobs` and `DELETE /v1/job/:id`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct WriteResponse {
    /// The evaluation created (empty for periodic/parameterized jobs and unknown jobs).
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// Raft index of that evaluation.
    pub eval_create_index: u64,
    /// The job's modify index.
    pub job_modify_index: u64,
    /// `""` or the warnings formatter's text.
    pub warnings: String,
}

/// An evaluation (`GET /v1/evaluation/:id`, `/v1/job/:id/evaluations`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Evaluation {
    /// Id.
    #[serde(rename = "ID")]
    pub id: String,
    /// `batch`, or `service` for a deregister.
    #[serde(rename = "Type")]
    pub kind: String,
    /// `job-register`, `job-deregister`, `queued-allocs`, ...
    pub triggered_by: String,
    /// Job id.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// The job modify index the evaluation is for.
    pub job_modify_index: u64,
    /// `pending`, `blocked`, `complete`, `failed`, `canceled`.
    pub status: String,
    /// Why it has that status.
    pub status_description: String,
    /// The blocked evaluation this one spawned.
    pub blocked_eval: String,
    /// The evaluation that spawned this one.
    pub previous_eval: String,
    /// A follow-up evaluation.
    pub next_eval: String,
    /// Placement failures by task group.
    #[serde(rename = "FailedTGAllocs", deserialize_with = "nullable")]
    pub failed_tg_allocs: BTreeMap<String, AllocMetric>,
    /// Allocations still to place, by group.
    #[serde(deserialize_with = "nullable")]
    pub queued_allocations: BTreeMap<String, u64>,
    /// Raft index of the snapshot the scheduler used.
    pub snapshot_index: u64,
    /// Raft index of creation.
    pub create_index: u64,
    /// Raft index of the last change.
    pub modify_index: u64,
    /// Unix nanoseconds.
    pub create_time: i64,
    /// Unix nanoseconds.
    pub modify_time: i64,
}

impl Evaluation {
    /// `complete`, `failed` or `canceled`.
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.as_str(), "complete" | "failed" | "canceled")
    }
}

/// An allocation as listed (`/v1/job/:id/allocations`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Allocation {
    /// Id.
    #[serde(rename = "ID")]
    pub id: String,
    /// The evaluation that placed it.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// `<job>.<group>[<index>]`.
    pub name: String,
    /// Node id.
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// Node name.
    pub node_name: String,
    /// Job id.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// Job version it runs.
    pub job_version: u64,
    /// Task group.
    pub task_group: String,
    /// `run`, `stop`, `evict`.
    pub desired_status: String,
    /// Why.
    pub desired_description: String,
    /// `pending`, `running`, `complete`, `failed`, `lost`, `unknown`.
    pub client_status: String,
    /// Why.
    pub client_description: String,
    /// Task states by task name.
    #[serde(deserialize_with = "nullable")]
    pub task_states: BTreeMap<String, TaskState>,
    /// The replacement, when rescheduled.
    pub next_allocation: String,
    /// Raft index of creation.
    pub create_index: u64,
    /// Raft index of the last change.
    pub modify_index: u64,
    /// Unix nanoseconds.
    pub create_time: i64,
    /// Unix nanoseconds.
    pub modify_time: i64,
}

/// `ClientDescription` of an allocation whose group's `max_run_duration` expired
/// (`nomad/structs/alloc.go` `AllocTimeoutReasonMaxRunDuration`); the client also sets it as
/// the `DisplayMessage` of each task's `Killing` event, and reports the allocation `complete`.
pub const MAX_RUN_DURATION_EXCEEDED: &str = "allocation exceeded max_run_duration";

impl Allocation {
    /// `complete`, `failed` or `lost`.
    pub fn client_terminal(&self) -> bool {
        matches!(self.client_status.as_str(), "complete" | "failed" | "lost")
    }

    /// Whether the client killed it because `max_run_duration` expired.
    pub fn timed_out(&self) -> bool {
        self.client_description == MAX_RUN_DURATION_EXCEEDED
            || self.task_states.values().any(|t| {
                t.events
                    .iter()
                    .any(|e| e.kind == "Killing" && e.display_message == MAX_RUN_DURATION_EXCEEDED)
            })
    }

    /// The first 8 characters of the id, as the CLI shows it.
    pub fn short_id(&self) -> &str {
        short(&self.id)
    }
}

/// The first 8 characters of an id.
pub fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// The state of one task.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct TaskState {
    /// `pending`, `running`, `dead`.
    pub state: String,
    /// Whether a `FailsTask` event was seen.
    pub failed: bool,
    /// Restarts.
    pub restarts: u64,
    /// RFC 3339; `0001-01-01T00:00:00Z` (or null) when never started.
    #[serde(deserialize_with = "nullable")]
    pub started_at: String,
    /// RFC 3339; zero when not finished.
    #[serde(deserialize_with = "nullable")]
    pub finished_at: String,
    /// The last 10 events.
    #[serde(deserialize_with = "nullable")]
    pub events: Vec<TaskEvent>,
}

impl TaskState {
    /// Whether the task has started at least once.
    pub fn started(&self) -> bool {
        parse_time(&self.started_at).is_some()
    }

    /// The exit code of the most recent `Terminated` event.
    pub fn exit_code(&self) -> Option<i64> {
        let e = self.events.iter().rev().find(|e| e.kind == "Terminated")?;
        Some(
            e.details
                .get("exit_code")
                .and_then(|c| c.parse().ok())
                .unwrap_or(e.exit_code),
        )
    }

    /// Wall time from start to finish, when both are known.
    pub fn duration(&self) -> Option<std::time::Duration> {
        let start = parse_time(&self.started_at)?;
        let end = parse_time(&self.finished_at)?;
        u64::try_from(end - start)
            .ok()
            .map(std::time::Duration::from_nanos)
    }
}

/// One task event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct TaskEvent {
    /// `Received`, `Started`, `Terminated`, `Killing`, ...
    #[serde(rename = "Type")]
    pub kind: String,
    /// Unix nanoseconds.
    pub time: i64,
    /// Message.
    pub message: String,
    /// What the CLI shows.
    pub display_message: String,
    /// `exit_code`, `signal`, `oom_killed`, `fails_task`, ...
    #[serde(deserialize_with = "nullable")]
    pub details: BTreeMap<String, String>,
    /// Deprecated mirror of `Details["exit_code"]`.
    pub exit_code: i64,
    /// Whether this event fails the task.
    pub fails_task: bool,
    /// Restart policy decision.
    pub restart_reason: String,
    /// Driver error.
    pub driver_error: String,
    /// Setup error.
    pub setup_error: String,
    /// Validation error.
    pub validation_error: String,
    /// Kill reason.
    pub kill_reason: String,
    /// Kill error.
    pub kill_error: String,
    /// Artifact download error.
    pub download_error: String,
    /// The failed sibling.
    pub failed_sibling: String,
    /// Driver message (`Downloading image`).
    pub driver_message: String,
}

impl TaskEvent {
    /// What to show: `DisplayMessage`, or the most specific field.
    pub fn text(&self) -> String {
        if !self.display_message.is_empty() {
            return self.display_message.clone();
        }
        [
            &self.driver_error,
            &self.validation_error,
            &self.setup_error,
            &self.download_error,
            &self.kill_reason,
            &self.kill_error,
            &self.restart_reason,
            &self.driver_message,
            &self.message,
        ]
        .into_iter()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_default()
    }
}

/// The parts of a job `run` and `status` read (`GET /v1/job/:id`, versions).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Job {
    /// Id.
    #[serde(rename = "ID")]
    pub id: String,
    /// Namespace.
    pub namespace: String,
    /// `batch`, ...
    #[serde(rename = "Type")]
    pub kind: String,
    /// Whether the job is stopped.
    pub stop: bool,
    /// `pending`, `running`, `dead`.
    pub status: String,
    /// Version.
    pub version: u64,
    /// Unix nanoseconds of the submit that wrote this version.
    pub submit_time: i64,
    /// Raft index of creation.
    pub create_index: u64,
    /// Raft index of the last change (status changes included).
    pub modify_index: u64,
    /// Raft index of the last spec change.
    pub job_modify_index: u64,
    /// Meta.
    #[serde(deserialize_with = "nullable")]
    pub meta: BTreeMap<String, String>,
    /// Task groups.
    #[serde(deserialize_with = "nullable")]
    pub task_groups: Vec<TaskGroup>,
}

/// A task group of a job.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct TaskGroup {
    /// Name.
    pub name: String,
    /// Count.
    pub count: u64,
    /// Tasks.
    #[serde(deserialize_with = "nullable")]
    pub tasks: Vec<Task>,
}

/// A task of a group.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Task {
    /// Name.
    pub name: String,
    /// Lifecycle hook, when not a main task.
    pub lifecycle: Option<Lifecycle>,
    /// Environment (the watchdog's `TIMEOUT_SECONDS`).
    #[serde(deserialize_with = "nullable")]
    pub env: BTreeMap<String, String>,
}

impl Task {
    /// Whether it is a prestart sidecar: in nomad-build's jobs, the watchdog.
    pub fn is_sidecar(&self) -> bool {
        self.lifecycle
            .as_ref()
            .is_some_and(|l| l.hook == "prestart" && l.sidecar)
    }
}

/// `Lifecycle`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Lifecycle {
    /// `prestart`, `poststart`, `poststop`.
    pub hook: String,
    /// Whether it runs beside the main tasks.
    pub sidecar: bool,
}

/// `GET /v1/job/:id/versions`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct JobVersions {
    /// Newest first.
    #[serde(deserialize_with = "nullable")]
    pub versions: Vec<Job>,
}

/// One log frame of `GET /v1/client/fs/logs/:alloc` (all fields omitempty).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct LogFrame {
    /// File position after this chunk.
    pub offset: i64,
    /// Base64 bytes.
    pub data: String,
    /// The file read.
    pub file: String,
    /// `file deleted` or `file truncated`.
    pub file_event: String,
}

/// One entry of `GET /v1/client/fs/ls/:alloc`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct FileInfo {
    /// File name.
    pub name: String,
    /// Whether it is a directory.
    pub is_dir: bool,
    /// Size in bytes.
    pub size: u64,
}

/// `GET /v1/agent/members`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ServerMembers {
    /// Region of the answering server.
    pub server_region: String,
    /// The servers (serf members).
    #[serde(deserialize_with = "nullable")]
    pub members: Vec<Member>,
}

/// A serf member.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Member {
    /// `<node>.<region>`.
    pub name: String,
    /// `alive`, `failed`, `left`.
    pub status: String,
    /// `build` (the version), `region`, `role`, ...
    #[serde(deserialize_with = "nullable")]
    pub tags: BTreeMap<String, String>,
}

/// Parses Go's RFC 3339 time into Unix nanoseconds; `None` for Go's zero time
/// (`0001-01-01T00:00:00Z`), an empty string, or anything unparsable.
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if y <= 1 {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &s[start..i];
        let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
        nanos = digits.parse().ok()?;
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            let v = (oh * 60 + om) * 60;
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (yy, mm) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    Some(secs * 1_000_000_000 + nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("0001-01-01T00:00:00Z"), None);
        assert_eq!(
            parse_time("2017-05-25T23:41:23.240184101Z"),
            Some(1_495_755_683_240_184_101)
        );
        assert_eq!(
            parse_time("2016-03-15T15:40:56.822238153-07:00"),
            Some(1_458_081_656_822_238_153)
        );
        assert_eq!(parse_time(""), None);
    }

    #[test]
    fn omitted_and_null_fields_default() {
        let e: Evaluation = serde_json::from_str(r#"{"ID":"e1","Status":"complete"}"#).unwrap();
        assert!(e.failed_tg_allocs.is_empty() && e.blocked_eval.is_empty());
        let m: AllocMetric =
            serde_json::from_str(r#"{"ConstraintFiltered":null,"NodesEvaluated":3}"#).unwrap();
        assert_eq!(m.nodes_evaluated, 3);
        let t: TaskState =
            serde_json::from_str(r#"{"State":"dead","StartedAt":null,"Events":null}"#).unwrap();
        assert!(!t.started() && t.exit_code().is_none());
    }

    #[test]
    fn the_last_terminated_event_gives_the_exit_code() {
        let t: TaskState = serde_json::from_str(
            r#"{"State":"dead","Events":[
              {"Type":"Terminated","ExitCode":1,"Details":{"exit_code":"1"}},
              {"Type":"Restarting"},
              {"Type":"Terminated","ExitCode":0,"Details":{"exit_code":"7"}},
              {"Type":"Not Restarting"}]}"#,
        )
        .unwrap();
        assert_eq!(t.exit_code(), Some(7));
    }

    #[test]
    fn documented_samples_decode() {
        let root = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/nomad-double/samples/"
        );
        let read = |f: &str| std::fs::read_to_string(format!("{root}{f}")).unwrap();
        let allocs: Vec<Allocation> =
            serde_json::from_str(&read("GET-v1-job-ID-allocations.json")).unwrap();
        assert_eq!(allocs[0].task_states["redis"].events.len(), 4);
        assert!(allocs[0].task_states["redis"].started());
        let evals: Vec<Evaluation> =
            serde_json::from_str(&read("GET-v1-job-ID-evaluations.json")).unwrap();
        assert_eq!(evals[0].queued_allocations["cache"], 0);
        let blocked: Evaluation = serde_json::from_str(&read("GET-v1-evaluation-ID.json")).unwrap();
        assert_eq!(blocked.status, "blocked");
        assert_eq!(blocked.failed_tg_allocs["cache"].nodes_available["dc1"], 0);
        let job: Job = serde_json::from_str(&read("GET-v1-job-ID.json")).unwrap();
        assert_eq!(job.id, "example");
        let w: WriteResponse = serde_json::from_str(&read("POST-v1-jobs.json")).unwrap();
        assert_eq!(w.job_modify_index, 109);
    }
}
