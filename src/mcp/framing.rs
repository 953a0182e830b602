//! The line framing in front of rmcp's stdio transport. rmcp drops a message longer than its
//! limit (16 MiB) without an answer, so the client waits forever for it; here every message is
//! read with a cap of [`MAX_REQUEST`] bytes (never buffering more), and one that is longer is
//! replaced, for rmcp, by a small request that the server answers with a JSON-RPC error
//! (`-32600 Invalid Request`): with the request's `id` when the first
//! [`HEAD`] bytes show it, else without an id (rmcp's answer to a message it cannot read).
//! The session goes on with the next line.

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// The longest message the server reads, in bytes (without its newline).
pub const MAX_REQUEST: usize = 8 * 1024 * 1024;

/// How much of an over-long message is kept to find its `id`.
pub const HEAD: usize = 64 * 1024;

/// The method of the stand-in request for an over-long one (answered with an error).
pub const OVERSIZED: &str = "nomad-build/oversized-request";

/// Copies `input` to `output` line by line until either ends, replacing each line longer
/// than `max` bytes by a stand-in request ([`OVERSIZED`]).
pub async fn frame(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin, max: usize) {
    let mut input = BufReader::new(input);
    let mut line: Vec<u8> = Vec::new();
    // An over-long line being skipped: its head and its length so far.
    let mut over: Option<(Vec<u8>, u64)> = None;
    loop {
        let (take, ended) = {
            let Ok(buf) = input.fill_buf().await else {
                break;
            };
            if buf.is_empty() {
                break;
            }
            let nl = buf.iter().position(|b| *b == b'\n');
            let take = nl.map_or(buf.len(), |i| i + 1);
            let chunk = &buf[..nl.unwrap_or(take)];
            match &mut over {
                Some((head, total)) => {
                    let room = HEAD.saturating_sub(head.len());
                    head.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    *total += chunk.len() as u64;
                }
                None if line.len() + chunk.len() > max => {
                    let mut head = std::mem::take(&mut line);
                    let total = (head.len() + chunk.len()) as u64;
                    let room = HEAD.saturating_sub(head.len());
                    head.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    head.truncate(HEAD);
                    over = Some((head, total));
                }
                None => line.extend_from_slice(chunk),
            }
            (take, nl.is_some())
        };
        input.consume(take);
        if !ended {
            continue;
        }
        let mut message = match over.take() {
            Some((head, total)) => stand_in(&head, total, max),
            None => std::mem::take(&mut line),
        };
        message.push(b'\n');
        if output.write_all(&message).await.is_err() || output.flush().await.is_err() {
            break;
        }
    }
    let _ = output.shutdown().await;
}

/// The request rmcp gets in place of an over-long message of `total` bytes.
fn stand_in(head: &[u8], total: u64, max: usize) -> Vec<u8> {
    let params = serde_json::json!({ "bytes": total, "limit": max });
    let v = match top_level_id(head) {
        Some(id) => serde_json::json!({
            "jsonrpc": "2.0", "id": id, "method": OVERSIZED, "params": params
        }),
        // Not a message rmcp can read: it answers Invalid Request without an id.
        None => serde_json::json!({ "jsonrpc": "2.0", "oversized": params }),
    };
    v.to_string().into_bytes()
}

/// The `id` of the top-level object at the start of a (cut) JSON text, when it is a number
/// or a string.
pub fn top_level_id(head: &[u8]) -> Option<Value> {
    let b = head;
    let mut depth = 0usize;
    let mut expect_key = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => {
                depth += 1;
                expect_key = depth == 1 && b[i] == b'{';
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            b',' => {
                expect_key = depth == 1;
                i += 1;
            }
            b'"' => {
                let end = string_end(b, i)?;
                if depth == 1 && expect_key {
                    expect_key = false;
                    let key: String = serde_json::from_slice(&b[i..end]).ok()?;
                    let mut j = end;
                    while b.get(j).is_some_and(u8::is_ascii_whitespace) {
                        j += 1;
                    }
                    if b.get(j) != Some(&b':') {
                        return None;
                    }
                    j += 1;
                    while b.get(j).is_some_and(u8::is_ascii_whitespace) {
                        j += 1;
                    }
                    if key == "id" {
                        return scalar(b, j);
                    }
                    i = j;
                } else {
                    i = end;
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The index after the string starting at `start` (a `"`).
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let mut j = start + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// A JSON number or string at `at`.
fn scalar(b: &[u8], at: usize) -> Option<Value> {
    let end = if b.get(at) == Some(&b'"') {
        string_end(b, at)?
    } else {
        let len = b[at..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        // A number cut by the head is not known.
        if at + len >= b.len() {
            return None;
        }
        at + len
    };
    match serde_json::from_slice::<Value>(&b[at..end]).ok()? {
        v @ (Value::Number(_) | Value::String(_)) => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_id_is_found_at_the_top_level_only() {
        let id = |s: &str| top_level_id(s.as_bytes());
        assert_eq!(
            id(r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"x":"#),
            Some(json!(7))
        );
        assert_eq!(
            id(r#"{ "params": {"id": 1, "a": ["id", {"id":2}]}, "id" : "a\"b", "#),
            Some(json!("a\"b"))
        );
        assert_eq!(id(r#"{"params":{"id":1,"huge":"xxxxxxxxx"#), None);
        assert_eq!(id(r#"{"method":"x","id":null,"#), None);
        assert_eq!(id(r#"{"id":12"#), None);
        assert_eq!(id(r#"[{"id":1}]"#), None);
        assert_eq!(id("garbage"), None);
    }

    #[tokio::test]
    async fn long_lines_are_replaced_and_the_rest_passes() {
        let big = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{{\"a\":\"{}\"}}}}",
            "x".repeat(300)
        );
        let input = format!("{{\"a\":1}}\n{big}\n{}\n{{\"b\":2}}\n", "y".repeat(500));
        let mut out = Vec::new();
        frame(input.as_bytes(), &mut out, 100).await;
        let lines: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines,
            [
                json!({"a": 1}),
                json!({"jsonrpc": "2.0", "id": 3, "method": OVERSIZED,
                       "params": {"bytes": big.len(), "limit": 100}}),
                json!({"jsonrpc": "2.0", "oversized": {"bytes": 500, "limit": 100}}),
                json!({"b": 2}),
            ]
        );
    }
}
