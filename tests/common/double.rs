//! The Nomad test double (`tests/nomad_double/double.py`) as the integration tests start it:
//! on a port the system picked (it binds port 0 and prints the address), with the child kept
//! so that it is killed and reaped on drop.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A file of the double's data (`tests/data/nomad-double/`).
pub(crate) fn data(rel: &str) -> PathBuf {
    super::root().join("tests/data/nomad-double").join(rel)
}

/// A running double; killed and reaped on drop.
pub(crate) struct Double {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub(crate) addr: String,
}

impl Double {
    /// The double playing `scenarios/<scenario>.json`.
    pub(crate) fn start(scenario: &str) -> Double {
        Double::start_file(&data(&format!("scenarios/{scenario}.json")))
    }

    /// The double playing the scenario file at `path`.
    pub(crate) fn start_file(path: &Path) -> Double {
        let (child, addr) = spawn(path.as_os_str(), "listening ");
        Double { child, addr }
    }

    /// `GET path` as JSON; the double must answer with a success.
    pub(crate) fn get(&self, path: &str) -> Value {
        let mut res = ureq::get(format!("{}{path}", self.addr))
            .call()
            .expect("the double answers");
        serde_json::from_str(&res.body_mut().read_to_string().expect("body")).expect("JSON")
    }

    /// `GET path` with an optional token: the status and the body (JSON, or the text).
    pub(crate) fn get_with(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = ureq::get(format!("{}{path}", self.addr));
        if let Some(t) = token {
            req = req.header("X-Nomad-Token", t);
        }
        let mut res = req
            .config()
            .http_status_as_error(false)
            .build()
            .call()
            .expect("the double answers");
        let status = res.status().as_u16();
        let body = res.body_mut().read_to_string().expect("body");
        (
            status,
            serde_json::from_str(&body).unwrap_or(Value::String(body)),
        )
    }

    /// The requests the double received (method, path, query, whether a token was sent).
    pub(crate) fn requests(&self) -> Vec<Value> {
        self.get("/__double/requests")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The jobs registered, with their phase.
    pub(crate) fn jobs(&self) -> Vec<Value> {
        self.get("/__double/jobs")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for Double {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `double.py arg` and reads its first line, `<prefix><address>`: the address of the
/// port it bound (port 0, so the system picked it, and it holds it until killed).
fn spawn(arg: &std::ffi::OsStr, prefix: &str) -> (Child, String) {
    let mut child = Command::new("python3")
        .arg(super::root().join("tests/nomad_double/double.py"))
        .arg(arg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs the double");
    let mut line = String::new();
    let read = BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line);
    let addr = line.trim().strip_prefix(prefix).map(str::to_owned);
    match (read, addr) {
        (Ok(_), Some(addr)) => (child, addr),
        (read, _) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the double did not print `{prefix}ADDRESS` first ({read:?}): {line:?}");
        }
    }
}

/// A port on 127.0.0.1 that refuses connections: bound by the double without listening, so
/// that nothing else can take it while this lives; released on drop.
pub(crate) struct ClosedPort {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub(crate) addr: String,
}

impl ClosedPort {
    pub(crate) fn new() -> ClosedPort {
        let (child, addr) = spawn("--closed-port".as_ref(), "refusing ");
        ClosedPort { child, addr }
    }
}

impl Drop for ClosedPort {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary with a clean environment (no `NOMAD_*`, no proxies) pointing at `addr`.
pub(crate) fn binary(addr: &str) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("nomad-build"));
    for (k, _) in std::env::vars() {
        if k.starts_with("NOMAD_") || k.to_ascii_lowercase().ends_with("_proxy") {
            c.env_remove(k);
        }
    }
    c.env("NOMAD_ADDR", addr).env("NO_COLOR", "1");
    c
}
