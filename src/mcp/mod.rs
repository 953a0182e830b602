//! `nomad-build mcp`: the compiler (and, given a [`Cluster`], runs, status and placement) as
//! Model Context Protocol tools, served over standard input and output with the official
//! Rust SDK (`rmcp`), which negotiates the protocol version and capabilities.
//!
//! * [`tools`]: the tools, their schemas and what each does;
//! * [`cluster`]: [`Nomad`], the [`Cluster`] on the cluster code of `run`, `status` and `plan`;
//! * [`runs`]: the [`Cluster`] trait the cluster tools are written against, and the registry
//!   of background runs;
//! * [`safety`]: confinement below `--root` and the redaction of secrets;
//! * [`framing`]: the line framing in front of rmcp's stdio transport, which answers an
//!   over-long request with a JSON-RPC error instead of dropping it.
//!
//! The tool list is data: [`Server::new`] serves the compiler's tools always and the cluster
//! tools only with a cluster, so the server never lists a tool that cannot work. `nomad-build
//! mcp` passes [`cluster::Nomad`] (the cluster of the server's `NOMAD_*` environment) to
//! [`run_stdio`]; `tests/mcp/cluster.rs` passes a scripted one. Resources:
//! the build.hcl JSON Schema ([`SCHEMA_URI`]) and each rule's documentation
//! (`nomad-build://rules/<id>`).

use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    CustomRequest, CustomResult, ErrorCode, Implementation, ListResourceTemplatesResult,
    ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ReadResourceResult, Resource, ResourceContents, ResourceTemplate, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{tool_handler, ErrorData, RoleServer, ServerHandler, ServiceExt};

pub mod cluster;
pub mod framing;
pub mod runs;
pub mod safety;
pub mod tools;

pub use cluster::Nomad;
pub use runs::{
    CancelToken, Cluster, PhaseOutcome, PhasePlan, PlanRequest, RunReporter, RunRequest, RunState,
    RunStatus, Runs, TaskState,
};
pub use safety::{Redactor, Root};

/// The resource with the JSON Schema of build.hcl.
pub const SCHEMA_URI: &str = "nomad-build://schema/build.hcl.json";

/// The prefix of the rules' documentation resources.
const RULES_PREFIX: &str = "nomad-build://rules/";

/// How long the server waits, when the client goes away, for its runs' jobs to be stopped.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(30);

/// What every tool call shares.
pub(crate) struct Shared {
    pub(crate) root: Root,
    pub(crate) redactor: Arc<Redactor>,
    pub(crate) cluster: Option<Arc<dyn Cluster>>,
    pub(crate) runs: Runs,
    /// The operator policy every tool compiles under (`mcp --policy`).
    pub(crate) policy: Option<Arc<crate::policy::Policy>>,
    /// Whether the tools' `templates` argument is accepted (`mcp --allow-templates`).
    pub(crate) allow_templates: bool,
}

/// The MCP server.
#[derive(Clone)]
pub struct Server {
    shared: Arc<Shared>,
    tool_router: ToolRouter<Server>,
}

impl Server {
    /// A server confined to `root`, redacting `redactor`'s secrets; the cluster tools are
    /// served when there is a `cluster`.
    pub fn new(root: Root, redactor: Redactor, cluster: Option<Arc<dyn Cluster>>) -> Server {
        let redactor = Arc::new(redactor);
        let mut tool_router = Server::compiler_tools();
        if cluster.is_some() {
            tool_router += Server::cluster_tools();
        }
        Server {
            shared: Arc::new(Shared {
                root,
                runs: Runs::new(Arc::clone(&redactor)),
                redactor,
                cluster,
                policy: None,
                allow_templates: false,
            }),
            tool_router,
        }
    }

    /// This server with an operator policy and, with `allow_templates`, the tools'
    /// `templates` argument accepted (template overrides are code).
    #[must_use]
    pub fn with_trust(
        mut self,
        policy: Option<Arc<crate::policy::Policy>>,
        allow_templates: bool,
    ) -> Server {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.policy = policy;
            shared.allow_templates = allow_templates;
        }
        self
    }

    /// The names of the tools this server lists.
    pub fn tool_names(&self) -> Vec<String> {
        self.tool_router
            .list_all()
            .into_iter()
            .map(|t| t.name.into_owned())
            .collect()
    }

    /// Serves one client on standard input and output until it goes away, then stops the
    /// runs still going. Input goes through [`framing::frame`] first.
    pub async fn serve_stdio(self) -> Result<(), String> {
        let runs = self.shared.runs.clone();
        let (input, feed) = tokio::io::duplex(64 * 1024);
        let framing = tokio::spawn(framing::frame(
            tokio::io::stdin(),
            feed,
            framing::MAX_REQUEST,
        ));
        let result = match self.serve((input, tokio::io::stdout())).await {
            Ok(service) => service
                .waiting()
                .await
                .map(|_| ())
                .map_err(|e| format!("the MCP session failed: {e}")),
            Err(e) => Err(format!("the MCP session did not start: {e}")),
        };
        framing.abort();
        let _ = tokio::task::spawn_blocking(move || runs.shutdown(SHUTDOWN_WAIT)).await;
        result
    }

    fn resources() -> Vec<Resource> {
        let mut out = vec![Resource::new(SCHEMA_URI, "build.hcl.json")
            .with_title("JSON Schema of build.hcl")
            .with_description("The JSON Schema of build.hcl, as `nomad-build schema` prints it.")
            .with_mime_type("application/schema+json")];
        for r in crate::rules::all() {
            out.push(
                Resource::new(tools::rule_uri(r.id), r.id)
                    .with_title(format!("Rule {}", r.id))
                    .with_description(r.summary)
                    .with_mime_type("text/markdown"),
            );
        }
        out
    }
}

/// Runs the server for `nomad-build mcp` on a runtime of its own; `Err` is the message for
/// standard error.
pub fn run_stdio(root: Root, cluster: Option<Arc<dyn Cluster>>) -> Result<(), String> {
    run_stdio_with(root, cluster, None, false)
}

/// [`run_stdio`] under an operator policy, with the `templates` argument accepted when
/// `allow_templates` ([`Server::with_trust`]).
pub fn run_stdio_with(
    root: Root,
    cluster: Option<Arc<dyn Cluster>>,
    policy: Option<Arc<crate::policy::Policy>>,
    allow_templates: bool,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the MCP server: {e}"))?;
    let server =
        Server::new(root, Redactor::from_env(), cluster).with_trust(policy, allow_templates);
    runtime.block_on(server.serve_stdio())
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new("nomad-build", env!("CARGO_PKG_VERSION")).with_title("nomad-build"),
        )
        .with_instructions(format!(
            "Compiles build.hcl files into Nomad batch jobs. Tools read files only below {}; \
             paths are relative to it. `validate` reports diagnostics with rule ids (their \
             documentation is the resource nomad-build://rules/<id>), `render` returns each \
             phase's job as HCL and JSON, `rules` lists the catalogue. Variables come only \
             from the tools' `vars` and `var_files`.{}",
            self.shared.root.dir().display(),
            if self.shared.cluster.is_some() {
                " `run` starts the pipeline on the Nomad cluster in the background \
                 (`run_status` follows it, `run_cancel` stops its jobs), `status` explains a \
                 job, `plan` checks placement on a node snapshot."
            } else {
                ""
            }
        ))
    }

    /// The stand-in for an over-long request ([`framing`]) gets its error here; any other
    /// unknown method is not found.
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        if request.method == framing::OVERSIZED {
            let bytes = request
                .params
                .as_ref()
                .and_then(|p| p.get("bytes"))
                .and_then(serde_json::Value::as_u64)
                .unwrap_or_default();
            return Err(ErrorData::new(
                ErrorCode::INVALID_REQUEST,
                format!(
                    "request too large: {bytes} bytes; the server reads requests of up to {} bytes",
                    framing::MAX_REQUEST
                ),
                None,
            ));
        }
        Err(ErrorData::new(
            ErrorCode::METHOD_NOT_FOUND,
            request.method,
            None,
        ))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(Server::resources()))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            ResourceTemplate::new(format!("{RULES_PREFIX}{{id}}"), "rule")
                .with_title("A rule's documentation")
                .with_description("What the rule checks, why it matters, an example.")
                .with_mime_type("text/markdown"),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri;
        let (text, mime) = if uri == SCHEMA_URI {
            (crate::schema::schema_json(), "application/schema+json")
        } else if let Some(rule) = uri.strip_prefix(RULES_PREFIX).and_then(crate::rules::get) {
            (
                format!(
                    "# {}\n\nSeverity: {}. {}\n\n{}",
                    rule.id,
                    crate::rules::severity_name(rule.severity),
                    rule.summary,
                    rule.doc_text()
                ),
                "text/markdown",
            )
        } else {
            return Err(ErrorData::resource_not_found(
                format!("no resource `{}`", uri.escape_debug()),
                None,
            ));
        };
        Ok(
            ReadResourceResult::new(vec![ResourceContents::TextResourceContents {
                uri,
                mime_type: Some(mime.to_owned()),
                text,
                meta: None,
            }])
            .into(),
        )
    }
}

#[cfg(test)]
mod tests;
