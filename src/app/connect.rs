//! The cluster connection of every cluster use case: the `NOMAD_*` environment, the flags
//! (`--address`, `--token`) and the jobs' namespace and region (which win over
//! `NOMAD_NAMESPACE` and `NOMAD_REGION`, as for `nomad job run`); one version check; one
//! wording for a refused token.

use std::collections::HashMap;
use std::fmt;

use crate::cluster::client::{ApiError, Client, Secret, Settings};
use crate::cluster::version::{self, Check};
use crate::compile::Compiled;
use crate::redact::Redactor;
use crate::target::NomadVersion;

/// Where the connection settings come from.
#[derive(Debug, Clone, Default)]
pub struct Connect {
    /// The environment (`NOMAD_ADDR`, `NOMAD_TOKEN`, `NOMAD_CACERT`, …); its secrets are
    /// redacted from task logs and error bodies.
    pub env: HashMap<String, String>,
    /// `--address`, winning over `NOMAD_ADDR`.
    pub address: Option<String>,
    /// `--token`, winning over `NOMAD_TOKEN`.
    pub token: Option<String>,
}

impl Connect {
    /// The process environment and the flags.
    pub fn from_process(address: Option<&str>, token: Option<&str>) -> Connect {
        Connect {
            env: crate::process_env::vars().into_iter().collect(),
            address: address.map(str::to_owned),
            token: token.map(str::to_owned),
        }
    }

    /// `env` alone (the MCP server's environment, read when it starts).
    pub fn with_env(env: HashMap<String, String>) -> Connect {
        Connect {
            env,
            ..Connect::default()
        }
    }

    /// Settings onto `namespace` and `region` (a job's, when given).
    pub fn settings(&self, namespace: Option<&str>, region: Option<&str>) -> Settings {
        let mut s = Settings::from_env(|k| self.env.get(k).cloned());
        s.redact = Redactor::from_vars(self.env.clone());
        if let Some(a) = &self.address {
            a.clone_into(&mut s.address);
        }
        if let Some(t) = &self.token {
            s.token = Some(Secret::new(t.as_str()));
        }
        if let Some(n) = namespace {
            s.namespace = Some(n.to_owned());
        }
        // `global` is the jobs' default and means "the agent's region" to a register; a read
        // with `?region=global` would be forwarded to a region of that name, so send none.
        if let Some(r) = region.filter(|r| *r != "global") {
            s.region = Some(r.to_owned());
        }
        s
    }

    /// A client onto `namespace` and `region`.
    ///
    /// # Errors
    /// [`Refused::Client`] when the settings are unusable (a bad address, TLS files).
    pub fn client(&self, namespace: Option<&str>, region: Option<&str>) -> Result<Client, Refused> {
        Client::new(self.settings(namespace, region)).map_err(Refused::Client)
    }

    /// A client onto the namespace and region of `compiled`'s jobs.
    ///
    /// # Errors
    /// As [`Connect::client`].
    pub fn for_jobs(&self, compiled: &Compiled) -> Result<Client, Refused> {
        let job = compiled.phases.first().map(|r| &r.job.job);
        self.client(
            job.and_then(|j| j.namespace.as_deref()),
            job.and_then(|j| j.region.as_deref()),
        )
    }

    /// A client onto `compiled`'s jobs' namespace and region whose servers run a Nomad release
    /// the jobs are compiled for (or whose version cannot be read: [`Connected::version`]).
    ///
    /// # Errors
    /// [`Refused`]: the settings are unusable, the cluster refused or is too old.
    pub fn to_run(&self, compiled: &Compiled) -> Result<Connected, Refused> {
        let client = self.for_jobs(compiled)?;
        let region = compiled
            .phases
            .first()
            .and_then(|r| r.job.job.region.as_deref());
        let t = compiled.target;
        match version::check(&client, region, t) {
            Ok(Check::TooOld { server, build }) => Err(Refused::TooOld {
                server,
                build,
                target: t,
            }),
            Ok(version) => Ok(Connected { client, version }),
            Err(e) => Err(Refused::request(&e, &client, "node:read")),
        }
    }
}

/// A client whose cluster can run the jobs.
pub struct Connected {
    /// The client.
    pub client: Client,
    /// What the version check found: [`Check::Supported`], or [`Check::Unknown`] (the run
    /// goes on; say why).
    pub version: Check,
}

/// Why there is no usable connection.
#[derive(Debug)]
pub enum Refused {
    /// The settings are unusable.
    Client(ApiError),
    /// The oldest server is older than the jobs' target.
    TooOld {
        /// That server.
        server: String,
        /// Its build string.
        build: String,
        /// The release the jobs are compiled for.
        target: NomadVersion,
    },
    /// A request outside a job's life failed (versions, nodes).
    Request {
        /// The failure, with the token's refusal already worded.
        message: String,
    },
}

impl Refused {
    /// A failed request outside a job's life (versions, nodes, plans): `capability` is what
    /// the token needs.
    pub fn request(e: &ApiError, client: &Client, capability: &str) -> Refused {
        let message = match e {
            ApiError::Status {
                status: 403, body, ..
            } if body.ends_with("ACL token not found") => format!(
                "the cluster at {} refused the token (`{body}`); check NOMAD_TOKEN or --token",
                client.address()
            ),
            ApiError::Status {
                status: 403, body, ..
            } => format!(
                "the cluster at {} refused the token (`{body}`): it needs `{capability}`; check NOMAD_TOKEN or --token",
                client.address()
            ),
            other => other.to_string(),
        };
        Refused::Request { message }
    }

    /// What to do about it, when there is one thing to do.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Refused::TooOld { .. } => Some(
                "upgrade the servers, or compile for the cluster's version (--nomad-version, or `nomad { version }` in the build.hcl)",
            ),
            Refused::Client(_) | Refused::Request { .. } => None,
        }
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Client(e) => write!(f, "{e}"),
            Refused::TooOld {
                server,
                build,
                target,
            } => write!(
                f,
                "the cluster is older than the jobs: server {server} runs Nomad {build}, and the jobs are compiled for Nomad {target} or later"
            ),
            Refused::Request { message } => f.write_str(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jobs_namespace_and_region_win_over_the_environment() {
        let env: HashMap<String, String> = [
            ("NOMAD_ADDR", "http://nomad.example:4646"),
            ("NOMAD_TOKEN", "hunter2-secret"),
            ("NOMAD_NAMESPACE", "env-ns"),
            ("NOMAD_REGION", "env-region"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let c = Connect::with_env(env);
        let s = c.settings(Some("builds"), Some("global"));
        assert_eq!(s.address, "http://nomad.example:4646");
        assert_eq!(s.token.as_ref().map(Secret::expose), Some("hunter2-secret"));
        assert_eq!(s.namespace.as_deref(), Some("builds"));
        // `global` stands for the agent's region: the environment's stays.
        assert_eq!(s.region.as_deref(), Some("env-region"));
        let s = c.settings(None, Some("eu"));
        assert_eq!(
            (s.namespace.as_deref(), s.region.as_deref()),
            (Some("env-ns"), Some("eu"))
        );
        // The flags win over the environment; the environment's secrets are redacted.
        let c = Connect {
            address: Some("http://flag:4646".to_owned()),
            token: Some("from-flag".to_owned()),
            ..c
        };
        let s = c.settings(None, None);
        assert_eq!(
            (s.address.as_str(), s.token.as_ref().map(Secret::expose)),
            ("http://flag:4646", Some("from-flag"))
        );
        assert_eq!(s.redact.text("x hunter2-secret"), "x [redacted]");
    }
}
