//! `nomad-build local --clone` with a work directory whose path a shell would split or run
//! (`work dir $(touch pwned)`): the checkout's git credential helper gets the credentials file
//! from the environment, so git's shell never parses the path.

mod common;

#[cfg(unix)]
mod unix {
    use std::fs;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};

    use super::common;

    const NASTY: &str = "work dir $(touch pwned)";

    const BUILD_HCL: &str = r#"pipeline "app" {
  source {
    url = "https://git.example.com/acme/app.git"
    ref = "main"
    credentials {
      path = "secret/data/git"
    }
  }
  vault {
    role     = "ci"
    audience = ["vault.io"]
  }
  image {
    repository = "registry.example.com/acme/app"
  }
  build {}
}
"#;

    /// Every file named `pwned` below `dir`.
    fn pwned(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = fs::read_dir(&d) else {
                continue;
            };
            for e in entries {
                let p = e.expect("entry").path();
                if p.file_name().is_some_and(|n| n == "pwned") {
                    out.push(p.clone());
                }
                if fs::symlink_metadata(&p).expect("meta").is_dir() {
                    stack.push(p);
                }
            }
        }
        out
    }

    /// The checkout script as rendered for this pipeline.
    fn checkout_script(dir: &Path) -> String {
        let (code, json, stderr) = common::run(
            dir,
            &[
                "render", "--run-id", "c1", "--phase", "build", "--format", "json",
            ],
        );
        assert_eq!(code, 0, "{stderr}");
        let job: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        let tasks = job["Job"]["TaskGroups"][0]["Tasks"]
            .as_array()
            .expect("tasks");
        let checkout = tasks
            .iter()
            .find(|t| t["Name"] == "checkout")
            .expect("checkout task");
        checkout["Config"]["args"][1]
            .as_str()
            .expect("script")
            .to_owned()
    }

    /// The `-c credential.helper=...` argument of the script's `git fetch`, unquoted as sh
    /// would (the script writes it in single quotes).
    fn helper(script: &str) -> String {
        let line = script
            .lines()
            .find(|l| l.contains("credential.helper"))
            .expect("the fetch with a credential helper");
        let start = line.find("'credential.helper=").expect("quoted") + 1;
        let end = start + line[start..].find('\'').expect("closing quote");
        line[start..end].to_owned()
    }

    /// `git credential fill` for git.example.com with `helper`, the credentials file in a
    /// secrets directory below a work directory named [`NASTY`]: (stdout, stderr).
    fn fill(base: &Path, helper: &str) -> (String, String) {
        let secrets = base.join(NASTY).join("secrets");
        fs::create_dir_all(&secrets).expect("mkdir");
        fs::write(
            secrets.join("git-credentials"),
            "https://u:p%20w@git.example.com\n",
        )
        .expect("write");
        let mut child = Command::new("git")
            .args(["-c", helper, "credential", "fill"])
            .current_dir(base.join(NASTY))
            .env("HOME", base)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS")
            .env("NOMAD_SECRETS_DIR", &secrets)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("git runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"protocol=https\nhost=git.example.com\n\n")
            .expect("write");
        let out = child.wait_with_output().expect("git ends");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    fn the_credential_helper_reads_a_path_the_shell_would_split_or_run() {
        let tmp = tempfile::tempdir().expect("tempdir");
        fs::write(tmp.path().join("build.hcl"), BUILD_HCL).expect("write");
        let helper = helper(&checkout_script(tmp.path()));

        let (stdout, stderr) = fill(tmp.path(), &helper);
        assert_eq!(
            stdout, "protocol=https\nhost=git.example.com\nusername=u\npassword=p w\n",
            "{stderr}"
        );
        assert_eq!(pwned(tmp.path()), Vec::<PathBuf>::new());

        // The helper as the path once was written into it: the shell runs the `$(...)`.
        let old = "credential.helper=store --file=$NOMAD_SECRETS_DIR/git-credentials";
        let script = format!(
            "printf 'protocol=https\\nhost=git.example.com\\n\\n' | \
             git -c \"{old}\" credential fill >/dev/null 2>&1; true"
        );
        let secrets = tmp.path().join(NASTY).join("secrets");
        let status = Command::new("/bin/sh")
            .args(["-c", &script])
            .current_dir(tmp.path().join(NASTY))
            .env("HOME", tmp.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("NOMAD_SECRETS_DIR", &secrets)
            .status()
            .expect("sh runs");
        assert!(status.success());
        assert_eq!(
            pwned(tmp.path()).len(),
            1,
            "the old helper no longer runs it"
        );
    }

    /// Answers every HTTP request with `401` asking for basic credentials, so that git asks
    /// its credential helpers. Returns the port.
    fn unauthorized_server() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut buf = [0u8; 8192];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = conn.write_all(
                    b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\n\
                      Content-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        port
    }

    #[test]
    fn local_clone_with_such_a_work_directory_fails_cleanly_and_runs_nothing() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let project = tmp.path().join("project");
        fs::create_dir(&project).expect("mkdir");
        fs::write(project.join("build.hcl"), BUILD_HCL).expect("write");
        let secrets = serde_json::json!({
            "secret/data/git": {"username": "u", "password": "canary-git-password"}
        });
        fs::write(project.join("secrets.json"), secrets.to_string()).expect("write");
        // The host's git configuration (`local --clone` uses it): the clone URL leads to a
        // server that wants credentials, and no terminal prompt is waited for.
        let port = unauthorized_server();
        let home = tmp.path().join("home");
        fs::create_dir(&home).expect("mkdir");
        fs::write(
            home.join(".gitconfig"),
            format!(
                "[url \"http://127.0.0.1:{port}/\"]\n\tinsteadOf = https://git.example.com/\n\
                 [core]\n\taskPass = /bin/echo\n"
            ),
        )
        .expect("write");

        let workdir = tmp.path().join(NASTY);
        let out = Command::new(env!("CARGO_BIN_EXE_nomad-build"))
            .current_dir(&project)
            .args([
                "local",
                "--clone",
                "--phase",
                "build",
                "--run-id",
                "c1",
                "--secrets",
                "secrets.json",
                "--workdir",
            ])
            .arg(&workdir)
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .output()
            .expect("the binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(128), "{stdout}{stderr}");
        assert!(
            stdout.contains(&format!(
                "build/checkout | fatal: Authentication failed for \
                 'http://127.0.0.1:{port}/acme/app.git/'\n\
                 ✗ build/checkout failed with exit code 128"
            )),
            "{stdout}"
        );
        assert!(!stdout.contains("canary-git-password"), "{stdout}");
        assert_eq!(pwned(tmp.path()), Vec::<PathBuf>::new(), "{stdout}");
        // The helper was asked: the credentials file is where it looked.
        assert!(workdir
            .join("build/build/checkout/secrets/git-credentials")
            .is_file());
    }
}
