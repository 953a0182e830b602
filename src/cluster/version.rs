//! The cluster's Nomad version: the oldest alive server of the region, from the `build` tag
//! of `GET /v1/agent/members` (`nomad server members` reads the same; it needs `node:read`).
//! Servers validate and schedule jobs, so they decide which job fields are understood.

use std::fmt;

use super::api::ServerMembers;
use super::client::{ApiError, Client};
use crate::target::NomadVersion;

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The servers are at least the target.
    Supported {
        /// The oldest server's build string.
        build: String,
    },
    /// The oldest server is older than the target.
    TooOld {
        /// That server.
        server: String,
        /// Its build string.
        build: String,
    },
    /// The version could not be read (the reason says why); the run goes on.
    Unknown(String),
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Supported { build } => write!(f, "Nomad {build}"),
            Check::TooOld { server, build } => write!(f, "server {server} runs Nomad {build}"),
            Check::Unknown(why) => f.write_str(why),
        }
    }
}

/// Compares the oldest alive server of `region` (all regions' servers when `None`) with
/// `target`.
pub fn check(
    client: &Client,
    region: Option<&str>,
    target: NomadVersion,
) -> Result<Check, ApiError> {
    let members = match client.get::<ServerMembers>("/v1/agent/members", &[], None) {
        Ok(r) => r.value,
        Err(e) if e.status() == Some(403) && e.body() != Some("ACL token not found") => {
            return Ok(Check::Unknown(
                "the token cannot read the servers' versions (`nomad server members` needs `node:read`); not checked".to_owned(),
            ))
        }
        Err(e) => return Err(e),
    };
    // `global` is the jobs' default and stands for the agent's own region.
    let region = region
        .filter(|r| *r != "global")
        .unwrap_or(&members.server_region);
    let mut oldest: Option<(NomadVersion, String, String)> = None;
    for m in &members.members {
        if m.status != "alive" || m.tags.get("role").is_some_and(|r| r != "nomad") {
            continue;
        }
        if !region.is_empty() && m.tags.get("region").is_some_and(|r| r != region) {
            continue;
        }
        let Some(build) = m.tags.get("build") else {
            continue;
        };
        let Some(v) = NomadVersion::from_build(build) else {
            continue;
        };
        if oldest.as_ref().is_none_or(|(o, _, _)| v < *o) {
            oldest = Some((v, m.name.clone(), build.clone()));
        }
    }
    Ok(match oldest {
        None => Check::Unknown(format!(
            "no alive server of region `{region}` reported its version; not checked"
        )),
        Some((v, server, build)) if v < target => Check::TooOld { server, build },
        Some((_, _, build)) => Check::Supported { build },
    })
}
