//! Speed targets (2-core machine): 1,000 varied build.hcl files validated in one process in
//! under 0.5 s; one file validated and rendered in both formats in under 2 ms; one file with
//! 100,000 `build_args` validated in under 1 s (maps parse and check in linear time).
//!
//! Run: `cargo bench --bench validate` prints the median of several runs beside each target
//! and names a missed target on standard error; `cargo bench --bench validate -- --check`
//! also exits 1 when one is missed (for a benchmark job; the test suite never times anything).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use nomad_build::compile::{compile_file, validate_files, CompileOptions};
use nomad_build::render::{Renderer, Templates};

/// A build.hcl that differs with `i`: tests, registries, credentials, build args, publishing.
fn generate(i: usize) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "variable \"ref\" {{\n  default = \"release-{i}\"\n}}\n\n"
    ));
    s.push_str(&format!("pipeline \"svc-{i}\" {{\n  nomad {{\n    datacenters = [\"dc{}\"]\n    priority    = {}\n  }}\n", i % 3, 10 + i % 80));
    let creds = i.is_multiple_of(2);
    if creds {
        s.push_str(
            "  vault {\n    role     = \"nomad-workloads\"\n    audience = [\"vault.io\"]\n  }\n",
        );
    }
    s.push_str(&format!(
        "  source {{\n    url = \"https://git.example.com/acme/svc-{i}.git\"\n    ref = var.ref\n"
    ));
    if creds && i.is_multiple_of(4) {
        s.push_str("    credentials {\n      path = \"secret/data/ci/git\"\n    }\n");
    }
    s.push_str("  }\n");
    s.push_str(&format!("  image {{\n    repository = \"registry{}.example.com/acme/svc-{i}\"\n    build_args = {{\n", i % 5));
    for a in 0..(i % 6) {
        s.push_str(&format!(
            "      ARG_{a} = \"value ${{NOMAD_ALLOC_ID}} $${{x}} {a} {{{{ y }}}}\"\n"
        ));
    }
    s.push_str("    }\n  }\n");
    if creds {
        s.push_str(&format!("  registry \"registry{}.example.com\" {{\n    credentials {{\n      path = \"secret/data/ci/registry\"\n    }}\n  }}\n", i % 5));
    }
    s.push_str(&format!("  build {{\n    timeout = \"{}m\"\n    resources {{\n      cpu    = {}\n      memory = 2048\n    }}\n  }}\n", 10 + i % 50, 500 + i));
    for t in 0..(i % 4) {
        s.push_str(&format!("  test \"t{t}\" {{\n    command = [\"make\", \"test-{t}\"]\n    env     = {{ N = \"{t}\" }}\n  }}\n"));
    }
    if !i.is_multiple_of(3) {
        s.push_str("  publish {\n    tags = [\"latest\", \"v1\"]\n  }\n");
    }
    s.push_str("}\n");
    s
}

/// A valid build.hcl whose `build_args` map has `n` entries.
fn big_map(n: usize) -> String {
    let mut s = String::from(
        "pipeline \"big\" {\n  source {\n    url = \"https://git.example.com/acme/big.git\"\n  }\n  image {\n    repository = \"registry.example.com/acme/big\"\n    build_args = {\n",
    );
    for i in 0..n {
        s.push_str(&format!("      ARG_{i} = \"value {i}\"\n"));
    }
    s.push_str("    }\n  }\n  build {}\n}\n");
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files: Vec<PathBuf> = (0..1000)
        .map(|i| {
            let p = dir.path().join(format!("build-{i:04}.hcl"));
            std::fs::write(&p, generate(i)).expect("write");
            p
        })
        .collect();
    let opts = CompileOptions {
        fallback_run_id: Some("bench".to_owned()),
        ..Default::default()
    };

    let results = validate_files(&files, None, &opts);
    let problems: usize = results
        .iter()
        .map(|(_, f)| f.iter().filter(|x| x.is_error()).count())
        .sum();
    assert_eq!(problems, 0, "the generated files are valid");

    let runs: Vec<Duration> = (0..7)
        .map(|_| {
            let t = Instant::now();
            let r = validate_files(&files, None, &opts);
            assert_eq!(r.len(), 1000);
            t.elapsed()
        })
        .collect();
    let many = median(runs);

    let templates = Templates::embedded();
    let renderer = Renderer::new(&templates);
    let one = &files[7];
    let runs: Vec<Duration> = (0..300)
        .map(|_| {
            let t = Instant::now();
            let (_, compiled, _) = compile_file(one, None, &opts, &renderer);
            let compiled = compiled.expect("compiles");
            let bytes: usize = compiled
                .phases
                .iter()
                .map(|p| {
                    p.hcl.len() + nomad_build::emit::text(p, nomad_build::emit::Format::Json).len()
                })
                .sum();
            assert!(bytes > 0);
            t.elapsed()
        })
        .collect();
    let single = median(runs);

    let big = dir.path().join("big.hcl");
    std::fs::write(&big, big_map(100_000)).expect("write");
    let runs: Vec<Duration> = (0..3)
        .map(|_| {
            let t = Instant::now();
            let r = validate_files(std::slice::from_ref(&big), None, &opts);
            assert!(
                r[0].1.iter().all(|f| !f.is_error()),
                "the big file is valid"
            );
            t.elapsed()
        })
        .collect();
    let big_map = median(runs);

    let measured = [
        (
            "validate 1,000 files (one process)",
            many,
            Duration::from_millis(500),
        ),
        (
            "validate + render one file (both)",
            single,
            Duration::from_millis(2),
        ),
        (
            "validate 100,000 build_args",
            big_map,
            Duration::from_secs(1),
        ),
    ];
    let mut missed = Vec::new();
    for (what, took, target) in measured {
        let ok = took <= target;
        println!(
            "{what:<36} {:>9.3} ms   target < {:>6.0} ms   {}",
            took.as_secs_f64() * 1e3,
            target.as_secs_f64() * 1e3,
            if ok { "ok" } else { "MISSED" }
        );
        if !ok {
            missed.push(what);
        }
    }
    if !missed.is_empty() {
        eprintln!("missed: {}", missed.join("; "));
        if std::env::args().any(|a| a == "--check") {
            std::process::exit(1);
        }
    }
}
