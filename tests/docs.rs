//! The user documentation against the implementation: `docs/build-hcl.md` documents every block
//! and attribute of `schemas/build.schema.json` (and nothing else), with the schema's types,
//! required-ness and enumerations; its examples validate; and the user docs cite no internal
//! material.

mod common;

use std::collections::BTreeMap;

use serde_json::Value;

fn read(rel: &str) -> String {
    let path = common::root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn schema() -> Value {
    serde_json::from_str(&read("schemas/build.schema.json")).expect("the schema is JSON")
}

/// Follows `$ref`s and the non-null branch of `anyOf`, as the loader does.
fn resolve<'a>(root: &'a Value, mut s: &'a Value) -> &'a Value {
    loop {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or_default();
            s = &root["$defs"][name];
        } else if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
            match any
                .iter()
                .find(|v| v.get("type") != Some(&Value::from("null")))
            {
                Some(v) => s = v,
                None => return s,
            }
        } else {
            return s;
        }
    }
}

/// How a property is written in HCL: a block (once, repeatable, labelled) or an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Block,
    Blocks,
    Labelled,
    Attribute,
}

fn is_struct(root: &Value, s: &Value) -> bool {
    resolve(root, s).get("properties").is_some()
}

/// The shape of `prop` and, for blocks, the object schema of the block body.
fn shape<'a>(root: &'a Value, prop: &'a Value) -> (Shape, Option<&'a Value>) {
    let r = resolve(root, prop);
    if r.get("properties").is_some() {
        return (Shape::Block, Some(r));
    }
    if let Some(items) = r.get("items").filter(|i| is_struct(root, i)) {
        return (Shape::Blocks, Some(resolve(root, items)));
    }
    if let Some(ap) = r.get("additionalProperties").filter(|a| is_struct(root, a)) {
        return (Shape::Labelled, Some(resolve(root, ap)));
    }
    (Shape::Attribute, None)
}

/// The type column the reference uses for a property.
fn type_name(root: &Value, prop: &Value) -> String {
    match shape(root, prop).0 {
        Shape::Block => return "block, once".to_owned(),
        Shape::Blocks => return "block, repeatable".to_owned(),
        Shape::Labelled => return "labelled block, repeatable".to_owned(),
        Shape::Attribute => {}
    }
    let r = resolve(root, prop);
    if let Some(variants) = r.get("oneOf").and_then(Value::as_array) {
        assert!(
            variants.iter().all(|v| v["const"].is_string()),
            "only string enumerations are expected: {r}"
        );
        return "string".to_owned();
    }
    let ty = match &r["type"] {
        Value::String(t) => Some(t.as_str()),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    };
    match ty {
        None => "any".to_owned(),
        Some("string") => "string".to_owned(),
        Some("boolean") => "bool".to_owned(),
        Some("integer" | "number") => "number".to_owned(),
        Some("array") => format!("list({})", type_name(root, &r["items"])),
        Some("object") => format!("map({})", type_name(root, &r["additionalProperties"])),
        Some(other) => panic!("unexpected schema type {other}"),
    }
}

/// The enumerated values of an attribute, if it has any.
fn choices(root: &Value, prop: &Value) -> Vec<String> {
    resolve(root, prop)
        .get("oneOf")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v["const"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A block's section of the reference: its heading and its own text (up to the next heading).
#[derive(Debug, Default)]
struct Section {
    heading: String,
    rows: BTreeMap<String, Vec<String>>,
}

/// The reference's block sections, keyed by block path (`["pipeline", "nomad", "constraint"]`).
/// A heading that starts with a backticked name (`` ### `registry "<host>"` ``) is a block
/// section; it nests in the block sections of lower level above it. Table rows whose first
/// cell is a backticked name are the section's attribute rows, split into cells.
fn sections(doc: &str) -> BTreeMap<Vec<String>, Section> {
    let mut out: BTreeMap<Vec<String>, Section> = BTreeMap::new();
    let mut stack: Vec<(usize, Option<String>)> = Vec::new();
    let mut current: Option<Vec<String>> = None;
    let mut fenced = false;
    for line in doc.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let hashes = line.bytes().take_while(|b| *b == b'#').count();
        if hashes > 0 && line[hashes..].starts_with(' ') {
            let text = line[hashes + 1..].trim();
            while stack.last().is_some_and(|(l, _)| *l >= hashes) {
                stack.pop();
            }
            let name = text
                .strip_prefix('`')
                .and_then(|t| t.split(['`', ' ']).next())
                .map(str::to_owned);
            stack.push((hashes, name.clone()));
            current = name.map(|_| stack.iter().filter_map(|(_, n)| n.clone()).collect());
            if let Some(path) = &current {
                let previous = out.insert(
                    path.clone(),
                    Section {
                        heading: text.to_owned(),
                        ..Section::default()
                    },
                );
                assert!(previous.is_none(), "two sections document {path:?}");
            }
            continue;
        }
        let Some(path) = &current else { continue };
        if let Some(rest) = line.strip_prefix("| `") {
            let name = rest.split('`').next().unwrap_or_default().to_owned();
            let cells = line
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect();
            let section = out.get_mut(path).expect("current section exists");
            assert!(
                section.rows.insert(name.clone(), cells).is_none(),
                "`{name}` is documented twice in {path:?}"
            );
        }
    }
    out
}

/// Checks the block at `path` (object schema `obj`) and everything below it.
fn check_block(
    root: &Value,
    obj: &Value,
    path: &[String],
    docs: &BTreeMap<Vec<String>, Section>,
    seen: &mut Vec<Vec<String>>,
    errors: &mut Vec<String>,
) {
    let section = if path.is_empty() {
        None
    } else {
        seen.push(path.to_vec());
        match docs.get(path) {
            Some(s) => Some(s),
            None => {
                errors.push(format!("no section documents the block {}", path.join(".")));
                return;
            }
        }
    };
    let props = obj["properties"]
        .as_object()
        .expect("a block has properties");
    let required: Vec<&str> = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, prop) in props {
        let here = format!("{}.{name}", path.join("."));
        let (_, body) = shape(root, prop);
        if let Some(section) = section {
            match section.rows.get(name) {
                None => errors.push(format!(
                    "`{here}` has no row in the section {}",
                    section.heading
                )),
                Some(cells) => {
                    let row = cells.join(" | ");
                    let want = type_name(root, prop);
                    if cells.get(1).map(String::as_str) != Some(want.as_str()) {
                        errors.push(format!(
                            "`{here}`: the type column should be `{want}`: {row}"
                        ));
                    }
                    let says_required = row.contains("**required**");
                    if says_required != required.contains(&name.as_str()) {
                        errors.push(format!(
                            "`{here}`: the schema says required = {}, the row says {says_required}",
                            !says_required
                        ));
                    }
                    for choice in choices(root, prop) {
                        if !row.contains(&format!("\"{choice}\"")) {
                            errors.push(format!(
                                "`{here}`: the value \"{choice}\" is not documented"
                            ));
                        }
                    }
                }
            }
        }
        if let Some(body) = body {
            let mut child = path.to_vec();
            child.push(name.clone());
            check_block(root, body, &child, docs, seen, errors);
        }
    }
    if let Some(section) = section {
        for row in section.rows.keys() {
            if !props.contains_key(row) {
                errors.push(format!(
                    "the section {} documents `{row}`, which is not in the schema",
                    section.heading
                ));
            }
        }
    }
}

#[test]
fn the_reference_documents_every_block_and_attribute_of_the_schema() {
    let root = schema();
    let docs = sections(&read("docs/build-hcl.md"));
    let mut seen = Vec::new();
    let mut errors = Vec::new();
    check_block(&root, &root, &[], &docs, &mut seen, &mut errors);
    for path in docs.keys() {
        if !seen.contains(path) {
            errors.push(format!(
                "the section {} documents no block of the schema",
                docs[path].heading
            ));
        }
    }
    assert!(
        errors.is_empty(),
        "docs/build-hcl.md is out of date:\n{}",
        errors.join("\n")
    );
    assert!(seen.len() >= 16, "walked only {seen:?}");
}

#[test]
fn the_section_parser_finds_nested_blocks_and_their_rows() {
    let doc = "# Title\n\n## Blocks\n\n### `pipeline \"<name>\"`\n\n| name | type |\n|---|---|\n\
               | `build` | block, once |\n\n#### `build`\n\n| `timeout` | string | no limit |\n\n\
               ```hcl\n# not a heading\n| `ignored` | in code |\n```\n\n## Other\n\n| `x` | y |\n";
    let s = sections(doc);
    let keys: Vec<&Vec<String>> = s.keys().collect();
    assert_eq!(
        keys,
        [
            &vec!["pipeline".to_owned()],
            &vec!["pipeline".to_owned(), "build".to_owned()]
        ]
    );
    assert_eq!(
        s[&vec!["pipeline".to_owned()]].rows["build"][1],
        "block, once"
    );
    let build = &s[&vec!["pipeline".to_owned(), "build".to_owned()]];
    assert_eq!(build.rows.keys().collect::<Vec<_>>(), ["timeout"]);
}

/// Minimal pipeline parts that make a fragment from the reference a whole file.
const WRAP_HEAD: &str = "pipeline \"docs\" {\n  source {\n    url = \"https://git.example.com/acme/docs.git\"\n  }\n  vault {\n    role     = \"ci\"\n    audience = [\"vault.io\"]\n  }\n  image {\n    repository = \"registry.example.com/acme/docs\"\n  }\n  build {}\n";

#[test]
fn every_example_of_the_reference_validates() {
    let doc = read("docs/build-hcl.md");
    let mut examples = Vec::new();
    let mut block: Option<String> = None;
    for line in doc.lines() {
        match &mut block {
            None if line == "```hcl" => block = Some(String::new()),
            Some(text) if line == "```" => {
                examples.push(std::mem::take(text));
                block = None;
            }
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    assert!(
        examples.len() >= 5,
        "found only {} hcl examples",
        examples.len()
    );
    for example in examples {
        let file = if example.lines().any(|l| l.starts_with("pipeline \"")) {
            example.clone()
        } else if example.starts_with("variable ") {
            format!("{example}\n{WRAP_HEAD}}}\n")
        } else {
            format!("{WRAP_HEAD}{example}}}\n")
        };
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("build.hcl"), &file).expect("write");
        let (code, _, stderr) = common::run(dir.path(), &["validate", "--deny", "warnings"]);
        assert_eq!(
            code, 0,
            "an example of docs/build-hcl.md fails:\n{file}\n{stderr}"
        );
    }
}

/// Text a reader sees: HTML comments removed.
fn visible(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .split_once("-->")
            .map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out
}

/// Whether `line` names a path of this crate's sources (`src/...`, not `/alloc/src/...`).
fn cites_sources(line: &str) -> bool {
    line.match_indices("src/").any(|(i, _)| {
        line[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '/' && c != '_' && c != '-')
    })
}

#[test]
fn user_docs_cite_no_internal_material() {
    assert!(cites_sources("see `src/load.rs`") && cites_sources("src/rules/"));
    assert!(
        !cites_sources("runs in `/alloc/src/app`") && !cites_sources("\"$NOMAD_ALLOC_DIR/src\"")
    );
    for rel in ["README.md", "docs/build-hcl.md", "docs/rules.md"] {
        let text = visible(&read(rel));
        for line in text.lines() {
            let internal = ["/shared/", "/work/", "nomad-facts", "nomad-runtime"]
                .iter()
                .any(|n| line.contains(n));
            assert!(
                !internal && !cites_sources(line),
                "{rel} cites internal material: {line}"
            );
        }
    }
}
