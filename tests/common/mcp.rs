//! A raw MCP client over the server's stdio: one JSON-RPC message a line, for tests that
//! check exact answers without an SDK in between.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

/// `nomad-build mcp --root ROOT` over stdio, spoken to in raw JSON-RPC lines.
pub(crate) struct Mcp {
    child: std::process::Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    next: u64,
}

impl Mcp {
    pub(crate) fn start(root: &Path) -> Mcp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nomad-build"))
            .args(["mcp", "--root"])
            .arg(root)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut m = Mcp {
            child,
            lines,
            next: 0,
        };
        let init = m.request(
            "initialize",
            &json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"}
            }),
        );
        assert_eq!(
            init["result"]["serverInfo"]["name"], "nomad-build",
            "{init}"
        );
        m.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        m
    }

    pub(crate) fn send(&mut self, msg: &Value) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{msg}").expect("write");
        stdin.flush().expect("flush");
    }

    pub(crate) fn request(&mut self, method: &str, params: &Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line = self.lines.next().expect("a reply").expect("read");
            let msg: Value = serde_json::from_str(&line).expect("JSON");
            if msg["id"] == json!(id) {
                return msg;
            }
        }
    }

    /// Calls `tool`; returns (isError, the whole result as text).
    pub(crate) fn call(&mut self, tool: &str, args: &Value) -> (bool, String) {
        let reply = self.request("tools/call", &json!({"name": tool, "arguments": args}));
        let result = &reply["result"];
        (result["isError"] == json!(true), result.to_string())
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
