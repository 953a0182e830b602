//! A real OCI registry (`docker-registry`, htpasswd auth, plain HTTP on 127.0.0.1) for the
//! end-to-end tests of `nomad-build local`.

use std::fs;
use std::net::{TcpListener, TcpStream};
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

/// A registry on a free port that accepts the `(user, password)` accounts.
pub(crate) fn start_registry(accounts: &[(&str, &str)]) -> Registry {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut htpasswd = Vec::new();
    for (user, password) in accounts {
        htpasswd.extend(checked(Command::new("htpasswd").args(["-Bbn", user, password])).stdout);
    }
    fs::write(dir.path().join("htpasswd"), htpasswd).expect("htpasswd");
    let config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {root}/data\nhttp:\n  addr: {addr}\n  secret: e2e-test-secret\nauth:\n  htpasswd:\n    realm: e2e\n    path: {root}/htpasswd\n",
        root = dir.path().display()
    );
    fs::write(dir.path().join("config.yml"), config).expect("config");
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(dir.path().join("config.yml"))
        .stdout(fs::File::create(dir.path().join("log")).expect("log"))
        .stderr(fs::File::create(dir.path().join("err")).expect("log"))
        .spawn()
        .expect("docker-registry starts (apt-get install docker-registry)");
    let reg = Registry {
        child,
        addr,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&reg.addr).is_err() {
        assert!(Instant::now() < deadline, "the registry did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    reg
}
