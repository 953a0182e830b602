//! The cluster's nodes, for `nodes snapshot`: `GET /v1/nodes` lists them, and the full
//! `GET /v1/node/:id` of each (the list stub lacks attributes and resources) is what
//! `plan --nodes` reads, optionally with `Allocations` (`GET /v1/node/:id/allocations`).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::client::{encode, ApiError, Client};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Stub {
    #[serde(rename = "ID")]
    id: String,
}

/// The allocation fields the offline checker reads (docs/plan.md), and what names them.
const ALLOCATION_KEYS: &[&str] = &[
    "ID",
    "Name",
    "Namespace",
    "JobID",
    "TaskGroup",
    "DesiredStatus",
    "ClientStatus",
    "AllocatedResources",
];

/// Every node, full, sorted by name then ID; with `with_allocations` each carries the
/// resources and status of its allocations.
pub fn snapshot(client: &Client, with_allocations: bool) -> Result<Vec<Value>, ApiError> {
    let stubs = client.get::<Vec<Stub>>("/v1/nodes", &[], None)?.value;
    let mut nodes = Vec::with_capacity(stubs.len());
    for s in &stubs {
        let id = encode(&s.id);
        let mut node = client
            .get::<Value>(&format!("/v1/node/{id}"), &[], None)?
            .value;
        if with_allocations {
            let allocs = client
                .get::<Vec<Map<String, Value>>>(&format!("/v1/node/{id}/allocations"), &[], None)?
                .value;
            let kept: Vec<Value> = allocs
                .into_iter()
                .map(|a| {
                    Value::Object(
                        a.into_iter()
                            .filter(|(k, _)| ALLOCATION_KEYS.contains(&k.as_str()))
                            .collect(),
                    )
                })
                .collect();
            if let Value::Object(m) = &mut node {
                m.insert("Allocations".to_owned(), Value::Array(kept));
            }
        }
        nodes.push(node);
    }
    let key = |n: &Value| {
        let s = |k: &str| {
            n.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        (s("Name"), s("ID"))
    };
    nodes.sort_by_key(key);
    Ok(nodes)
}
