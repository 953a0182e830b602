//! Where each constraint of a group comes from, and the job's node pool and datacenters.

use super::{Constraint, Job, Serialize, Task, TaskGroup};

/// Where a constraint of a group comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The job's `Constraints[index]`.
    Job {
        /// Index in the job's constraints.
        index: usize,
    },
    /// The group's `Constraints[index]`.
    Group {
        /// Index in the group's constraints.
        index: usize,
    },
    /// A task's `Constraints[index]`.
    Task {
        /// The task.
        task: String,
        /// Index in the task's constraints.
        index: usize,
    },
    /// Added by Nomad because these tasks have a `vault` block (`jobImpliedConstraints`).
    Vault {
        /// The tasks, sorted.
        tasks: Vec<String>,
    },
    /// Added by Nomad because these tasks need these signals (`Job.RequiredSignals`).
    Signals {
        /// The tasks, in job order.
        tasks: Vec<String>,
    },
    /// Added by Nomad because these tasks have a workload identity
    /// (`jobImplicitIdentitiesHook`).
    Identity {
        /// Tasks with an identity written in the job (`identity { name = ... }`).
        explicit: Vec<String>,
        /// Tasks with a `vault` block and no identity for it, which the server gives the
        /// identity of its `vault.default_identity`.
        injected: Vec<String>,
    },
}

/// A constraint with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced {
    /// The constraint.
    pub constraint: Constraint,
    /// Where it comes from.
    pub source: Source,
}

fn from_model(c: &crate::nomad::model::Constraint) -> Constraint {
    Constraint {
        l_target: c.l_target.clone().unwrap_or_default(),
        // `api.Constraint.Canonicalize` leaves an empty operand empty; the jobspec parser
        // writes `=` for a constraint without operator.
        operand: c.operand.clone().unwrap_or_default(),
        r_target: c.r_target.clone().unwrap_or_default(),
    }
}

/// The job's constraints, as Nomad checks them first.
pub fn job_constraints(job: &Job) -> Vec<Sourced> {
    job.constraints
        .iter()
        .enumerate()
        .map(|(index, c)| Sourced {
            constraint: from_model(c),
            source: Source::Job { index },
        })
        .collect()
}

pub(super) fn task_name(t: &Task) -> String {
    t.name.clone().unwrap_or_default()
}

/// The name of the vault cluster of a task's `vault` block (`default` when unnamed).
fn vault_cluster(t: &Task) -> &str {
    t.vault
        .as_ref()
        .and_then(|v| v.cluster.as_deref())
        .filter(|c| !c.is_empty())
        .unwrap_or("default")
}

/// The group's constraints as the scheduler sees them after registration
/// (`TaskGroupConstraints` of the mutated job): the group's own, then the implicit ones in the
/// order Nomad's mutators append them, then each task's.
///
/// Nomad adds the identity constraint for a `vault` task without an identity only when the
/// server's `vault` block has a `default_identity`; this assumes it does, as every Nomad ≥ 1.10
/// server must for Vault to work at all.
pub fn group_constraints(tg: &TaskGroup) -> Vec<Sourced> {
    let mut out: Vec<Sourced> = tg
        .constraints
        .iter()
        .enumerate()
        .map(|(index, c)| Sourced {
            constraint: from_model(c),
            source: Source::Group { index },
        })
        .collect();
    // jobImpliedConstraints: vault first (tasks sorted by name), matching on the left target.
    let mut vault_tasks: Vec<&Task> = tg.tasks.iter().filter(|t| t.vault.is_some()).collect();
    vault_tasks.sort_by_key(|t| task_name(t));
    for t in &vault_tasks {
        let c = match vault_cluster(t) {
            "default" => Constraint::new("${attr.vault.version}", "semver", ">= 0.6.1"),
            cluster => Constraint::new(
                &format!("${{attr.vault.{cluster}.version}}"),
                "semver",
                ">= 1.11.0",
            ),
        };
        if out.iter().any(|s| s.constraint.l_target == c.l_target) {
            continue;
        }
        let tasks = vault_tasks
            .iter()
            .filter(|o| vault_cluster(o) == vault_cluster(t))
            .map(|o| task_name(o))
            .collect();
        out.push(Sourced {
            constraint: c,
            source: Source::Vault { tasks },
        });
    }
    // Then the signals (Job.RequiredSignals), matching the whole constraint.
    let mut signals: Vec<String> = Vec::new();
    let mut signal_tasks = Vec::new();
    for t in &tg.tasks {
        let mut mine: Vec<String> = Vec::new();
        if let Some(v) = &t.vault {
            if v.change_mode.as_deref() == Some("signal") {
                mine.push(v.change_signal.clone().unwrap_or_default());
            }
        }
        if let Some(k) = t.kill_signal.as_deref().filter(|k| !k.is_empty()) {
            mine.push(k.to_owned());
        }
        for tmpl in &t.templates {
            if tmpl.change_mode.as_deref() == Some("signal") {
                mine.push(tmpl.change_signal.clone().unwrap_or_default());
            }
        }
        if !mine.is_empty() {
            signal_tasks.push(task_name(t));
            signals.extend(mine);
        }
    }
    if !signals.is_empty() {
        signals.sort();
        signals.dedup();
        let c = Constraint::new("${attr.os.signals}", "set_contains", &signals.join(","));
        if !out.iter().any(|s| s.constraint == c) {
            out.push(Sourced {
                constraint: c,
                source: Source::Signals {
                    tasks: signal_tasks,
                },
            });
        }
    }
    // jobImplicitIdentitiesHook: appended without looking for an existing one.
    let mut explicit = Vec::new();
    let mut injected = Vec::new();
    for t in &tg.tasks {
        if !t.identities.is_empty() {
            explicit.push(task_name(t));
        }
        if t.vault.is_some() {
            let wanted = format!("vault_{}", vault_cluster(t));
            let has = t
                .identities
                .iter()
                .any(|i| i.name.as_deref() == Some(wanted.as_str()));
            if !has {
                injected.push(task_name(t));
            }
        }
    }
    if !explicit.is_empty() || !injected.is_empty() {
        out.push(Sourced {
            constraint: Constraint::new("${attr.nomad.version}", "semver", ">= 1.7.0-a"),
            source: Source::Identity { explicit, injected },
        });
    }
    for t in &tg.tasks {
        for (index, c) in t.constraints.iter().enumerate() {
            out.push(Sourced {
                constraint: from_model(c),
                source: Source::Task {
                    task: task_name(t),
                    index,
                },
            });
        }
    }
    out
}

/// The job's node pool after registration (`default` when unset).
pub fn job_pool(job: &Job) -> String {
    job.node_pool
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "default".to_owned())
}

/// The job's datacenter patterns after registration (`["*"]` when unset).
pub fn job_datacenters(job: &Job) -> Vec<String> {
    if job.datacenters.is_empty() {
        vec!["*".to_owned()]
    } else {
        job.datacenters.clone()
    }
}
