//! `nomad-build mcp` over raw stdio: a request longer than the server reads is answered with a
//! JSON-RPC error (with its id when the id can be read) and the session goes on.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

#[test]
fn an_oversize_request_gets_an_error_and_the_server_keeps_serving() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("nomad-build"))
        .args(["mcp", "--root"])
        .arg(root.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut stdin = child.stdin.take().expect("piped");
    // Replies are read on a thread, so that a request the server never answers fails the
    // test instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().expect("piped");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut send = |v: &[u8]| {
        stdin.write_all(v).expect("write");
        stdin.write_all(b"\n").expect("write");
        stdin.flush().expect("flush");
    };
    let reply = || {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers within a minute");
        serde_json::from_str::<Value>(&line).expect("JSON")
    };

    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}}})
        .to_string()
        .as_bytes(),
    );
    assert_eq!(reply()["id"], 1);
    send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);

    // 20 MB of arguments, the id before them (as SDKs write it).
    let huge = "x".repeat(20 * 1024 * 1024);
    let big = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                     "params": {"name": "validate", "arguments": {"path": huge}}})
    .to_string();
    send(big.as_bytes());
    assert_eq!(
        reply(),
        json!({"jsonrpc": "2.0", "id": 2, "error": {"code": -32600, "message": format!(
            "request too large: {} bytes; the server reads requests of up to 8388608 bytes",
            big.len()
        )}})
    );

    // The id after the arguments cannot be read: an error without an id.
    let late = format!(
        r#"{{"jsonrpc":"2.0","method":"tools/call","params":{{"name":"validate","arguments":{{"path":"{huge}"}}}},"id":3}}"#
    );
    send(late.as_bytes());
    let r = reply();
    assert_eq!(r["error"]["code"], -32600, "{r}");
    assert!(r.get("id").is_none_or(Value::is_null), "{r}");

    // Still serving.
    send(br#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#);
    assert_eq!(reply(), json!({"jsonrpc": "2.0", "id": 4, "result": {}}));
    send(br#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"rules","arguments":{}}}"#);
    let r = reply();
    assert_eq!(r["id"], 5);
    assert_eq!(
        r["result"]["isError"],
        json!(false),
        "{}",
        &r.to_string()[..200]
    );

    // Closing stdin ends the session.
    drop(stdin);
    let status = child.wait().expect("exits");
    assert!(status.success(), "{status:?}");
}
