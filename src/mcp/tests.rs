//! The server in process, driven with raw JSON-RPC lines over an in-memory pipe: the tool
//! list follows the backends, and the cluster tools work against the registry with a fake
//! cluster (progress notifications, cancel, redaction). `tests/mcp.rs` drives the binary with
//! another implementation's client.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, WriteHalf};

use super::runs::tests::FakeCluster;
use super::*;
use crate::phase::Phase;

const MINIMAL: &str = include_str!("../../examples/minimal/build.hcl");

struct Session {
    lines: Lines<BufReader<tokio::io::ReadHalf<DuplexStream>>>,
    write: WriteHalf<DuplexStream>,
    next_id: u64,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
    _root: tempfile::TempDir,
}

impl Session {
    async fn start(cluster: Option<Arc<dyn Cluster>>, redactor: Redactor) -> Session {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("build.hcl"), MINIMAL).expect("write");
        let root = Root::new(tmp.path()).expect("root");
        let server = Server::new(root, redactor, cluster);
        let (server_end, client_end) = tokio::io::duplex(1 << 20);
        tokio::spawn(async move {
            if let Ok(service) = server.serve(server_end).await {
                let _ = service.waiting().await;
            }
        });
        let (read, write) = tokio::io::split(client_end);
        let mut s = Session {
            lines: BufReader::new(read).lines(),
            write,
            next_id: 0,
            notifications: Vec::new(),
            _root: tmp,
        };
        let init = s
            .request(
                "initialize",
                json!({
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "test", "version": "1"}
                }),
            )
            .await;
        assert_eq!(
            init["result"]["serverInfo"]["name"], "nomad-build",
            "{init}"
        );
        s.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        s
    }

    async fn send(&mut self, msg: Value) {
        let mut line = msg.to_string();
        line.push('\n');
        self.write.write_all(line.as_bytes()).await.expect("write");
    }

    /// Sends a request without waiting for its reply; returns its id.
    async fn start_request(&mut self, method: &str, params: Value) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        id
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.start_request(method, params).await;
        self.reply(id).await
    }

    /// The reply to request `id` (which may have come while waiting for another).
    async fn reply(&mut self, id: u64) -> Value {
        if let Some(i) = self.notifications.iter().position(|m| m["id"] == json!(id)) {
            return self.notifications.remove(i);
        }
        loop {
            let line = tokio::time::timeout(Duration::from_secs(20), self.lines.next_line())
                .await
                .expect("a reply in time")
                .expect("read")
                .expect("the server is still there");
            let msg: Value = serde_json::from_str(&line).expect("JSON");
            if msg["id"] == json!(id) {
                return msg;
            }
            self.notifications.push(msg);
        }
    }

    async fn call(&mut self, tool: &str, args: Value) -> Value {
        let reply = self
            .request("tools/call", json!({"name": tool, "arguments": args}))
            .await;
        reply["result"].clone()
    }

    async fn call_with_progress(&mut self, tool: &str, args: Value, token: &str) -> Value {
        let reply = self
            .request(
                "tools/call",
                json!({"name": tool, "arguments": args, "_meta": {"progressToken": token}}),
            )
            .await;
        reply["result"].clone()
    }

    async fn tools(&mut self) -> Vec<Value> {
        let reply = self.request("tools/list", json!({})).await;
        reply["result"]["tools"].as_array().expect("tools").clone()
    }

    fn progress(&self, token: &str) -> Vec<Value> {
        self.notifications
            .iter()
            .filter(|n| {
                n["method"] == "notifications/progress" && n["params"]["progressToken"] == token
            })
            .map(|n| n["params"].clone())
            .collect()
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[allow(clippy::unnecessary_wraps)] // shaped like the server's optional cluster
fn fake(step: Duration) -> Option<Arc<dyn Cluster>> {
    Some(Arc::new(FakeCluster::new(step)))
}

fn names(tools: &[Value]) -> Vec<&str> {
    tools.iter().filter_map(|t| t["name"].as_str()).collect()
}

#[test]
fn the_tool_list_follows_the_backends() {
    rt().block_on(async {
        let mut s = Session::start(None, Redactor::default()).await;
        assert_eq!(names(&s.tools().await), ["render", "rules", "validate"]);
        let reply = s
            .request("tools/call", json!({"name": "run", "arguments": {}}))
            .await;
        assert_eq!(reply["error"]["code"], -32602, "{reply}");

        let mut s = Session::start(fake(Duration::ZERO), Redactor::default()).await;
        let tools = s.tools().await;
        assert_eq!(
            names(&tools),
            [
                "plan",
                "render",
                "rules",
                "run",
                "run_cancel",
                "run_status",
                "status",
                "validate"
            ]
        );
        for t in &tools {
            let a = &t["annotations"];
            let name = t["name"].as_str().unwrap_or_default();
            match name {
                "run" => {
                    assert_eq!(a["readOnlyHint"], false, "{name}");
                    assert_eq!(a["destructiveHint"], false, "{name}");
                }
                "run_cancel" => {
                    assert_eq!(a["readOnlyHint"], false, "{name}");
                    assert_eq!(a["destructiveHint"], true, "{name}");
                }
                _ => assert_eq!(a["readOnlyHint"], true, "{name}"),
            }
            assert_eq!(t["inputSchema"]["type"], "object", "{name}");
            assert_eq!(t["outputSchema"]["type"], "object", "{name}");
        }
    });
}

#[test]
fn run_reports_progress_until_passed() {
    rt().block_on(async {
        let mut s = Session::start(fake(Duration::from_millis(50)), Redactor::default()).await;
        let started = s.call("run", json!({"run_id": "t1"})).await;
        assert_eq!(started["isError"], false, "{started}");
        let st = &started["structuredContent"];
        assert_eq!(st["run_id"], "t1");
        assert!(
            ["running", "passed"].contains(&st["state"].as_str().unwrap_or_default()),
            "{st}"
        );
        assert_eq!(st["phases"][0]["phase"], "build");

        let done = s
            .call_with_progress(
                "run_status",
                json!({"run_id": "t1", "wait_seconds": 20}),
                "p1",
            )
            .await;
        let st = &done["structuredContent"];
        assert_eq!(st["state"], "passed", "{done}");
        let build = &st["phases"][0];
        assert_eq!(build["state"], "passed");
        assert_eq!(build["job_id"], "hello-build-t1");
        assert_eq!(build["tasks"][0]["exit_code"], 0);
        assert_eq!(
            build["tasks"][0]["log"].as_array().map(Vec::len),
            Some(runs::LOG_LINES)
        );

        let progress = s.progress("p1");
        assert!(!progress.is_empty(), "no progress notification");
        let values: Vec<f64> = progress
            .iter()
            .filter_map(|p| p["progress"].as_f64())
            .collect();
        assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
        let last = progress
            .last()
            .and_then(|p| p["message"].as_str())
            .unwrap_or_default();
        assert!(last.starts_with("run t1: passed"), "{last}");

        // Without a wait, run_status answers at once; a run id that was never started is a
        // tool error.
        let now = s.call("run_status", json!({"run_id": "t1"})).await;
        assert_eq!(now["structuredContent"]["state"], "passed");
        let missing = s.call("run_status", json!({"run_id": "nope"})).await;
        assert_eq!(missing["isError"], true, "{missing}");
    });
}

#[test]
fn run_cancel_stops_the_run() {
    rt().block_on(async {
        let mut s = Session::start(fake(Duration::from_secs(120)), Redactor::default()).await;
        let started = s
            .call("run", json!({"run_id": "t2", "phases": ["build"]}))
            .await;
        assert_eq!(started["isError"], false, "{started}");
        let again = s.call("run", json!({"run_id": "t2"})).await;
        assert_eq!(again["isError"], true, "{again}");
        let text = again["content"][0]["text"].as_str().unwrap_or_default();
        assert!(text.contains("still going"), "{text}");

        let cancelled = s
            .call("run_cancel", json!({"run_id": "t2", "wait_seconds": 20}))
            .await;
        let st = &cancelled["structuredContent"];
        assert_eq!(st["state"], "cancelled", "{cancelled}");
        let status = s.call("run_status", json!({"run_id": "t2"})).await;
        assert_eq!(status["structuredContent"]["state"], "cancelled");
        let missing = s.call("run_cancel", json!({"run_id": "nope"})).await;
        assert_eq!(missing["isError"], true, "{missing}");
    });
}

#[test]
fn a_follower_sees_the_cancel_while_the_server_serves_others() {
    rt().block_on(async {
        let mut s = Session::start(fake(Duration::from_secs(120)), Redactor::default()).await;
        let started = s.call("run", json!({"run_id": "t5"})).await;
        assert_eq!(started["isError"], false, "{started}");
        let follower = s
            .start_request(
                "tools/call",
                json!({
                    "name": "run_status",
                    "arguments": {"run_id": "t5", "wait_seconds": 60},
                    "_meta": {"progressToken": "f5"}
                }),
            )
            .await;
        // While the follower waits, other requests are answered.
        let pong = s.request("ping", json!({})).await;
        assert_eq!(pong["result"], json!({}), "{pong}");
        let rules = s.call("rules", json!({})).await;
        assert_eq!(rules["isError"], false);
        let cancelled = s
            .call("run_cancel", json!({"run_id": "t5", "wait_seconds": 20}))
            .await;
        assert_eq!(cancelled["structuredContent"]["state"], "cancelled");
        let followed = s.reply(follower).await;
        assert_eq!(
            followed["result"]["structuredContent"]["state"], "cancelled",
            "{followed}"
        );
        let messages: Vec<String> = s
            .progress("f5")
            .iter()
            .filter_map(|p| p["message"].as_str().map(str::to_owned))
            .collect();
        // The follower's last notification is the end (`cancelling` may be folded into it).
        assert!(
            messages
                .last()
                .is_some_and(|m| m.starts_with("run t5: cancelled")),
            "{messages:?}"
        );
    });
}

#[test]
fn run_waits_with_progress_and_errors_are_redacted() {
    rt().block_on(async {
        let mut fc = FakeCluster::new(Duration::from_millis(10));
        fc.error = Some("permission denied for token s3cr3t-nomad-token".into());
        let redactor = Redactor::default().with("s3cr3t-nomad-token");
        let mut s = Session::start(Some(Arc::new(fc)), redactor).await;
        let done = s
            .call_with_progress("run", json!({"run_id": "t3", "wait_seconds": 20}), "p3")
            .await;
        let st = &done["structuredContent"];
        assert_eq!(st["state"], "failed", "{done}");
        assert_eq!(st["error"], "permission denied for token [redacted]");
        assert!(!done.to_string().contains("s3cr3t"));
        assert!(!s.progress("p3").is_empty());
        assert!(!Value::Array(s.notifications.clone())
            .to_string()
            .contains("s3cr3t"));
    });
}

#[test]
fn status_and_plan_go_to_the_cluster() {
    rt().block_on(async {
        let mut fc = FakeCluster::new(Duration::ZERO);
        fc.fail = vec![Phase::Build];
        let mut s = Session::start(Some(Arc::new(fc)), Redactor::default()).await;
        let st = s.call("status", json!({"job_id": "hello-build-t1"})).await;
        assert_eq!(
            st["structuredContent"]["explanation"],
            "job hello-build-t1: complete"
        );
        let bad = s.call("status", json!({"job_id": "../../v1/acl"})).await;
        assert_eq!(bad["isError"], true, "{bad}");

        let plan = s.call("plan", json!({"run_id": "t4"})).await;
        let out = &plan["structuredContent"];
        assert_eq!(out["placeable"], false, "{plan}");
        assert_eq!(out["phases"][0]["phase"], "build");
        assert_eq!(
            out["phases"][0]["failures"][0],
            "group main: no node has driver podman"
        );
        let outside = s
            .call("plan", json!({"run_id": "t4", "nodes": "/etc/passwd"}))
            .await;
        assert_eq!(outside["isError"], true, "{outside}");
        let undeclared = s
            .call("plan", json!({"run_id": "t4", "phases": ["test"]}))
            .await;
        let text = undeclared["content"][0]["text"]
            .as_str()
            .unwrap_or_default();
        assert!(text.contains("declares no `test` phase"), "{text}");
    });
}

#[test]
fn resources_list_the_schema_and_every_rule() {
    rt().block_on(async {
        let mut s = Session::start(None, Redactor::default()).await;
        let list = s.request("resources/list", json!({})).await;
        let uris: Vec<&str> = list["result"]["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .filter_map(|r| r["uri"].as_str())
            .collect();
        assert_eq!(uris.len(), crate::rules::all().len() + 1);
        assert!(uris.contains(&SCHEMA_URI));
        let schema = s
            .request("resources/read", json!({"uri": SCHEMA_URI}))
            .await;
        let text = schema["result"]["contents"][0]["text"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(text, crate::schema::schema_json());
        let rule = s
            .request(
                "resources/read",
                json!({"uri": "nomad-build://rules/syntax-error"}),
            )
            .await;
        let text = rule["result"]["contents"][0]["text"]
            .as_str()
            .unwrap_or_default();
        let doc = crate::rules::get("syntax-error").expect("rule").doc_text();
        assert!(
            text.starts_with("# syntax-error\n") && text.ends_with(&doc),
            "{text}"
        );
        let missing = s
            .request("resources/read", json!({"uri": "nomad-build://rules/nope"}))
            .await;
        assert!(missing["error"]["code"].is_i64(), "{missing}");
    });
}
