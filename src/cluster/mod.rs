//! The Nomad cluster side of `run` and `status`: an HTTP client ([`client`], [`tls`]), the
//! response models ([`api`]), waiting for phases ([`wait`]) with their logs ([`logs`]),
//! the read-only explanation of a job ([`status`]), why a
//! job is stopped ([`stop`]), what a task's watchdog did ([`watchdog`]) and the cluster's
//! version ([`version`]).
//!
//! Nothing here knows the command line: callers pass compiled jobs (name, ID, API JSON) and a
//! writer, and get a typed outcome with an exit code back.

pub mod api;
pub mod client;
pub mod logs;
pub mod nodes;
pub mod plan;
pub mod status;
pub mod stop;
pub mod tls;
pub mod version;
pub mod wait;
pub mod watchdog;

use client::ApiError;

/// Exit codes of `run` besides 0, 1 (invalid build.hcl), 2 (bad command line) and a task's own
/// non-zero exit code.
pub mod exit {
    /// The job was stopped by someone else, or submitted stopped.
    pub const STOPPED: u8 = 122;
    /// Not placed within `--placement-timeout` (the job was stopped).
    pub const NOT_PLACED: u8 = 123;
    /// A task was stopped by its timeout.
    pub const TIMEOUT: u8 = 124;
    /// The cluster refused, could not be reached, or is too old.
    pub const CLUSTER: u8 = 125;
    /// An allocation was lost, or a task ended without an exit code.
    pub const LOST: u8 = 126;
    /// Interrupted (Ctrl-C).
    pub const INTERRUPTED: u8 = 130;
}

/// What a request was for, to say which ACL capability a 403 lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `PUT /v1/jobs`.
    Register,
    /// `DELETE /v1/job/:id`.
    Deregister,
    /// Job, evaluation and allocation reads.
    ReadJob,
    /// `GET /v1/client/fs/logs`.
    ReadLogs,
    /// `PUT /v1/job/:id/plan`.
    Plan,
}

impl Action {
    fn doing(self) -> &'static str {
        match self {
            Action::Register => "registering",
            Action::Deregister => "stopping",
            Action::ReadJob => "reading",
            Action::ReadLogs => "reading the logs of",
            Action::Plan => "planning",
        }
    }

    /// The namespace capability the request needs (`nomad/acl` names).
    pub fn capability(self) -> &'static str {
        match self {
            Action::Register | Action::Deregister | Action::Plan => "submit-job",
            Action::ReadJob => "read-job",
            Action::ReadLogs => "read-logs",
        }
    }
}

/// A sentence for a failed request: which address was tried, which capability is missing,
/// or Nomad's own error lines.
pub fn describe_error(e: &ApiError, action: Action, namespace: &str, job: &str) -> String {
    match e {
        ApiError::Status { status: 403, body, .. } if body.ends_with("ACL token not found") => format!(
            "{} job {job}: the cluster does not know the token (`ACL token not found`); check NOMAD_TOKEN or --token",
            action.doing()
        ),
        ApiError::Status { status: 403, body, .. } => format!(
            "{} job {job}: permission denied (`{body}`): the token lacks the `{}` capability in namespace `{namespace}`",
            action.doing(),
            action.capability()
        ),
        ApiError::Status { status: 400 | 500, body, .. } if matches!(action, Action::Register | Action::Plan) && !body.ends_with("No cluster leader") => {
            let mut s = format!("Nomad rejected job {job}:");
            for l in body.lines().filter(|l| !l.trim().is_empty()) {
                s.push_str("\n  ");
                s.push_str(l.trim_end());
            }
            s
        }
        other => format!("{} job {job}: {other}", action.doing()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, body: &str) -> ApiError {
        ApiError::Status {
            status,
            method: "PUT",
            path: "/v1/jobs".into(),
            body: body.into(),
        }
    }

    #[test]
    fn forbidden_names_the_capability_and_namespace() {
        assert_eq!(
            describe_error(&status(403, "Permission denied"), Action::Register, "builds", "j"),
            "registering job j: permission denied (`Permission denied`): the token lacks the `submit-job` capability in namespace `builds`"
        );
        assert!(describe_error(
            &status(403, "ACL token not found"),
            Action::ReadJob,
            "d",
            "j"
        )
        .contains("does not know the token"));
    }

    #[test]
    fn validation_errors_keep_nomads_lines() {
        let body = "2 errors occurred:\n\t* Task group build validation failed: 1 error occurred:\n\t* Missing task driver\n\n\n\n\t* job priority must be between [1, 100]";
        assert_eq!(
            describe_error(&status(500, body), Action::Register, "default", "j"),
            "Nomad rejected job j:\n  2 errors occurred:\n  \t* Task group build validation failed: 1 error occurred:\n  \t* Missing task driver\n  \t* job priority must be between [1, 100]"
        );
    }
}
