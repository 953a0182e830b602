//! The typed model of `build.hcl` (v1). Doc comments become the JSON Schema's descriptions.
//!
//! Blocks are objects, labelled blocks are maps keyed by label, repeatable unlabelled blocks
//! are lists. Semantic checks (image references, durations, Nomad's limits) live in
//! [`crate::validate`]; this model only fixes names, types and enumerations.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A `build.hcl` file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "build.hcl (nomad-build v1)")]
pub struct BuildFile {
    /// Input variables, referenced as `var.<name>`.
    #[serde(default)]
    pub variable: IndexMap<String, Variable>,
    /// The pipeline, labelled with its name (`[a-z0-9][a-z0-9-]*`, at most 48 characters).
    /// Exactly one per file.
    #[schemars(length(min = 1, max = 1))]
    pub pipeline: IndexMap<String, Pipeline>,
}

/// `variable "name" { ... }`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    /// What the variable is for.
    pub description: Option<String>,
    /// Value used when no `--var`, `--var-file` or `NOMAD_BUILD_VAR_<name>` sets one.
    pub default: Option<serde_json::Value>,
    /// `string` (default), `number` or `bool`: how `--var` and environment values are read.
    #[serde(rename = "type")]
    pub kind: Option<VarType>,
}

/// The type of a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VarType {
    /// Any text.
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
}

/// `pipeline "name" { ... }`: how to build, test and publish the repository's image.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    /// Where and how the jobs run on Nomad.
    #[serde(default)]
    pub nomad: Nomad,
    /// Vault workload-identity login; required when any credentials are configured.
    pub vault: Option<Vault>,
    /// The git repository to build. Default: the `origin` remote and `HEAD` of the repository
    /// that contains the file.
    pub source: Option<Source>,
    /// The image to build.
    pub image: Image,
    /// Registries, labelled with `host[:port]`. A host with no block is used anonymously.
    #[serde(default)]
    pub registry: IndexMap<String, Registry>,
    /// The `build` phase (buildah).
    pub build: Build,
    /// Tests, one task group each in the `test` phase. The label names the group and task: no
    /// `/`, `\`, control characters, `.` or `..`, and not `alloc`, `checkout`, `build` or
    /// `publish`.
    #[serde(default)]
    pub test: IndexMap<String, Test>,
    /// The `publish` phase: copies the staging image to its tags.
    pub publish: Option<Publish>,
}

/// `nomad { ... }`: job placement, copied to every job.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Nomad {
    /// The oldest Nomad release the jobs must run on: servers, clients and the `nomad` CLI that
    /// parses the HCL jobspec. `X.Y` (meaning `X.Y.0`) or `X.Y.Z`, at least `1.9`. Default
    /// `1.9.0`, which every supported release accepts. `--nomad-version` overrides it.
    pub version: Option<String>,
    /// Nomad region. Default `global`.
    pub region: Option<String>,
    /// Nomad namespace (`[a-zA-Z0-9-]{1,128}`). Default `default`.
    pub namespace: Option<String>,
    /// Datacenters (glob patterns allowed). Default `["*"]`.
    pub datacenters: Option<Vec<String>>,
    /// Node pool. Default `default`.
    pub node_pool: Option<String>,
    /// Job priority, 1 to 100. Default 50.
    #[schemars(range(min = 1, max = 100))]
    pub priority: Option<i64>,
    /// Placement constraints copied to every job.
    #[serde(default)]
    pub constraint: Vec<Constraint>,
    /// Extra job `Meta`. Keys match `[A-Za-z0-9_][A-Za-z0-9_.-]*` and do not start with the
    /// reserved `nomad-build.`.
    #[serde(default)]
    pub meta: IndexMap<String, String>,
}

/// `constraint { ... }`: a Nomad placement constraint.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    /// Left side, e.g. `${attr.kernel.name}`.
    pub attribute: Option<String>,
    /// Nomad operator. Default `=`.
    pub operator: Option<String>,
    /// Right side.
    pub value: Option<String>,
}

/// `vault { ... }`: Vault login by workload identity.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vault {
    /// Vault JWT auth role.
    pub role: String,
    /// When set, each task that reads secrets gets an `identity "vault_default"` with this
    /// audience; otherwise the Nomad servers' `vault.default_identity` must exist.
    pub audience: Option<Vec<String>>,
}

/// `source { ... }`: the git repository.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Clone URL: `https://`, `ssh://`, `git://`, `file://` or scp-style `user@host:path`.
    pub url: Option<String>,
    /// Branch, tag or commit: a `git check-ref-format` name not starting with `-` or `+`, or a
    /// commit id. Default `main`.
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// Git credentials read from Vault.
    pub credentials: Option<Credentials>,
    /// Image with `git` and `sh` for the `checkout` task.
    pub git_image: Option<String>,
}

/// `credentials { ... }`: a Vault KV v2 secret holding a user name and a password.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// KV v2 read path, `<mount>/data/<path>`: no quotes, backslashes, braces, whitespace or
    /// empty, `.` and `..` segments.
    pub path: String,
    /// Field holding the user name. Default `username`.
    pub username: Option<String>,
    /// Field holding the password. Default `password`.
    pub password: Option<String>,
}

/// `image { ... }`: what to build.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// Repository without tag, e.g. `registry.example.com/acme/app`.
    pub repository: String,
    /// Containerfile relative to `context`; must stay inside the repository. Default
    /// `Containerfile`, then `Dockerfile`.
    pub containerfile: Option<String>,
    /// Build context relative to the repository root; must stay inside it. Default `.`.
    pub context: Option<String>,
    /// Multi-stage target.
    pub target: Option<String>,
    /// `--build-arg`s; names are environment variable names (`[A-Za-z_][A-Za-z0-9_]*`).
    #[serde(default)]
    pub build_args: IndexMap<String, String>,
    /// Image labels; keys match `[A-Za-z0-9][A-Za-z0-9_./-]*`.
    #[serde(default)]
    pub labels: IndexMap<String, String>,
}

/// `registry "host[:port]" { ... }`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    /// Plain HTTP / no TLS verification.
    #[serde(default)]
    pub insecure: bool,
    /// Registry credentials read from Vault, used by the tasks that push (build, publish) and,
    /// without `pull_credentials`, by test tasks pulling from this registry.
    pub credentials: Option<Credentials>,
    /// Credentials for test tasks pulling their image from this registry; give them read-only
    /// access. A test task's command can read the credentials its image is pulled with, so
    /// without this block the push credentials of `credentials` reach the test.
    pub pull_credentials: Option<Credentials>,
}

/// `build { ... }`: the buildah task.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Build {
    /// Image that runs buildah.
    pub builder_image: Option<String>,
    /// Buildah storage driver. Default `vfs`.
    pub storage_driver: Option<StorageDriver>,
    /// Buildah isolation for `RUN` steps. Default `chroot`.
    pub isolation: Option<Isolation>,
    /// Run the buildah container privileged. Default `true`.
    pub privileged: Option<bool>,
    /// Pass the host's `/dev/fuse` into the task (for fuse-overlayfs). Default `false`.
    pub fuse: Option<bool>,
    /// Layer cache.
    pub cache: Option<Cache>,
    /// Task resources.
    pub resources: Option<Resources>,
    /// Go duration: the job's maximum run time.
    pub timeout: Option<String>,
}

/// Buildah storage drivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StorageDriver {
    /// Copies layers; works everywhere.
    Vfs,
    /// Overlay; needs a non-overlay backing directory or fuse-overlayfs.
    Overlay,
}

/// Buildah isolation modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Isolation {
    /// chroot(2); works inside an unprivileged-ish container.
    Chroot,
    /// An OCI runtime.
    Oci,
    /// A rootless OCI runtime.
    Rootless,
}

/// `cache { ... }`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    /// Nomad host volume mounted at `/var/lib/containers`: buildah's storage, kept between
    /// builds on the node; the build then reuses unchanged layers (`--layers`).
    pub host_volume: Option<String>,
    /// Repository (without tag) the build pushes its layers to and pulls them from
    /// (`--cache-to`/`--cache-from`), e.g. `registry.example.com/acme/cache`; credentials and
    /// `insecure` come from its `registry` block, as for pushes.
    pub registry: Option<String>,
}

/// `resources { ... }`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// CPU in MHz (>= 1).
    #[schemars(range(min = 1))]
    pub cpu: Option<i64>,
    /// Memory in MB (>= 10).
    #[schemars(range(min = 10))]
    pub memory: Option<i64>,
    /// Ephemeral disk in MB; must exceed the log budget (100 MB).
    #[schemars(range(min = 10))]
    pub disk: Option<i64>,
}

/// `test "name" { ... }`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Test {
    /// Command and arguments, run as given (the image's entrypoint is replaced).
    #[serde(default)]
    pub command: Vec<String>,
    /// Environment variables; names match `[A-Za-z_][A-Za-z0-9_]*`.
    #[serde(default)]
    pub env: IndexMap<String, String>,
    /// Task resources.
    pub resources: Option<Resources>,
    /// Go duration: the group's maximum run time.
    pub timeout: Option<String>,
    /// Run in this image instead of the staging image.
    pub image: Option<String>,
    /// Clone the source into `/alloc/src` first and run there.
    #[serde(default)]
    pub checkout: bool,
}

/// `publish { ... }`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// Tags given to the staging image.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Extra repositories that receive the same tags.
    #[serde(default)]
    pub repositories: Vec<String>,
    /// Image with `skopeo` that copies the image. Default `quay.io/skopeo/stable:v1.16.1`.
    pub skopeo_image: Option<String>,
}
