//! MCP `validate` of a directory reports each file it finds; one file it cannot read (a
//! directory whose name is not UTF-8, a symlink that leads out of the root) is a finding of
//! that file, and the other files are still validated.

mod common;

use std::fs;
use std::os::unix::ffi::OsStrExt;

use common::mcp::Mcp;
use serde_json::json;

const GOOD: &str = r#"pipeline "good" {
  source {
    url = "https://git.example.com/acme/good.git"
  }

  image {
    repository = "registry.example.com/acme/good"
  }

  build {}
}
"#;

#[test]
fn a_directory_validate_reports_each_file_and_goes_on_past_one_it_cannot_read() {
    let work = tempfile::tempdir().expect("tempdir");
    let root = work.path().join("root");
    fs::create_dir_all(root.join("good")).expect("mkdir");
    fs::write(root.join("good/build.hcl"), GOOD).expect("write");
    // A directory whose name is not UTF-8, holding a valid build.hcl.
    let odd = root.join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    fs::create_dir_all(&odd).expect("mkdir");
    fs::write(
        odd.join("build.hcl"),
        GOOD.replace("good", "odd")
            .replace("build {}", "build {\n    cache {}\n  }"),
    )
    .expect("write");
    // A build.hcl that is a symlink out of the root.
    fs::create_dir_all(root.join("escape")).expect("mkdir");
    fs::write(work.path().join("outside.hcl"), GOOD).expect("write");
    std::os::unix::fs::symlink(
        work.path().join("outside.hcl"),
        root.join("escape/build.hcl"),
    )
    .expect("symlink");

    let mut mcp = Mcp::start(&root);
    let reply = mcp.request(
        "tools/call",
        &json!({"name": "validate", "arguments": {"path": "."}}),
    );
    let result = &reply["result"];
    assert_ne!(result["isError"], json!(true), "{reply}");
    let diagnostics: Vec<(String, String)> = result["structuredContent"]["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("a report: {reply}"))
        .iter()
        .map(|d| {
            (
                d["range"]["filename"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                d["rule"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    // The odd directory's file was read and validated (its one warning), the escape is a
    // finding of its own, and the good file has nothing to say.
    assert_eq!(
        diagnostics,
        [
            ("caf\u{fffd}/build.hcl".to_owned(), "empty-cache".to_owned()),
            ("escape/build.hcl".to_owned(), "file-unreadable".to_owned()),
        ],
        "{reply}"
    );
    assert_eq!(
        result["structuredContent"]["error_count"],
        json!(1),
        "{reply}"
    );
}
