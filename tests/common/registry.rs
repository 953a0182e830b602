//! A real OCI registry (`docker-registry`, htpasswd auth, plain HTTP on 127.0.0.1) for the
//! end-to-end tests of `nomad-build local`.

use std::fs;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

/// The registry process; killed and waited on drop (PID 1 here does not reap orphans).
pub(crate) struct Registry {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub(crate) addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `cmd`; panics with its output unless it succeeds.
pub(crate) fn checked(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("command runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A registry that accepts the `(user, password)` accounts, on a port it chose itself.
///
/// It listens on port 0 and logs (at level info) the address the system gave it, which is read
/// back from its log; nothing else can hold that port. Before it is handed out, it must answer
/// `/v2/` as configured: 401 with our realm without credentials, 200 with the first account.
pub(crate) fn start_registry(accounts: &[(&str, &str)]) -> Registry {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut htpasswd = Vec::new();
    for (user, password) in accounts {
        htpasswd.extend(checked(Command::new("htpasswd").args(["-Bbn", user, password])).stdout);
    }
    fs::write(dir.path().join("htpasswd"), htpasswd).expect("htpasswd");
    let config = format!(
        "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {root}/data\nhttp:\n  addr: 127.0.0.1:0\n  secret: e2e-test-secret\nauth:\n  htpasswd:\n    realm: {REALM}\n    path: {root}/htpasswd\n",
        root = dir.path().display()
    );
    fs::write(dir.path().join("config.yml"), config).expect("config");
    let log = dir.path().join("log");
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(dir.path().join("config.yml"))
        .stdout(fs::File::create(dir.path().join("out")).expect("log"))
        .stderr(fs::File::create(&log).expect("log"))
        .spawn()
        .expect("docker-registry starts (apt-get install docker-registry)");
    let mut reg = Registry {
        child,
        addr: String::new(),
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    reg.addr = loop {
        let text = fs::read_to_string(&log).unwrap_or_default();
        if let Some(addr) = listening_on(&text) {
            break addr;
        }
        if let Ok(Some(status)) = reg.child.try_wait() {
            panic!("docker-registry exited ({status}) before it listened:\n{text}");
        }
        assert!(
            Instant::now() < deadline,
            "docker-registry logged no address within 20s:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let (user, password) = accounts.first().expect("an account");
    let url = format!("http://{}/v2/", reg.addr);
    let (status, challenge) = get(&url, None);
    assert_eq!(
        (status, challenge.as_deref()),
        (401, Some(format!("Basic realm=\"{REALM}\"").as_str())),
        "{url} without credentials"
    );
    assert_eq!(
        get(&url, Some((user, password))).0,
        200,
        "{url} with {user}'s credentials"
    );
    reg
}

/// The realm of the registries the tests start.
const REALM: &str = "nomad-build-e2e";

/// The address in the registry's `listening on 127.0.0.1:PORT` log line.
fn listening_on(log: &str) -> Option<String> {
    let at = log.find("msg=\"listening on ")? + "msg=\"listening on ".len();
    let addr = &log[at..at + log[at..].find('"')?];
    addr.starts_with("127.0.0.1:").then(|| addr.to_owned())
}

/// `GET url` (with basic auth): the status and the `WWW-Authenticate` challenge.
fn get(url: &str, basic: Option<(&str, &str)>) -> (u16, Option<String>) {
    use base64::Engine as _;
    let mut req = ureq::get(url);
    if let Some((user, password)) = basic {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        req = req.header("Authorization", format!("Basic {token}"));
    }
    let res = req
        .config()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let challenge = res
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (res.status().as_u16(), challenge)
}
