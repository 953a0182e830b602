//! The phases of a pipeline and the roles of the tasks in their jobs.
//!
//! A pipeline runs up to three phases, always in the order of [`Phase::ALL`], each compiled to
//! one Nomad batch job. The plan names every task it asks the templates for and gives it a
//! [`Role`]; `local` (and later stages) decide how to treat a task by its role, never by its
//! name, so a template override that renames a task cannot silently change what runs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One phase: one Nomad batch job. It is spelled the same everywhere: build.hcl, `--phase`,
/// job IDs, JSON reports and the MCP tools' inputs and outputs.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// The buildah job: checkout, build, push the staging image.
    Build,
    /// The test job: one group per test, in the staging image.
    Test,
    /// The publish job: copy the staging image to its tags.
    Publish,
}

impl Phase {
    /// Every phase, in run order.
    pub const ALL: [Phase; 3] = [Phase::Build, Phase::Test, Phase::Publish];

    /// The phase's name as written in build.hcl, job IDs, file names and `--phase`.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Build => "build",
            Phase::Test => "test",
            Phase::Publish => "publish",
        }
    }

    /// The template that renders this phase's job.
    pub fn template(self) -> &'static str {
        match self {
            Phase::Build => "build.nomad.hcl.j2",
            Phase::Test => "test.nomad.hcl.j2",
            Phase::Publish => "publish.nomad.hcl.j2",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a task of a phase's job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Prestart task: clones the source into the allocation directory (script task).
    Checkout,
    /// Runs buildah and pushes the staging image (script task).
    Build,
    /// Runs a test's command in its image.
    Test,
    /// Copies the staging image to its tags with skopeo (script task).
    Publish,
    /// Prestart sidecar that enforces the group's `timeout` on Nomad releases without
    /// `max_run_duration` (before 2.0.3): it sleeps for the timeout and then exits 124, and
    /// Nomad kills its siblings (`TaskSiblingFailed`); when the main task ends first, Nomad
    /// stops it (`TaskMainDead`). Script task.
    Watchdog,
}

impl Role {
    /// Whether the task runs a `sh -c` script rendered from our templates, in an image we
    /// choose (as opposed to the user's command in the user's image).
    pub fn is_script(self) -> bool {
        !matches!(self, Role::Test)
    }
}

/// One task the plan asks a phase's template for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedTask {
    /// Group name.
    pub group: String,
    /// Task name.
    pub task: String,
    /// What it does.
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_in_run_order_with_their_names() {
        let names: Vec<&str> = Phase::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names, ["build", "test", "publish"]);
        assert_eq!(Phase::Test.to_string(), "test");
        assert_eq!(
            serde_json::to_string(&Phase::Publish).unwrap(),
            "\"publish\""
        );
        assert!(Role::Checkout.is_script() && !Role::Test.is_script());
        assert!(Role::Watchdog.is_script());
        assert_eq!(
            serde_json::to_string(&Role::Watchdog).unwrap(),
            "\"watchdog\""
        );
    }
}
