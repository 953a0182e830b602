//! End to end: `nomad-build local` against a real registry (distribution, htpasswd auth, plain
//! HTTP on 127.0.0.1) with the host's buildah and skopeo. Nothing is mocked or skipped: the
//! test fails when a tool is missing (`.ci/run` installs them).

mod common;

use common::registry::{checked, start_registry, Registry};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const USER: &str = "ci-robot";
const PASSWORD: &str = "Pa55 w0rd:+/@%é\"\\q";
/// The read-only account the test tasks pull with (`pull_credentials`).
const READER: &str = "ci-reader";
const READER_PASSWORD: &str = "r3ad 0nly:+/@";
/// Reaches the image as a build argument and the test as an env value, byte for byte.
const WEIRD: &str = "a $b ${X} $${Y} %{z} {{ .Data }} 'single' \"double\" \\ back\nsecond line";

fn need(tool: &str) {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "`{tool}` is not installed; .ci/run installs it (apt-get install buildah skopeo docker-registry apache2-utils busybox-static)");
}

fn auth_file(dir: &Path, addr: &str, password: &str) -> PathBuf {
    let token = nomad_build::local::ctmpl::base64(format!("{USER}:{password}").as_bytes());
    let path = dir.join("auth.json");
    fs::write(
        &path,
        serde_json::json!({ "auths": { addr: { "auth": token } } }).to_string(),
    )
    .expect("auth");
    path
}

/// Builds `<addr>/base/busybox:1` FROM scratch with the static busybox and pushes it.
fn push_base_image(reg: &Registry, work: &Path) {
    let ctx = work.join("base");
    fs::create_dir_all(&ctx).expect("mkdir");
    fs::copy("/bin/busybox", ctx.join("busybox")).expect("busybox-static is installed");
    fs::write(ctx.join("Containerfile"), "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n")
        .expect("containerfile");
    let storage = work.join("base-storage");
    let conf = work.join("base-storage.conf");
    fs::write(
        &conf,
        format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/graph\"\nrunroot = \"{0}/run\"\n",
            storage.display()
        ),
    )
    .expect("storage.conf");
    let auth = auth_file(work, &reg.addr, PASSWORD);
    let image = format!("{}/base/busybox:1", reg.addr);
    let buildah = || {
        let mut c = Command::new("buildah");
        c.env("CONTAINERS_STORAGE_CONF", &conf)
            .env("REGISTRY_AUTH_FILE", &auth);
        c
    };
    checked(
        buildah()
            .args(["build", "--isolation=chroot", "--tag", &image])
            .arg(&ctx),
    );
    checked(buildah().args([
        "push",
        "--tls-verify=false",
        &image,
        &format!("docker://{image}"),
    ]));
}

/// A git repository with a Containerfile built on the base image and two pipelines.
fn fixture_repo(reg: &Registry, work: &Path) -> PathBuf {
    let repo = work.join("repo");
    fs::create_dir_all(&repo).expect("mkdir");
    fs::write(
        repo.join("Containerfile"),
        format!(
            "FROM {}/base/busybox:1\nARG WEIRD\nRUN printf '%s' \"$WEIRD\" > /weird-arg.txt\nCOPY expected.txt check.sh /\n",
            reg.addr
        ),
    )
    .expect("containerfile");
    fs::write(repo.join("expected.txt"), WEIRD).expect("expected");
    fs::write(
        repo.join("check.sh"),
        "set -eu\ncmp /expected.txt /weird-arg.txt\nprintf '%s' \"$WEIRD_ENV\" | cmp /expected.txt -\necho \"build arg and env value arrived byte for byte\"\n",
    )
    .expect("check.sh");
    let hcl_weird = nomad_build::escape::hcl_quote(WEIRD);
    let pipeline = |name: &str, second_test: &str| {
        format!(
            r#"pipeline "{name}" {{
  vault {{
    role     = "ci"
    audience = ["vault.io"]
  }}

  source {{
    url = "https://git.example.com/acme/e2e.git"
  }}

  image {{
    repository = "{addr}/acme/{name}"
    build_args = {{
      WEIRD = {hcl_weird}
    }}
  }}

  registry "{addr}" {{
    insecure = true
    credentials {{
      path = "secret/data/ci/registry"
    }}
    pull_credentials {{
      path = "secret/data/ci/registry-pull"
    }}
  }}

  build {{
    timeout = "10m"
  }}

  test "bytes" {{
    command = ["/bin/sh", "/check.sh"]
    env = {{
      WEIRD_ENV = {hcl_weird}
    }}
  }}
{second_test}
  publish {{
    tags = ["v1.0.0", "latest"]
  }}
}}
"#,
            addr = reg.addr
        )
    };
    fs::write(repo.join("build.hcl"), pipeline("e2e-app", "")).expect("build.hcl");
    fs::create_dir_all(repo.join("failing")).expect("mkdir");
    fs::write(
        repo.join("failing/build.hcl"),
        pipeline("e2e-failing", "\n  test \"broken\" {\n    command = [\"/bin/sh\", \"-c\", \"echo about to fail; exit 7\"]\n  }\n"),
    )
    .expect("failing build.hcl");
    let git = |args: &[&str]| checked(Command::new("git").current_dir(&repo).args(args));
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=e2e",
        "-c",
        "user.email=e2e@example.com",
        "commit",
        "-qm",
        "fixture",
    ]);
    repo
}

fn secrets(work: &Path, password: &str) -> PathBuf {
    let path = work.join(format!("secrets-{}.json", password.len()));
    let body = serde_json::json!({
        "secret/data/ci/registry": { "username": USER, "password": password },
        "secret/data/ci/registry-pull": { "username": READER, "password": READER_PASSWORD },
    });
    fs::write(&path, body.to_string()).expect("secrets");
    path
}

fn local(
    repo: &Path,
    file: &str,
    run_id: &str,
    secrets: &Path,
    workdir: &Path,
) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nomad-build"))
        .current_dir(repo)
        .args(["local", file, "--run-id", run_id, "--secrets"])
        .arg(secrets)
        .arg("--workdir")
        .arg(workdir)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn inspect_digest(reg: &Registry, work: &Path, image: &str) -> Option<String> {
    let auth = auth_file(work, &reg.addr, PASSWORD);
    let out = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--authfile"])
        .arg(&auth)
        .arg(format!("docker://{image}"))
        .output()
        .expect("skopeo runs");
    if !out.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["Digest"].as_str().map(str::to_owned)
}

/// Every file below `dir` outside `secrets/` directories.
fn files_outside_secrets(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() && e.file_name() != "secrets" {
            files_outside_secrets(&p, out);
        } else if t.is_file() {
            out.push(p);
        }
    }
}

/// Every file below `dir`, `secrets/` directories included.
fn files_in(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => files_in(&p, out),
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
}

/// Every form in which the product could write a secret: raw, JSON-escaped, percent-encoded
/// (as in a git credential URL, with `%20` or `+` for a space), and base64 (standard and
/// URL-safe, padded or not) of the value alone and of the `user:password` pair that registry
/// auth files carry.
fn encodings(user: &str, secret: &str) -> Vec<(String, Vec<u8>)> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let json = serde_json::to_string(secret).expect("json");
    let json = json[1..json.len() - 1].to_owned();
    let mut percent = String::new();
    for b in secret.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            percent.push(char::from(b));
        } else {
            percent.push_str(&format!("%{b:02X}"));
        }
    }
    let mut forms = vec![
        ("raw".to_owned(), secret.as_bytes().to_vec()),
        ("JSON-escaped".to_owned(), json.into_bytes()),
        ("percent-encoded".to_owned(), percent.clone().into_bytes()),
        (
            "percent-encoded, + for space".to_owned(),
            percent.replace("%20", "+").into_bytes(),
        ),
    ];
    let pair = format!("{user}:{secret}");
    for (what, value) in [("value", secret), ("user:password", pair.as_str())] {
        for (engine, name) in [
            (&STANDARD, "base64"),
            (&STANDARD_NO_PAD, "base64 unpadded"),
            (&URL_SAFE, "base64url"),
            (&URL_SAFE_NO_PAD, "base64url unpadded"),
        ] {
            forms.push((
                format!("{name} of the {what}"),
                engine.encode(value).into_bytes(),
            ));
        }
    }
    forms
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The forms of the registry password found in `bytes`.
fn secret_forms_in(bytes: &[u8]) -> Vec<String> {
    encodings(USER, PASSWORD)
        .into_iter()
        .filter(|(_, needle)| contains(bytes, needle))
        .map(|(form, _)| form)
        .collect()
}

fn assert_no_secret(what: &str, bytes: &[u8]) {
    let found = secret_forms_in(bytes);
    assert!(
        found.is_empty(),
        "the registry password appears in {what}: {found:?}"
    );
}

#[test]
fn the_secret_check_sees_every_encoding_the_product_writes() {
    // The check is only as good as its encodings: each must differ from the raw value for
    // this password (so each is really looked for), and each must be caught.
    for (form, needle) in encodings(USER, PASSWORD) {
        if form != "raw" {
            assert_ne!(
                needle.as_slice(),
                PASSWORD.as_bytes(),
                "{form} is the raw value"
            );
        }
        let mut text = b"before ".to_vec();
        text.extend_from_slice(&needle);
        text.extend_from_slice(b" after");
        assert!(
            secret_forms_in(&text).contains(&form),
            "{form} is not caught"
        );
    }
    // What `local` writes into `secrets/auth.json` is one of them.
    let dir = tempfile::tempdir().expect("tempdir");
    let auth = fs::read(auth_file(dir.path(), "r:5000", PASSWORD)).expect("auth.json");
    assert!(
        !secret_forms_in(&auth).is_empty(),
        "an auth.json with the password passes the check"
    );
}

#[test]
fn local_runs_build_test_publish_against_a_real_registry() {
    for tool in ["buildah", "skopeo", "docker-registry", "htpasswd", "git"] {
        need(tool);
    }
    assert!(
        Path::new("/bin/busybox").is_file(),
        "busybox-static is not installed"
    );
    let reg = start_registry(&[(USER, PASSWORD), (READER, READER_PASSWORD)]);
    let work = tempfile::tempdir().expect("tempdir");
    push_base_image(&reg, work.path());
    let repo = fixture_repo(&reg, work.path());
    let good = secrets(work.path(), PASSWORD);

    // 1. Success: build → test (bytes compared inside the image) → publish two tags.
    let wd = work.path().join("run-ok");
    let (code, stdout, stderr) = local(&repo, "build.hcl", "ok1", &good, &wd);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("test/bytes | build arg and env value arrived byte for byte"),
        "{stdout}"
    );
    assert!(stdout.contains("build/checkout skipped"), "{stdout}");
    let staging = inspect_digest(
        &reg,
        work.path(),
        &format!("{}/acme/e2e-app:build-ok1", reg.addr),
    )
    .expect("staging image pushed");
    for tag in ["v1.0.0", "latest"] {
        let d = inspect_digest(
            &reg,
            work.path(),
            &format!("{}/acme/e2e-app:{tag}", reg.addr),
        );
        assert_eq!(
            d.as_deref(),
            Some(staging.as_str()),
            "tag {tag} has the staging digest"
        );
    }
    let summary = stdout.split("\n\n").last().expect("summary");
    assert!(
        summary.starts_with("PHASE    TASK      STATUS   EXIT  DURATION\n"),
        "{summary}"
    );
    assert!(
        summary.contains("publish  publish   passed   0"),
        "{summary}"
    );
    // No secret in any output, nor in any file outside the secrets/ directories.
    assert_no_secret("stdout", stdout.as_bytes());
    assert_no_secret("stderr", stderr.as_bytes());
    let mut files = Vec::new();
    files_outside_secrets(&wd, &mut files);
    assert!(!files.is_empty());
    for f in &files {
        if let Ok(bytes) = fs::read(f) {
            assert_no_secret(&f.display().to_string(), &bytes);
        }
    }
    let auth_json = wd.join("build/build/build/secrets/auth.json");
    assert!(
        auth_json.is_file(),
        "the build task's credentials were rendered into secrets/"
    );
    // The test task pulled with the read-only account, and never saw the push password.
    let pull_env = fs::read(wd.join("test/bytes/bytes/secrets/registry-pull.env"))
        .expect("the test task's pull credentials");
    assert!(
        String::from_utf8_lossy(&pull_env).contains(READER),
        "the test task pulls with pull_credentials"
    );
    let mut test_files = Vec::new();
    files_in(&wd.join("test"), &mut test_files);
    for f in &test_files {
        assert_no_secret(&f.display().to_string(), &fs::read(f).expect("read"));
    }

    // 2. A failing test: its exit code comes back, publish does not run.
    let wd = work.path().join("run-fail");
    let (code, stdout, stderr) = local(&repo, "failing/build.hcl", "fail1", &good, &wd);
    assert_eq!(code, 7, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("test/broken | about to fail"), "{stdout}");
    let summary = stdout.split("\n\n").last().expect("summary");
    assert!(
        summary.contains("test     broken    failed   7"),
        "{summary}"
    );
    assert!(
        summary.contains("publish  publish   not run  -"),
        "{summary}"
    );
    assert_eq!(
        inspect_digest(
            &reg,
            work.path(),
            &format!("{}/acme/e2e-failing:v1.0.0", reg.addr)
        ),
        None
    );

    // 3. A wrong registry password: a clear error, non-zero, nothing published.
    let bad = secrets(work.path(), "wrong-password");
    let wd = work.path().join("run-badpass");
    let (code, stdout, stderr) = local(&repo, "build.hcl", "bad1", &bad, &wd);
    assert_ne!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("✗ build/build failed"), "{stdout}");
    assert!(
        stdout.to_lowercase().contains("unauthorized")
            || stdout.contains("authentication required"),
        "{stdout}"
    );
    assert_eq!(
        inspect_digest(
            &reg,
            work.path(),
            &format!("{}/acme/e2e-app:build-bad1", reg.addr)
        ),
        None
    );
    assert_no_secret("stdout", stdout.as_bytes());

    // 4. A secret the file lacks is reported before anything runs.
    let empty = work.path().join("empty.json");
    fs::write(&empty, "{}").expect("empty");
    let wd = work.path().join("run-missing");
    let (code, stdout, stderr) = local(&repo, "build.hcl", "miss1", &empty, &wd);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.starts_with("error: the secrets file has no `secret/data/ci/registry`, which task `build/build` reads\n"), "{stderr}");
    assert!(!wd.exists(), "nothing ran");
}

/// `local` refuses a context or Containerfile outside the working tree, written as a path
/// (validate) or reached through a committed symlink (the runner), before anything runs.
#[test]
fn local_refuses_paths_outside_the_working_tree() {
    need("git");
    let work = tempfile::tempdir().expect("tempdir");
    let outside = work.path().join("outside");
    fs::create_dir_all(&outside).expect("mkdir");
    fs::write(outside.join("secret.txt"), "host secret").expect("secret");
    fs::write(
        outside.join("Containerfile"),
        "FROM scratch\nCOPY secret.txt /\n",
    )
    .expect("containerfile");
    let repo = work.path().join("repo");
    fs::create_dir_all(repo.join("app")).expect("mkdir");
    fs::write(repo.join("app/Containerfile"), "FROM scratch\n").expect("containerfile");
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(&outside, repo.join("linked")).expect("symlink");
        symlink(
            outside.join("Containerfile"),
            repo.join("app/Dockerfile.out"),
        )
        .expect("symlink");
        fs::create_dir_all(repo.join("dflt")).expect("mkdir");
        symlink(
            outside.join("Containerfile"),
            repo.join("dflt/Containerfile"),
        )
        .expect("symlink");
    }
    let pipeline = |image: &str| {
        format!(
            r#"pipeline "confined" {{
  vault {{
    role     = "ci"
    audience = ["vault.io"]
  }}

  source {{
    url = "https://git.example.com/acme/confined.git"
  }}

  image {{
    repository = "127.0.0.1:1/acme/confined"
{image}
  }}

  registry "127.0.0.1:1" {{
    credentials {{
      path = "secret/data/ci/registry"
    }}
  }}

  build {{}}
}}
"#
        )
    };
    let cases = [
        (
            "lexical-context",
            "    context = \"../outside\"",
            "the build context `../outside` is not a path inside the repository",
        ),
        (
            "lexical-containerfile",
            "    containerfile = \"/etc/passwd\"",
            "the Containerfile `/etc/passwd` is not a path inside the repository",
        ),
        (
            "symlinked-context",
            "    context = \"linked\"",
            "build/build | error: the build context `linked` resolves to",
        ),
        (
            "symlinked-containerfile",
            "    context       = \"app\"\n    containerfile = \"Dockerfile.out\"",
            "build/build | error: the Containerfile `app/Dockerfile.out` resolves to",
        ),
        (
            "symlinked-default-containerfile",
            "    context = \"dflt\"",
            "build/build | error: the Containerfile `dflt/Containerfile` resolves to",
        ),
    ];
    for (name, image, _) in &cases {
        fs::write(repo.join(format!("{name}.hcl")), pipeline(image)).expect("build.hcl");
    }
    let git = |args: &[&str]| checked(Command::new("git").current_dir(&repo).args(args));
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=e2e",
        "-c",
        "user.email=e2e@example.com",
        "commit",
        "-qm",
        "fixture",
    ]);
    let secrets = secrets(work.path(), PASSWORD);
    for (name, _, expected) in cases {
        let wd = work.path().join(format!("run-{name}"));
        let (code, stdout, stderr) = local(&repo, &format!("{name}.hcl"), "c1", &secrets, &wd);
        assert_eq!(code, 1, "{name}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        if name.starts_with("lexical") {
            // Refused by validate: no task was even set up.
            assert!(stderr.contains(expected), "{name}: {stderr}");
            assert!(
                stderr.contains("path-outside-repository"),
                "{name}: {stderr}"
            );
            assert_eq!(stdout, "", "{name}");
            assert!(!wd.exists(), "{name}: nothing ran");
            continue;
        }
        assert!(stdout.contains(expected), "{name}: {stdout}");
        assert!(
            stdout.contains(&format!(
                "outside the working tree {}; refusing to build",
                fs::canonicalize(&repo).expect("repo").display()
            )),
            "{name}: {stdout}"
        );
        assert!(
            stdout.contains("✗ build/build failed with exit code 1"),
            "{name}: {stdout}"
        );
        // Refused before anything ran: no credentials rendered, buildah never started.
        assert!(
            !wd.join("build/build/build/secrets/auth.json").exists(),
            "{name}: the build task's secrets were rendered"
        );
        assert!(!wd.join("containers/graph").exists(), "{name}: buildah ran");
        assert!(!stdout.contains("host secret"), "{name}: {stdout}");
    }
}

/// The DURATION column of the summary row that starts with `prefix`, in seconds.
fn row_seconds(summary: &str, prefix: &str) -> f64 {
    let row = summary
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no row `{prefix}` in\n{summary}"));
    let last = row.split_whitespace().last().expect("a duration");
    last.trim_end_matches('s')
        .parse()
        .unwrap_or_else(|_| panic!("not a duration: {row}"))
}

#[test]
fn local_stops_a_build_and_a_test_at_their_timeout() {
    for tool in ["buildah", "docker-registry", "htpasswd", "git"] {
        need(tool);
    }
    let reg = start_registry(&[(USER, PASSWORD), (READER, READER_PASSWORD)]);
    let work = tempfile::tempdir().expect("tempdir");
    push_base_image(&reg, work.path());
    let repo = work.path().join("repo");
    fs::create_dir_all(repo.join("slow-test")).expect("mkdir");
    // A build whose RUN sleeps far past its timeout; a quick build whose test sleeps so.
    fs::write(
        repo.join("Containerfile"),
        format!(
            "FROM {}/base/busybox:1\nRUN sleep {BUILD_SLEEP}\n",
            reg.addr
        ),
    )
    .expect("containerfile");
    fs::write(
        repo.join("slow-test/Containerfile"),
        format!("FROM {}/base/busybox:1\nRUN true\n", reg.addr),
    )
    .expect("containerfile");
    let pipeline = |name: &str, body: &str| {
        format!(
            r#"pipeline "{name}" {{
  vault {{
    role     = "ci"
    audience = ["vault.io"]
  }}

  source {{
    url = "https://git.example.com/acme/e2e.git"
  }}

  image {{
    repository = "{addr}/acme/{name}"
    context    = "{name}"
  }}

  registry "{addr}" {{
    insecure = true
    credentials {{
      path = "secret/data/ci/registry"
    }}
  }}
{body}}}
"#,
            addr = reg.addr
        )
    };
    fs::write(
        repo.join("build.hcl"),
        pipeline("slow-build", "\n  build {\n    timeout = \"3s\"\n  }\n")
            .replace("context    = \"slow-build\"", "context    = \".\""),
    )
    .expect("build.hcl");
    fs::write(
        repo.join("slow-test/build.hcl"),
        pipeline(
            "slow-test",
            &format!("\n  build {{}}\n\n  test \"sleepy\" {{\n    command = [\"/bin/sh\", \"-c\", \"echo sleeping; sleep {TEST_SLEEP}\"]\n    timeout = \"3s\"\n  }}\n"),
        ),
    )
    .expect("build.hcl");
    let git = |args: &[&str]| checked(Command::new("git").current_dir(&repo).args(args));
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=e2e",
        "-c",
        "user.email=e2e@example.com",
        "commit",
        "-qm",
        "fixture",
    ]);
    let good = secrets(work.path(), PASSWORD);

    // 1. The build's RUN sleeps for two minutes; the build is stopped at 3 s.
    let started = Instant::now();
    let (code, stdout, stderr) = local(
        &repo,
        "build.hcl",
        "slow1",
        &good,
        &work.path().join("run-build"),
    );
    let elapsed = started.elapsed();
    assert_eq!(code, 124, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("✗ build/build timed out after 3s (exit status 124)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("– build/watchdog skipped: local enforces the group's timeout itself"),
        "{stdout}"
    );
    let summary = stdout.split("\n\n").last().expect("summary");
    assert!(
        summary.contains("build  build     timed out  124"),
        "{summary}"
    );
    assert!(row_seconds(summary, "build  build ") < 15.0, "{summary}");
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    assert_gone(&["sleep", &BUILD_SLEEP.to_string()], "the build's RUN");
    assert_eq!(
        inspect_digest(
            &reg,
            work.path(),
            &format!("{}/acme/slow-build:build-slow1", reg.addr)
        ),
        None,
        "nothing was pushed"
    );

    // 2. The test sleeps for two minutes in its image; it is stopped at 3 s.
    let started = Instant::now();
    let (code, stdout, stderr) = local(
        &repo,
        "slow-test/build.hcl",
        "slow2",
        &good,
        &work.path().join("run-test"),
    );
    let elapsed = started.elapsed();
    assert_eq!(code, 124, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("test/sleepy | sleeping"), "{stdout}");
    assert!(
        stdout.contains("✗ test/sleepy timed out after 3s (exit status 124)"),
        "{stdout}"
    );
    let summary = stdout.split("\n\n").last().expect("summary");
    assert!(
        summary.contains("build  build     passed     0"),
        "{summary}"
    );
    assert!(
        summary.contains("test   sleepy    timed out  124"),
        "{summary}"
    );
    assert!(row_seconds(summary, "test   sleepy ") < 15.0, "{summary}");
    assert!(elapsed < Duration::from_secs(100), "took {elapsed:?}");
    assert_gone(&["sleep", &TEST_SLEEP.to_string()], "the test's command");
}

/// How long the timed-out build's `RUN` and test's command sleep: odd numbers that nothing
/// else on the machine sleeps, so that their processes can be found.
const BUILD_SLEEP: u32 = 127;
const TEST_SLEEP: u32 = 131;

/// The processes on this machine whose argv is `argv`.
fn processes(argv: &[&str]) -> Vec<u32> {
    let want: Vec<u8> = argv
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmdline = fs::read(e.path().join("cmdline")).ok()?;
            (cmdline == want).then_some(pid)
        })
        .collect()
}

/// `local` returned: what the task started must be gone with it. Killed processes can take a
/// moment to be reaped by their parent, so this waits for the condition (at most 10 s).
fn assert_gone(argv: &[&str], what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = processes(argv);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} (`{}`) still runs after the timeout: pids {left:?}",
            argv.join(" ")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
