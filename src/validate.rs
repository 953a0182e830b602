//! Stage 2, validate: semantic rules over a loaded file (names, references, durations,
//! Nomad's limits, credentials). Structure and types were checked while loading.

use crate::config::{Credentials, Pipeline, StorageDriver};
use crate::diag::Finding;
use crate::eval::child;
use crate::load::Loaded;
use crate::nomad::jobspec::parse_duration;
use crate::reference;

/// Runs every rule; returns findings in no particular order.
pub fn check(l: &Loaded) -> Vec<Finding> {
    let mut out = Vec::new();
    let (name, p) = l.pipeline();
    let base = child("/pipeline", name);
    let ctx = Ctx {
        l,
        p,
        base: &base,
        out: &mut out,
    };
    run(ctx, name);
    out
}

struct Ctx<'a> {
    l: &'a Loaded,
    p: &'a Pipeline,
    base: &'a str,
    out: &'a mut Vec<Finding>,
}

impl Ctx<'_> {
    fn ptr(&self, rel: &str) -> String {
        format!("{}{rel}", self.base)
    }

    fn at(&self, rel: &str) -> std::ops::Range<usize> {
        self.l.span(&self.ptr(rel))
    }

    fn error(&mut self, rule: &'static str, rel: &str, msg: impl Into<String>) -> &mut Finding {
        let f = Finding::error(rule, self.l.file, self.at(rel), msg);
        self.out.push(f);
        self.out.last_mut().expect("just pushed")
    }

    fn warn(&mut self, rule: &'static str, rel: &str, msg: impl Into<String>) -> &mut Finding {
        let f = Finding::warning(rule, self.l.file, self.at(rel), msg);
        self.out.push(f);
        self.out.last_mut().expect("just pushed")
    }
}

fn set(f: &mut Finding, label: &str, help: Option<&str>) {
    f.primary.text = label.to_owned();
    f.help = help.map(str::to_owned);
}

fn run(mut c: Ctx<'_>, name: &str) {
    let p = c.p;
    // Pipeline name.
    if !valid_pipeline_name(name) {
        let at = c.l.key_span(c.base);
        c.out.push(
            Finding::error(
                "invalid-pipeline-name",
                c.l.file,
                at,
                format!("`{name}` is not a valid pipeline name"),
            )
            .label("must match `[a-z0-9][a-z0-9-]*`, at most 48 characters")
            .help(
                "the name prefixes job IDs and image tags: use lowercase letters, digits and `-`",
            ),
        );
    }

    // Nomad placement.
    if let Some(ns) = &p.nomad.namespace {
        if ns.is_empty()
            || ns.len() > 128
            || !ns.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            let f = c.error(
                "invalid-namespace",
                "/nomad/namespace",
                format!("`{ns}` is not a valid Nomad namespace"),
            );
            set(f, "Nomad namespaces match `[a-zA-Z0-9-]{1,128}`", None);
        }
    }
    if let Some(dcs) = &p.nomad.datacenters {
        for (i, dc) in dcs.iter().enumerate() {
            if dc.is_empty() {
                let f = c.error(
                    "invalid-datacenter",
                    &format!("/nomad/datacenters/{i}"),
                    "empty datacenter name",
                );
                set(
                    f,
                    "Nomad rejects an empty datacenter",
                    Some("use \"*\" for every datacenter"),
                );
            }
        }
    }
    const OPERATORS: [&str; 16] = [
        "=",
        "!=",
        ">",
        ">=",
        "<",
        "<=",
        "regexp",
        "set_contains",
        "set_contains_all",
        "set_contains_any",
        "version",
        "semver",
        "distinct_hosts",
        "distinct_property",
        "is_set",
        "is_not_set",
    ];
    for (i, con) in p.nomad.constraint.iter().enumerate() {
        let rel = format!("/nomad/constraint/{i}");
        let op = con.operator.as_deref().unwrap_or("=");
        if !OPERATORS.contains(&op) {
            let help = crate::diag::closest(op, OPERATORS).map(|s| format!("did you mean `{s}`?"));
            let f = c.error(
                "invalid-constraint",
                &format!("{rel}/operator"),
                format!("`{op}` is not a Nomad constraint operator"),
            );
            set(
                f,
                &format!("expected one of {}", crate::diag::list(&OPERATORS)),
                help.as_deref(),
            );
            continue;
        }
        let needs_attr = op != "distinct_hosts";
        if needs_attr && con.attribute.as_deref().unwrap_or("").is_empty() {
            let f = c.error("invalid-constraint", &rel, "constraint has no `attribute`");
            set(
                f,
                "missing `attribute`",
                Some("e.g. attribute = \"${attr.kernel.name}\""),
            );
        }
        if let Some(a) = &con.attribute {
            if a.starts_with('$') && !(a.starts_with("${") && a.ends_with('}')) {
                let f = c.error(
                    "invalid-constraint",
                    &format!("{rel}/attribute"),
                    format!("`{a}` is not a Nomad interpolation"),
                );
                set(
                    f,
                    "write `${attr.<name>}`, `${meta.<name>}` or `${node.<field>}`",
                    None,
                );
            }
        }
        let value_forbidden = matches!(op, "is_set" | "is_not_set" | "distinct_hosts");
        let has_value = con.value.as_deref().is_some_and(|v| !v.is_empty());
        if value_forbidden && has_value {
            let f = c.error(
                "invalid-constraint",
                &format!("{rel}/value"),
                format!("operator `{op}` takes no `value`"),
            );
            set(f, "remove this value", None);
        } else if !value_forbidden && op != "distinct_property" && !has_value {
            let f = c.error(
                "invalid-constraint",
                &rel,
                format!("operator `{op}` needs a `value`"),
            );
            set(f, "missing `value`", None);
        }
    }

    // Images and tags.
    check_image(&mut c, "/image/repository", &p.image.repository, false);
    if let Some(img) = &p.build.builder_image {
        check_image(&mut c, "/build/builder_image", img, true);
    }
    if let Some(img) = p.source.as_ref().and_then(|s| s.git_image.as_ref()) {
        check_image(&mut c, "/source/git_image", img, true);
    }
    for (tname, t) in &p.test {
        if let Some(img) = &t.image {
            check_image(&mut c, &format!("/test/{}/image", esc(tname)), img, true);
        }
    }
    if let Some(pb) = &p.publish {
        for (i, r) in pb.repositories.iter().enumerate() {
            check_image(&mut c, &format!("/publish/repositories/{i}"), r, false);
        }
        if let Some(img) = &pb.skopeo_image {
            check_image(&mut c, "/publish/skopeo_image", img, true);
        }
        for (i, t) in pb.tags.iter().enumerate() {
            let rel = format!("/publish/tags/{i}");
            if !reference::valid_tag(t) {
                let f = c.error(
                    "invalid-tag",
                    &rel,
                    format!("`{t}` is not a valid image tag"),
                );
                set(f, "tags match `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`", None);
            } else if t.starts_with("build-") {
                let f = c.warn(
                    "tag-shadows-staging",
                    &rel,
                    format!("tag `{t}` looks like a staging tag"),
                );
                set(
                    f,
                    "staging images are tagged `build-<run-id>`",
                    Some("pick a tag that cannot collide with `build-<run-id>`"),
                );
            }
        }
        if pb.tags.is_empty() {
            let f = c.warn(
                "publish-without-tags",
                "/publish",
                "`publish` has no tags, so it copies nothing",
            );
            set(
                f,
                "no `tags`",
                Some("add `tags = [\"latest\"]`, or remove the `publish` block"),
            );
        }
    }
    for (host, _) in &p.registry {
        if !reference::valid_host(host) {
            let rel = format!("/registry/{}", esc(host));
            let at = c.l.key_span(&c.ptr(&rel));
            c.out.push(
                Finding::error(
                    "invalid-registry-host",
                    c.l.file,
                    at,
                    format!("`{host}` is not a registry host[:port]"),
                )
                .label("expected e.g. `registry.example.com` or `10.0.0.5:5000`"),
            );
        }
    }

    // Durations.
    if let Some(t) = &p.build.timeout {
        check_duration(&mut c, "/build/timeout", t);
    }
    for (tname, t) in &p.test {
        if let Some(d) = &t.timeout {
            check_duration(&mut c, &format!("/test/{}/timeout", esc(tname)), d);
        }
    }

    // Ephemeral disk versus the log budget (10 files x 10 MB per task).
    let mut disks = vec![(
        "/build/resources/disk".to_owned(),
        p.build.resources.and_then(|r| r.disk),
    )];
    for (tname, t) in &p.test {
        disks.push((
            format!("/test/{}/resources/disk", esc(tname)),
            t.resources.and_then(|r| r.disk),
        ));
    }
    for (rel, disk) in disks {
        if let Some(d) = disk.filter(|d| *d <= 100) {
            let f = c.error(
                "disk-below-log-budget",
                &rel,
                format!("ephemeral disk of {d} MB is not larger than the 100 MB log budget"),
            );
            set(
                f,
                "Nomad rejects a group whose disk is not larger than max_files x max_file_size (10 x 10 MB)",
                Some("use at least 101 MB; a build needs far more (default 4096)"),
            );
        }
    }

    // Credentials.
    let mut creds: Vec<(String, &Credentials)> = Vec::new();
    if let Some(cr) = p.source.as_ref().and_then(|s| s.credentials.as_ref()) {
        creds.push(("/source/credentials".to_owned(), cr));
    }
    for (host, r) in &p.registry {
        if let Some(cr) = &r.credentials {
            creds.push((format!("/registry/{}/credentials", esc(host)), cr));
        }
    }
    if !creds.is_empty() && p.vault.is_none() {
        let (rel, _) = &creds[0];
        let at = c.l.key_span(&c.ptr(rel));
        let mut f = Finding::error(
            "credentials-without-vault",
            c.l.file,
            at,
            "credentials are configured but there is no `vault` block",
        )
        .label("these credentials are read from Vault")
        .help("add `vault { role = \"<jwt auth role>\" }` to the pipeline");
        for (other, _) in &creds[1..] {
            f = f.also(c.l.key_span(&c.ptr(other)), "also read from Vault");
        }
        c.out.push(f);
    }
    for (rel, cr) in &creds {
        if !cr.path.contains("/data/") {
            let f = c.warn(
                "vault-path-not-kv2",
                &format!("{rel}/path"),
                format!("`{}` is not a KV v2 read path", cr.path),
            );
            set(
                f,
                "KV v2 secrets are read at `<mount>/data/<path>`",
                Some("e.g. `secret/data/nomad/jobs/registry`; a v1 path makes `.Data.data` missing and the template fail"),
            );
        }
        for (field, value) in [("username", &cr.username), ("password", &cr.password)] {
            if let Some(v) = value {
                if !is_go_identifier(v) {
                    let f = c.error(
                        "invalid-credential-field",
                        &format!("{rel}/{field}"),
                        format!("`{v}` is not a usable secret field name"),
                    );
                    set(
                        f,
                        "field names must match `[A-Za-z_][A-Za-z0-9_]*`",
                        Some("rename the field in the Vault secret"),
                    );
                }
            }
        }
    }

    // Storage and fuse.
    let driver = p.build.storage_driver.unwrap_or(StorageDriver::Vfs);
    let has_cache = p
        .build
        .cache
        .as_ref()
        .is_some_and(|c| c.host_volume.is_some());
    if driver == StorageDriver::Overlay && !has_cache && !p.build.fuse.unwrap_or(false) {
        let f = c.warn(
            "overlay-without-backing",
            "/build/storage_driver",
            "overlay storage on the container's own overlay root fails",
        );
        set(
            f,
            "overlay cannot stack on the task's overlay filesystem",
            Some("add `cache { host_volume = \"...\" }`, set `fuse = true` for fuse-overlayfs, or use `vfs`"),
        );
    }
    if p.build.fuse.unwrap_or(false) && driver == StorageDriver::Vfs {
        let f = c.warn(
            "fuse-with-vfs",
            "/build/fuse",
            "`/dev/fuse` is passed in but the vfs driver never uses it",
        );
        set(
            f,
            "a client without /dev/fuse fails this task after placement, and Nomad cannot constrain on devices",
            Some("remove `fuse = true`, or use `storage_driver = \"overlay\"`"),
        );
    }

    // Tests.
    for (tname, t) in &p.test {
        if t.command.is_empty() {
            let rel = format!("/test/{}", esc(tname));
            let at = c.l.key_span(&c.ptr(&rel));
            c.out.push(
                Finding::warning(
                    "test-without-command",
                    c.l.file,
                    at,
                    format!("test `{tname}` has no `command`"),
                )
                .label("runs the image's default entrypoint and command")
                .help("add `command = [\"make\", \"test\"]`"),
            );
        }
    }

    // Env values: Nomad's client replaces `${NAME}` for names it knows, with no escape.
    for (tname, t) in &p.test {
        for (k, v) in &t.env {
            if let Some(name) = nomad_env_reference(v) {
                let rel = format!("/test/{}/env/{}", esc(tname), esc(k));
                let f = c.warn(
                    "env-value-interpolated",
                    &rel,
                    format!("Nomad replaces `${{{name}}}` in this value at run time"),
                );
                set(
                    f,
                    "task env values pass through Nomad's ${...} replacement, which has no escape",
                    Some("if the task should see the text itself, build it in the command instead (`$VAR` in a shell)"),
                );
            }
        }
    }

    // Literal secrets.
    let mut literal = Vec::new();
    for (k, v) in &p.image.build_args {
        literal.push((
            format!("/image/build_args/{}", esc(k)),
            k.clone(),
            v.clone(),
        ));
    }
    for (tname, t) in &p.test {
        for (k, v) in &t.env {
            literal.push((
                format!("/test/{}/env/{}", esc(tname), esc(k)),
                k.clone(),
                v.clone(),
            ));
        }
    }
    for (rel, k, v) in literal {
        if looks_secret(&k) && !v.is_empty() && !v.contains("${") {
            let f = c.error(
                "literal-secret",
                &rel,
                format!("`{k}` looks like a secret written in plain text"),
            );
            set(
                f,
                "this value ends up in the job files, Nomad's state and the image history",
                Some("keep secrets in Vault: registry and git passwords go in `credentials { path = \"...\" }`"),
            );
        }
    }
}

fn esc(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn check_image(c: &mut Ctx<'_>, rel: &str, image: &str, tag_allowed: bool) {
    match reference::parse(image) {
        Err(why) => {
            let f = c.error(
                "invalid-image-reference",
                rel,
                format!("`{image}` is not a valid image reference"),
            );
            set(
                f,
                &why,
                Some("write `[host[:port]/]path[:tag]`, e.g. `registry.example.com/acme/app`"),
            );
        }
        Ok(r) if !tag_allowed && (r.tag.is_some() || r.digest.is_some()) => {
            let f = c.error(
                "invalid-image-reference",
                rel,
                format!("`{image}` has a tag or digest"),
            );
            set(
                f,
                "a repository, without tag",
                Some("tags come from `publish.tags`; the staging tag is `build-<run-id>`"),
            );
        }
        Ok(_) => {}
    }
}

fn check_duration(c: &mut Ctx<'_>, rel: &str, d: &str) {
    match parse_duration(d) {
        Err(why) => {
            let f = c.error("invalid-duration", rel, format!("`{d}` is not a duration"));
            set(
                f,
                &why.to_string(),
                Some("Go durations combine numbers and units (ns, us, ms, s, m, h): `90s`, `45m`, `1h30m`"),
            );
        }
        Ok(ns) if ns <= 0 => {
            let f = c.error(
                "invalid-duration",
                rel,
                format!("`{d}` is not a positive duration"),
            );
            set(
                f,
                "Nomad's max_run_duration must be greater than zero",
                None,
            );
        }
        Ok(_) => {}
    }
}

/// The first `${NAME}` in `v` that Nomad's env replacement resolves (`NOMAD_*`, `attr.*`,
/// `meta.*`, `node.*`): the names `helper/args.ReplaceEnv` finds in a task's environment.
fn nomad_env_reference(v: &str) -> Option<&str> {
    let mut rest = v;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .unwrap_or(after.len());
        let name = &after[..len];
        if after[len..].starts_with('}')
            && ["NOMAD_", "attr.", "meta.", "node."]
                .iter()
                .any(|p| name.starts_with(p))
        {
            return Some(name);
        }
        rest = after;
    }
    None
}

fn valid_pipeline_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b.len() <= 48
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

fn is_go_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "private_key",
    ]
    .iter()
    .any(|w| k.contains(w))
}
