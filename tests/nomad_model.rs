//! The HCL jobspec decoder and the Nomad job model against Nomad's API schema
//! (`schemas/nomad/job.schema.json`, derived from `hashicorp/nomad`'s `api/*.go`).

use nomad_build::nomad::jobspec::decode;
use nomad_build::nomad::model::JobRegisterRequest;
use serde_json::{json, Value};

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/nomad/job.schema.json");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/nomad/examples");

const SEC: i64 = 1_000_000_000;

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every schema violation of `instance`, as `pointer: message`.
fn schema_errors(instance: &Value) -> Vec<String> {
    let schema = read_json(SCHEMA);
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn decode_to_json(src: &str) -> Value {
    match decode(src, 0) {
        Ok(job) => serde_json::to_value(&job).expect("the model serializes"),
        Err(findings) => panic!("decode failed: {findings:#?}"),
    }
}

const BUILD_JOB: &str = r#"job "acme-app-build-3f2a1c9" {
  type        = "batch"
  region      = "global"
  namespace   = "default"
  datacenters = ["dc1"]
  node_pool   = "default"
  priority    = 50

  meta = {
    "build.pipeline" = "acme-app"
    "git.sha"        = "3f2a1c9"
    phase            = "build"
  }

  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }

  group "build" {
    count = 1

    restart {
      attempts = 0
      mode     = "fail"
      interval = "24h"
      delay    = "15s"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    ephemeral_disk {
      size = 4096
    }

    max_run_duration = "1h30m"

    constraint {
      attribute = "${attr.driver.docker.privileged.enabled}"
      operator  = "="
      value     = "true"
    }

    constraint {
      attribute = "${attr.nomad.version}"
      semver    = ">= 1.7.0"
    }

    volume "buildah-cache" {
      type      = "host"
      source    = "buildah-cache"
      read_only = false
    }

    task "checkout" {
      driver = "docker"

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      config {
        image      = "alpine/git:2.45.2"
        entrypoint = ["/bin/sh"]
        args       = ["-c", "git clone --depth 1 https://git.example.com/acme/app.git \"$NOMAD_ALLOC_DIR/src\""]
      }

      resources {
        cpu    = 200
        memory = 256
      }

      logs {
        max_files     = 10
        max_file_size = 10
      }
    }

    task "build" {
      driver       = "docker"
      kill_timeout = "30s"

      config {
        image      = "quay.io/buildah/stable:v1.37"
        entrypoint = ["/bin/sh"]
        args = [
          "-c",
          "cd \"$NOMAD_ALLOC_DIR/src\" && buildah bud -t \"registry.example.com/acme/app:$$${GIT_SHA}\" .",
        ]
        privileged = true
        devices = [
          {
            host_path      = "/dev/fuse"
            container_path = "/dev/fuse"
          },
        ]
      }

      volume_mount {
        volume      = "buildah-cache"
        destination = "/var/lib/containers"
        read_only   = false
      }

      env = {
        STORAGE_DRIVER    = "vfs"
        BUILDAH_ISOLATION = "chroot"
        GIT_SHA           = "3f2a1c9"
      }

      vault {
        role         = "ci-build"
        change_mode  = "noop"
        env          = false
        disable_file = true
      }

      identity {
        name = "vault_default"
        aud  = ["vault.io"]
        ttl  = "1h"
      }

      template {
        data                 = <<-EOT
          {{ with secret "kv/data/ci/registry" }}{"auths":{"registry.example.com":{"auth":"{{ printf "%s:%s" .Data.data.username .Data.data.password | base64Encode }}"}}}{{ end }}
          EOT
        destination          = "secrets/auth.json"
        perms                = "0400"
        change_mode          = "noop"
        error_on_missing_key = true
      }

      template {
        data = <<-EOT
          #!/bin/sh
          echo "sha=$${GIT_SHA:-unknown}"
          echo "literal $$${NOT_EXPANDED}"
          EOT
        destination = "local/report.sh"
        perms       = "0755"
        splay       = "300ms"

        wait {
          min = "1s"
          max = "1.5s"
        }
      }

      template {
        data        = "CACHE_DIR=$$${NOMAD_TASK_DIR}/cache\n"
        destination = "local/build.env"
        env         = true
      }

      resources {
        cpu        = 2000
        memory     = 4096
        memory_max = 8192
      }

      logs {
        max_files     = 5
        max_file_size = 20
      }
    }
  }
}
"#;

fn build_job_json() -> Value {
    let checkout = json!({
        "Name": "checkout",
        "Driver": "docker",
        "Lifecycle": {"Hook": "prestart", "Sidecar": false},
        "Config": {
            "image": "alpine/git:2.45.2",
            "entrypoint": ["/bin/sh"],
            "args": [
                "-c",
                "git clone --depth 1 https://git.example.com/acme/app.git \"$NOMAD_ALLOC_DIR/src\"",
            ],
        },
        "Resources": {"CPU": 200, "MemoryMB": 256},
        "LogConfig": {"MaxFiles": 10, "MaxFileSizeMB": 10},
    });
    let auth_json = concat!(
        r#"{{ with secret "kv/data/ci/registry" }}{"auths":{"registry.example.com":{"auth":""#,
        r#"{{ printf "%s:%s" .Data.data.username .Data.data.password | base64Encode }}"#,
        r#""}}}{{ end }}"#,
        "\n",
    );
    let templates = json!([
        {
            "DestPath": "secrets/auth.json",
            "EmbeddedTmpl": auth_json,
            "ChangeMode": "noop",
            "Perms": "0400",
            "ErrMissingKey": true,
        },
        {
            "DestPath": "local/report.sh",
            // `$${` is HCL's escape for `${`; `$$${` leaves `$${` for the client to unescape.
            "EmbeddedTmpl": "#!/bin/sh\necho \"sha=${GIT_SHA:-unknown}\"\necho \"literal $${NOT_EXPANDED}\"\n",
            "Splay": 300_000_000,
            "Perms": "0755",
            "Wait": {"Min": SEC, "Max": 1_500_000_000},
        },
        {
            "DestPath": "local/build.env",
            "EmbeddedTmpl": "CACHE_DIR=$${NOMAD_TASK_DIR}/cache\n",
            "Envvars": true,
        },
    ]);
    let build = json!({
        "Name": "build",
        "Driver": "docker",
        "Config": {
            "image": "quay.io/buildah/stable:v1.37",
            "entrypoint": ["/bin/sh"],
            "args": [
                "-c",
                "cd \"$NOMAD_ALLOC_DIR/src\" && buildah bud -t \"registry.example.com/acme/app:$${GIT_SHA}\" .",
            ],
            "privileged": true,
            "devices": [{"host_path": "/dev/fuse", "container_path": "/dev/fuse"}],
        },
        "Env": {
            "STORAGE_DRIVER": "vfs",
            "BUILDAH_ISOLATION": "chroot",
            "GIT_SHA": "3f2a1c9",
        },
        "Resources": {"CPU": 2000, "MemoryMB": 4096, "MemoryMaxMB": 8192},
        "KillTimeout": 30 * SEC,
        "LogConfig": {"MaxFiles": 5, "MaxFileSizeMB": 20},
        "Vault": {
            "Role": "ci-build",
            "Env": false,
            "DisableFile": true,
            "ChangeMode": "noop",
        },
        "Templates": templates,
        "VolumeMounts": [
            {"Volume": "buildah-cache", "Destination": "/var/lib/containers", "ReadOnly": false},
        ],
        "Identities": [
            {"Name": "vault_default", "Audience": ["vault.io"], "TTL": 3_600 * SEC},
        ],
    });
    let group = json!({
        "Name": "build",
        "Count": 1,
        "Constraints": [
            {
                "LTarget": "${attr.driver.docker.privileged.enabled}",
                "RTarget": "true",
                "Operand": "=",
            },
            {"LTarget": "${attr.nomad.version}", "RTarget": ">= 1.7.0", "Operand": "semver"},
        ],
        "Tasks": [checkout, build],
        "Volumes": {
            "buildah-cache": {
                "Name": "buildah-cache",
                "Type": "host",
                "Source": "buildah-cache",
                "ReadOnly": false,
            },
        },
        "RestartPolicy": {
            "Interval": 86_400 * SEC,
            "Attempts": 0,
            "Delay": 15 * SEC,
            "Mode": "fail",
        },
        "ReschedulePolicy": {"Attempts": 0, "Unlimited": false},
        "EphemeralDisk": {"SizeMB": 4096},
        "MaxRunDuration": 5_400 * SEC,
    });
    json!({
        "Job": {
            "Region": "global",
            "Namespace": "default",
            "ID": "acme-app-build-3f2a1c9",
            "Name": "acme-app-build-3f2a1c9",
            "Type": "batch",
            "Priority": 50,
            "Datacenters": ["dc1"],
            "NodePool": "default",
            "Constraints": [
                {"LTarget": "${attr.kernel.name}", "RTarget": "linux", "Operand": "="},
            ],
            "TaskGroups": [group],
            "Meta": {"build.pipeline": "acme-app", "git.sha": "3f2a1c9", "phase": "build"},
        }
    })
}

#[test]
fn a_build_jobspec_decodes_to_the_exact_api_json() {
    let actual = decode_to_json(BUILD_JOB);
    assert_eq!(actual, build_job_json());
}

#[test]
fn the_decoded_job_is_valid_against_nomads_api_schema() {
    let actual = decode_to_json(BUILD_JOB);
    assert_eq!(schema_errors(&actual), Vec::<String>::new());
}

#[test]
fn keys_are_written_in_go_struct_order() {
    let job = decode(BUILD_JOB, 0).expect("decodes");
    let text = serde_json::to_string(&job).unwrap();
    let prefix =
        r#"{"Job":{"Region":"global","Namespace":"default","ID":"acme-app-build-3f2a1c9","#;
    assert!(text.starts_with(prefix), "{text}");
    let task = concat!(
        r#"{"Name":"checkout","Driver":"docker","#,
        r#""Lifecycle":{"Hook":"prestart","Sidecar":false},"Config":{"image":"#,
    );
    assert!(text.contains(task), "{text}");
    // Meta keys keep the order they were written in.
    assert!(
        text.ends_with(
            r#""Meta":{"build.pipeline":"acme-app","git.sha":"3f2a1c9","phase":"build"}}}"#
        ),
        "{text}"
    );
}

/// Every block and attribute the decoder knows, in one job: each key it emits must exist in
/// Nomad's schema.
const EVERYTHING: &str = r#"job "everything" {
  id          = "everything-1"
  name        = "Everything"
  type        = "batch"
  all_at_once = false

  affinity {
    attribute = "${node.datacenter}"
    value     = "dc1"
    weight    = 50
  }

  spread {
    attribute = "${node.datacenter}"
    weight    = 100
    target "dc1" {
      percent = 60
    }
    target "dc2" {
      percent = 40
    }
  }

  periodic {
    crons            = ["0 3 * * *"]
    prohibit_overlap = true
    time_zone        = "UTC"
  }

  parameterized {
    payload       = "optional"
    meta_required = ["sha"]
  }

  reschedule {
    attempts       = 1
    interval       = "1h"
    delay          = "30s"
    delay_function = "exponential"
    max_delay      = "10m"
  }

  ui {
    description = "builds"
    link {
      label = "repo"
      url   = "https://git.example.com"
    }
  }

  meta {
    owner = "ci"
  }

  task "lonely" {
    driver = "exec"
    config {
      command = "/bin/true"
    }
  }

  group "g" {
    shutdown_delay = "5s"

    disconnect {
      lost_after           = "1m"
      stop_on_client_after = "2m"
      replace              = true
      reconcile            = "best_score"
    }

    consul {
      namespace = "ns"
    }

    vault {
      role = "group-role"
    }

    volume "data" {
      type            = "csi"
      source          = "data-vol"
      access_mode     = "single-node-writer"
      attachment_mode = "file-system"
      per_alloc       = true
      mount_options {
        fs_type     = "ext4"
        mount_flags = ["noatime"]
      }
    }

    task "t" {
      driver       = "docker"
      user         = "build"
      leader       = true
      kill_signal  = "SIGINT"
      shutdown_delay = 1000000000

      config {
        image = "busybox:1"
        auth {
          username = "u"
          password = "p"
        }
        mount {
          type   = "bind"
          source = "local"
          target = "/work"
          bind_options {
            propagation = "rshared"
          }
        }
        labels = {
          team = "ci"
        }
      }

      env {
        A = "1"
        B = 2
      }

      meta {
        m = true
      }

      constraint {
        attribute = "${attr.cpu.arch}"
        regexp    = "amd64|arm64"
      }

      artifact {
        source      = "https://example.com/tool.tar.gz"
        destination = "local/tool"
        mode        = "any"
        insecure    = false
        chown       = true
        options {
          checksum = "sha256:abc"
        }
        headers {
          Accept = "application/octet-stream"
        }
      }

      dispatch_payload {
        file = "input.json"
      }

      identity {
        env  = true
        file = true
      }

      template {
        source          = "local/in.tpl"
        destination     = "local/out"
        change_mode     = "script"
        once            = false
        uid             = 1000
        gid             = 1000
        left_delimiter  = "[["
        right_delimiter = "]]"
        vault_grace     = "0s"

        change_script {
          command              = "/bin/reload"
          args                 = ["-v"]
          timeout              = "10s"
          fail_on_error        = true
          run_on_first_render  = false
        }
      }

      resources {
        cores      = 2
        memory     = 512
        secrets    = 64

        device "nvidia/gpu" {
          count = 1
          constraint {
            attribute = "${device.attr.memory}"
            operator  = ">="
            value     = "2 GiB"
          }
          affinity {
            attribute = "${device.model}"
            value     = "Tesla"
            weight    = 50
          }
        }

        numa {
          affinity = "prefer"
        }
      }

      restart {
        attempts         = 1
        render_templates = true
      }

      logs {
        disabled = true
      }
    }
  }
}
"#;

#[test]
fn every_decoded_field_exists_in_nomads_api_schema() {
    let v = decode_to_json(EVERYTHING);
    assert_eq!(schema_errors(&v), Vec::<String>::new());

    let job = &v["Job"];
    assert_eq!(job["ID"], "everything-1");
    assert_eq!(job["Name"], "Everything");
    assert_eq!(job["Periodic"]["SpecType"], "cron");
    assert_eq!(
        job["Spreads"][0]["SpreadTarget"][1],
        json!({"Value": "dc2", "Percent": 40})
    );
    assert_eq!(job["TaskGroups"][0]["Name"], "lonely");
    let task = &job["TaskGroups"][1]["Tasks"][0];
    assert_eq!(task["Vault"], json!({"Role": "group-role"}));
    assert_eq!(task["Env"], json!({"A": "1", "B": "2"}));
    assert_eq!(task["Meta"], json!({"m": "true"}));
    assert_eq!(task["Identity"], json!({"Env": true, "File": true}));
    assert_eq!(
        task["Config"]["auth"],
        json!([{"username": "u", "password": "p"}])
    );
    assert_eq!(
        task["Config"]["mount"][0]["bind_options"],
        json!([{"propagation": "rshared"}])
    );
    assert_eq!(task["Config"]["labels"], json!([{"team": "ci"}]));
    assert_eq!(
        task["Constraints"],
        json!([{"LTarget": "${attr.cpu.arch}", "RTarget": "amd64|arm64", "Operand": "regexp"}])
    );
    assert_eq!(task["Resources"]["Devices"][0]["Name"], "nvidia/gpu");
    assert_eq!(task["Templates"][0]["ChangeScript"]["Timeout"], 10 * SEC);
    assert_eq!(
        job["TaskGroups"][1]["Volumes"]["data"]["MountOptions"]["FSType"],
        "ext4"
    );
}

#[test]
fn the_schemas_valid_example_round_trips_through_the_model() {
    let original = read_json(&format!("{EXAMPLES}/batch-job.valid.json"));
    assert_eq!(schema_errors(&original), Vec::<String>::new());
    let job: JobRegisterRequest =
        serde_json::from_value(original.clone()).expect("the model reads the example");
    let back = serde_json::to_value(&job).unwrap();
    assert_eq!(back, original);
}

#[test]
fn the_schemas_invalid_examples_do_not_deserialize() {
    for (name, needle) in [
        ("misspelled-key", "unknown field `Envvar`"),
        ("duration-string", "invalid type: string \"30s\""),
    ] {
        let value = read_json(&format!("{EXAMPLES}/{name}.invalid.json"));
        assert_eq!(
            schema_errors(&value).len(),
            1,
            "{name} should break exactly one schema rule"
        );
        let err = serde_json::from_value::<JobRegisterRequest>(value)
            .expect_err(name)
            .to_string();
        assert!(err.contains(needle), "{name}: {err}");
    }
}

#[test]
fn fields_nomad_must_never_receive_are_not_in_the_model() {
    let mut stopped = read_json(&format!("{EXAMPLES}/batch-job.valid.json"));
    stopped["Job"]["Stop"] = json!(true);
    let err =
        serde_json::from_value::<JobRegisterRequest>(stopped).expect_err("Stop is not modelled");
    assert!(err.to_string().contains("unknown field `Stop`"), "{err}");

    let mut policies = read_json(&format!("{EXAMPLES}/batch-job.valid.json"));
    policies["Job"]["TaskGroups"][0]["Tasks"][0]["Vault"]["Policies"] = json!(["build"]);
    let err = serde_json::from_value::<JobRegisterRequest>(policies)
        .expect_err("Policies is not modelled");
    assert!(
        err.to_string().contains("unknown field `Policies`"),
        "{err}"
    );
}

/// The per-release schemas vendored beside `job.schema.json`, oldest first.
const RELEASES: [&str; 4] = ["v1.9.7", "v1.10.5", "v1.11.3", "v2.0.5"];

fn release_validator(tag: &str) -> jsonschema::Validator {
    let path = format!(
        "{}/schemas/nomad/job-{tag}.schema.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let schema = read_json(&path);
    assert_eq!(schema["x-source"]["tag"], tag, "{path} names its tag");
    jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_release_schema_accepts_the_valid_examples_and_rejects_the_invalid_ones() {
    for tag in RELEASES {
        let v = release_validator(tag);
        for name in ["batch-job.valid", "docs-create-job.valid"] {
            let example = read_json(&format!("{EXAMPLES}/{name}.json"));
            let errors: Vec<String> = v.iter_errors(&example).map(|e| e.to_string()).collect();
            assert_eq!(errors, Vec::<String>::new(), "{tag}: {name}");
        }
        for name in ["misspelled-key.invalid", "duration-string.invalid"] {
            let example = read_json(&format!("{EXAMPLES}/{name}.json"));
            assert_eq!(v.iter_errors(&example).count(), 1, "{tag}: {name}");
        }
    }
}

#[test]
fn release_schemas_differ_where_nomad_added_fields() {
    // `TaskGroup.MaxRunDuration` appeared in Nomad 2.0.3, `Task.Secrets` in 1.11.0 and
    // `Template.Once` in 1.10.2; `Job.VaultToken` was removed in 1.10.0.
    let with = |pointer: &str, key: &str, value: Value| {
        let mut job = read_json(&format!("{EXAMPLES}/batch-job.valid.json"));
        job.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer} exists in the example"))[key] = value;
        job
    };
    let cases = [
        (
            with("/Job/TaskGroups/0", "MaxRunDuration", json!(3600 * SEC)),
            [false, false, false, true],
        ),
        (
            with("/Job/TaskGroups/0/Tasks/0", "Secrets", json!([])),
            [false, false, true, true],
        ),
        (
            with("/Job/TaskGroups/0/Tasks/0/Templates/0", "Once", json!(true)),
            [false, true, true, true],
        ),
        (
            with("/Job", "VaultToken", json!("")),
            [true, false, false, false],
        ),
    ];
    for (tag, i) in RELEASES.iter().zip(0..) {
        let v = release_validator(tag);
        for (job, accepted) in &cases {
            assert_eq!(v.is_valid(job), accepted[i], "{tag}: {job}");
        }
    }
    let main = read_json(SCHEMA);
    let latest = read_json(&format!(
        "{}/schemas/nomad/job-v2.0.5.schema.json",
        env!("CARGO_MANIFEST_DIR")
    ));
    assert_eq!(
        main["$defs"], latest["$defs"],
        "v2.0.5 and main have the same job API"
    );
}
