//! `nomad-build mcp` driven over stdio by another implementation's client: the official
//! Python MCP SDK (`tests/mcp/client.py`, installed by `.ci/run`). The script makes its
//! checks (initialize, the tool list and schemas, validate, render, resources, paths outside
//! the root, redaction, malformed input in raw bytes); this test runs it, then validates every
//! job it rendered against the strict Nomad job schema.

mod common;

#[test]
fn python_sdk_client_drives_the_server() {
    let report = common::python_mcp_client(
        "client.py",
        &[
            "initialize: server name",
            "tools/list: validate output schema",
            "validate broken: rule id",
            "validate broken: line and column",
            "render: every phase",
            "outside (parent, validate): refused",
            "outside (symlink, render): refused",
            "secret: an error naming it is redacted",
            "secret: a value equal to VAULT_TOKEN is redacted",
            "raw: garbage is dropped, the server answers",
            "raw: a malformed message gets Invalid Request",
            "raw: still serving after malformed input",
        ],
    );

    let validator = common::nomad_schema();
    let jobs = report["jobs"].as_array().expect("jobs");
    let phases: Vec<&str> = jobs.iter().filter_map(|j| j["phase"].as_str()).collect();
    assert_eq!(phases, ["build", "test", "publish"]);
    for job in jobs {
        let json = job["json"].to_string();
        let errors = common::schema_errors(&validator, &json);
        assert!(
            errors.is_empty(),
            "the {} job does not pass the Nomad schema:\n{}",
            job["phase"],
            errors.join("\n")
        );
    }

    // No answer of any session (tool results, raw replies, the servers' stderr) carries a
    // secret of the servers' environment, in any form the product could write.
    let secrets: Vec<&str> = report["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(secrets.len(), 2, "NOMAD_TOKEN and VAULT_TOKEN");
    let responses: Vec<&str> = report["responses"]
        .as_array()
        .expect("responses")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        responses.len() >= 30,
        "{} answers recorded",
        responses.len()
    );
    assert!(
        responses.iter().any(|r| r.contains("[redacted]")),
        "a probe put a secret into an answer, redacted"
    );
    for secret in secrets {
        let forms = [
            secret.to_owned(),
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, secret),
        ];
        for (i, r) in responses.iter().enumerate() {
            for form in &forms {
                assert!(
                    !r.contains(form.as_str()),
                    "answer {i} carries a secret of the environment:\n{r}"
                );
            }
        }
    }
}

/// What `run` and `local` print for people. The MCP server gets typed events and reports; a
/// file under `src/mcp` that mentions one of these is reading another component's text.
const HUMAN_OUTPUT: &[&str] = &[
    "Terminated: Exit Code",
    "Exit Code: ",
    ": Started",
    "registered job ",
    "placed on node",
    "waiting for placement",
    "PHASE  TASK",
    "\"PHASE\"",
    "\" | \"",
    "\" ! \"",
    "▶ ",
];

#[test]
fn the_server_reads_no_text_that_run_printed() {
    let mut found = Vec::new();
    let mut dirs = vec![common::root().join("src/mcp")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/mcp is readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            for (i, line) in text.lines().enumerate() {
                for p in HUMAN_OUTPUT.iter().filter(|p| line.contains(**p)) {
                    found.push(format!("{}:{}: `{p}`", path.display(), i + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
