//! The typed model of an operator policy file. Doc comments become the JSON Schema's
//! descriptions (`schemas/policy.schema.json`, `nomad-build schema policy`).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An operator policy: what a build.hcl may choose. Owned by the platform team, kept outside
/// the repository, given as `--policy FILE` or `NOMAD_BUILD_POLICY`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "nomad-build operator policy")]
pub struct PolicyFile {
    /// What build.hcl may choose. A missing attribute allows what build.hcl says.
    pub allow: Option<Allow>,
    /// Pipeline names per source repository, labelled with a glob of the source URL (the
    /// `source.url` of build.hcl, else the `origin` remote). With any `repository` block, a
    /// source no block matches is refused.
    #[serde(default)]
    pub repository: IndexMap<String, RepositoryRule>,
    /// Where a Vault secret may be sent, labelled with its KV v2 path exactly as build.hcl
    /// writes it in `credentials { path = ... }`. A path build.hcl uses without a block here
    /// is refused.
    #[serde(default)]
    pub credentials: IndexMap<String, CredentialsRule>,
}

/// `allow { ... }`: glob patterns each value of build.hcl must match (after variables are
/// resolved; defaults included). A missing attribute allows anything; an empty list nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    /// Nomad namespaces (`nomad.namespace`, default `default`).
    pub namespaces: Option<Vec<String>>,
    /// Node pools (`nomad.node_pool`, default `default`).
    pub node_pools: Option<Vec<String>>,
    /// Vault JWT roles (`vault.role`).
    pub vault_roles: Option<Vec<String>>,
    /// Pipeline names (the `pipeline` label; it makes the job IDs, which Vault roles bind to
    /// through the `nomad_job_id` claim).
    pub pipelines: Option<Vec<String>>,
    /// Every image a task runs in: the builder image, the git image, the skopeo image (their
    /// defaults too) and each test's `image`, matched as written.
    pub images: Option<Vec<String>>,
    /// Nomad host volumes (`build.cache.host_volume`, mounted read-write).
    pub host_volumes: Option<Vec<String>>,
    /// Whether the build may run privileged. `false` refuses a build.hcl that does not set
    /// `build { privileged = false }` (builds are privileged by default).
    pub privileged: Option<bool>,
    /// Whether `--templates DIR` (template overrides, which are code) may be used. Default
    /// `false` under a policy.
    pub templates: Option<bool>,
}

/// `repository "<url glob>" { ... }`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepositoryRule {
    /// Glob patterns of the pipeline names this repository may use.
    pub pipelines: Vec<String>,
}

/// `credentials "<vault path>" { ... }`: where that secret may be sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsRule {
    /// Registry `host[:port]` patterns: the `registry "<host>"` blocks whose `credentials` or
    /// `pull_credentials` may name this path. Default: none.
    #[serde(default)]
    pub registries: Vec<String>,
    /// Git host patterns (`host[:port]` of the source URL) whose `source.credentials` may name
    /// this path. Default: none.
    #[serde(default)]
    pub sources: Vec<String>,
}
