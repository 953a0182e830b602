//! End to end: the build's layer cache with `nomad-build local` and the host's buildah against
//! a real registry (distribution, htpasswd auth, plain HTTP on 127.0.0.1). Layers are reused
//! across runs, never when an input changed; two builds share one store at the same time; the
//! same commit gives the same digest from cold stores; a registry cache fills an empty store.

mod common;

use common::registry::{checked, start_registry, Registry};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const USER: &str = "cache-robot";
const PASSWORD: &str = "c4che pw:+/@";
/// Printed by the fixture's `RUN` step, so its absence shows the step came from the cache
/// (the step's own `STEP 2/3: RUN ...` line has it with quotes in the middle).
const RUN_MARK: &str = "greeting-step-ran";

fn auth_file(dir: &Path, addr: &str) -> PathBuf {
    let token = nomad_build::local::ctmpl::base64(format!("{USER}:{PASSWORD}").as_bytes());
    let path = dir.join("auth.json");
    fs::write(
        &path,
        serde_json::json!({ "auths": { addr: { "auth": token } } }).to_string(),
    )
    .expect("auth");
    path
}

/// Builds `<addr>/base/busybox:1` FROM scratch with the static busybox and `/base-version`
/// holding `version`, and pushes it (replacing an earlier one).
fn push_base_image(reg: &Registry, work: &Path, version: &str) {
    let ctx = work.join(format!("base-{version}"));
    fs::create_dir_all(&ctx).expect("mkdir");
    fs::copy("/bin/busybox", ctx.join("busybox")).expect("busybox-static is installed");
    fs::write(ctx.join("base-version"), version).expect("version");
    fs::write(
        ctx.join("Containerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nCOPY base-version /base-version\n",
    )
    .expect("containerfile");
    let conf = work.join("base-storage.conf");
    fs::write(
        &conf,
        format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/graph\"\nrunroot = \"{0}/run\"\n",
            work.join("base-storage").display()
        ),
    )
    .expect("storage.conf");
    let auth = auth_file(work, &reg.addr);
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

/// `build.hcl` of the fixture: one pipeline with the given `cache` body and build argument.
fn build_hcl(reg: &Registry, cache: &str, greeting: &str) -> String {
    format!(
        r#"variable "repository" {{
  default = "cached"
}}

pipeline "cached" {{
  vault {{
    role     = "ci"
    audience = ["vault.io"]
  }}

  source {{
    url = "https://git.example.com/acme/cached.git"
  }}

  image {{
    repository = "{addr}/acme/${{var.repository}}"
    build_args = {{
      GREETING = "{greeting}"
    }}
  }}

  registry "{addr}" {{
    insecure = true
    credentials {{
      path = "secret/data/ci/registry"
    }}
  }}

  build {{
    timeout = "10m"
    cache {{
      {cache}
    }}
  }}
}}
"#,
        addr = reg.addr
    )
}

/// A git repository whose Containerfile has a `RUN` that reads the build argument and the base
/// image, and a `COPY`.
fn fixture_repo(reg: &Registry, dir: &Path, cache: &str) -> PathBuf {
    repo_with(reg, dir, cache, "ARG GREETING\n")
}

/// The fixture repository with `arg` before its `RUN` step.
fn repo_with(reg: &Registry, dir: &Path, cache: &str, arg: &str) -> PathBuf {
    let repo = dir.join("repo");
    fs::create_dir_all(&repo).expect("mkdir");
    fs::write(
        repo.join("Containerfile"),
        format!(
            "FROM {}/base/busybox:1\n{arg}RUN echo greeting-step-\"\"ran && echo \"${{GREETING:-hello}}\" > /greeting.txt && cat /base-version > /seen-base.txt\nCOPY file.txt /file.txt\n",
            reg.addr
        ),
    )
    .expect("containerfile");
    fs::write(repo.join("file.txt"), "first").expect("file");
    fs::write(repo.join("build.hcl"), build_hcl(reg, cache, "hello")).expect("build.hcl");
    git(&repo, &["init", "-q"]);
    commit(&repo, "fixture");
    repo
}

fn git(repo: &Path, args: &[&str]) {
    checked(Command::new("git").current_dir(repo).args(args));
}

fn commit(repo: &Path, msg: &str) {
    git(repo, &["add", "."]);
    git(
        repo,
        &[
            "-c",
            "user.name=e2e",
            "-c",
            "user.email=e2e@example.com",
            "commit",
            "-qm",
            msg,
        ],
    );
}

fn secrets(dir: &Path) -> PathBuf {
    let path = dir.join("secrets.json");
    let body = serde_json::json!({
        "secret/data/ci/registry": { "username": USER, "password": PASSWORD },
    });
    fs::write(&path, body.to_string()).expect("secrets");
    path
}

/// The image repository (below `<registry>/acme/`) that the build of `run_id` pushes to. The
/// second of two builds at once pushes to a repository of its own: docker-registry 2.8
/// sometimes answers 500 to two pushes of the same blobs into one repository at the same
/// time, which is the registry's business, not the shared store's that the test is about.
fn repository_of(run_id: &str) -> &'static str {
    if run_id == "b" {
        "cached-b"
    } else {
        "cached"
    }
}

/// `nomad-build local --phase build` with its own work directory and the given cache directory.
fn local_cmd(repo: &Path, run_id: &str, secrets: &Path, work: &Path, cache: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nomad-build"));
    c.current_dir(repo)
        .args(["local", "build.hcl", "--phase", "build", "--run-id", run_id])
        .arg("--var")
        .arg(format!("repository={}", repository_of(run_id)))
        .arg("--secrets")
        .arg(secrets)
        .arg("--workdir")
        .arg(work.join(format!("work-{run_id}")))
        .arg("--cache-dir")
        .arg(cache)
        .env("NO_COLOR", "1");
    c
}

fn build(repo: &Path, run_id: &str, secrets: &Path, work: &Path, cache: &Path) -> String {
    let out = checked(&mut local_cmd(repo, run_id, secrets, work, cache));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!stdout.contains(PASSWORD), "the password is in the output");
    stdout
}

/// The `pushed <image>@<digest>` digest of a build's output.
fn pushed_digest(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.split_once("| pushed ").map(|(_, r)| r))
        .and_then(|r| r.rsplit_once('@'))
        .map_or_else(
            || panic!("no pushed digest in:\n{stdout}"),
            |(_, d)| d.to_owned(),
        )
}

/// The content of `path` in the staging image of `run_id`: copied out of the registry with
/// skopeo, read from the topmost layer that has it.
fn file_in_image(reg: &Registry, work: &Path, run_id: &str, path: &str) -> String {
    let dest = work.join(format!("oci-{run_id}"));
    let _ = fs::remove_dir_all(&dest);
    let auth = auth_file(work, &reg.addr);
    checked(
        Command::new("skopeo")
            .args(["copy", "--src-tls-verify=false", "--src-authfile"])
            .arg(&auth)
            .arg(format!(
                "docker://{}/acme/{}:build-{run_id}",
                reg.addr,
                repository_of(run_id)
            ))
            .arg(format!("oci:{}", dest.display())),
    );
    let blob = |digest: &str| {
        dest.join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    let json = |p: PathBuf| -> serde_json::Value {
        serde_json::from_slice(&fs::read(p).expect("blob")).expect("json")
    };
    let index = json(dest.join("index.json"));
    let manifest = json(blob(
        index["manifests"][0]["digest"].as_str().expect("manifest"),
    ));
    let layers = manifest["layers"].as_array().expect("layers");
    for layer in layers.iter().rev() {
        let file = blob(layer["digest"].as_str().expect("digest"));
        let out = Command::new("tar")
            .arg("-xzOf")
            .arg(&file)
            .arg(path)
            .output()
            .expect("tar runs");
        if out.status.success() {
            return String::from_utf8_lossy(&out.stdout).trim().to_owned();
        }
    }
    panic!("no layer of build-{run_id} has {path}");
}

/// The manifest and config of the staging image of `run_id` as leaves by JSON pointer
/// (`/manifest/layers/0/digest`, `/config/history/2/comment`).
fn image_facts(
    reg: &Registry,
    work: &Path,
    run_id: &str,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    fn leaves(
        v: &serde_json::Value,
        at: &str,
        out: &mut std::collections::BTreeMap<String, serde_json::Value>,
    ) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    leaves(
                        x,
                        &format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    leaves(x, &format!("{at}/{i}"), out);
                }
            }
            leaf => {
                out.insert(at.to_owned(), leaf.clone());
            }
        }
    }
    let auth = auth_file(work, &reg.addr);
    let mut out = std::collections::BTreeMap::new();
    for (what, flag) in [("manifest", "--raw"), ("config", "--config")] {
        let o = checked(
            Command::new("skopeo")
                .args(["inspect", flag, "--tls-verify=false", "--authfile"])
                .arg(&auth)
                .arg(format!(
                    "docker://{}/acme/{}:build-{run_id}",
                    reg.addr,
                    repository_of(run_id)
                )),
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        leaves(&v, &format!("/{what}"), &mut out);
    }
    out
}

/// What may differ between the images of two builds of one commit that ran at once on one
/// store, and why that is acceptable. With `--layers`, buildah 1.28 names the image a step
/// started from by its local id when that image is one of its own intermediate images: which
/// build committed an intermediate image first decides whether the other one records
/// `FROM <local id>` (or a `…-tmp` name) or the base image's reference, in the history comments
/// and the `org.opencontainers.image.base.{name,digest}` annotations. These are descriptions
/// that no runtime reads; the config's digest and size change with them. The layers, their
/// diff ids, the entrypoint, the environment and the creation time must be identical.
fn concurrent_difference(pointer: &str) -> bool {
    let history_comment = pointer.starts_with("/config/history/") && pointer.ends_with("/comment");
    history_comment
        || matches!(
            pointer,
            "/manifest/annotations/org.opencontainers.image.base.name"
                | "/manifest/annotations/org.opencontainers.image.base.digest"
                | "/manifest/config/digest"
                | "/manifest/config/size"
        )
}

#[test]
fn a_rebuild_reuses_layers_and_never_a_stale_one() {
    let reg = start_registry(&[(USER, PASSWORD)]);
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    push_base_image(&reg, w, "base-1");
    let cache_body = "host_volume = \"buildah-cache\"";
    let repo = fixture_repo(&reg, w, cache_body);
    let sec = secrets(w);
    let cache = w.join("cache");

    let cold = build(&repo, "r1", &sec, w, &cache);
    assert!(cold.contains(RUN_MARK), "{cold}");
    let again = build(&repo, "r2", &sec, w, &cache);
    assert!(
        !again.contains(RUN_MARK),
        "the RUN step was repeated:\n{again}"
    );
    assert!(again.contains("Using cache"), "{again}");
    assert_eq!(pushed_digest(&cold), pushed_digest(&again));
    assert_eq!(file_in_image(&reg, w, "r2", "file.txt"), "first");

    // A changed file: the COPY step runs again, the RUN above it does not.
    fs::write(repo.join("file.txt"), "second").expect("file");
    commit(&repo, "change the file");
    let out = build(&repo, "r3", &sec, w, &cache);
    assert!(!out.contains(RUN_MARK), "{out}");
    assert_eq!(file_in_image(&reg, w, "r3", "file.txt"), "second");

    // A changed build argument: the RUN step runs again.
    fs::write(
        repo.join("build.hcl"),
        build_hcl(&reg, cache_body, "bonjour"),
    )
    .expect("hcl");
    commit(&repo, "change the build argument");
    let out = build(&repo, "r4", &sec, w, &cache);
    assert!(out.contains(RUN_MARK), "{out}");
    assert_eq!(file_in_image(&reg, w, "r4", "greeting.txt"), "bonjour");
    assert_eq!(file_in_image(&reg, w, "r4", "seen-base.txt"), "base-1");

    // A new base image under the same tag: pulled, and every step above it runs again.
    push_base_image(&reg, w, "base-2");
    let out = build(&repo, "r5", &sec, w, &cache);
    assert!(out.contains(RUN_MARK), "{out}");
    assert_eq!(file_in_image(&reg, w, "r5", "seen-base.txt"), "base-2");
    assert_eq!(file_in_image(&reg, w, "r5", "greeting.txt"), "bonjour");
    assert_eq!(file_in_image(&reg, w, "r5", "file.txt"), "second");
}

#[test]
fn two_builds_at_once_share_one_store() {
    let reg = start_registry(&[(USER, PASSWORD)]);
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    push_base_image(&reg, w, "base-1");
    let repo = fixture_repo(&reg, w, "host_volume = \"buildah-cache\"");
    let sec = secrets(w);
    // One graph root, as the host volume of a node; each build has its own run root, as each
    // task has its own /run.
    let cache = w.join("cache");
    let a = local_cmd(&repo, "a", &sec, w, &cache)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("first build starts");
    let b = local_cmd(&repo, "b", &sec, w, &cache)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("second build starts");
    let (a, b) = (
        a.wait_with_output().expect("first build"),
        b.wait_with_output().expect("second build"),
    );
    for (name, o) in [("a", &a), ("b", &b)] {
        assert!(
            o.status.success(),
            "build {name} failed:\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(file_in_image(&reg, w, name, "file.txt"), "first");
        assert_eq!(file_in_image(&reg, w, name, "greeting.txt"), "hello");
    }
    // The store is intact afterwards: a third build reuses every layer and checks out.
    let out = build(&repo, "c", &sec, w, &cache);
    assert!(!out.contains(RUN_MARK), "{out}");
    // Both builds ran their steps at once; the store keeps the layers of whichever committed
    // last, and the third build is that image.
    let third = pushed_digest(&out);
    let built = [
        pushed_digest(&String::from_utf8_lossy(&a.stdout)),
        pushed_digest(&String::from_utf8_lossy(&b.stdout)),
    ];
    assert!(built.contains(&third), "{third:?} is neither of {built:?}");
    // The two images have the same layers; only buildah's own record of where its cached
    // layers came from may differ between them (see `concurrent_difference`).
    let (da, db) = (image_facts(&reg, w, "a"), image_facts(&reg, w, "b"));
    let differing: Vec<&String> = da
        .keys()
        .chain(db.keys())
        .filter(|k| da.get(*k) != db.get(*k))
        .collect();
    let unexplained: Vec<String> = differing
        .iter()
        .filter(|k| !concurrent_difference(k))
        .map(|k| format!("{k}: {:?} / {:?}", da.get(*k), db.get(*k)))
        .collect();
    assert!(
        unexplained.is_empty(),
        "the images of two builds at once differ beyond buildah's cache bookkeeping:\n{}",
        unexplained.join("\n")
    );
    assert!(
        da.keys().any(|k| k.starts_with("/manifest/layers/")),
        "{da:#?}"
    );
    let check = Command::new("buildah")
        .env(
            "CONTAINERS_STORAGE_CONF",
            w.join("work-c/containers/storage.conf"),
        )
        .args(["images", "--quiet"])
        .output()
        .expect("buildah runs");
    assert!(check.status.success(), "{check:?}");
}

#[test]
fn the_same_commit_gives_the_same_digest_from_cold_stores() {
    let reg = start_registry(&[(USER, PASSWORD)]);
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    push_base_image(&reg, w, "base-1");
    let repo = fixture_repo(&reg, w, "host_volume = \"buildah-cache\"");
    let sec = secrets(w);
    let first = build(&repo, "cold1", &sec, w, &w.join("cache-1"));
    // A second apart at least, so a wall-clock timestamp would differ.
    std::thread::sleep(Duration::from_millis(1100));
    let second = build(&repo, "cold2", &sec, w, &w.join("cache-2"));
    assert!(second.contains(RUN_MARK), "the second store was not cold");
    assert_eq!(pushed_digest(&first), pushed_digest(&second));
    // Reproducible because the commit time was applied, not by luck: the checkout wrote it
    // for the build, and it is the image's creation time.
    let head_time = String::from_utf8(
        checked(
            Command::new("git")
                .current_dir(&repo)
                .args(["log", "-1", "--format=%ct"]),
        )
        .stdout,
    )
    .expect("utf-8")
    .trim()
    .to_owned();
    for run in ["cold1", "cold2"] {
        let written =
            fs::read_to_string(w.join(format!("work-{run}/build/build/alloc/source-date-epoch")))
                .unwrap_or_else(|e| panic!("{run}: the checkout wrote no source-date-epoch: {e}"));
        assert_eq!(
            written.trim(),
            head_time,
            "{run}: source-date-epoch is HEAD's commit time"
        );
        let created = image_facts(&reg, w, run)["/config/created"].clone();
        let want = String::from_utf8(
            checked(Command::new("date").args([
                "-u",
                "-d",
                &format!("@{head_time}"),
                "+%Y-%m-%dT%H:%M:%SZ",
            ]))
            .stdout,
        )
        .expect("utf-8");
        assert_eq!(
            created,
            serde_json::Value::from(want.trim()),
            "{run}: the image's creation time"
        );
    }
    // A new commit (a later commit time) of the same tree gives another digest.
    std::thread::sleep(Duration::from_millis(1100));
    git(
        &repo,
        &[
            "-c",
            "user.name=e2e",
            "-c",
            "user.email=e2e@example.com",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "empty",
        ],
    );
    let third = build(&repo, "cold3", &sec, w, &w.join("cache-3"));
    assert_ne!(pushed_digest(&first), pushed_digest(&third));
}

#[test]
fn a_registry_cache_fills_an_empty_store() {
    let reg = start_registry(&[(USER, PASSWORD)]);
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    push_base_image(&reg, w, "base-1");
    let cache_body = format!("registry = \"{}/acme/cache\"", reg.addr);
    // No `ARG` step: buildah 1.28 pushes the cache of a step that changes no file but cannot
    // pull it back, which ends the reuse there (docs/cache.md).
    let repo = repo_with(&reg, w, &cache_body, "");
    let sec = secrets(w);
    let filled = build(&repo, "fill", &sec, w, &w.join("store-1"));
    assert!(filled.contains(RUN_MARK), "{filled}");
    assert!(filled.contains("Pushing cache"), "{filled}");
    // Another node: an empty store. The layers come from the registry; no step runs.
    let pulled = build(&repo, "pull", &sec, w, &w.join("store-2"));
    assert!(
        !pulled.contains(RUN_MARK),
        "the RUN step was rebuilt:\n{pulled}\nafter filling the cache with:\n{filled}"
    );
    assert!(pulled.contains("Cache pulled from remote"), "{pulled}");
    assert_eq!(pushed_digest(&filled), pushed_digest(&pulled));
    assert_eq!(file_in_image(&reg, w, "pull", "greeting.txt"), "hello");
    // A changed file is not served from the registry cache either.
    fs::write(repo.join("file.txt"), "second").expect("file");
    commit(&repo, "change the file");
    let changed = build(&repo, "changed", &sec, w, &w.join("store-3"));
    assert_eq!(file_in_image(&reg, w, "changed", "file.txt"), "second");
    assert!(!changed.contains(RUN_MARK), "{changed}");
}
