//! The operator policy: a file the platform team owns, outside the repository
//! (`--policy FILE`, `NOMAD_BUILD_POLICY`, `mcp --policy`), that pins what a build.hcl may
//! choose. build.hcl is written by whoever can push a branch; without a policy it alone picks
//! the Vault role, the pipeline name (and so the job ID Vault roles bind to), the namespace,
//! the node pool, the images that hold the secrets, host volumes, `privileged`, and where each
//! Vault secret is sent.
//!
//! - [`types`]: the file's model (its doc comments become `schemas/policy.schema.json`);
//! - `load.rs`: the file parsed with the HCL core, with diagnostics that point into it;
//! - this module: [`Policy`], the compiled patterns, and [`Policy::check`], which reports every
//!   value of a compiled build.hcl the policy does not allow as a `policy-*` error at its line.
//!
//! Patterns are globs ([`globset`], the matcher of ripgrep): `*` and `?` stay within a
//! `/`-separated segment, `**` crosses segments, `[abc]` and `{a,b}` work as in a shell; the
//! match is case-sensitive and against the whole value.

mod load;
pub mod types;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use indexmap::IndexMap;

use crate::diag::{FileId, Finding, Sources};
use crate::hcl::eval::child;
use crate::load::Loaded;
use crate::plan::{git_host, DEFAULT_BUILDER_IMAGE, DEFAULT_GIT_IMAGE, DEFAULT_SKOPEO_IMAGE};
use crate::rules::{
    policy_credentials, policy_host_volume, policy_image, policy_namespace, policy_node_pool,
    policy_pipeline, policy_privileged, policy_templates, policy_vault_role, Rule,
};
pub use types::PolicyFile;

/// The environment variable that names the policy file when `--policy` is not given.
pub const ENV: &str = "NOMAD_BUILD_POLICY";

/// A list of glob patterns as written and compiled.
#[derive(Debug, Clone)]
pub struct Patterns {
    /// The patterns as written, for messages.
    written: Vec<String>,
    set: GlobSet,
}

impl Patterns {
    /// Compiles `patterns`; `Err` is the index of the first malformed one and why.
    fn new(patterns: &[String]) -> Result<Patterns, (usize, String)> {
        let mut b = GlobSetBuilder::new();
        for (i, p) in patterns.iter().enumerate() {
            b.add(glob(p).map_err(|e| (i, e))?);
        }
        let set = b.build().map_err(|e| (0, e.kind().to_string()))?;
        Ok(Patterns {
            written: patterns.to_vec(),
            set,
        })
    }

    /// Whether `value` matches one of the patterns.
    pub fn matches(&self, value: &str) -> bool {
        self.set.is_match(value)
    }

    /// The patterns as a message lists them: `` `a`, `b` `` or "none (an empty list)".
    fn shown(&self) -> String {
        if self.written.is_empty() {
            return "nothing (the list is empty)".to_owned();
        }
        self.written
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One glob pattern: `*` within a segment, `**` across, no empty pattern.
fn glob(p: &str) -> Result<Glob, String> {
    if p.is_empty() {
        return Err("an empty pattern matches nothing".to_owned());
    }
    GlobBuilder::new(p)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| e.kind().to_string())
}

/// `allow { ... }`, compiled; `None` allows what build.hcl says.
#[derive(Debug, Clone, Default)]
pub struct Allow {
    namespaces: Option<Patterns>,
    node_pools: Option<Patterns>,
    vault_roles: Option<Patterns>,
    pipelines: Option<Patterns>,
    images: Option<Patterns>,
    host_volumes: Option<Patterns>,
    privileged: Option<bool>,
    templates: Option<bool>,
}

/// `repository "<url glob>" { pipelines = [...] }`, compiled.
#[derive(Debug, Clone)]
struct Repository {
    url: Patterns,
    pipelines: Patterns,
}

/// `credentials "<vault path>" { registries, sources }`, compiled.
#[derive(Debug, Clone)]
struct Destinations {
    registries: Patterns,
    sources: Patterns,
}

/// A loaded, valid policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The file as messages name it.
    shown: String,
    allow: Allow,
    repositories: Vec<Repository>,
    credentials: IndexMap<String, Destinations>,
}

/// Why a policy cannot be used.
#[derive(Debug)]
pub enum PolicyError {
    /// The file cannot be read.
    Unreadable(String),
    /// The file is not a valid policy: its diagnostics, pointing into `sources`.
    Invalid(Sources, Vec<Finding>),
}

impl Policy {
    /// Reads and checks the policy file at `path`.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            PolicyError::Unreadable(format!("cannot read the policy `{shown}`: {e}"))
        })?;
        Policy::parse(&shown, &text)
    }

    /// Checks `text`, the policy file shown as `shown`.
    pub fn parse(shown: &str, text: &str) -> Result<Policy, PolicyError> {
        let mut sources = Sources::default();
        let file = sources.add(shown.to_owned(), text.to_owned());
        match load::load(text, file) {
            Ok(mut p) => {
                shown.clone_into(&mut p.shown);
                Ok(p)
            }
            Err(findings) => Err(PolicyError::Invalid(sources, findings)),
        }
    }

    /// The file as messages name it.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Whether `--templates` (template overrides, which are code) is allowed:
    /// `allow { templates = true }`.
    pub fn allows_templates(&self) -> bool {
        self.allow.templates == Some(true)
    }

    /// The `policy-templates` error for `--templates DIR` (its span in `file`, the command
    /// line) under a policy that does not allow template overrides.
    pub fn templates_refused(&self, file: FileId, span: std::ops::Range<usize>) -> Finding {
        policy_templates::RULE
            .finding(
                file,
                span,
                format!(
                    "the operator policy `{}` does not allow template overrides",
                    self.shown
                ),
            )
            .label("template overrides are code: they can write any job")
            .help("drop `--templates`, or have the platform team set `allow { templates = true }`")
    }

    /// Every value of the compiled file `l` the policy does not allow. `origin` is the file's
    /// repository's `origin` remote as the compile discovered it (validated, credentials
    /// stripped), used when the file names no `source.url` and the policy needs the source
    /// (per-repository pipelines, git credentials).
    pub fn check(&self, l: &Loaded, origin: Option<&str>) -> Vec<Finding> {
        let (name, p) = l.pipeline();
        let cx = Check {
            policy: self,
            l,
            base: child("/pipeline", name),
            out: Vec::new(),
        };
        let needs_source = !self.repositories.is_empty()
            || p.source.as_ref().is_some_and(|s| s.credentials.is_some());
        let source = match p.source.as_ref().and_then(|s| s.url.clone()) {
            Some(url) => Some((url, false)),
            None if needs_source => origin.map(|u| (u.to_owned(), true)),
            None => None,
        };
        cx.run(name, p, source.as_ref().map(|(u, o)| (u.as_str(), *o)))
    }
}

/// One check of a file against a policy.
struct Check<'a> {
    policy: &'a Policy,
    l: &'a Loaded,
    base: String,
    out: Vec<Finding>,
}

/// A value of build.hcl as compiled: what it is, and whether the file wrote it (`false`: a
/// default).
struct Value<'v> {
    text: &'v str,
    written: bool,
    /// The pointer (relative to the pipeline) of the value, or of where it would be written.
    rel: String,
}

impl Check<'_> {
    fn run(
        mut self,
        name: &str,
        p: &crate::config::Pipeline,
        source: Option<(&str, bool)>,
    ) -> Vec<Finding> {
        let allow = &self.policy.allow;
        // Namespace, node pool, Vault role.
        let ns = value(p.nomad.namespace.as_deref(), "default", "/nomad/namespace");
        self.pinned(
            &policy_namespace::RULE,
            "namespace",
            &ns,
            allow.namespaces.as_ref(),
            "namespaces",
        );
        let pool = value(p.nomad.node_pool.as_deref(), "default", "/nomad/node_pool");
        self.pinned(
            &policy_node_pool::RULE,
            "node pool",
            &pool,
            allow.node_pools.as_ref(),
            "node_pools",
        );
        if let Some(v) = &p.vault {
            let role = value(Some(&v.role), "", "/vault/role");
            self.pinned(
                &policy_vault_role::RULE,
                "Vault role",
                &role,
                allow.vault_roles.as_ref(),
                "vault_roles",
            );
        }
        // The pipeline name.
        let pipeline = Value {
            text: name,
            written: true,
            rel: String::new(),
        };
        self.pinned(
            &policy_pipeline::RULE,
            "pipeline name",
            &pipeline,
            allow.pipelines.as_ref(),
            "pipelines",
        );
        self.repository(name, source);
        // Images: every image a task runs in, defaults included.
        let builder = value(
            p.build.builder_image.as_deref(),
            DEFAULT_BUILDER_IMAGE,
            "/build/builder_image",
        );
        self.image("builder image", &builder);
        let git = value(
            p.source.as_ref().and_then(|s| s.git_image.as_deref()),
            DEFAULT_GIT_IMAGE,
            "/source/git_image",
        );
        self.image("git image", &git);
        if let Some(pb) = &p.publish {
            let skopeo = value(
                pb.skopeo_image.as_deref(),
                DEFAULT_SKOPEO_IMAGE,
                "/publish/skopeo_image",
            );
            self.image("skopeo image", &skopeo);
        }
        for (test, t) in &p.test {
            if let Some(image) = &t.image {
                let rel = format!("/test/{}/image", esc(test));
                self.image("test image", &value(Some(image), "", &rel));
            }
        }
        // Host volumes and privileges.
        if let Some(hv) = p
            .build
            .cache
            .as_ref()
            .and_then(|c| c.host_volume.as_deref())
        {
            let hv = value(Some(hv), "", "/build/cache/host_volume");
            self.pinned(
                &policy_host_volume::RULE,
                "host volume",
                &hv,
                allow.host_volumes.as_ref(),
                "host_volumes",
            );
        }
        if allow.privileged == Some(false) && p.build.privileged != Some(false) {
            let written = p.build.privileged.is_some();
            let at = self.at(&Value {
                text: "",
                written,
                rel: "/build/privileged".to_owned(),
            });
            let f = policy_privileged::RULE
                .finding(
                    self.l.file,
                    at,
                    format!(
                        "the operator policy `{}` does not allow privileged builds",
                        self.policy.shown
                    ),
                )
                .label(if written {
                    "privileged: root on the build node"
                } else {
                    "builds are privileged unless `privileged = false`"
                })
                .help("set `privileged = false` in `build` (buildah then needs `SYS_ADMIN`, see `unprivileged-buildah`)");
            self.out.push(f);
        }
        // Where each secret goes.
        for (host, r) in &p.registry {
            for (field, c) in [
                ("credentials", r.credentials.as_ref()),
                ("pull_credentials", r.pull_credentials.as_ref()),
            ] {
                if let Some(c) = c {
                    let rel = format!("/registry/{}/{field}/path", esc(host));
                    let header = format!("/registry/{}", esc(host));
                    self.secret(&c.path, &rel, "registry", host, &header);
                }
            }
        }
        if let Some(c) = p.source.as_ref().and_then(|s| s.credentials.as_ref()) {
            if let Some((url, _)) = source {
                let host = git_host(url);
                self.secret(
                    &c.path,
                    "/source/credentials/path",
                    "git host",
                    &host,
                    "/source",
                );
            }
        }
        self.out
    }

    /// The span of `v`: its value when written, else the header of the nearest block written.
    fn at(&self, v: &Value<'_>) -> std::ops::Range<usize> {
        let ptr = format!("{}{}", self.base, v.rel);
        if v.written {
            self.l.span(&ptr)
        } else {
            self.l.key_span(&ptr)
        }
    }

    /// `v` (a `what`) must match `allowed` (`allow.<attr>`), when the policy sets it.
    fn pinned(
        &mut self,
        rule: &Rule,
        what: &str,
        v: &Value<'_>,
        allowed: Option<&Patterns>,
        attr: &str,
    ) {
        let Some(allowed) = allowed else { return };
        if allowed.matches(v.text) {
            return;
        }
        let at = if v.rel.is_empty() {
            self.l.key_span(&self.base)
        } else {
            self.at(v)
        };
        let default = if v.written {
            ""
        } else {
            " (the default: build.hcl sets none)"
        };
        let f = rule
            .finding(
                self.l.file,
                at,
                format!(
                    "{what} `{}`{default} is not allowed by the operator policy `{}`",
                    v.text, self.policy.shown
                ),
            )
            .label(format!("not in `allow.{attr}`"))
            .help(format!(
                "the policy allows {}; it is the platform team's to change, not build.hcl's",
                allowed.shown()
            ));
        self.out.push(f);
    }

    /// An image a task runs in.
    fn image(&mut self, what: &str, v: &Value<'_>) {
        let allow = &self.policy.allow;
        self.pinned(
            &policy_image::RULE,
            what,
            v,
            allow.images.as_ref(),
            "images",
        );
    }

    /// Per-repository pipeline names: with `repository` blocks, the source must match one
    /// and the pipeline name a pattern of a matching one.
    fn repository(&mut self, name: &str, source: Option<(&str, bool)>) {
        let repos = &self.policy.repositories;
        if repos.is_empty() {
            return;
        }
        let at = self.l.key_span(&self.base);
        let shown = self.policy.shown.clone();
        let Some((url, origin)) = source else {
            self.out.push(
                policy_pipeline::RULE
                    .finding(self.l.file, at, format!("the operator policy `{shown}` pins pipeline names per repository, and the source repository is unknown"))
                    .label("no `source.url` and no `origin` remote")
                    .help("run inside a clone with an `origin` remote, or set `source { url = \"...\" }`"),
            );
            return;
        };
        let whence = if origin { " (the `origin` remote)" } else { "" };
        let matching: Vec<&Repository> = repos.iter().filter(|r| r.url.matches(url)).collect();
        if matching.is_empty() {
            self.out.push(
                policy_pipeline::RULE
                    .finding(
                        self.l.file,
                        at,
                        format!("no `repository` block of the operator policy `{shown}` matches the source `{url}`{whence}"),
                    )
                    .label("this pipeline's repository is not in the policy")
                    .help("the platform team adds `repository \"<url pattern>\" { pipelines = [...] }` for it"),
            );
            return;
        }
        if matching.iter().any(|r| r.pipelines.matches(name)) {
            return;
        }
        let allowed: Vec<String> = matching.iter().map(|r| r.pipelines.shown()).collect();
        self.out.push(
            policy_pipeline::RULE
                .finding(
                    self.l.file,
                    at,
                    format!(
                        "pipeline name `{name}` is not allowed for `{url}`{whence} by the operator policy `{shown}`"
                    ),
                )
                .label("not in the `pipelines` of the policy's `repository` block")
                .help(format!("this repository may use {}", allowed.join("; "))),
        );
    }

    /// The secret at `path` (written at `rel`) is sent to `host`, a `kind` (`registry` or
    /// `git host`) whose block is at `header`.
    fn secret(&mut self, path: &str, rel: &str, kind: &str, host: &str, header: &str) {
        let shown = self.policy.shown.clone();
        let at = self.l.span(&format!("{}{rel}", self.base));
        let header_at = self.l.key_span(&format!("{}{header}", self.base));
        let Some(d) = self.policy.credentials.get(path) else {
            self.out.push(
                policy_credentials::RULE
                    .finding(
                        self.l.file,
                        at,
                        format!("the operator policy `{shown}` has no `credentials \"{path}\"` block: this secret may not be used"),
                    )
                    .label("not a secret the policy lets build.hcl use")
                    .help(format!("the platform team adds `credentials \"{path}\" {{ ... }}` naming where it may be sent")),
            );
            return;
        };
        let (allowed, attr) = if kind == "registry" {
            (&d.registries, "registries")
        } else {
            (&d.sources, "sources")
        };
        if allowed.matches(host) {
            return;
        }
        self.out.push(
            policy_credentials::RULE
                .finding(
                    self.l.file,
                    at,
                    format!("the secret `{path}` may not be sent to {kind} `{host}`"),
                )
                .label(format!(
                    "not in `{attr}` of `credentials \"{path}\"` in `{shown}`"
                ))
                .also(header_at, format!("sent to this {kind}"))
                .help(format!("the policy sends it only to {}", allowed.shown())),
        );
    }
}

/// A value as compiled: `set` when the file writes it, else `default`.
fn value<'v>(set: Option<&'v str>, default: &'v str, rel: &str) -> Value<'v> {
    Value {
        text: set.unwrap_or(default),
        written: set.is_some(),
        rel: rel.to_owned(),
    }
}

/// Escapes a JSON-pointer token.
fn esc(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

static NOTICE: AtomicBool = AtomicBool::new(false);

/// Whether any task of `compiled` reads a secret from Vault.
pub fn uses_credentials(compiled: &crate::compile::Compiled) -> bool {
    compiled.phases.iter().any(|r| {
        let job = serde_json::to_value(&r.job).unwrap_or_default();
        job["Job"]["TaskGroups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["Tasks"].as_array().into_iter().flatten())
            .any(|t| !t["Vault"].is_null())
    })
}

/// The notice `run` and `mcp` print (once a process) when credentials are used without a
/// policy; `None` when it was printed already.
pub fn unpinned_notice() -> Option<&'static str> {
    (!NOTICE.swap(true, Ordering::Relaxed)).then_some(
        "notice: no operator policy (--policy FILE or NOMAD_BUILD_POLICY): build.hcl alone \
         chooses where these credentials are sent, the Vault role, namespace, node pool, \
         images and privileges (see \"Security model\" in the README)",
    )
}

/// The JSON Schema of the policy file, pretty-printed with a final newline
/// (`nomad-build schema policy`, committed as `schemas/policy.schema.json`).
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(PolicyFile);
    let mut s = serde_json::to_string_pretty(&schema).expect("the schema serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests;
