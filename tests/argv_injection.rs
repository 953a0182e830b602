//! No value from `build.hcl` ever reaches git, buildah or skopeo as an option.
//!
//! The property test puts an arbitrary string into one field that reaches a script, compiles
//! the file with the library, and runs every generated script with `/bin/sh` against stub
//! `git`, `buildah` and `skopeo` on `PATH` that record their argv. The value is either
//! refused (validate reports an error) or every recorded command line is exactly the expected
//! one: the value attached to one of the template's own options (`--file=<value>`) or an
//! operand after `--`, byte for byte. Each case is run twice: through validate, and with
//! validate bypassed (load → plan → render), so that the scripts are safe on their own.
//!
//! The plain tests reproduce the `--upload-pack` attack with the real git against a local bare
//! repository, and check the build script's refusal of symlinks that lead out of the checkout.

use std::path::{Path, PathBuf};
use std::process::Command;

use indexmap::IndexMap;
use nomad_build::compile::{compile, CompileOptions, Compiled};
use nomad_build::diag::{Finding, Sources};
use nomad_build::escape::hcl_quote;
use nomad_build::load::{load, VarInputs};
use nomad_build::plan::{plan, GitInfo, PlanOptions};
use nomad_build::render::{Renderer, Templates};
use proptest::prelude::*;
use serde_json::Value;

const RUN_ID: &str = "r1";

// ---------------------------------------------------------------------------------------------
// The pipeline and its fields
// ---------------------------------------------------------------------------------------------

/// Every user field that reaches a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Url,
    Ref,
    Repository,
    Context,
    Containerfile,
    Target,
    BuildArgName,
    BuildArgValue,
    LabelKey,
    LabelValue,
    Tag,
    PublishRepository,
}

/// The values of every field; [`Values::default`] is a valid pipeline.
#[derive(Debug, Clone)]
struct Values {
    url: String,
    git_ref: String,
    repository: String,
    context: String,
    containerfile: String,
    target: String,
    build_arg: (String, String),
    label: (String, String),
    tag: String,
    publish_repository: String,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            url: "https://git.example.com/acme/app.git".into(),
            git_ref: "main".into(),
            repository: "registry.example.com/acme/app".into(),
            context: "svc".into(),
            containerfile: "Containerfile".into(),
            target: "release".into(),
            build_arg: ("VERSION".into(), "1.0".into()),
            label: ("org.example.team".into(), "payments".into()),
            tag: "latest".into(),
            publish_repository: "mirror.example.com/acme/app".into(),
        }
    }
}

impl Values {
    fn with(field: Field, v: &str) -> Values {
        let mut x = Values::default();
        let v = v.to_owned();
        match field {
            Field::Url => x.url = v,
            Field::Ref => x.git_ref = v,
            Field::Repository => x.repository = v,
            Field::Context => x.context = v,
            Field::Containerfile => x.containerfile = v,
            Field::Target => x.target = v,
            Field::BuildArgName => x.build_arg.0 = v,
            Field::BuildArgValue => x.build_arg.1 = v,
            Field::LabelKey => x.label.0 = v,
            Field::LabelValue => x.label.1 = v,
            Field::Tag => x.tag = v,
            Field::PublishRepository => x.publish_repository = v,
        }
        x
    }

    /// The `build.hcl`, every value written with [`hcl_quote`] (so `${` stays literal).
    fn hcl(&self) -> String {
        let q = |s: &str| hcl_quote(s);
        format!(
            r#"pipeline "argv" {{
  vault {{
    role     = "ci"
    audience = ["vault.io"]
  }}

  source {{
    url = {url}
    ref = {git_ref}

    credentials {{
      path = "secret/data/ci/git"
    }}
  }}

  image {{
    repository    = {repository}
    context       = {context}
    containerfile = {containerfile}
    target        = {target}
    build_args    = {{ {bk} = {bv} }}
    labels        = {{ {lk} = {lv} }}
  }}

  registry "registry.example.com" {{
    credentials {{
      path = "secret/data/ci/registry"
    }}
    pull_credentials {{
      path = "secret/data/ci/registry-pull"
    }}
  }}

  build {{}}

  publish {{
    tags         = [{tag}]
    repositories = [{publish_repository}]
  }}
}}
"#,
            url = q(&self.url),
            git_ref = q(&self.git_ref),
            repository = q(&self.repository),
            context = q(&self.context),
            containerfile = q(&self.containerfile),
            target = q(&self.target),
            bk = q(&self.build_arg.0),
            bv = q(&self.build_arg.1),
            lk = q(&self.label.0),
            lv = q(&self.label.1),
            tag = q(&self.tag),
            publish_repository = q(&self.publish_repository),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Compiling: through validate, or around it
// ---------------------------------------------------------------------------------------------

/// One script task of a rendered job: (phase, task, script as the task's shell receives it).
type Script = (String, String, String);

/// Compiles with validate. `Err` holds the error findings (never empty).
fn compiled(hcl: &str) -> Result<Vec<Script>, Vec<Finding>> {
    let templates = Templates::embedded();
    let renderer = Renderer::new(&templates);
    let mut sources = Sources::default();
    let file = sources.add("build.hcl", hcl);
    let opts = CompileOptions {
        run_id: Some(RUN_ID.to_owned()),
        ..Default::default()
    };
    let (out, findings) = compile(&mut sources, file, Path::new("build.hcl"), &opts, &renderer);
    let errors: Vec<Finding> = findings.into_iter().filter(Finding::is_error).collect();
    match out {
        Some(c) if errors.is_empty() => Ok(scripts(&c)),
        _ => {
            assert!(!errors.is_empty(), "refused without an error finding");
            Err(errors)
        }
    }
}

/// Loads, plans and renders without the validate stage. `None` when a later stage refuses.
fn bypassing_validate(hcl: &str) -> Option<Vec<Script>> {
    let templates = Templates::embedded();
    let renderer = Renderer::new(&templates);
    let mut sources = Sources::default();
    let file = sources.add("build.hcl", hcl);
    let (loaded, _) = load(&mut sources, file, &VarInputs::default());
    let checked = nomad_build::rules::check(loaded?).bypassing_validation()?;
    let opts = PlanOptions {
        run_id: RUN_ID.to_owned(),
        source_sha256: "0".repeat(64),
        git: GitInfo::default(),
        target: nomad_build::target::DEFAULT,
    };
    let mut out = Vec::new();
    for ctx in plan(&checked, &opts).ok()? {
        let r = renderer.render_phase(&ctx, &mut sources).ok()?;
        out.extend(job_scripts(ctx.phase.name(), &r.job.job));
    }
    Some(out)
}

fn scripts(c: &Compiled) -> Vec<Script> {
    c.phases
        .iter()
        .flat_map(|r| job_scripts(r.phase.name(), &r.job.job))
        .collect()
}

/// The `sh -c` scripts of a job, after the Nomad client's `config` interpolation pass.
fn job_scripts(phase: &str, job: &nomad_build::nomad::model::Job) -> Vec<Script> {
    let mut out = Vec::new();
    for g in &job.task_groups {
        for t in &g.tasks {
            let config =
                nomad_build::local::interpolate(&Value::Object(t.config.clone()), &IndexMap::new())
                    .expect("the client's config pass accepts our jobs");
            let strings = |k: &str| -> Vec<String> {
                config[k]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let args = strings("args");
            if strings("entrypoint") == ["/bin/sh"] && args.len() == 2 && args[0] == "-c" {
                out.push((
                    phase.to_owned(),
                    t.name.clone().unwrap_or_default(),
                    args[1].clone(),
                ));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Running scripts against recording stubs
// ---------------------------------------------------------------------------------------------

/// A stub records `A<arg>\0` for its name and each argument, then `E\0`.
const STUB: &str = "#!/bin/sh\n{ printf 'A%s\\0' \"${0##*/}\"; for a in \"$@\"; do printf 'A%s\\0' \"$a\"; done; printf 'E\\0'; } >> \"$ARGV_LOG\"\n";

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        for tool in ["git", "buildah", "skopeo"] {
            let p = bin.join(tool);
            std::fs::write(&p, STUB).expect("stub");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
                    .expect("chmod");
            }
        }
        Sandbox { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs `script` as a task would, in a fresh allocation; returns the exit status, stderr
    /// and the recorded command lines.
    fn run(&self, script: &str) -> (bool, String, Vec<Vec<String>>) {
        let alloc = self.path("alloc");
        let _ = std::fs::remove_dir_all(&alloc);
        std::fs::create_dir_all(alloc.join("src")).expect("mkdir");
        std::fs::write(alloc.join("image.digest"), "sha256:0").expect("digest");
        std::fs::create_dir_all(self.path("secrets")).expect("mkdir");
        let log = self.path("argv.log");
        let _ = std::fs::remove_file(&log);
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .current_dir(self.dir.path())
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.path("bin").display()),
            )
            .env("ARGV_LOG", &log)
            .env("NOMAD_ALLOC_DIR", &alloc)
            .env("NOMAD_SECRETS_DIR", self.path("secrets"))
            .output()
            .expect("run /bin/sh");
        let recorded = std::fs::read(&log).unwrap_or_default();
        let mut calls = Vec::new();
        let mut call = Vec::new();
        for token in recorded.split(|b| *b == 0).filter(|t| !t.is_empty()) {
            match token.split_first() {
                Some((b'A', arg)) => call.push(String::from_utf8(arg.to_vec()).expect("utf-8")),
                Some((b'E', [])) => calls.push(std::mem::take(&mut call)),
                _ => panic!("unreadable argv log"),
            }
        }
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            calls,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// What each script must run
// ---------------------------------------------------------------------------------------------

/// An independent lexical normalisation: `.`/empty components dropped, `..` pops, `None` when
/// it climbs above the root or the path is absolute or empty.
fn lexical(base: &str, p: &str) -> Option<String> {
    if p.is_empty() || p.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in base.split('/').chain(p.split('/')) {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(if parts.is_empty() {
        ".".to_owned()
    } else {
        format!("./{}", parts.join("/"))
    })
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// The exact command lines of each script task for these values.
fn expected(v: &Values, sandbox: &Sandbox, task: &str) -> Vec<Vec<String>> {
    let alloc = sandbox.path("alloc");
    let image = format!("{}:build-{RUN_ID}", v.repository);
    match task {
        "checkout" => vec![
            vec![
                "git".into(),
                "init".into(),
                "-q".into(),
                format!("{}/src", alloc.display()),
            ],
            strings(&["git", "remote", "add", "--", "origin", &v.url]),
            vec![
                "git".into(),
                "-c".into(),
                "credential.helper=!f() { git credential-store \
                 --file=\"$NOMAD_SECRETS_DIR/git-credentials\" \"$@\"; }; f"
                    .into(),
                "fetch".into(),
                "-q".into(),
                "--depth".into(),
                "1".into(),
                "--".into(),
                "origin".into(),
                v.git_ref.clone(),
            ],
            strings(&["git", "checkout", "-q", "--detach", "FETCH_HEAD"]),
            strings(&["git", "log", "-1", "--format=checked out %H"]),
            strings(&["git", "log", "-1", "--format=%ct"]),
        ],
        "build" => {
            let context = lexical(".", &v.context).expect("an accepted context");
            let file = lexical(&context, &v.containerfile).expect("an accepted Containerfile");
            vec![
                vec![
                    "buildah".into(),
                    "--storage-driver=vfs".into(),
                    "build".into(),
                    "--isolation=chroot".into(),
                    format!("--file={file}"),
                    format!("--target={}", v.target),
                    format!("--build-arg={}={}", v.build_arg.0, v.build_arg.1),
                    format!("--label={}={}", v.label.0, v.label.1),
                    format!("--tag={image}"),
                    "--".into(),
                    context,
                ],
                vec![
                    "buildah".into(),
                    "--storage-driver=vfs".into(),
                    "push".into(),
                    format!("--digestfile={}/image.digest", alloc.display()),
                    "--".into(),
                    image.clone(),
                    format!("docker://{image}"),
                ],
            ]
        }
        "publish" => [&v.repository, &v.publish_repository]
            .iter()
            .map(|repo| {
                strings(&[
                    "skopeo",
                    "copy",
                    "--all",
                    "--preserve-digests",
                    "--",
                    &format!("docker://{image}"),
                    &format!("docker://{repo}:{}", v.tag),
                ])
            })
            .collect(),
        other => panic!("unexpected script task {other}"),
    }
}

/// Which script tasks a field reaches.
fn tasks_of(field: Field) -> &'static [&'static str] {
    match field {
        Field::Url | Field::Ref => &["checkout"],
        Field::Repository => &["build", "publish"],
        Field::Tag | Field::PublishRepository => &["publish"],
        _ => &["build"],
    }
}

/// Runs the scripts the field reaches and compares every command line with the expected one.
fn check_scripts(
    field: Field,
    v: &Values,
    scripts: &[Script],
    sandbox: &Sandbox,
) -> Result<(), TestCaseError> {
    for want in tasks_of(field) {
        let mine: Vec<&Script> = scripts.iter().filter(|(_, t, _)| t == want).collect();
        prop_assert!(!mine.is_empty(), "no `{}` script", want);
        for (phase, task, script) in mine {
            let (ok, stderr, calls) = sandbox.run(script);
            prop_assert!(ok, "{}/{} failed: {}\n{}", phase, task, stderr, script);
            prop_assert_eq!(
                &calls,
                &expected(v, sandbox, task),
                "{}/{}:\n{}",
                phase,
                task,
                script
            );
        }
    }
    Ok(())
}

/// What one case exercised, for the counts each property test asserts.
#[derive(Debug, Default, Clone, Copy)]
struct Checked {
    /// validate accepted the value and every script ran as expected.
    accepted: usize,
    /// validate refused the value.
    refused: usize,
    /// the scripts compiled without validate ran as expected.
    bypassed: usize,
    /// the value looked like an option (`-x`, `--x=y`) and its scripts ran.
    option_shaped: usize,
}

fn check_field(field: Field, value: &str, sandbox: &Sandbox) -> Result<Checked, TestCaseError> {
    let v = Values::with(field, value);
    let hcl = v.hcl();
    let mut checked = Checked::default();
    if let Ok(scripts) = compiled(&hcl) {
        check_scripts(field, &v, &scripts, sandbox)?;
        checked.accepted += 1;
    } else {
        checked.refused += 1;
    }
    if let Some(scripts) = bypassing_validate(&hcl) {
        check_scripts(field, &v, &scripts, sandbox)?;
        checked.bypassed += 1;
        checked.option_shaped += usize::from(value.starts_with('-'));
    }
    Ok(checked)
}

/// Runs `cases` values of `strategy` through [`check_field`] and asserts what was exercised:
/// a third of the values are option-shaped on purpose, and the scripts really ran for them
/// (with validate bypassed), so a template that dropped a `--` would be caught.
fn property(field: Field, strategy: impl Strategy<Value = String>) {
    use proptest::test_runner::{Config, TestRunner};
    use std::cell::Cell;

    const CASES: u32 = 48;
    let sandbox = Sandbox::new();
    let total = Cell::new(Checked::default());
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |s| {
        let c = check_field(field, &s, &sandbox)?;
        let mut t = total.get();
        t.accepted += c.accepted;
        t.refused += c.refused;
        t.bypassed += c.bypassed;
        t.option_shaped += c.option_shaped;
        total.set(t);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{field:?}: {e}");
    }
    let t = total.get();
    // Shrinking may run more cases than CASES; the counts are at least those of the cases.
    assert!(
        t.accepted + t.refused >= CASES as usize,
        "{field:?}: every case was compiled: {t:?}"
    );
    assert!(
        t.option_shaped >= CASES as usize / 8,
        "{field:?}: option-shaped values reached the scripts: {t:?}"
    );
    assert!(
        t.bypassed >= CASES as usize / 2,
        "{field:?}: scripts ran with validate bypassed: {t:?}"
    );
    assert!(!sandbox.path("pwned").exists(), "{field:?}: a command ran");
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Pieces that mean something to git, buildah, skopeo, the shell or a path.
const TRICKY: &[&str] = &[
    "-",
    "--",
    "--upload-pack=touch pwned;",
    "-oProxyCommand=",
    "--file=",
    "=",
    "/",
    "..",
    ".",
    " ",
    "'",
    "\"",
    "$",
    "${",
    "$(",
    "`",
    "\\",
    "\n",
    ";",
    "&",
    "|",
    "::",
    "ext::",
    "://",
    "https://",
    "file://",
    "@",
    ":",
    "*",
    "~",
    "^",
    "[",
    "+",
    "%",
    "{{",
    "é",
    "a",
    "main",
    "x",
];

/// Arbitrary strings, mostly built from [`TRICKY`] pieces. NUL is left out: no argv entry can
/// carry it (exec takes C strings), so no value containing one could arrive byte for byte.
fn value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        5 => prop::sample::select(TRICKY).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
        1 => "[a-z0-9]{1,4}",
    ];
    prop_oneof![
        3 => prop::collection::vec(piece, 0..8).prop_map(|p| p.concat()),
        1 => any::<String>(),
    ]
    .prop_map(|s| s.replace('\0', ""))
}

/// Values shaped like an option of git, buildah or skopeo: `-x`, `--name`, `--name=value`,
/// the options of the issue's attacks, or a dash before the field's valid default.
fn option_shaped(default: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        "-[a-zA-Z]{1,3}",
        "--[a-z][a-z-]{0,14}",
        ("--[a-z][a-z-]{0,14}", value()).prop_map(|(o, v)| format!("{o}={v}")),
        prop::sample::select(
            &[
                "--upload-pack=touch pwned;",
                "-oProxyCommand=touch pwned",
                "--tls-verify=false",
                "--authfile=/etc/passwd",
                "--file=/etc/passwd",
                "-c",
                "--",
                "-",
            ][..]
        )
        .prop_map(str::to_owned),
        Just(format!("-{default}")),
        Just(format!("--{default}")),
    ]
}

/// [`value`], sometimes around the field's valid default so that accepted values get through,
/// and a third of the time [`option_shaped`].
fn value_for(default: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        2 => value(),
        1 => value().prop_map(move |s| format!("{default}{s}")),
        1 => value().prop_map(move |s| format!("{s}{default}")),
        2 => option_shaped(default),
    ]
}

#[test]
fn source_url() {
    property(Field::Url, value_for("https://git.example.com/"));
}

#[test]
fn source_ref() {
    property(Field::Ref, value_for("main"));
}

#[test]
fn image_repository() {
    property(Field::Repository, value_for("registry.example.com/acme/"));
}

#[test]
fn image_context() {
    property(Field::Context, value_for("svc/"));
}

#[test]
fn image_containerfile() {
    property(Field::Containerfile, value_for("Containerfile"));
}

#[test]
fn image_target() {
    property(Field::Target, value_for("release"));
}

#[test]
fn build_arg_name() {
    property(Field::BuildArgName, value_for("VERSION"));
}

#[test]
fn build_arg_value() {
    property(Field::BuildArgValue, value_for("1.0"));
}

#[test]
fn label_key() {
    property(Field::LabelKey, value_for("org.example."));
}

#[test]
fn label_value() {
    property(Field::LabelValue, value_for("payments"));
}

#[test]
fn publish_tag() {
    property(Field::Tag, value_for("v1"));
}

#[test]
fn publish_repository() {
    property(
        Field::PublishRepository,
        value_for("mirror.example.com/acme/"),
    );
}

/// Hand-picked values that must reach the scripts safely (accepted or refused), so every run
/// covers the attacks of the issue whatever the random cases are.
#[test]
fn known_attacks() {
    let sandbox = Sandbox::new();
    let cases: &[(Field, &str)] = &[
        (Field::Ref, "--upload-pack=touch pwned;"),
        (Field::Ref, "-c"),
        (Field::Ref, "+refs/heads/main:refs/heads/x"),
        (Field::Url, "-oProxyCommand=touch /tmp/pwned"),
        (Field::Url, "--upload-pack=touch pwned;"),
        (Field::Url, "ext::sh -c touch% /tmp/pwned"),
        (Field::Context, "--file=/etc/passwd"),
        (Field::Context, "-"),
        (Field::Context, "https://example.com/ctx.tar"),
        (Field::Context, "github.com/acme/app"),
        (Field::Context, "../../etc"),
        (Field::Containerfile, "/etc/passwd"),
        (Field::Containerfile, "-"),
        (Field::Target, "x --tls-verify=false"),
        (Field::BuildArgValue, "x' --tls-verify=false '"),
        (Field::LabelValue, "$(touch pwned)"),
        (Field::Repository, "--tls-verify=false"),
        (Field::Tag, "-x"),
    ];
    for (field, value) in cases {
        let checked = check_field(*field, value, &sandbox)
            .unwrap_or_else(|e| panic!("{field:?} {value:?}: {e}"));
        // The plan itself refuses paths that leave the repository; every option-shaped
        // attack must reach the scripts with validate bypassed, and be harmless there.
        if value.starts_with('-') {
            assert_eq!(
                checked.bypassed, 1,
                "{field:?} {value:?}: the scripts ran with validate bypassed"
            );
        }
    }
    assert!(!sandbox.path("pwned").exists());
}

/// Values the scripts must receive verbatim: accepted by validate, awkward for a shell.
#[test]
fn accepted_values_arrive_byte_for_byte() {
    let sandbox = Sandbox::new();
    for (field, value) in [
        (Field::Ref, "feature/$weird'ref"),
        (Field::Context, "./svc//api/"),
        (Field::Context, "-dash"),
        (Field::Containerfile, "../svc/deploy/Containerfile"),
        (Field::BuildArgValue, "a $b ${X} 'q' \"d\" \\ \n second"),
        (Field::LabelValue, "--not-an-option"),
        (Field::Url, "git@git.example.com:acme/app.git"),
    ] {
        let v = Values::with(field, value);
        let scripts = compiled(&v.hcl()).unwrap_or_else(|e| panic!("{value:?} refused: {e:?}"));
        check_scripts(field, &v, &scripts, &sandbox).unwrap_or_else(|e| panic!("{value:?}: {e}"));
    }
}

// ---------------------------------------------------------------------------------------------
// The `--upload-pack` reproduction, with the real git
// ---------------------------------------------------------------------------------------------

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every path below `dir` whose file name is `name`.
fn find(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if e.file_name() == name {
            out.push(p.clone());
        }
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            find(&p, name, out);
        }
    }
}

/// Runs the checkout `script` with the real git in a fresh allocation below `work`.
fn run_checkout(work: &Path, script: &str) -> (bool, String) {
    let alloc = work.join("alloc");
    let _ = std::fs::remove_dir_all(&alloc);
    std::fs::create_dir_all(work.join("secrets")).expect("mkdir");
    std::fs::create_dir_all(work.join("task")).expect("mkdir");
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .current_dir(work.join("task"))
        .env("HOME", work)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NOMAD_ALLOC_DIR", &alloc)
        .env("NOMAD_SECRETS_DIR", work.join("secrets"))
        .output()
        .expect("run /bin/sh");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn upload_pack_ref_is_refused_and_the_checkout_script_cannot_run_it() {
    const ATTACK: &str = "--upload-pack=touch pwned;";
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    // A bare repository with one commit on `main`, reached over file://.
    git(w, &["init", "-q", "--bare", "origin.git"]);
    git(w, &["init", "-q", "seed"]);
    let seed = w.join("seed");
    git(
        &seed,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
    );
    git(
        &seed,
        &["push", "-q", "../origin.git", "HEAD:refs/heads/main"],
    );
    let url = format!("file://{}", w.join("origin.git").display());

    // The attack is real with this git: the old command line runs the command.
    let old = w.join("old");
    git(w, &["init", "-q", "old"]);
    git(&old, &["remote", "add", "origin", &url]);
    let _ = Command::new("git")
        .current_dir(&old)
        .args(["fetch", "-q", "--depth", "1", "origin", ATTACK])
        .env("HOME", w)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    let mut hits = Vec::new();
    find(w, "pwned", &mut hits);
    assert!(
        !hits.is_empty(),
        "`git fetch origin {ATTACK}` no longer runs the command here"
    );
    for h in hits {
        std::fs::remove_file(h).expect("rm");
    }

    let v = Values {
        url,
        git_ref: ATTACK.to_owned(),
        ..Values::default()
    };
    // 1. validate refuses the ref.
    let errors = compiled(&v.hcl()).expect_err("validate refuses the ref");
    assert!(
        errors.iter().any(|f| f.rule == "invalid-git-ref"),
        "{errors:?}"
    );

    // 2. With validate bypassed, the generated checkout script hands the ref to git after `--`.
    let scripts = bypassing_validate(&v.hcl()).expect("load, plan and render take the ref");
    let (_, _, checkout) = scripts
        .iter()
        .find(|(phase, task, _)| phase == "build" && task == "checkout")
        .expect("the build job's checkout task");
    assert!(
        checkout.contains("-- origin '--upload-pack=touch pwned;'"),
        "{checkout}"
    );
    let run = w.join("run");
    let (ok, output) = run_checkout(&run, checkout);
    let mut hits = Vec::new();
    find(w, "pwned", &mut hits);
    assert!(
        hits.is_empty(),
        "the checkout script ran the ref as a command: {hits:?}\n{output}"
    );
    assert!(!ok, "the fetch of an invalid refspec fails:\n{output}");
    assert!(output.contains("invalid refspec"), "{output}");

    // The same script with a real ref checks the commit out: the harness does fetch.
    let good = Values {
        git_ref: "main".to_owned(),
        ..v
    };
    let scripts = compiled(&good.hcl()).expect("a valid pipeline");
    let (_, _, checkout) = scripts
        .iter()
        .find(|(phase, task, _)| phase == "build" && task == "checkout")
        .expect("the build job's checkout task");
    let (ok, output) = run_checkout(&run, checkout);
    assert!(ok && output.contains("checked out "), "{output}");
}

// ---------------------------------------------------------------------------------------------
// The build script's own check of committed symlinks
// ---------------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn the_build_script_refuses_symlinks_out_of_the_checkout_before_buildah_runs() {
    let sandbox = Sandbox::new();
    let outside = sandbox.path("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(outside.join("Containerfile"), "FROM scratch\n").expect("write");
    let build_script = |context: &str, containerfile: &str| -> String {
        let v = Values {
            context: context.to_owned(),
            containerfile: containerfile.to_owned(),
            ..Values::default()
        };
        let scripts = compiled(&v.hcl()).expect("a valid pipeline");
        scripts
            .into_iter()
            .find(|(_, t, _)| t == "build")
            .expect("build task")
            .2
    };
    // `Sandbox::run` recreates alloc/src, so the links are made by the script's prologue.
    let with_links = |script: &str| {
        format!(
            "mkdir -p \"$NOMAD_ALLOC_DIR/src/svc\" \"$NOMAD_ALLOC_DIR/src/inside\"\nln -s {out} \"$NOMAD_ALLOC_DIR/src/linked\"\nln -s {out}/Containerfile \"$NOMAD_ALLOC_DIR/src/svc/Out\"\nln -s ../inside \"$NOMAD_ALLOC_DIR/src/svc/up\"\n{script}",
            out = outside.display()
        )
    };
    for (context, containerfile, refused) in [
        ("linked", "Containerfile", Some("./linked resolves to")),
        ("svc", "Out", Some("./svc/Out resolves to")),
        ("svc/up", "Containerfile", None),
        ("svc", "Containerfile", None),
    ] {
        let (ok, stderr, calls) = sandbox.run(&with_links(&build_script(context, containerfile)));
        match refused {
            Some(msg) => {
                assert!(!ok, "{context} {containerfile}: accepted");
                assert!(
                    stderr.contains(msg) && stderr.contains("outside the repository"),
                    "{stderr}"
                );
                assert!(calls.is_empty(), "buildah ran: {calls:?}");
            }
            None => {
                assert!(ok, "{context} {containerfile}: {stderr}");
                assert_eq!(calls.len(), 2, "build and push: {calls:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The ref rule agrees with git
// ---------------------------------------------------------------------------------------------

/// `git check-ref-format --allow-onelevel <r>` (for refs that do not start with `-`, which git
/// would read as an option and the rule refuses anyway).
fn git_accepts_ref(r: &str) -> bool {
    Command::new("git")
        .args(["check-ref-format", "--allow-onelevel", r])
        .output()
        .expect("git runs")
        .status
        .success()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_ref_rule_is_git_check_ref_format(r in value_for("refs/heads/").prop_filter("an option to git", |r| !r.starts_with('-'))) {
        let ours = nomad_build::rules::invalid_git_ref::valid_git_ref(&r).is_ok();
        let git = git_accepts_ref(&r) && !r.starts_with('+');
        prop_assert_eq!(ours, git, "{:?}", r);
    }
}
