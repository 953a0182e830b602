//! Every `examples/*/build.hcl` compiles without findings; its output files are snapshotted,
//! pass Nomad's strict job schema, and parse identically with HashiCorp's own HCL parser.

mod common;

use std::process::Command;

use serde_json::Value;

fn examples() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(common::root().join("examples"))
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("build.hcl").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 4, "at least four examples");
    dirs
}

#[test]
fn examples_validate_cleanly() {
    for dir in examples() {
        let (code, stdout, stderr) =
            common::run(&dir, &["validate", "build.hcl", "--deny", "warnings"]);
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (0, "", ""),
            "{}",
            dir.display()
        );
    }
}

#[test]
fn examples_render_and_match_snapshots() {
    let schema = common::nomad_schema();
    for dir in examples() {
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let (code, stderr, files) = common::render_dir(&dir, &[]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let mut shown = String::new();
        for (file, text) in &files {
            if file.ends_with(".json") {
                let errors = common::schema_errors(&schema, text);
                assert!(errors.is_empty(), "{name}/{file}:\n{}", errors.join("\n"));
            }
            shown.push_str(&format!("--- {file} ---\n{text}"));
        }
        insta::assert_snapshot!(format!("example-{name}"), shown);
    }
}

/// Runs HashiCorp's HCL parser (npm `@cdktf/hcl2json`) on a file.
fn hashicorp_parse(path: &std::path::Path) -> Value {
    let script = common::root().join("tests/hcl2json/parse.mjs");
    let modules = common::root().join("tests/hcl2json/node_modules");
    assert!(
        modules.is_dir(),
        "HashiCorp's parser is not installed: run `npm ci --prefix tests/hcl2json`"
    );
    let out = Command::new("node")
        .arg(&script)
        .arg(path)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "hcl2json rejected {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("hcl2json prints JSON")
}

/// HCL attributes whose string value is a Go duration; the API JSON carries nanoseconds.
const DURATION_KEYS: [&str; 6] = [
    "interval",
    "delay",
    "max_run_duration",
    "ttl",
    "kill_timeout",
    "shutdown_delay",
];

/// Block types that take one label; the label is the ID or name of the API object.
const LABELLED_BLOCKS: [&str; 4] = ["job", "group", "task", "volume"];

/// API objects whose keys are the user's own (driver config, env, meta) and stay as they are.
const RAW_MAPS: [&str; 4] = ["Config", "Env", "Meta", "Envvars"];

/// The HCL name of an API key: Nomad's jobspec names where they are not the snake case of
/// the Go field.
fn hcl_name(key: &str) -> String {
    let alias = match key {
        "TaskGroups" => "group",
        "Tasks" => "task",
        "Constraints" => "constraint",
        "LTarget" => "attribute",
        "RTarget" => "value",
        "Operand" => "operator",
        "SizeMB" => "size",
        "ReschedulePolicy" => "reschedule",
        "RestartPolicy" => "restart",
        "LogConfig" => "logs",
        "MaxFileSizeMB" => "max_file_size",
        "MemoryMB" => "memory",
        "MemoryMaxMB" => "memory_max",
        "CPU" => "cpu",
        "Templates" => "template",
        "EmbeddedTmpl" => "data",
        "DestPath" => "destination",
        "ErrMissingKey" => "error_on_missing_key",
        "Identities" => "identity",
        "Audience" => "aud",
        "TTL" => "ttl",
        "VolumeMounts" => "volume_mount",
        "Volumes" => "volume",
        "Envvars" => "env",
        other => {
            let mut out = String::new();
            for (i, c) in other.chars().enumerate() {
                if c.is_ascii_uppercase() {
                    if i > 0 {
                        out.push('_');
                    }
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.push(c);
                }
            }
            return out;
        }
    };
    alias.to_owned()
}

/// A Go duration (`15s`, `1h30m`, `250ms`) in nanoseconds.
fn go_duration(text: &str) -> Option<i64> {
    let mut total = 0i64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, len) = [("ms", 2), ("h", 1), ("m", 1), ("s", 1)]
            .into_iter()
            .find(|(u, _)| rest.starts_with(u))?;
        let scale = match unit {
            "h" => 3_600_000_000_000,
            "m" => 60_000_000_000,
            "s" => 1_000_000_000,
            _ => 1_000_000,
        };
        total += n * scale;
        rest = &rest[len..];
    }
    Some(total)
}

type Facts = std::collections::BTreeMap<String, Value>;

/// The leaves of HashiCorp's parse (hcl2json: blocks as lists of bodies, labelled blocks as
/// maps of label to list), each under a path of HCL names with labels in brackets and an
/// index where a block repeats.
fn hcl_facts(body: &serde_json::Map<String, Value>, path: &str, out: &mut Facts) {
    for (key, v) in body {
        let here = format!("{path}/{key}");
        match v {
            Value::Object(labels) if LABELLED_BLOCKS.contains(&key.as_str()) => {
                for (label, blocks) in labels {
                    let blocks = blocks.as_array().expect("a labelled block is a list");
                    assert_eq!(blocks.len(), 1, "{here}[{label}] is given once");
                    let b = blocks[0].as_object().expect("a block body");
                    hcl_facts(b, &format!("{here}[{label}]"), out);
                }
            }
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
                for (i, item) in items.iter().enumerate() {
                    let b = item.as_object().expect("a block body");
                    let at = if items.len() == 1 {
                        here.clone()
                    } else {
                        format!("{here}#{i}")
                    };
                    hcl_facts(b, &at, out);
                }
            }
            Value::Object(map) => {
                // An attribute whose value is a map (env, meta, a driver's option).
                for (k, x) in map {
                    raw_facts(x, &format!("{here}/{k}"), true, out);
                }
            }
            Value::String(s) if DURATION_KEYS.contains(&key.as_str()) => {
                let ns = go_duration(s).unwrap_or_else(|| panic!("{here}: not a duration: {s}"));
                out.insert(here, Value::from(ns));
            }
            leaf => raw_facts(leaf, &here, true, out),
        }
    }
}

/// Leaves of a value written by the user (driver config, env, meta) in either form. From
/// HCL, template source text has its two escapes undone, and a block inside a driver's
/// config (a list of one body) is the object the API carries.
fn raw_facts(v: &Value, path: &str, from_hcl: bool, out: &mut Facts) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                raw_facts(x, &format!("{path}/{k}"), from_hcl, out);
            }
        }
        Value::Array(items) if items.len() == 1 && items[0].is_object() => {
            raw_facts(&items[0], path, from_hcl, out);
        }
        Value::Array(items) if items.iter().any(|x| x.is_object() || x.is_array()) => {
            for (i, x) in items.iter().enumerate() {
                raw_facts(x, &format!("{path}#{i}"), from_hcl, out);
            }
        }
        Value::String(s) if from_hcl => {
            out.insert(
                path.to_owned(),
                Value::from(s.replace("$${", "${").replace("%%{", "%{")),
            );
        }
        Value::Array(items) if from_hcl => {
            let items = items
                .iter()
                .map(|x| match x {
                    Value::String(s) => Value::from(s.replace("$${", "${").replace("%%{", "%{")),
                    other => other.clone(),
                })
                .collect();
            out.insert(path.to_owned(), Value::Array(items));
        }
        leaf => {
            out.insert(path.to_owned(), leaf.clone());
        }
    }
}

/// The leaves of our API JSON under the same paths as [`hcl_facts`]: keys in their HCL names,
/// task groups and tasks by name, the job by ID, volumes by their key.
fn json_facts(obj: &serde_json::Map<String, Value>, path: &str, out: &mut Facts) {
    for (key, v) in obj {
        let name = hcl_name(key);
        let here = format!("{path}/{name}");
        match (key.as_str(), v) {
            ("Job", Value::Object(job)) => {
                let id = job["ID"].as_str().expect("ID");
                let mut job = job.clone();
                job.remove("ID");
                if job.get("Name").and_then(Value::as_str) == Some(id) {
                    job.remove("Name");
                }
                json_facts(&job, &format!("{here}[{id}]"), out);
            }
            ("TaskGroups" | "Tasks", Value::Array(items)) => {
                for item in items {
                    let mut item = item.as_object().expect("an object").clone();
                    let Some(Value::String(label)) = item.remove("Name") else {
                        panic!("{here}: an item without a name");
                    };
                    json_facts(&item, &format!("{here}[{label}]"), out);
                }
            }
            ("Volumes", Value::Object(vols)) => {
                for (label, vol) in vols {
                    let mut vol = vol.as_object().expect("a volume").clone();
                    if vol.get("Name").and_then(Value::as_str) == Some(label) {
                        vol.remove("Name");
                    }
                    json_facts(&vol, &format!("{here}[{label}]"), out);
                }
            }
            (k, Value::Object(m)) if RAW_MAPS.contains(&k) => {
                for (rk, x) in m {
                    raw_facts(x, &format!("{here}/{rk}"), false, out);
                }
            }
            (_, Value::Object(m)) => json_facts(m, &here, out),
            (_, Value::Array(items)) if !items.is_empty() && items.iter().all(Value::is_object) => {
                for (i, item) in items.iter().enumerate() {
                    let at = if items.len() == 1 {
                        here.clone()
                    } else {
                        format!("{here}#{i}")
                    };
                    json_facts(item.as_object().expect("an object"), &at, out);
                }
            }
            (_, leaf) => {
                out.insert(here, leaf.clone());
            }
        }
    }
}

/// The JSON twin of every rendered HCL file carries exactly what HashiCorp's parser reads from
/// that file: the same leaves (strings, numbers, booleans, lists, durations as nanoseconds)
/// under the same keys and blocks. Only what the servers would fill in from their defaults
/// when the HCL leaves it out may appear in the JSON alone, and it is listed.
#[test]
fn hashicorp_parser_reads_the_same_job() {
    /// API fields our JSON states although the HCL leaves them to Nomad's defaults, with the
    /// default the JSON must carry.
    fn server_default(path: &str, v: &Value) -> bool {
        let field = path.rsplit('/').next().unwrap_or_default();
        matches!(
            (field, v),
            ("region", Value::String(s)) if s == "global"
        ) || matches!((field, v), ("namespace", Value::String(s)) if s == "default")
            || matches!((field, v), ("node_pool", Value::String(s)) if s == "default")
            || matches!((field, v), ("priority", Value::Number(n)) if n.as_i64() == Some(50))
    }
    let mut dirs = examples();
    dirs.extend(
        std::fs::read_dir(common::root().join("tests/fixtures"))
            .expect("fixtures")
            .map(|e| e.expect("entry").path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("ok-"))
            }),
    );
    for dir in dirs {
        let out = tempfile::tempdir().expect("tempdir");
        let (code, _, stderr) = common::run(
            &dir,
            &[
                "render",
                "build.hcl",
                "--run-id",
                "3f2a1c9",
                "-o",
                out.path().to_str().expect("utf-8"),
            ],
        );
        assert_eq!(code, 0, "{}: {stderr}", dir.display());
        for entry in std::fs::read_dir(out.path()).expect("out") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "hcl") {
                continue;
            }
            let ours: Value = serde_json::from_str(
                &std::fs::read_to_string(path.with_extension("json")).expect("json twin"),
            )
            .expect("json");
            let theirs = hashicorp_parse(&path);
            let mut hcl = Facts::new();
            hcl_facts(theirs.as_object().expect("an object"), "", &mut hcl);
            let mut json = Facts::new();
            json_facts(ours.as_object().expect("an object"), "", &mut json);
            let mut differences = Vec::new();
            for (p, v) in &hcl {
                match json.get(p) {
                    Some(w) if w == v => {}
                    Some(w) => differences.push(format!("{p}: HCL {v} / JSON {w}")),
                    None => differences.push(format!("{p}: HCL {v} / JSON missing")),
                }
            }
            for (p, w) in &json {
                if !hcl.contains_key(p) && !server_default(p, w) {
                    differences.push(format!("{p}: JSON {w} / HCL missing"));
                }
            }
            assert!(
                differences.is_empty(),
                "{}: the HCL and its JSON twin differ:\n{}",
                path.display(),
                differences.join("\n")
            );
            assert!(hcl.len() >= 20, "{}: {} facts", path.display(), hcl.len());
        }
    }
}
