//! Decoding of a rendered HCL jobspec into the typed job model ([`super::model`]).
//!
//! The rules follow Nomad's own jobspec parser (`jobspec2/` in `hashicorp/nomad`, with the
//! `hcl:"..."` tags of `api/*.go`), so the HCL file and the API JSON made from it describe the
//! same job:
//!
//! - exactly one `job "<id>"` block; the label is `ID` (unless `id` is set) and `Name` (unless
//!   `name` is set);
//! - `meta` (job, group, task) and `env` (task) are a block or a map attribute
//!   (`meta = { "a.b" = "x" }`); any other block is a block only, including `config`;
//! - `config` is free-form: a nested block becomes a list of objects (a second block of the same
//!   type adds to the list; a labelled block `b "l" {...}` becomes `{"l": [{...}]}`), and an
//!   attribute whose value is an object literal becomes a one-element list, as Nomad's
//!   `hclutil.BlocksAsAttrs` does;
//! - durations are Go duration strings ([`parse_duration`]) or integer nanoseconds;
//! - `constraint` and `affinity` take `attribute`/`operator`/`value` (operator defaults to `=`)
//!   and the shorthands `version`, `semver`, `regexp`, `set_contains`, `distinct_hosts`,
//!   `distinct_property` (affinity: `set_contains_any`, `set_contains_all`);
//! - `identity` without `name` or with `name = "default"` becomes `Task.Identity`, the others
//!   `Task.Identities`; `vault` at job or group level is copied into every task without one; a
//!   `task` directly inside `job` becomes a group of its own.
//!
//! Where Nomad would accept something but drop or change it silently, this decoder refuses it:
//! `vault { policies }` (ignored since Nomad 1.10), the constraint shorthands `is_set`,
//! `is_not_set`, `set_contains_any` and `set_contains_all` (accepted and ignored by jobspec2),
//! and `${...}` interpolations that Nomad would evaluate (functions, operators, `var.`/`local.`).
//! Defaults are not filled in: omitted fields are omitted in the JSON too, and Nomad's
//! canonicalization fills the same defaults for both forms.
//!
//! Rules reported (all errors): `template-output-syntax`, `template-unknown-field`,
//! `template-type-mismatch`, `template-invalid-duration`, `template-missing-field`,
//! `template-duplicate-field`, `template-invalid-label`, `template-ignored-field`, plus the
//! expression rules of [`crate::eval`].

use std::collections::HashMap;
use std::ops::Range;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span;
use serde_json::{Map, Value};

use super::model::JobRegisterRequest;
use crate::diag::{self, closest, FileId, Finding};
use crate::eval::{child, Evaluator, Scope};

/// The rendered text is not valid HCL.
pub const RULE_SYNTAX: &str = "template-output-syntax";
/// A block or attribute that the job model does not have.
pub const RULE_UNKNOWN: &str = "template-unknown-field";
/// A value of the wrong type.
pub const RULE_TYPE: &str = "template-type-mismatch";
/// A string that is not a Go duration.
pub const RULE_DURATION: &str = "template-invalid-duration";
/// A required attribute, or the `job` block, is missing.
pub const RULE_MISSING: &str = "template-missing-field";
/// A block or map given twice where only one is allowed.
pub const RULE_DUPLICATE: &str = "template-duplicate-field";
/// A block with the wrong number of labels.
pub const RULE_LABEL: &str = "template-invalid-label";
/// Something Nomad accepts but ignores, so the job would not do what it says.
pub const RULE_IGNORED: &str = "template-ignored-field";
/// An interpolation Nomad would evaluate (the rule of [`crate::eval`] for such expressions).
const RULE_EXPRESSION: &str = "unsupported-expression";

/// Decodes a rendered jobspec. Every problem is reported, each pointing into `src` (file
/// `file`).
pub fn decode(src: &str, file: FileId) -> Result<JobRegisterRequest, Vec<Finding>> {
    let body = match hcl_edit::parser::parse_body(src) {
        Ok(body) => body,
        Err(e) => return Err(vec![syntax_finding(src, file, &e)]),
    };
    let mut d = Decoder {
        ev: Evaluator::new(src, file, Scope::None),
        findings: Vec::new(),
    };
    let job = d.file(&body);
    let mut findings = d.findings;
    findings.append(&mut d.ev.findings);
    if !findings.is_empty() {
        diag::sort(&mut findings);
        return Err(findings);
    }
    let Some((job, header)) = job else {
        return Err(vec![Finding::error(
            RULE_MISSING,
            file,
            0..0,
            "the jobspec has no `job` block",
        )]);
    };
    let mut envelope = Map::new();
    envelope.insert("Job".to_owned(), Value::Object(job));
    serde_json::from_value(Value::Object(envelope)).map_err(|e| {
        vec![Finding::error(
            RULE_TYPE,
            file,
            header,
            format!("the job does not fit Nomad's job model: {e}"),
        )
        .label("in this job")]
    })
}

fn syntax_finding(src: &str, file: FileId, e: &hcl_edit::parser::Error) -> Finding {
    let mut start = e.location().offset().min(src.len());
    while !src.is_char_boundary(start) {
        start -= 1;
    }
    let end = src[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    Finding::error(
        RULE_SYNTAX,
        file,
        start..end,
        format!("the rendered jobspec is not valid HCL: {}", e.message()),
    )
    .label("here")
    .help("the template produced invalid HCL; fix the template text that renders this line")
}

/// An error from [`parse_duration`], worded like Go's `time.ParseDuration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Not of the form `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or out of range.
    Invalid,
    /// A number without a unit (other than `0`).
    MissingUnit,
    /// A unit other than `ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`.
    UnknownUnit(String),
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DurationError::Invalid => f.write_str("invalid duration"),
            DurationError::MissingUnit => f.write_str("missing unit in duration"),
            DurationError::UnknownUnit(u) => write!(f, "unknown unit `{u}` in duration"),
        }
    }
}

const DURATION_HELP: &str = "a duration is numbers with units (`ns`, `us`, `ms`, `s`, `m`, `h`), \
                             like `30s`, `1.5h` or `1h30m`; a bare whole number is nanoseconds";

const NANOS_PER_HOUR: u64 = 3_600_000_000_000;
const LIMIT: u64 = 1 << 63;

/// Parses a duration exactly as Go's `time.ParseDuration` does (`"1h30m"`, `"1.5s"`,
/// `"-300ms"`, `"0"`), into nanoseconds.
pub fn parse_duration(text: &str) -> Result<i64, DurationError> {
    let mut s = text;
    let mut neg = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            neg = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(DurationError::Invalid);
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(DurationError::Invalid);
        }
        let (mut v, rest) = leading_int(s).ok_or(DurationError::Invalid)?;
        let pre = rest.len() != s.len();
        s = rest;
        let mut f = 0u64;
        let mut scale = 1f64;
        let mut post = false;
        if let Some(rest) = s.strip_prefix('.') {
            let (frac, sc, rest2) = leading_fraction(rest);
            post = rest2.len() != rest.len();
            f = frac;
            scale = sc;
            s = rest2;
        }
        if !pre && !post {
            return Err(DurationError::Invalid);
        }
        let unit_len = s
            .bytes()
            .position(|c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(DurationError::MissingUnit);
        }
        let (u, rest) = s.split_at(unit_len);
        s = rest;
        let unit: u64 = match u {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => NANOS_PER_HOUR,
            _ => return Err(DurationError::UnknownUnit(u.to_owned())),
        };
        if v > LIMIT / unit {
            return Err(DurationError::Invalid);
        }
        v *= unit;
        if f > 0 {
            // Go: float64 is needed to be nanosecond accurate for fractions of hours.
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let frac = (f as f64 * (unit as f64 / scale)) as u64;
            v += frac;
            if v > LIMIT {
                return Err(DurationError::Invalid);
            }
        }
        total += v;
        if total > LIMIT {
            return Err(DurationError::Invalid);
        }
    }
    if neg {
        // total <= 2^63, so this is exact (2^63 wraps to i64::MIN, as in Go).
        #[allow(clippy::cast_possible_wrap)]
        return Ok((total as i64).wrapping_neg());
    }
    i64::try_from(total).map_err(|_| DurationError::Invalid)
}

/// Go's `leadingInt`: the leading digits of `s`, or `None` on overflow.
fn leading_int(s: &str) -> Option<(u64, &str)> {
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    let mut x: u64 = 0;
    for c in s[..end].bytes() {
        if x > LIMIT / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > LIMIT {
            return None;
        }
    }
    Some((x, &s[end..]))
}

/// Go's `leadingFraction`: the leading digits of `s` as `x / scale`, losing precision rather
/// than overflowing.
fn leading_fraction(s: &str) -> (u64, f64, &str) {
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    let mut x: u64 = 0;
    let mut scale = 1f64;
    let mut overflow = false;
    for c in s[..end].bytes() {
        if overflow {
            continue;
        }
        if x > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > LIMIT {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[end..])
}

// ---------------------------------------------------------------------------------------------
// The schema: which blocks and attributes exist where, and their Go (JSON) names.

/// The type of an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    /// A string; numbers and bools are converted, as HCL does for string fields.
    Str,
    /// A bool.
    Bool,
    /// A whole number in a range.
    Int(i64, i64),
    /// A Go duration string, or integer nanoseconds.
    Dur,
    /// A list of strings.
    Strs,
}

const INT: Ty = Ty::Int(i64::MIN, i64::MAX);
const UINT: Ty = Ty::Int(0, i64::MAX);
const I8: Ty = Ty::Int(-128, 127);
const U8: Ty = Ty::Int(0, 255);

/// An attribute: its HCL name, the JSON key it fills and its type.
struct Attr {
    hcl: &'static str,
    json: &'static str,
    ty: Ty,
    required: bool,
}

const fn at(hcl: &'static str, json: &'static str, ty: Ty) -> Attr {
    Attr {
        hcl,
        json,
        ty,
        required: false,
    }
}

const fn required(hcl: &'static str, json: &'static str, ty: Ty) -> Attr {
    Attr {
        hcl,
        json,
        ty,
        required: true,
    }
}

/// How a nested block is decoded and stored.
#[derive(Clone, Copy)]
enum Kind {
    /// At most one block: an object.
    One(&'static Spec),
    /// Repeatable, unlabelled: a list of objects.
    Many(&'static Spec),
    /// Repeatable with one label, stored in the named field: a list of objects.
    Labeled(&'static Spec, &'static str),
    /// Repeatable with one label: an object keyed by the label, which is also stored in the
    /// named field.
    Keyed(&'static Spec, &'static str),
    /// A map of strings: a block, or also a map attribute when `attr` is true.
    StrMap { attr: bool },
    /// A driver's free-form configuration.
    Config,
}

/// A nested block: its HCL name, the JSON key it fills and how it is decoded.
struct Sub {
    hcl: &'static str,
    json: &'static str,
    kind: Kind,
}

const fn sub(hcl: &'static str, json: &'static str, kind: Kind) -> Sub {
    Sub { hcl, json, kind }
}

/// The content of one kind of block.
struct Spec {
    attrs: &'static [Attr],
    blocks: &'static [Sub],
    /// Names Nomad knows here that this decoder refuses, with the reason.
    refused: &'static [(&'static str, &'static str)],
    /// Turns the decoded object into Go's shape.
    finish: Option<fn(&mut Map<String, Value>)>,
}

impl Spec {
    fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.hcl == name)
    }

    fn block(&self, name: &str) -> Option<&Sub> {
        self.blocks.iter().find(|b| b.hcl == name)
    }

    fn names(&self) -> Vec<&'static str> {
        self.attrs
            .iter()
            .map(|a| a.hcl)
            .chain(self.blocks.iter().map(|b| b.hcl))
            .collect()
    }
}

const UNSUPPORTED: &str = "not supported by nomad-build's job model (it renders batch build jobs)";
const DEPRECATED: &str = "deprecated and ignored by Nomad 1.10 and later";

static JOB: Spec = Spec {
    attrs: &[
        at("region", "Region", Ty::Str),
        at("namespace", "Namespace", Ty::Str),
        at("id", "ID", Ty::Str),
        at("name", "Name", Ty::Str),
        at("type", "Type", Ty::Str),
        at("priority", "Priority", INT),
        at("all_at_once", "AllAtOnce", Ty::Bool),
        at("datacenters", "Datacenters", Ty::Strs),
        at("node_pool", "NodePool", Ty::Str),
    ],
    blocks: &[
        sub("constraint", "Constraints", Kind::Many(&CONSTRAINT)),
        sub("affinity", "Affinities", Kind::Many(&AFFINITY)),
        sub("spread", "Spreads", Kind::Many(&SPREAD)),
        sub("group", "TaskGroups", Kind::Labeled(&GROUP, "Name")),
        // Not fields of Job: moved into tasks and groups by `finish_job`.
        sub("task", "Tasks", Kind::Labeled(&TASK, "Name")),
        sub("vault", "Vault", Kind::One(&VAULT)),
        sub("periodic", "Periodic", Kind::One(&PERIODIC)),
        sub(
            "parameterized",
            "ParameterizedJob",
            Kind::One(&PARAMETERIZED),
        ),
        sub("reschedule", "Reschedule", Kind::One(&RESCHEDULE)),
        sub("meta", "Meta", Kind::StrMap { attr: true }),
        sub("ui", "UI", Kind::One(&UI)),
    ],
    refused: &[
        (
            "update",
            "not allowed in batch jobs, and not supported by nomad-build's job model",
        ),
        (
            "migrate",
            "not allowed in batch jobs, and not supported by nomad-build's job model",
        ),
        ("multiregion", UNSUPPORTED),
        ("secret", UNSUPPORTED),
    ],
    finish: Some(finish_periodic_job),
};

static GROUP: Spec = Spec {
    attrs: &[
        at("count", "Count", INT),
        at("shutdown_delay", "ShutdownDelay", Ty::Dur),
        at("max_run_duration", "MaxRunDuration", Ty::Dur),
    ],
    blocks: &[
        sub("constraint", "Constraints", Kind::Many(&CONSTRAINT)),
        sub("affinity", "Affinities", Kind::Many(&AFFINITY)),
        sub("task", "Tasks", Kind::Labeled(&TASK, "Name")),
        sub("spread", "Spreads", Kind::Many(&SPREAD)),
        sub("volume", "Volumes", Kind::Keyed(&VOLUME, "Name")),
        sub("restart", "RestartPolicy", Kind::One(&RESTART)),
        sub("disconnect", "Disconnect", Kind::One(&DISCONNECT)),
        sub("reschedule", "ReschedulePolicy", Kind::One(&RESCHEDULE)),
        sub(
            "ephemeral_disk",
            "EphemeralDisk",
            Kind::One(&EPHEMERAL_DISK),
        ),
        sub("meta", "Meta", Kind::StrMap { attr: true }),
        sub("consul", "Consul", Kind::One(&CONSUL)),
        // Not a field of TaskGroup: copied into the tasks by `finish_group`.
        sub("vault", "Vault", Kind::One(&VAULT)),
    ],
    refused: &[
        (
            "update",
            "not allowed in batch jobs, and not supported by nomad-build's job model",
        ),
        (
            "migrate",
            "not allowed in batch jobs, and not supported by nomad-build's job model",
        ),
        ("network", UNSUPPORTED),
        ("service", UNSUPPORTED),
        ("scaling", UNSUPPORTED),
        ("secret", UNSUPPORTED),
        ("stop_after_client_disconnect", DEPRECATED),
        ("max_client_disconnect", DEPRECATED),
        ("prevent_reschedule_on_lost", DEPRECATED),
    ],
    finish: Some(finish_group),
};

static TASK: Spec = Spec {
    attrs: &[
        at("driver", "Driver", Ty::Str),
        at("user", "User", Ty::Str),
        at("kill_timeout", "KillTimeout", Ty::Dur),
        at("leader", "Leader", Ty::Bool),
        at("shutdown_delay", "ShutdownDelay", Ty::Dur),
        at("kill_signal", "KillSignal", Ty::Str),
        at("kind", "Kind", Ty::Str),
    ],
    blocks: &[
        sub("lifecycle", "Lifecycle", Kind::One(&LIFECYCLE)),
        sub("config", "Config", Kind::Config),
        sub("constraint", "Constraints", Kind::Many(&CONSTRAINT)),
        sub("affinity", "Affinities", Kind::Many(&AFFINITY)),
        sub("env", "Env", Kind::StrMap { attr: true }),
        sub("resources", "Resources", Kind::One(&RESOURCES)),
        sub("restart", "RestartPolicy", Kind::One(&RESTART)),
        sub("meta", "Meta", Kind::StrMap { attr: true }),
        sub("logs", "LogConfig", Kind::One(&LOGS)),
        sub("artifact", "Artifacts", Kind::Many(&ARTIFACT)),
        sub("vault", "Vault", Kind::One(&VAULT)),
        sub("consul", "Consul", Kind::One(&CONSUL)),
        sub("template", "Templates", Kind::Many(&TEMPLATE)),
        sub(
            "dispatch_payload",
            "DispatchPayload",
            Kind::One(&DISPATCH_PAYLOAD),
        ),
        sub("volume_mount", "VolumeMounts", Kind::Many(&VOLUME_MOUNT)),
        // Split into `Identity` and `Identities` by `finish_task`.
        sub("identity", "Identities", Kind::Many(&IDENTITY)),
    ],
    refused: &[
        ("service", UNSUPPORTED),
        ("csi_plugin", UNSUPPORTED),
        ("scaling", UNSUPPORTED),
        ("secret", UNSUPPORTED),
        ("action", UNSUPPORTED),
        ("schedule", UNSUPPORTED),
    ],
    finish: Some(finish_task),
};

static LIFECYCLE: Spec = Spec {
    attrs: &[
        required("hook", "Hook", Ty::Str),
        at("sidecar", "Sidecar", Ty::Bool),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static CONSTRAINT: Spec = Spec {
    attrs: &[
        at("attribute", "attribute", Ty::Str),
        at("value", "value", Ty::Str),
        at("operator", "operator", Ty::Str),
        at("distinct_property", "distinct_property", Ty::Str),
        at("distinct_hosts", "distinct_hosts", Ty::Bool),
        at("regexp", "regexp", Ty::Str),
        at("version", "version", Ty::Str),
        at("semver", "semver", Ty::Str),
        at("set_contains", "set_contains", Ty::Str),
    ],
    blocks: &[],
    refused: &[
        (
            "is_set",
            "IGNORED: write `attribute = \"...\"` and `operator = \"is_set\"`",
        ),
        (
            "is_not_set",
            "IGNORED: write `attribute = \"...\"` and `operator = \"is_not_set\"`",
        ),
        (
            "set_contains_any",
            "IGNORED: write `operator = \"set_contains_any\"` and `value = \"...\"`",
        ),
        (
            "set_contains_all",
            "IGNORED: write `operator = \"set_contains_all\"` and `value = \"...\"`",
        ),
    ],
    finish: Some(finish_constraint),
};

static AFFINITY: Spec = Spec {
    attrs: &[
        at("attribute", "attribute", Ty::Str),
        at("value", "value", Ty::Str),
        at("operator", "operator", Ty::Str),
        at("weight", "Weight", I8),
        at("version", "version", Ty::Str),
        at("semver", "semver", Ty::Str),
        at("regexp", "regexp", Ty::Str),
        at("set_contains", "set_contains", Ty::Str),
        at("set_contains_all", "set_contains_all", Ty::Str),
        at("set_contains_any", "set_contains_any", Ty::Str),
    ],
    blocks: &[],
    refused: &[],
    finish: Some(finish_affinity),
};

static SPREAD: Spec = Spec {
    attrs: &[
        at("attribute", "Attribute", Ty::Str),
        at("weight", "Weight", I8),
    ],
    blocks: &[sub(
        "target",
        "SpreadTarget",
        Kind::Labeled(&SPREAD_TARGET, "Value"),
    )],
    refused: &[],
    finish: None,
};

static SPREAD_TARGET: Spec = Spec {
    attrs: &[at("percent", "Percent", U8)],
    blocks: &[],
    refused: &[],
    finish: None,
};

static VOLUME: Spec = Spec {
    attrs: &[
        at("type", "Type", Ty::Str),
        at("source", "Source", Ty::Str),
        at("read_only", "ReadOnly", Ty::Bool),
        at("sticky", "Sticky", Ty::Bool),
        at("access_mode", "AccessMode", Ty::Str),
        at("attachment_mode", "AttachmentMode", Ty::Str),
        at("per_alloc", "PerAlloc", Ty::Bool),
    ],
    blocks: &[sub(
        "mount_options",
        "MountOptions",
        Kind::One(&MOUNT_OPTIONS),
    )],
    refused: &[],
    finish: None,
};

static MOUNT_OPTIONS: Spec = Spec {
    attrs: &[
        at("fs_type", "FSType", Ty::Str),
        at("mount_flags", "MountFlags", Ty::Strs),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static RESTART: Spec = Spec {
    attrs: &[
        at("interval", "Interval", Ty::Dur),
        at("attempts", "Attempts", INT),
        at("delay", "Delay", Ty::Dur),
        at("mode", "Mode", Ty::Str),
        at("render_templates", "RenderTemplates", Ty::Bool),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static RESCHEDULE: Spec = Spec {
    attrs: &[
        at("attempts", "Attempts", INT),
        at("interval", "Interval", Ty::Dur),
        at("delay", "Delay", Ty::Dur),
        at("delay_function", "DelayFunction", Ty::Str),
        at("max_delay", "MaxDelay", Ty::Dur),
        at("unlimited", "Unlimited", Ty::Bool),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static DISCONNECT: Spec = Spec {
    attrs: &[
        at("lost_after", "LostAfter", Ty::Dur),
        at("stop_on_client_after", "StopOnClientAfter", Ty::Dur),
        at("replace", "Replace", Ty::Bool),
        at("reconcile", "Reconcile", Ty::Str),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static EPHEMERAL_DISK: Spec = Spec {
    attrs: &[
        at("sticky", "Sticky", Ty::Bool),
        at("migrate", "Migrate", Ty::Bool),
        at("size", "SizeMB", INT),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static CONSUL: Spec = Spec {
    attrs: &[
        at("namespace", "Namespace", Ty::Str),
        at("cluster", "Cluster", Ty::Str),
        at("partition", "Partition", Ty::Str),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static RESOURCES: Spec = Spec {
    attrs: &[
        at("cpu", "CPU", INT),
        at("cores", "Cores", INT),
        at("memory", "MemoryMB", INT),
        at("memory_max", "MemoryMaxMB", INT),
        at("disk", "DiskMB", INT),
        at("secrets", "SecretsMB", INT),
    ],
    blocks: &[
        sub("device", "Devices", Kind::Labeled(&DEVICE, "Name")),
        sub("numa", "NUMA", Kind::One(&NUMA)),
    ],
    refused: &[
        ("network", UNSUPPORTED),
        ("iops", "deprecated and ignored by Nomad"),
    ],
    finish: None,
};

static DEVICE: Spec = Spec {
    attrs: &[at("count", "Count", UINT)],
    blocks: &[
        sub("constraint", "Constraints", Kind::Many(&CONSTRAINT)),
        sub("affinity", "Affinities", Kind::Many(&AFFINITY)),
    ],
    refused: &[],
    finish: None,
};

static NUMA: Spec = Spec {
    attrs: &[
        at("affinity", "Affinity", Ty::Str),
        at("devices", "Devices", Ty::Strs),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static LOGS: Spec = Spec {
    attrs: &[
        at("max_files", "MaxFiles", INT),
        at("max_file_size", "MaxFileSizeMB", INT),
        at("enabled", "Enabled", Ty::Bool),
        at("disabled", "Disabled", Ty::Bool),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static ARTIFACT: Spec = Spec {
    attrs: &[
        at("source", "GetterSource", Ty::Str),
        at("mode", "GetterMode", Ty::Str),
        at("insecure", "GetterInsecure", Ty::Bool),
        at("destination", "RelativeDest", Ty::Str),
        at("chown", "Chown", Ty::Bool),
    ],
    blocks: &[
        sub("options", "GetterOptions", Kind::StrMap { attr: false }),
        sub("headers", "GetterHeaders", Kind::StrMap { attr: false }),
    ],
    refused: &[],
    finish: None,
};

static VAULT: Spec = Spec {
    attrs: &[
        at("role", "Role", Ty::Str),
        at("namespace", "Namespace", Ty::Str),
        at("cluster", "Cluster", Ty::Str),
        at("env", "Env", Ty::Bool),
        at("disable_file", "DisableFile", Ty::Bool),
        at("change_mode", "ChangeMode", Ty::Str),
        at("change_signal", "ChangeSignal", Ty::Str),
        at("allow_token_expiration", "AllowTokenExpiration", Ty::Bool),
    ],
    blocks: &[],
    refused: &[(
        "policies",
        "IGNORED: Nomad 1.10 removed the token workflow and ignores `policies`; \
         Vault access comes from `role` and the task's workload identity",
    )],
    finish: None,
};

static TEMPLATE: Spec = Spec {
    attrs: &[
        at("source", "SourcePath", Ty::Str),
        at("destination", "DestPath", Ty::Str),
        at("data", "EmbeddedTmpl", Ty::Str),
        at("change_mode", "ChangeMode", Ty::Str),
        at("change_signal", "ChangeSignal", Ty::Str),
        at("once", "Once", Ty::Bool),
        at("splay", "Splay", Ty::Dur),
        at("perms", "Perms", Ty::Str),
        at("uid", "Uid", INT),
        at("gid", "Gid", INT),
        at("left_delimiter", "LeftDelim", Ty::Str),
        at("right_delimiter", "RightDelim", Ty::Str),
        at("env", "Envvars", Ty::Bool),
        at("vault_grace", "VaultGrace", Ty::Dur),
        at("error_on_missing_key", "ErrMissingKey", Ty::Bool),
    ],
    blocks: &[
        sub("change_script", "ChangeScript", Kind::One(&CHANGE_SCRIPT)),
        sub("wait", "Wait", Kind::One(&WAIT)),
    ],
    refused: &[],
    finish: None,
};

static WAIT: Spec = Spec {
    attrs: &[
        required("min", "Min", Ty::Dur),
        required("max", "Max", Ty::Dur),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static CHANGE_SCRIPT: Spec = Spec {
    attrs: &[
        required("command", "Command", Ty::Str),
        at("args", "Args", Ty::Strs),
        at("timeout", "Timeout", Ty::Dur),
        required("fail_on_error", "FailOnError", Ty::Bool),
        at("run_on_first_render", "RunOnFirstRender", Ty::Bool),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static DISPATCH_PAYLOAD: Spec = Spec {
    attrs: &[at("file", "File", Ty::Str)],
    blocks: &[],
    refused: &[],
    finish: None,
};

static VOLUME_MOUNT: Spec = Spec {
    attrs: &[
        at("volume", "Volume", Ty::Str),
        at("destination", "Destination", Ty::Str),
        at("read_only", "ReadOnly", Ty::Bool),
        at("propagation_mode", "PropagationMode", Ty::Str),
        at("selinux_label", "SELinuxLabel", Ty::Str),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static IDENTITY: Spec = Spec {
    attrs: &[
        at("name", "Name", Ty::Str),
        at("aud", "Audience", Ty::Strs),
        at("change_mode", "ChangeMode", Ty::Str),
        at("change_signal", "ChangeSignal", Ty::Str),
        at("env", "Env", Ty::Bool),
        at("file", "File", Ty::Bool),
        at("filepath", "Filepath", Ty::Str),
        at("service_name", "ServiceName", Ty::Str),
        at("ttl", "TTL", Ty::Dur),
        at("extra_claims", "ExtraClaims", Ty::Strs),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static PERIODIC: Spec = Spec {
    attrs: &[
        at("enabled", "Enabled", Ty::Bool),
        at("cron", "Spec", Ty::Str),
        at("crons", "Specs", Ty::Strs),
        at("prohibit_overlap", "ProhibitOverlap", Ty::Bool),
        at("time_zone", "TimeZone", Ty::Str),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static PARAMETERIZED: Spec = Spec {
    attrs: &[
        at("payload", "Payload", Ty::Str),
        at("meta_required", "MetaRequired", Ty::Strs),
        at("meta_optional", "MetaOptional", Ty::Strs),
    ],
    blocks: &[],
    refused: &[],
    finish: None,
};

static UI: Spec = Spec {
    attrs: &[at("description", "Description", Ty::Str)],
    blocks: &[sub("link", "Links", Kind::Many(&UI_LINK))],
    refused: &[],
    finish: None,
};

static UI_LINK: Spec = Spec {
    attrs: &[at("label", "Label", Ty::Str), at("url", "URL", Ty::Str)],
    blocks: &[],
    refused: &[],
    finish: None,
};

// ---------------------------------------------------------------------------------------------
// Go-shape fix-ups, as jobspec2's custom decoders and `normalizeJob` do them.

fn take_str(m: &mut Map<String, Value>, key: &str) -> String {
    match m.remove(key) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    }
}

fn put_targets(m: &mut Map<String, Value>, l: String, r: String, op: String) {
    if !l.is_empty() {
        m.insert("LTarget".to_owned(), Value::String(l));
    }
    if !r.is_empty() {
        m.insert("RTarget".to_owned(), Value::String(r));
    }
    let op = if op.is_empty() { "=".to_owned() } else { op };
    m.insert("Operand".to_owned(), Value::String(op));
}

/// `decodeConstraint`: later shorthands win, in this order.
fn finish_constraint(m: &mut Map<String, Value>) {
    let mut l = take_str(m, "attribute");
    let mut r = take_str(m, "value");
    let mut op = take_str(m, "operator");
    for key in ["version", "semver", "regexp", "set_contains"] {
        let v = take_str(m, key);
        if !v.is_empty() {
            op = key.to_owned();
            r = v;
        }
    }
    if let Some(Value::Bool(b)) = m.remove("distinct_hosts") {
        op = "distinct_hosts".to_owned();
        r = b.to_string();
    }
    let p = take_str(m, "distinct_property");
    if !p.is_empty() {
        op = "distinct_property".to_owned();
        l = p;
    }
    put_targets(m, l, r, op);
}

/// `decodeAffinity`: later shorthands win, in this order.
fn finish_affinity(m: &mut Map<String, Value>) {
    let l = take_str(m, "attribute");
    let mut r = take_str(m, "value");
    let mut op = take_str(m, "operator");
    for key in [
        "version",
        "semver",
        "regexp",
        "set_contains_any",
        "set_contains_all",
        "set_contains",
    ] {
        let v = take_str(m, key);
        if !v.is_empty() {
            op = key.to_owned();
            r = v;
        }
    }
    put_targets(m, l, r, op);
}

/// `normalizeJob`: the first identity without a name or named `default` is the task's default
/// identity.
fn finish_task(m: &mut Map<String, Value>) {
    let Some(Value::Array(ids)) = m.get_mut("Identities") else {
        return;
    };
    let default = ids.iter().position(|w| match w.get("Name") {
        None => true,
        Some(Value::String(s)) => s.is_empty() || s == "default",
        Some(_) => false,
    });
    if let Some(i) = default {
        let w = ids.remove(i);
        if ids.is_empty() {
            m.remove("Identities");
        }
        m.insert("Identity".to_owned(), w);
    }
}

/// `decodeTaskGroup`: a group's `vault` goes to every task of the group without one.
fn finish_group(m: &mut Map<String, Value>) {
    if let Some(vault) = m.remove("Vault") {
        give_vault(m.get_mut("Tasks"), &vault);
    }
}

fn give_vault(tasks: Option<&mut Value>, vault: &Value) {
    if let Some(Value::Array(tasks)) = tasks {
        for t in tasks.iter_mut().filter_map(Value::as_object_mut) {
            if !t.contains_key("Vault") {
                t.insert("Vault".to_owned(), vault.clone());
            }
        }
    }
}

/// `normalizeJob`: a periodic job with `cron` or `crons` has `SpecType = "cron"`.
fn finish_periodic_job(m: &mut Map<String, Value>) {
    if let Some(Value::Object(p)) = m.get_mut("Periodic") {
        if p.contains_key("Spec") || p.contains_key("Specs") {
            p.insert("SpecType".to_owned(), Value::from("cron"));
        }
    }
}

/// `normalizeJob` and `decodeJob`: ID and name from the label, tasks directly in the job
/// become groups, the job's `vault` goes to every task without one.
fn finish_job(m: &mut Map<String, Value>, label: &str) {
    if !m.contains_key("ID") {
        m.insert("ID".to_owned(), Value::from(label));
    }
    if !m.contains_key("Name") {
        m.insert("Name".to_owned(), Value::from(label));
    }
    if let Some(Value::Array(tasks)) = m.remove("Tasks") {
        let mut groups: Vec<Value> = tasks
            .into_iter()
            .map(|t| {
                let mut g = Map::new();
                g.insert(
                    "Name".to_owned(),
                    t.get("Name").cloned().unwrap_or(Value::Null),
                );
                g.insert("Tasks".to_owned(), Value::Array(vec![t]));
                Value::Object(g)
            })
            .collect();
        if let Some(Value::Array(rest)) = m.remove("TaskGroups") {
            groups.extend(rest);
        }
        m.insert("TaskGroups".to_owned(), Value::Array(groups));
    }
    if let Some(vault) = m.remove("Vault") {
        if let Some(Value::Array(groups)) = m.get_mut("TaskGroups") {
            for g in groups.iter_mut().filter_map(Value::as_object_mut) {
                give_vault(g.get_mut("Tasks"), &vault);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The decoder.

struct Decoder<'a> {
    ev: Evaluator<'a>,
    findings: Vec<Finding>,
}

fn span_of(s: &impl Span) -> Range<usize> {
    s.span().unwrap_or(0..0)
}

/// `ident "label" ...` as written, for messages.
fn header(b: &Block) -> String {
    let mut h = b.ident.as_str().to_owned();
    for l in &b.labels {
        h.push_str(&format!(" \"{}\"", l.as_str()));
    }
    h
}

/// The span of a block's type and labels.
fn header_span(b: &Block) -> Range<usize> {
    let start = span_of(&b.ident);
    let end = b.labels.last().map_or(start.end, |l| span_of(l).end);
    start.start..end.max(start.end)
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(n) if n.is_f64() && n.as_f64().is_some_and(|f| f.fract() != 0.0) => {
            "a fractional number"
        }
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A primitive as a string, the way HCL converts values for string fields.
fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

/// A whole number, if `v` is one.
fn as_whole(v: &Value) -> Option<i64> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let whole =
        (f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64).then_some(f as i64);
    whole
}

impl Decoder<'_> {
    /// An error finding in the decoded file.
    fn err(&self, rule: &'static str, span: Range<usize>, message: impl Into<String>) -> Finding {
        Finding::error(rule, self.ev.file, span, message)
    }

    fn report(&mut self, f: Finding) {
        self.findings.push(f);
    }

    /// The top level: exactly one `job` block.
    fn file(&mut self, body: &Body) -> Option<(Map<String, Value>, Range<usize>)> {
        let mut job: Option<&Block> = None;
        for s in body.iter() {
            match s {
                Structure::Block(b) if b.ident.as_str() == "job" => match job {
                    Some(first) => {
                        let f = self
                            .err(
                                RULE_DUPLICATE,
                                header_span(b),
                                "a jobspec has exactly one `job` block",
                            )
                            .label("second `job` block")
                            .also(header_span(first), "first `job` block");
                        self.report(f);
                    }
                    None => job = Some(b),
                },
                Structure::Block(b) => {
                    self.unknown(
                        span_of(&b.ident),
                        b.ident.as_str(),
                        "block",
                        "the top level",
                        &["job"],
                    );
                }
                Structure::Attribute(a) => {
                    self.unknown(
                        span_of(&a.key),
                        a.key.as_str(),
                        "attribute",
                        "the top level",
                        &["job"],
                    );
                }
            }
        }
        let Some(b) = job else {
            let f = self
                .err(RULE_MISSING, 0..0, "the jobspec has no `job` block")
                .help("a jobspec is one `job \"<id>\" { ... }` block");
            self.report(f);
            return None;
        };
        let label = self.labels(b, 1, "job")?.pop().unwrap_or_default();
        let path = header(b);
        let mut m = self.body(&b.body, &JOB, &path, "/Job", header_span(b));
        finish_job(&mut m, &label);
        Some((m, header_span(b)))
    }

    /// Checks that `b` has `n` labels, returning them.
    fn labels(&mut self, b: &Block, n: usize, what: &str) -> Option<Vec<String>> {
        if b.labels.len() == n {
            return Some(b.labels.iter().map(|l| l.as_str().to_owned()).collect());
        }
        let (message, help) = if n == 0 {
            (
                format!("a `{what}` block takes no label"),
                format!("write `{what} {{ ... }}`"),
            )
        } else {
            (
                format!("a `{what}` block takes exactly one label"),
                format!("write `{what} \"<name>\" {{ ... }}`"),
            )
        };
        let label = if b.labels.len() > n {
            "too many labels"
        } else {
            "missing label"
        };
        let f = self
            .err(RULE_LABEL, header_span(b), message)
            .label(label)
            .help(help);
        self.report(f);
        None
    }

    fn unknown(&mut self, span: Range<usize>, name: &str, what: &str, path: &str, valid: &[&str]) {
        let mut help = String::new();
        if let Some(c) = closest(name, valid.iter().copied()) {
            help.push_str(&format!("did you mean `{c}`? "));
        }
        help.push_str(&format!("valid names here: {}", diag::list(valid)));
        let f = self
            .err(
                RULE_UNKNOWN,
                span,
                format!("unknown {what} `{name}` in {path}"),
            )
            .label(format!("unknown {what}"))
            .help(help);
        self.report(f);
    }

    /// Decodes a block body described by `spec` into a JSON object in Go shape.
    fn body(
        &mut self,
        body: &Body,
        spec: &Spec,
        path: &str,
        ptr: &str,
        head: Range<usize>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        let mut seen = Seen::default();
        let mut present: Vec<&str> = Vec::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    present.push(name);
                    if let Some(attr) = spec.attr(name) {
                        let p = child(ptr, attr.json);
                        if let Some(v) = self.typed(&a.value, attr.ty, name, path, &p) {
                            out.insert(attr.json.to_owned(), v);
                        }
                    } else if let Some(
                        sb @ Sub {
                            kind: Kind::StrMap { attr: true },
                            ..
                        },
                    ) = spec.block(name)
                    {
                        if self.once(&mut seen, name, span_of(&a.key), path) {
                            let p = child(ptr, sb.json);
                            if let Some(v) = self.map_attr(a, path, &p) {
                                out.insert(sb.json.to_owned(), v);
                            }
                        }
                    } else {
                        self.misplaced(spec, name, span_of(&a.key), false, path);
                    }
                }
                Structure::Block(b) => match spec.block(b.ident.as_str()) {
                    Some(sb) => self.block(b, sb, &mut out, &mut seen, path, ptr),
                    None => self.misplaced(spec, b.ident.as_str(), span_of(&b.ident), true, path),
                },
            }
        }
        for attr in spec
            .attrs
            .iter()
            .filter(|a| a.required && !present.contains(&a.hcl))
        {
            let f = self
                .err(
                    RULE_MISSING,
                    head.clone(),
                    format!("{path} needs the attribute `{}`", attr.hcl),
                )
                .label(format!("`{}` is missing", attr.hcl))
                .help("Nomad's jobspec parser requires it");
            self.report(f);
        }
        if let Some(finish) = spec.finish {
            finish(&mut out);
        }
        out
    }

    /// Records the first use of a single-use name; reports a second one.
    fn once(&mut self, seen: &mut Seen, name: &str, span: Range<usize>, path: &str) -> bool {
        if let Some(first) = seen.names.get(name).cloned() {
            let f = self
                .err(
                    RULE_DUPLICATE,
                    span,
                    format!("`{name}` is defined twice in {path}"),
                )
                .label("defined again here")
                .also(first, "first defined here")
                .help(format!("only one `{name}` is allowed here; merge them"));
            self.report(f);
            return false;
        }
        seen.names.insert(name.to_owned(), span);
        true
    }

    /// A name that does not belong where it is used: a refused one, a block written as an
    /// attribute (or the other way round), or an unknown one.
    fn misplaced(
        &mut self,
        spec: &Spec,
        name: &str,
        span: Range<usize>,
        as_block: bool,
        path: &str,
    ) {
        let what = if as_block { "block" } else { "attribute" };
        if let Some((_, reason)) = spec.refused.iter().find(|(n, _)| *n == name) {
            let f = match reason.strip_prefix("IGNORED: ") {
                Some(fix) => self
                    .err(
                        RULE_IGNORED,
                        span,
                        format!("Nomad ignores `{name}` in {path}"),
                    )
                    .label("ignored by Nomad")
                    .help(fix),
                None => self
                    .err(
                        RULE_UNKNOWN,
                        span,
                        format!("`{name}` in {path} is {reason}"),
                    )
                    .label(format!("unsupported {what}"))
                    .help(format!("valid names here: {}", diag::list(&spec.names()))),
            };
            self.report(f);
            return;
        }
        let wrong_form = if as_block {
            spec.attr(name).is_some()
        } else {
            spec.block(name).is_some()
        };
        if wrong_form {
            let (message, help) = if as_block {
                (
                    format!("`{name}` in {path} is an attribute, not a block"),
                    format!("write `{name} = ...`"),
                )
            } else {
                (
                    format!("`{name}` in {path} is a block, not an attribute"),
                    format!("write `{name} {{ ... }}`"),
                )
            };
            let f = self
                .err(RULE_UNKNOWN, span, message)
                .label(format!("not an {what}"))
                .help(help);
            self.report(f);
            return;
        }
        self.unknown(span, name, what, path, &spec.names());
    }

    fn block(
        &mut self,
        b: &Block,
        sb: &Sub,
        out: &mut Map<String, Value>,
        seen: &mut Seen,
        path: &str,
        ptr: &str,
    ) {
        let name = b.ident.as_str();
        let inner_path = format!("{path} > {}", header(b));
        let field_ptr = child(ptr, sb.json);
        let next_ptr = |out: &Map<String, Value>| {
            let n = match out.get(sb.json) {
                Some(Value::Array(a)) => a.len(),
                _ => 0,
            };
            child(&field_ptr, &n.to_string())
        };
        let head = header_span(b);
        match sb.kind {
            Kind::One(spec) => {
                if self.labels(b, 0, name).is_some()
                    && self.once(seen, name, span_of(&b.ident), path)
                {
                    let v = self.body(&b.body, spec, &inner_path, &field_ptr, head);
                    out.insert(sb.json.to_owned(), Value::Object(v));
                }
            }
            Kind::Many(spec) => {
                if self.labels(b, 0, name).is_some() {
                    let v = self.body(&b.body, spec, &inner_path, &next_ptr(out), head);
                    push(out, sb.json, Value::Object(v));
                }
            }
            Kind::Labeled(spec, field) => {
                if let Some(label) = self.labels(b, 1, name).and_then(|mut l| l.pop()) {
                    let mut v = Map::new();
                    v.insert(field.to_owned(), Value::String(label));
                    v.extend(self.body(&b.body, spec, &inner_path, &next_ptr(out), head));
                    push(out, sb.json, Value::Object(v));
                }
            }
            Kind::Keyed(spec, field) => {
                let Some(label) = self.labels(b, 1, name).and_then(|mut l| l.pop()) else {
                    return;
                };
                if let Some(first) = seen.keys.get(&(name.to_owned(), label.clone())).cloned() {
                    let f = self
                        .err(
                            RULE_DUPLICATE,
                            head,
                            format!("{} is defined twice in {path}", header(b)),
                        )
                        .label("defined again here")
                        .also(first, "first defined here");
                    self.report(f);
                    return;
                }
                seen.keys
                    .insert((name.to_owned(), label.clone()), head.clone());
                let mut v = Map::new();
                v.insert(field.to_owned(), Value::String(label.clone()));
                v.extend(self.body(&b.body, spec, &inner_path, &child(&field_ptr, &label), head));
                if let Value::Object(map) = out
                    .entry(sb.json.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()))
                {
                    map.insert(label, Value::Object(v));
                }
            }
            Kind::StrMap { .. } => {
                if self.labels(b, 0, name).is_some()
                    && self.once(seen, name, span_of(&b.ident), path)
                {
                    let v = self.map_block(b, &inner_path, &field_ptr);
                    out.insert(sb.json.to_owned(), Value::Object(v));
                }
            }
            Kind::Config => {
                if self.labels(b, 0, name).is_some()
                    && self.once(seen, name, span_of(&b.ident), path)
                {
                    let v = self.config_body(&b.body, &inner_path, &field_ptr);
                    out.insert(sb.json.to_owned(), Value::Object(v));
                }
            }
        }
    }

    /// Evaluates an expression after checking that Nomad would not evaluate it differently.
    fn eval(&mut self, expr: &Expression, ptr: &str) -> Option<Value> {
        self.check_interpolations(expr);
        self.ev.eval(expr, ptr)
    }

    /// Evaluates an attribute value of type `ty`. `None` when it is null or wrong (a finding
    /// says why).
    fn typed(
        &mut self,
        expr: &Expression,
        ty: Ty,
        name: &str,
        path: &str,
        ptr: &str,
    ) -> Option<Value> {
        let v = self.eval(expr, ptr)?;
        if v.is_null() {
            return None;
        }
        let span = span_of(expr);
        let ok = match (ty, &v) {
            (Ty::Str, _) => as_string(&v).map(Value::String),
            (Ty::Bool, Value::Bool(_)) => Some(v.clone()),
            (Ty::Int(min, max), _) => match as_whole(&v) {
                Some(i) if i < min || i > max => {
                    let f = self
                        .err(
                            RULE_TYPE,
                            span,
                            format!("`{name}` in {path} is out of range: {i}"),
                        )
                        .label(format!("not between {min} and {max}"));
                    self.report(f);
                    return None;
                }
                whole => whole.map(Value::from),
            },
            (Ty::Dur, Value::String(s)) => match parse_duration(s) {
                Ok(ns) => Some(Value::from(ns)),
                Err(e) => {
                    let message = format!("`{name}` in {path} is not a duration: {e} `{s}`");
                    let f = self
                        .err(RULE_DURATION, span, message)
                        .label(e.to_string())
                        .help(DURATION_HELP);
                    self.report(f);
                    return None;
                }
            },
            (Ty::Dur, Value::Number(_)) => as_whole(&v).map(Value::from),
            (Ty::Strs, Value::Array(items)) => return self.strings(items, name, path, ptr),
            _ => None,
        };
        if ok.is_none() {
            let expected = match ty {
                Ty::Str => "a string",
                Ty::Bool => "a bool",
                Ty::Int(..) => "a whole number",
                Ty::Dur => "a duration string (\"30s\") or whole nanoseconds",
                Ty::Strs => "a list of strings",
            };
            let mut f = self
                .err(
                    RULE_TYPE,
                    span,
                    format!(
                        "`{name}` in {path} must be {expected}, not {}",
                        describe(&v)
                    ),
                )
                .label(describe(&v));
            if v.is_string() && matches!(ty, Ty::Bool | Ty::Int(..)) {
                f = f.help("remove the quotes");
            }
            self.report(f);
        }
        ok
    }

    /// A list of strings; `None` after reporting the elements that are not strings.
    fn strings(&mut self, items: &[Value], name: &str, path: &str, ptr: &str) -> Option<Value> {
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match as_string(item) {
                Some(s) => out.push(Value::String(s)),
                None => {
                    let span = self
                        .ev
                        .spans
                        .get(&child(ptr, &i.to_string()))
                        .map_or(0..0, |e| e.value.clone());
                    let f = self
                        .err(
                            RULE_TYPE,
                            span,
                            format!("`{name}` in {path} must be a list of strings"),
                        )
                        .label(format!("{}, not a string", describe(item)));
                    self.report(f);
                }
            }
        }
        (out.len() == items.len()).then_some(Value::Array(out))
    }

    /// `meta = { ... }`: an object of strings.
    fn map_attr(&mut self, a: &Attribute, path: &str, ptr: &str) -> Option<Value> {
        let name = a.key.as_str();
        let v = self.eval(&a.value, ptr)?;
        let Value::Object(obj) = v else {
            let f = self
                .err(
                    RULE_TYPE,
                    span_of(&a.value),
                    format!("`{name}` in {path} must be a map of strings"),
                )
                .label(describe(&v));
            self.report(f);
            return None;
        };
        let mut out = Map::new();
        for (k, item) in obj {
            match as_string(&item) {
                Some(s) => {
                    out.insert(k, Value::String(s));
                }
                None => {
                    let span = self
                        .ev
                        .spans
                        .get(&child(ptr, &k))
                        .map_or(span_of(&a.value), |e| e.value.clone());
                    let f = self
                        .err(
                            RULE_TYPE,
                            span,
                            format!("`{name}` values in {path} must be strings; `{k}` is not"),
                        )
                        .label(describe(&item));
                    self.report(f);
                }
            }
        }
        Some(Value::Object(out))
    }

    /// `meta { ... }`: attributes only, each a string.
    fn map_block(&mut self, b: &Block, path: &str, ptr: &str) -> Map<String, Value> {
        let mut out = Map::new();
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let k = a.key.as_str();
                    let Some(v) = self.eval(&a.value, &child(ptr, k)) else {
                        continue;
                    };
                    match as_string(&v) {
                        Some(s) => {
                            out.insert(k.to_owned(), Value::String(s));
                        }
                        None if v.is_null() => {}
                        None => {
                            let f = self
                                .err(
                                    RULE_TYPE,
                                    span_of(&a.value),
                                    format!("`{k}` in {path} must be a string"),
                                )
                                .label(describe(&v));
                            self.report(f);
                        }
                    }
                }
                Structure::Block(inner) => {
                    let k = inner.ident.as_str();
                    let f = self
                        .err(
                            RULE_TYPE,
                            span_of(&inner.ident),
                            format!("{path} holds strings, but `{k}` is a block"),
                        )
                        .label("a block")
                        .help(format!("write `{k} = \"...\"`"));
                    self.report(f);
                }
            }
        }
        out
    }

    /// A driver `config` body: attributes as they are (an object literal wrapped in a list),
    /// nested blocks as lists of objects, grouped by type.
    fn config_body(&mut self, body: &Body, path: &str, ptr: &str) -> Map<String, Value> {
        let mut out = Map::new();
        // Names used so far: whether as an attribute, and where first.
        let mut first: HashMap<&str, (bool, Range<usize>)> = HashMap::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    if let Some((_, prev)) = first.get(name).cloned() {
                        self.config_twice(name, span_of(&a.key), prev, path);
                        continue;
                    }
                    first.insert(name, (true, span_of(&a.key)));
                    let wrap = matches!(a.value, Expression::Object(_));
                    let p = if wrap {
                        child(&child(ptr, name), "0")
                    } else {
                        child(ptr, name)
                    };
                    if let Some(v) = self.eval(&a.value, &p) {
                        out.insert(
                            name.to_owned(),
                            if wrap { Value::Array(vec![v]) } else { v },
                        );
                    }
                }
                Structure::Block(b) => {
                    let name = b.ident.as_str();
                    match first.get(name).cloned() {
                        Some((true, prev)) => {
                            self.config_twice(name, span_of(&b.ident), prev, path);
                            continue;
                        }
                        Some((false, _)) => {}
                        None => {
                            first.insert(name, (false, span_of(&b.ident)));
                        }
                    }
                    let index = match out.get(name) {
                        Some(Value::Array(a)) => a.len(),
                        _ => 0,
                    };
                    let p = child(&child(ptr, name), &index.to_string());
                    let inner_path = format!("{path} > {}", header(b));
                    let mut v = Value::Object(self.config_body(&b.body, &inner_path, &p));
                    for label in b.labels.iter().rev() {
                        let mut m = Map::new();
                        m.insert(label.as_str().to_owned(), Value::Array(vec![v]));
                        v = Value::Object(m);
                    }
                    push(&mut out, name, v);
                }
            }
        }
        out
    }

    fn config_twice(&mut self, name: &str, span: Range<usize>, first: Range<usize>, path: &str) {
        let f = self
            .err(
                RULE_DUPLICATE,
                span,
                format!("`{name}` is both an attribute and a block in {path}"),
            )
            .label("defined again here")
            .also(first, "first defined here")
            .help(format!(
                "use either `{name} = ...` or `{name} {{ ... }}` blocks"
            ));
        self.report(f);
    }

    /// Reports `${...}` interpolations that Nomad's parser would evaluate rather than keep as
    /// text: anything but a plain reference such as `${attr.kernel.name}` or `${NOMAD_ALLOC_DIR}`.
    fn check_interpolations(&mut self, expr: &Expression) {
        match expr {
            Expression::Array(items) => {
                for item in items.iter() {
                    self.check_interpolations(item);
                }
            }
            Expression::Object(obj) => {
                for (key, value) in obj.iter() {
                    if let ObjectKey::Expression(k) = key {
                        self.check_interpolations(k);
                    }
                    self.check_interpolations(value.expr());
                }
            }
            Expression::StringTemplate(t) => self.check_template(t),
            Expression::HeredocTemplate(h) => self.check_template(&h.template),
            Expression::Parenthesis(p) => self.check_interpolations(p.inner()),
            _ => {}
        }
    }

    fn check_template(&mut self, t: &Template) {
        for el in t.iter() {
            let Element::Interpolation(i) = el else {
                continue;
            };
            let root = match &i.expr {
                Expression::Variable(v) => Some(v.as_str()),
                Expression::Traversal(tr) => match &tr.expr {
                    Expression::Variable(v) => Some(v.as_str()),
                    _ => None,
                },
                _ => None,
            };
            let span = span_of(i);
            let text = self.ev.src.get(span.clone()).unwrap_or_default().to_owned();
            let f = match root {
                Some("var" | "local") => {
                    let message = format!(
                        "`{text}` references a variable, which a rendered jobspec cannot resolve"
                    );
                    self.err(RULE_EXPRESSION, span, message)
                        .label("Nomad would reject this")
                }
                Some(_) => continue,
                None => {
                    let message = format!(
                        "Nomad's jobspec parser would evaluate `{text}`, not keep it as text"
                    );
                    self.err(RULE_EXPRESSION, span, message)
                        .label("evaluated by Nomad")
                }
            };
            let f = f.help("render the value into the text, or write `$${` for a literal `${`");
            self.report(f);
        }
    }
}

/// What a body has used so far: single-use names, and labels of keyed blocks.
#[derive(Default)]
struct Seen {
    names: HashMap<String, Range<usize>>,
    keys: HashMap<(String, String), Range<usize>>,
}

fn push(out: &mut Map<String, Value>, key: &str, v: Value) {
    match out
        .entry(key.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        Value::Array(a) => a.push(v),
        other => *other = Value::Array(vec![v]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SEC: i64 = 1_000_000_000;

    #[test]
    fn durations_parse_like_go() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400 * SEC));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_duration("300ms"), Ok(300_000_000));
        assert_eq!(parse_duration("-1s"), Ok(-SEC));
        assert_eq!(parse_duration("+2m"), Ok(120 * SEC));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("-0"), Ok(0));
        assert_eq!(parse_duration(".5h"), Ok(1_800 * SEC));
        assert_eq!(parse_duration("1.h"), Ok(3_600 * SEC));
        assert_eq!(parse_duration("1h0.5m1us"), Ok(3_630 * SEC + 1_000));
        assert_eq!(parse_duration("1\u{b5}s"), Ok(1_000));
        assert_eq!(parse_duration("1\u{3bc}s"), Ok(1_000));
        assert_eq!(parse_duration("2562047h47m16.854775807s"), Ok(i64::MAX));
        assert_eq!(parse_duration("-2562047h47m16.854775808s"), Ok(i64::MIN));
    }

    #[test]
    fn bad_durations_are_rejected_like_go() {
        assert_eq!(parse_duration("5"), Err(DurationError::MissingUnit));
        assert_eq!(parse_duration("1h5"), Err(DurationError::MissingUnit));
        assert_eq!(
            parse_duration("1d"),
            Err(DurationError::UnknownUnit("d".into()))
        );
        assert_eq!(
            parse_duration("1S"),
            Err(DurationError::UnknownUnit("S".into()))
        );
        assert_eq!(parse_duration(""), Err(DurationError::Invalid));
        assert_eq!(parse_duration("-"), Err(DurationError::Invalid));
        assert_eq!(parse_duration(".s"), Err(DurationError::Invalid));
        assert_eq!(
            parse_duration("1 s"),
            Err(DurationError::UnknownUnit(" s".into()))
        );
        assert_eq!(parse_duration("s"), Err(DurationError::Invalid));
        assert_eq!(
            parse_duration("2562047h47m16.854775808s"),
            Err(DurationError::Invalid)
        );
        assert_eq!(
            parse_duration("9223372036854775808ns"),
            Err(DurationError::Invalid)
        );
    }

    fn decode_err(src: &str) -> Vec<Finding> {
        decode(src, 0).expect_err("should fail")
    }

    fn decode_json(src: &str) -> Value {
        match decode(src, 0) {
            Ok(job) => serde_json::to_value(job).unwrap(),
            Err(f) => panic!("{f:#?}"),
        }
    }

    #[test]
    fn unknown_fields_name_the_block_and_suggest_the_closest() {
        let src = r#"job "j" {
  group "g" {
    task "t" {
      drvier = "docker"
      resources {
        memroy = 10
      }
    }
  }
}
"#;
        let f = decode_err(src);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|f| f.rule == RULE_UNKNOWN));
        assert_eq!(
            f[0].message,
            "unknown attribute `drvier` in job \"j\" > group \"g\" > task \"t\""
        );
        assert_eq!(&src[f[0].primary.span.clone()], "drvier");
        let help = f[0].help.as_deref().unwrap();
        assert!(
            help.starts_with("did you mean `driver`? valid names here: `driver`, `user`"),
            "{help}"
        );
        assert_eq!(&src[f[1].primary.span.clone()], "memroy");
        assert!(f[1]
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `memory`?"));
    }

    #[test]
    fn every_problem_is_reported() {
        let src = r#"job "j" {
  group "g" {
    restart {
      interval = "1d"
      attempts = "3"
    }
    task "t" {
      config = { image = "x" }
      kill_timeout = "5"
      vault {
        policies = ["p"]
      }
    }
  }
}
"#;
        let f = decode_err(src);
        let rules: Vec<_> = f
            .iter()
            .map(|f| (f.rule, &src[f.primary.span.clone()]))
            .collect();
        assert_eq!(
            rules,
            [
                (RULE_DURATION, "\"1d\""),
                (RULE_TYPE, "\"3\""),
                (RULE_UNKNOWN, "config"),
                (RULE_DURATION, "\"5\""),
                (RULE_IGNORED, "policies"),
            ]
        );
        assert_eq!(f[1].help.as_deref(), Some("remove the quotes"));
        assert_eq!(f[2].help.as_deref(), Some("write `config { ... }`"));
    }

    #[test]
    fn identities_split_into_default_and_named() {
        let v = decode_json(
            r#"job "j" {
  group "g" {
    task "t" {
      identity {
        name = "vault_default"
        aud  = ["vault.io"]
        ttl  = "1h"
      }
      identity {
        env = true
      }
      identity {
        name = "default"
        file = true
      }
    }
  }
}
"#,
        );
        let task = &v["Job"]["TaskGroups"][0]["Tasks"][0];
        assert_eq!(task["Identity"], json!({"Env": true}));
        assert_eq!(
            task["Identities"],
            json!([
                {"Name": "vault_default", "Audience": ["vault.io"], "TTL": 3_600 * SEC},
                {"Name": "default", "File": true},
            ])
        );
        let only_named = decode_json(
            r#"job "j" {
  group "g" {
    task "t" {
      identity {
        name = "x"
      }
    }
  }
}
"#,
        );
        let task = &only_named["Job"]["TaskGroups"][0]["Tasks"][0];
        assert_eq!(task.get("Identity"), None);
        assert_eq!(task["Identities"], json!([{"Name": "x"}]));
    }

    #[test]
    fn constraints_follow_jobspec2() {
        let v = decode_json(
            r#"job "j" {
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }
  constraint {
    distinct_hosts = true
  }
  constraint {
    attribute = "${attr.nomad.version}"
    semver    = ">= 1.7.0"
  }
  constraint {
    distinct_property = "${meta.rack}"
    value             = "2"
  }
  affinity {
    attribute        = "${meta.tags}"
    set_contains_any = "a,b"
    weight           = -50
  }
}
"#,
        );
        assert_eq!(
            v["Job"]["Constraints"],
            json!([
                {"LTarget": "${attr.kernel.name}", "RTarget": "linux", "Operand": "="},
                {"RTarget": "true", "Operand": "distinct_hosts"},
                {"LTarget": "${attr.nomad.version}", "RTarget": ">= 1.7.0", "Operand": "semver"},
                {"LTarget": "${meta.rack}", "RTarget": "2", "Operand": "distinct_property"},
            ])
        );
        assert_eq!(
            v["Job"]["Affinities"],
            json!([{
                "LTarget": "${meta.tags}",
                "RTarget": "a,b",
                "Operand": "set_contains_any",
                "Weight": -50,
            }])
        );
        let f = decode_err("job \"j\" {\n  constraint {\n    is_set = \"${meta.x}\"\n  }\n}\n");
        assert_eq!(f[0].rule, RULE_IGNORED);
    }

    #[test]
    fn config_blocks_become_lists_and_vault_is_inherited() {
        let v = decode_json(
            r#"job "j" {
  vault {
    role = "r"
  }
  task "solo" {
    driver = "docker"
    config {
      image  = "x"
      labels = { a = "b" }
      auth {
        username = "u"
      }
      mount {
        type = "bind"
      }
      mount {
        type = "tmpfs"
        tmpfs_options {
          size = 10
        }
      }
      port_map "http" {
        to = 80
      }
    }
  }
  group "g" {
    vault {
      role = "g"
    }
    task "a" {}
    task "b" {
      vault {
        role = "b"
      }
    }
  }
}
"#,
        );
        let groups = &v["Job"]["TaskGroups"];
        assert_eq!(groups[0]["Name"], "solo");
        assert_eq!(
            groups[0]["Tasks"][0]["Config"],
            json!({
                "image": "x",
                "labels": [{"a": "b"}],
                "auth": [{"username": "u"}],
                "mount": [{"type": "bind"}, {"type": "tmpfs", "tmpfs_options": [{"size": 10}]}],
                "port_map": [{"http": [{"to": 80}]}],
            })
        );
        assert_eq!(groups[0]["Tasks"][0]["Vault"], json!({"Role": "r"}));
        assert_eq!(groups[1]["Tasks"][0]["Vault"], json!({"Role": "g"}));
        assert_eq!(groups[1]["Tasks"][1]["Vault"], json!({"Role": "b"}));
    }

    #[test]
    fn syntax_errors_point_at_the_offset() {
        let src = "job \"j\" {\n  region = \n}\n";
        let f = decode_err(src);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, RULE_SYNTAX);
        assert_eq!(f[0].primary.span.start, src.find("= \n").unwrap() + 2);
    }

    #[test]
    fn evaluated_interpolations_are_refused() {
        let f = decode_err("job \"j\" {\n  region = \"${upper(\"x\")}\"\n}\n");
        assert_eq!(f[0].rule, "unsupported-expression");
        let v = decode_json("job \"j\" {\n  region = \"${node.region}-$${x}\"\n}\n");
        assert_eq!(v["Job"]["Region"], "${node.region}-${x}");
    }

    #[test]
    fn a_job_block_is_required_once() {
        assert_eq!(decode_err("")[0].rule, RULE_MISSING);
        assert_eq!(decode_err("job {\n}\n")[0].rule, RULE_LABEL);
        let f = decode_err("job \"a\" {\n}\njob \"b\" {\n}\nvariable \"x\" {\n}\n");
        let rules: Vec<_> = f.iter().map(|f| f.rule).collect();
        assert_eq!(rules, [RULE_DUPLICATE, RULE_UNKNOWN]);
    }

    #[test]
    fn required_attributes_and_duplicates() {
        let f = decode_err(
            r#"job "j" {
  group "g" {
    volume "v" {
    }
    volume "v" {
    }
    task "t" {
      lifecycle {
      }
      meta = {}
      meta {
      }
    }
  }
}
"#,
        );
        let rules: Vec<_> = f.iter().map(|f| f.rule).collect();
        assert_eq!(rules, [RULE_DUPLICATE, RULE_MISSING, RULE_DUPLICATE]);
    }
}
