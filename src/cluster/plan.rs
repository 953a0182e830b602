//! `PUT /v1/job/:id/plan` (`Diff: true`): the scheduler's answer for a job without registering
//! it. Nomad's own `api` package sends the plan as a PUT; the endpoint takes PUT and POST.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::api::nullable;
use super::client::{encode, ApiError, Client};
use crate::placement::AllocMetric;

/// The parts of a plan response `plan` uses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct PlanResponse {
    /// Groups that would not be placed, with the scheduler's metrics.
    #[serde(rename = "FailedTGAllocs", deserialize_with = "nullable")]
    pub failed_tg_allocs: BTreeMap<String, AllocMetric>,
    /// Nomad's warnings (`* ...` lines).
    pub warnings: String,
}

/// Plans `job` (the register body `{"Job": {...}}`); stores nothing on the cluster.
pub fn plan(client: &Client, job_id: &str, job: &Value) -> Result<PlanResponse, ApiError> {
    let body = json!({
        "Job": job.get("Job").cloned().unwrap_or(Value::Null),
        "Diff": true,
        "PolicyOverride": false,
    });
    client
        .put::<PlanResponse>(&format!("/v1/job/{}/plan", encode(job_id)), &body)
        .map(|r| r.value)
}
