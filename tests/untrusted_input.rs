//! What a repository's author can plant for CI to read: symlinks and special files where
//! build.hcl, a `--var-file`, a `--check` target or the `-o` directory should be; environment
//! entries that are not UTF-8; terminal control characters in build.hcl values.
#![cfg(unix)]

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};

/// What the symlinks point at: a file outside the repository holding a secret.
const CANARY: &str = "CANARY-3b9f0c1e";

/// A valid build.hcl with a variable, so that a var file can set it.
const BUILD: &str = r#"variable "ref" {
  default = "main"
}

pipeline "hello" {
  source {
    url = "https://git.example.com/acme/hello.git"
    ref = var.ref
  }
  image {
    repository = "registry.example.com/acme/hello"
  }
  build {}
}
"#;

/// A repository next to `outside/` (the canary, and an empty directory), in a fresh temporary
/// directory.
struct Layout {
    _tmp: tempfile::TempDir,
    repo: std::path::PathBuf,
    outside: std::path::PathBuf,
}

impl Layout {
    fn new() -> Layout {
        let tmp = tempfile::tempdir().expect("tempdir");
        let repo = tmp.path().join("repo");
        let outside = tmp.path().join("outside");
        fs::create_dir_all(&repo).expect("repo");
        fs::create_dir_all(outside.join("empty")).expect("outside");
        // Valid HCL for a var file, so that following the link would use the value.
        fs::write(outside.join("canary"), format!("ref = \"{CANARY}\"\n")).expect("canary");
        Layout {
            _tmp: tmp,
            repo,
            outside,
        }
    }

    fn canary(&self) -> std::path::PathBuf {
        self.outside.join("canary")
    }

    /// Runs the binary in the repository, with the canary in its environment as well.
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_nomad-build"))
            .current_dir(&self.repo)
            .args(args)
            .env("NO_COLOR", "1")
            .env("NOMAD_TOKEN", CANARY)
            .env_remove("NOMAD_BUILD_VAR_ref")
            .output()
            .expect("the binary runs");
        let (code, stdout, stderr) = text(&out);
        for (what, s) in [("stdout", &stdout), ("stderr", &stderr)] {
            assert!(
                !s.contains(CANARY),
                "{args:?}: the canary is in {what}:\n{s}"
            );
        }
        (code, stdout, stderr)
    }

    /// Every file below `outside/` other than the canary: nothing may be written there.
    fn written_outside(&self) -> Vec<String> {
        let mut found = Vec::new();
        let mut stack = vec![self.outside.clone()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).expect("read_dir") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else if p != self.canary() {
                    found.push(p.display().to_string());
                }
            }
        }
        found
    }
}

fn text(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `summary` of each diagnostic of a `--format json` report.
fn summaries(json: &str) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(json).expect("a JSON report");
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["summary"].as_str().expect("summary").to_owned())
        .collect()
}

/// The refusal of `path` (as the messages show it), a symlink.
fn symlink_refused(path: &str) -> String {
    format!(
        "`{path}` is a symbolic link, and nomad-build does not follow symlinks in the paths it \
         reads or writes"
    )
}

#[test]
fn a_symlinked_build_hcl_is_refused_in_every_format() {
    let l = Layout::new();
    symlink(l.canary(), l.repo.join("build.hcl")).expect("symlink");
    let (code, stdout, stderr) = l.run(&["validate", "build.hcl"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "file-unreadable

  × cannot read `build.hcl`: `build.hcl` is a symbolic link, and nomad-build does not follow
  │ symlinks in the paths it reads or writes
   ╭─[command line:1:22]
 1 │ nomad-build validate build.hcl
   ·                      ────┬────
   ·                          ╰── this file
   ╰────

failed: 1 error and 0 warnings in 1 file
"
    );
    for format in ["json", "sarif", "github"] {
        let (code, stdout, _) = l.run(&["validate", "--format", format]);
        assert_eq!(code, 1, "{format}");
        assert!(
            stdout.contains(&symlink_refused("build.hcl")),
            "{format}: {stdout}"
        );
    }
    let (code, stdout, stderr) = l.run(&["render", "--run-id", "r1", "--phase", "build"]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(
        stderr.contains("cannot read `build.hcl`: `build.hcl` is a symbolic link"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("failed: 1 error; nothing was written\n"),
        "{stderr}"
    );
}

#[test]
fn build_hcl_linked_to_the_process_environment_is_not_printed() {
    // The reproduction: CI's environment (here, the canary as NOMAD_TOKEN) printed inside the
    // syntax-error snippet. `Layout::run` asserts that no output holds the canary.
    let l = Layout::new();
    symlink("/proc/self/environ", l.repo.join("build.hcl")).expect("symlink");
    for format in ["human", "json"] {
        let (code, _, stderr) = l.run(&["validate", "--format", format]);
        assert_eq!(code, 1, "{format}: {stderr}");
    }
    // Named directly: `/proc/self` is a symlink itself, and /proc files are refused as what
    // they are.
    let (code, stdout, _) = l.run(&["validate", "--format", "json", "/proc/self/environ"]);
    assert_eq!(code, 1);
    assert_eq!(
        summaries(&stdout),
        [format!(
            "cannot read `/proc/self/environ`: {}",
            symlink_refused("/proc/self")
        )]
    );
    let (code, stdout, _) = l.run(&["validate", "--format", "json", "/proc/version"]);
    assert_eq!(code, 1);
    assert_eq!(
        summaries(&stdout),
        ["cannot read `/proc/version`: `/proc/version` is a file of /proc, not a regular file"]
    );
}

#[test]
fn directory_discovery_reports_symlinked_build_files_and_directories() {
    let l = Layout::new();
    fs::create_dir_all(l.repo.join("services/api")).expect("dirs");
    fs::write(l.repo.join("services/api/build.hcl"), BUILD).expect("build.hcl");
    fs::create_dir_all(l.repo.join("services/web")).expect("dirs");
    symlink(l.canary(), l.repo.join("services/web/build.hcl")).expect("symlink");
    symlink(&l.outside, l.repo.join("services/elsewhere")).expect("dir symlink");
    let (code, _, stderr) = l.run(&["validate", "services"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.ends_with("failed: 1 error and 0 warnings in 2 files\n"),
        "{stderr}"
    );
    let (code, stdout, _) = l.run(&["validate", "--format", "json", "services"]);
    assert_eq!(code, 1);
    assert_eq!(
        summaries(&stdout),
        [format!(
            "cannot read `services/web/build.hcl`: {}",
            symlink_refused("services/web/build.hcl")
        )]
    );
    // A symlinked directory given by name is refused, not searched.
    symlink(l.repo.join("services"), l.repo.join("linked")).expect("dir symlink");
    for path in ["linked", "linked/api/build.hcl"] {
        let (code, stdout, _) = l.run(&["validate", "--format", "json", path]);
        assert_eq!(code, 1);
        assert_eq!(
            summaries(&stdout),
            [format!(
                "cannot read `{path}`: {}",
                symlink_refused("linked")
            )]
        );
    }
}

#[test]
fn a_symlinked_var_file_is_refused() {
    let l = Layout::new();
    fs::write(l.repo.join("build.hcl"), BUILD).expect("build.hcl");
    symlink(l.canary(), l.repo.join("release.vars.hcl")).expect("symlink");
    let args = [
        "render",
        "--run-id",
        "r1",
        "--phase",
        "build",
        "--var-file",
        "release.vars.hcl",
    ];
    let (code, stdout, stderr) = l.run(&args);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        "var-file-unreadable

  × cannot read `release.vars.hcl`: `release.vars.hcl` is a symbolic link, and nomad-build does
  │ not follow symlinks in the paths it reads or writes
   ╭─[command line:1:12]
 1 │ --var-file release.vars.hcl
   ·            ────────┬───────
   ·                    ╰── this file
   ╰────

failed: 1 error; nothing was written
"
    );
    let (code, _, stderr) = l.run(&["validate", "--var-file", "release.vars.hcl"]);
    assert_eq!(code, 1, "{stderr}");
}

#[test]
fn check_never_compares_with_a_symlink_or_a_special_file() {
    let l = Layout::new();
    fs::write(l.repo.join("build.hcl"), BUILD).expect("build.hcl");
    let (code, _, stderr) = l.run(&["render", "--run-id", "r1", "-o", "nomad"]);
    assert_eq!(code, 0, "{stderr}");
    let hcl = l.repo.join("nomad/hello.build.nomad.hcl");
    fs::remove_file(&hcl).expect("rm");
    symlink(l.canary(), &hcl).expect("symlink");
    let check = ["render", "--run-id", "r1", "-o", "nomad", "--check"];
    let (code, stdout, stderr) = l.run(&check);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        format!(
            "nomad/hello.build.nomad.hcl: {}; refusing to compare (counted as out of date)\n",
            symlink_refused("nomad/hello.build.nomad.hcl")
        )
    );
    assert_eq!(
        stderr,
        "1 file out of date; run `nomad-build render -o nomad` to update\n"
    );

    // A FIFO: refused without blocking on it.
    fs::remove_file(&hcl).expect("rm");
    let status = Command::new("mkfifo").arg(&hcl).status().expect("mkfifo");
    assert!(status.success());
    let (code, stdout, _) = l.run(&check);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "nomad/hello.build.nomad.hcl: `nomad/hello.build.nomad.hcl` is a FIFO, not a regular \
         file; refusing to compare (counted as out of date)\n"
    );

    // The whole directory a symlink.
    fs::remove_dir_all(l.repo.join("nomad")).expect("rm");
    symlink(l.outside.join("empty"), l.repo.join("nomad")).expect("symlink");
    fs::write(
        l.outside.join("empty/hello.build.nomad.json"),
        format!("{CANARY}\n"),
    )
    .expect("write");
    let (code, stdout, _) = l.run(&check);
    assert_eq!(code, 1);
    let refused = symlink_refused("nomad");
    assert_eq!(
        stdout,
        format!(
            "nomad/hello.build.nomad.hcl: {refused}; refusing to compare (counted as out of \
             date)\nnomad/hello.build.nomad.json: {refused}; refusing to compare (counted as \
             out of date)\n"
        )
    );
}

#[test]
fn output_directory_symlinks_are_refused_and_nothing_is_written_outside() {
    let l = Layout::new();
    fs::write(l.repo.join("build.hcl"), BUILD).expect("build.hcl");
    symlink(l.outside.join("empty"), l.repo.join("nomad")).expect("symlink");
    let (code, stdout, stderr) = l.run(&["render", "--run-id", "r1", "-o", "nomad/"]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        format!(
            "error: cannot write into `nomad/`: {}\n",
            symlink_refused("nomad")
        )
    );
    // A symlink further up, and a directory to create below it.
    let (code, _, stderr) = l.run(&["render", "--run-id", "r1", "-o", "nomad/jobs"]);
    assert_eq!(code, 1);
    assert!(stderr.contains(&symlink_refused("nomad")), "{stderr}");
    assert_eq!(l.written_outside(), Vec::<String>::new());

    // A symlink at an output's name is replaced by the file, never written through.
    fs::remove_file(l.repo.join("nomad")).expect("rm");
    fs::create_dir(l.repo.join("nomad")).expect("mkdir");
    symlink(l.canary(), l.repo.join("nomad/hello.build.nomad.hcl")).expect("symlink");
    let (code, _, stderr) = l.run(&["render", "--run-id", "r1", "-o", "nomad"]);
    assert_eq!(code, 0, "{stderr}");
    let hcl = l.repo.join("nomad/hello.build.nomad.hcl");
    assert!(fs::symlink_metadata(&hcl).expect("hcl").is_file());
    assert_eq!(
        fs::read_to_string(l.canary()).expect("canary"),
        format!("ref = \"{CANARY}\"\n")
    );
}

#[test]
fn written_files_are_readable_by_others_like_any_file() {
    let l = Layout::new();
    fs::write(l.repo.join("build.hcl"), BUILD).expect("build.hcl");
    let out = Command::new("sh")
        .current_dir(&l.repo)
        .args(["-c", "umask 022; exec \"$0\" render --run-id r1 -o nomad"])
        .arg(env!("CARGO_BIN_EXE_nomad-build"))
        .output()
        .expect("sh");
    assert!(out.status.success(), "{:?}", text(&out));
    let mut modes: Vec<(String, u32)> = fs::read_dir(l.repo.join("nomad"))
        .expect("nomad")
        .map(|e| {
            let e = e.expect("entry");
            let mode = e.metadata().expect("metadata").permissions().mode() & 0o7777;
            (e.file_name().to_string_lossy().into_owned(), mode)
        })
        .collect();
    modes.sort();
    assert_eq!(
        modes,
        [
            ("hello.build.nomad.hcl".to_owned(), 0o644),
            ("hello.build.nomad.json".to_owned(), 0o644)
        ]
    );
}

#[test]
fn standard_input_is_still_read() {
    let l = Layout::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nomad-build"))
        .current_dir(&l.repo)
        .args(["validate", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), BUILD.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(text(&out), (0, String::new(), String::new()));
}

/// Runs the binary in `dir` with an environment holding entries that are not UTF-8.
fn run_with_bad_env(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nomad-build"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("NOMAD_BUILD_VAR_ref")
        .env("JUNK", OsStr::from_bytes(b"\xff\xfe"))
        .env(OsStr::from_bytes(b"ODD_\xff"), "1")
        .env("NOMAD_TOKEN", OsStr::from_bytes(b"s3cr\xffet"))
        .env("NOMAD_BUILD_VAR_ref", OsStr::from_bytes(b"v\xff"))
        .output()
        .expect("the binary runs");
    text(&out)
}

#[test]
fn environment_entries_that_are_not_utf8_are_skipped_with_a_warning() {
    let l = Layout::new();
    fs::write(l.repo.join("build.hcl"), BUILD).expect("build.hcl");
    let warning = "warning: the environment variable `NOMAD_BUILD_VAR_ref` is not valid UTF-8; \
                   nomad-build ignores it\nwarning: the environment variable `NOMAD_TOKEN` is \
                   not valid UTF-8; nomad-build ignores it\n";
    let mut warnings: Vec<&str> = warning.lines().collect();
    warnings.sort_unstable();
    let sorted = |s: &str| {
        let mut lines: Vec<String> = s.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };
    let (code, stdout, stderr) = run_with_bad_env(&l.repo, &["validate"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(sorted(&stderr), warnings, "{stderr}");
    let (code, stdout, stderr) =
        run_with_bad_env(&l.repo, &["render", "--run-id", "r1", "--phase", "build"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("job \"hello-build-r1\" {\n"), "{stdout}");
    assert_eq!(sorted(&stderr), warnings, "{stderr}");
    let (code, stdout, stderr) = run_with_bad_env(&l.repo, &["rules"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.contains("file-unreadable"), "{stdout}");
}

/// A build.hcl whose values hold terminal escapes (colour, window title, clear screen), a
/// bell, a carriage return, a C1 CSI and a right-to-left override.
fn hostile() -> String {
    "pipeline \"app\" {\n  image {\n    repository = \"registry.example.com/\u{1b}[31mred\u{1b}]0;pwned\u{7}\u{202e}app\"\n  }\n  build {\n    timeout = \"5\u{1b}[2J\rm\u{9b}1m\"\n  }\n}\n".to_owned()
}

fn has_hidden(s: &str) -> bool {
    s.chars().any(|c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn control_characters_in_values_are_escaped_in_every_format() {
    let l = Layout::new();
    fs::write(l.repo.join("build.hcl"), hostile()).expect("build.hcl");
    let (code, stdout, stderr) = l.run(&["validate"]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(!has_hidden(&stderr), "{stderr:?}");
    insta::assert_snapshot!("control-characters-human", stderr);
    for format in ["json", "sarif", "github"] {
        let (code, stdout, stderr) = l.run(&["validate", "--format", format]);
        assert_eq!((code, stderr.as_str()), (1, ""), "{format}");
        assert!(!has_hidden(&stdout), "{format}: {stdout:?}");
        assert!(
            stdout.contains(r"\u{1b}[31mred\u{1b}]0;pwned\u{7}\u{202e}app")
                || stdout.contains(r"\\u{1b}[31mred\\u{1b}]0;pwned\\u{7}\\u{202e}app"),
            "{format}: {stdout}"
        );
    }
    // The JSON snippet is escaped too, and its highlight still covers the value.
    let (_, stdout, _) = l.run(&["validate", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let snippet = &report["diagnostics"][1]["snippet"];
    let code = snippet["code"].as_str().expect("code");
    let (from, to) = (
        snippet["highlight_start_offset"].as_u64().expect("start") as usize,
        snippet["highlight_end_offset"].as_u64().expect("end") as usize,
    );
    assert_eq!(&code[from..to], r#""5\u{1b}[2J\u{d}m\u{9b}1m""#);
}

/// A build.hcl whose `build_args` map has `n` entries, and optionally a repeat of the first.
fn big_map(n: usize, repeat_first: bool) -> String {
    let mut s = String::from(
        "pipeline \"big\" {\n  source {\n    url = \"https://git.example.com/acme/big.git\"\n  }\n  image {\n    repository = \"registry.example.com/acme/big\"\n    build_args = {\n",
    );
    for i in 0..n {
        s.push_str(&format!("      ARG_{i} = \"value-{i}\"\n"));
    }
    if repeat_first {
        s.push_str("      ARG_0 = \"again\"\n");
    }
    s.push_str("    }\n  }\n  build {}\n}\n");
    s
}

#[test]
fn large_maps_are_read_whole_and_in_order() {
    // The speed target (100,000 entries in under a second) is in `benches/validate.rs`; this
    // checks that the linear-time object parser (vendor/hcl-edit) keeps every entry, in order,
    // and still reports a repeated key where it is.
    let l = Layout::new();
    let n = 20_000;
    fs::write(l.repo.join("build.hcl"), big_map(n, false)).expect("build.hcl");
    let (code, stdout, stderr) = l.run(&[
        "render", "--run-id", "r1", "--phase", "build", "--format", "json",
    ]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let args: Vec<String> = (0..n)
        .map(|i| format!("--build-arg=ARG_{i}=value-{i} "))
        .collect();
    let mut at = 0;
    for a in &args {
        let found = stdout[at..]
            .find(a.as_str())
            .unwrap_or_else(|| panic!("{a} in order"));
        at += found + a.len();
    }

    fs::write(l.repo.join("build.hcl"), big_map(n, true)).expect("build.hcl");
    let (code, stdout, _) = l.run(&["validate", "--format", "json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let d = &report["diagnostics"][0];
    assert_eq!(d["rule"], "syntax-error");
    assert_eq!(d["range"]["start"]["line"], 8 + n);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(1));
}
