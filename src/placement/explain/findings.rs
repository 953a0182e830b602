//! [`Explainer`]: placement failures as diagnostics pointing at build.hcl.

use crate::text::{and_list, or_list, plural};

use super::{
    check, child, rules, what_nodes_have, Finding, GroupPlacement, Job, Loaded, NodeFact, Phase,
    PhasePlacement, Pipeline, Range, Rendered, Role, Rule, Source, Sourced, TaskGroup,
};

/// One reason a group (or a whole job) cannot be placed, before merging.
struct Problem {
    rule: &'static Rule,
    span: Range<usize>,
    label: String,
    also: Vec<(Range<usize>, String)>,
    what: String,
    /// What happens to the group: `cannot be placed` ([`UNPLACED`]), or worse.
    verdict: &'static str,
    help: String,
    /// The blocks whose Vault credentials led to the problem, named before the help; merged
    /// problems keep those of every group.
    why: Vec<String>,
    /// The phase, and the group (empty: the whole job).
    at: (Phase, String),
}

/// The verdict of a group or job that no node can take.
const UNPLACED: &str = "cannot be placed";

/// The verdict of a group whose task every node it can take would refuse.
const REFUSED: &str = "would fail wherever Nomad places it";

/// A build.hcl place: a span and its label.
struct Place {
    span: Range<usize>,
    label: String,
}

/// Maps placement results back to build.hcl.
pub struct Explainer<'a> {
    loaded: &'a Loaded,
    p: &'a Pipeline,
    base: String,
}

impl<'a> Explainer<'a> {
    /// An explainer for a loaded file.
    pub fn new(loaded: &'a Loaded) -> Self {
        let (name, p) = loaded.pipeline();
        Explainer {
            loaded,
            p,
            base: child("/pipeline", name),
        }
    }

    fn value(&self, rel: &str) -> Range<usize> {
        self.loaded.span(&format!("{}{rel}", self.base))
    }

    fn key(&self, rel: &str) -> Range<usize> {
        self.loaded.key_span(&format!("{}{rel}", self.base))
    }

    /// The block of a group's phase: `build`, `test "<group>"` or `publish`.
    #[allow(clippy::unused_self)] // one of the span helpers, called as `self.block(..)`
    fn block(&self, phase: Phase, group: &str) -> String {
        match phase {
            Phase::Build => "/build".to_owned(),
            Phase::Test => child("/test", group),
            Phase::Publish => "/publish".to_owned(),
        }
    }

    /// Every finding about the placements, each phase with the job it planned.
    pub fn findings(&self, phases: &[(&PhasePlacement, &Rendered)]) -> Vec<Finding> {
        let mut problems = Vec::new();
        for (placement, rendered) in phases {
            let job = &rendered.job.job;
            let mut no_nodes = false;
            for g in &placement.groups {
                let Some(tg) = job
                    .task_groups
                    .iter()
                    .find(|t| t.name.as_deref() == Some(g.group.as_str()))
                else {
                    continue;
                };
                if g.placed {
                    problems.extend(self.refused(placement.phase, g, tg));
                    continue;
                }
                if g.metric.nodes_evaluated == 0 {
                    no_nodes = true;
                    continue;
                }
                for (key, n) in &g.metric.constraint_filtered {
                    problems.push(self.filtered(placement.phase, g, tg, job, rendered, key, *n));
                }
                for (dim, n) in &g.metric.dimension_exhausted {
                    problems.push(self.exhausted(placement.phase, g, tg, rendered, dim, *n));
                }
            }
            if no_nodes {
                problems.push(self.no_nodes(placement, job));
            }
        }
        merge(self.loaded.file, problems)
    }

    /// `placement-no-nodes`: the job's base node set is empty.
    fn no_nodes(&self, placement: &PhasePlacement, job: &Job) -> Problem {
        let pool = check::job_pool(job);
        let dcs = check::job_datacenters(job);
        let quoted: Vec<String> = dcs.iter().map(|d| format!("`{d}`")).collect();
        let dc_list = and_list(&quoted);
        let dc_or = or_list(&quoted);
        let pool_place = if self.p.nomad.node_pool.is_some() {
            Place {
                span: self.value("/nomad/node_pool"),
                label: format!("node pool `{pool}`"),
            }
        } else {
            Place {
                span: self.key("/nomad/node_pool"),
                label: format!("no `node_pool`: the jobs run in node pool `{pool}`"),
            }
        };
        let dc_place = if self.p.nomad.datacenters.is_some() {
            Place {
                span: self.value("/nomad/datacenters"),
                label: format!("datacenters {dc_list}"),
            }
        } else {
            Place {
                span: self.key("/nomad/datacenters"),
                label: "no `datacenters`: any datacenter (`*`)".to_owned(),
            }
        };
        let what =
            format!("no ready node is in node pool `{pool}` and a datacenter matching {dc_or}");
        let Some(base) = &placement.base else {
            return Problem {
                rule: &rules::placement_no_nodes::RULE,
                verdict: UNPLACED,
                span: pool_place.span,
                label: pool_place.label,
                also: vec![(dc_place.span, dc_place.label)],
                what,
                help: "Nomad evaluated no node: check the pool and the datacenters of the \
                       build clients with `nomad node status`"
                    .to_owned(),
                why: Vec::new(),
                at: (placement.phase, String::new()),
            };
        };
        let names = |v: &[NodeFact], f: &dyn Fn(&str, &str) -> String| -> String {
            let shown: Vec<String> = v.iter().take(4).map(|x| f(&x.node, &x.fact)).collect();
            let mut s = and_list(&shown);
            if v.len() > 4 {
                s.push_str(&format!(" and {} more", v.len() - 4));
            }
            s
        };
        let mut facts = Vec::new();
        if !base.not_ready.is_empty() {
            facts.push(format!(
                "not ready: {}",
                names(&base.not_ready, &|n, why| format!("`{n}` ({why})"))
            ));
        }
        if !base.other_dc.is_empty() {
            facts.push(format!(
                "in other datacenters: {}",
                names(&base.other_dc, &|n, dc| format!("`{n}` (`{dc}`)"))
            ));
        }
        if !base.other_pool.is_empty() {
            facts.push(format!(
                "in other node pools: {}",
                names(&base.other_pool, &|n, p| format!("`{n}` (`{p}`)"))
            ));
        }
        let help = if base.total == 0 {
            "the node snapshot has no nodes".to_owned()
        } else {
            let elsewhere = !base.other_pool.is_empty() || !base.other_dc.is_empty();
            let mut todo = Vec::new();
            if elsewhere {
                todo.push("point `node_pool` and `datacenters` at the build clients");
            }
            if !base.not_ready.is_empty() {
                todo.push("a node must be ready, eligible and not draining to take work");
            }
            format!(
                "of the {} in the snapshot, {}; {}",
                plural(base.total, "node"),
                facts.join("; "),
                todo.join(", and ")
            )
        };
        let dc_first = !base.other_dc.is_empty() && base.not_ready.is_empty();
        let (primary, secondary) = if dc_first {
            (dc_place, pool_place)
        } else {
            (pool_place, dc_place)
        };
        Problem {
            rule: &rules::placement_no_nodes::RULE,
            verdict: UNPLACED,
            span: primary.span,
            label: primary.label,
            also: vec![(secondary.span, secondary.label)],
            what,
            help,
            why: Vec::new(),
            at: (placement.phase, String::new()),
        }
    }

    /// `placement-filtered`: one filter key of a failed group.
    #[allow(clippy::too_many_arguments)]
    fn filtered(
        &self,
        phase: Phase,
        g: &GroupPlacement,
        tg: &TaskGroup,
        job: &Job,
        rendered: &Rendered,
        key: &str,
        n: u64,
    ) -> Problem {
        let of = format!(
            "{n} of {}",
            plural(g.metric.nodes_evaluated as usize, "node")
        );
        let seen = g
            .detail
            .as_ref()
            .and_then(|d| d.filtered.get(key))
            .map(|v| what_nodes_have(v));
        let with_seen = |help: String| match &seen {
            Some(s) => format!("{s}; {help}"),
            None => help,
        };
        let block = self.block(phase, &g.group);
        let mk = |place: Place, why: Vec<String>, what: String, help: String| Problem {
            rule: &rules::placement_filtered::RULE,
            verdict: UNPLACED,
            span: place.span,
            label: place.label,
            also: Vec::new(),
            what,
            help,
            why,
            at: (phase, g.group.clone()),
        };
        match key {
            "missing drivers" => {
                let mut drivers: Vec<String> = tg
                    .tasks
                    .iter()
                    .filter_map(|t| t.driver.clone())
                    .map(|d| format!("`{d}`"))
                    .collect();
                drivers.dedup();
                let tasks = and_list(&task_names(tg));
                mk(
                    Place {
                        span: self.key(&block),
                        label: format!("runs {tasks} with the {} driver", and_list(&drivers)),
                    },
                    Vec::new(),
                    format!(
                        "{of} {} a detected, healthy {} driver",
                        verb(n, "lack", "lacks"),
                        and_list(&drivers)
                    ),
                    with_seen(
                        "Nomad places a task only where its driver is detected and healthy; \
                         `nomad node status -verbose <node>` shows the driver's health"
                            .to_owned(),
                    ),
                )
            }
            "missing compatible host volumes" => {
                let sources: Vec<String> = tg
                    .volumes
                    .values()
                    .filter(|v| v.kind.as_deref() == Some("host"))
                    .filter_map(|v| v.source.clone())
                    .collect();
                let is_cache = phase == Phase::Build
                    && self
                        .p
                        .build
                        .cache
                        .as_ref()
                        .and_then(|c| c.host_volume.as_ref())
                        .is_some_and(|h| sources.contains(h));
                let quoted =
                    and_list(&sources.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>());
                let place = if is_cache {
                    Place {
                        span: self.value("/build/cache/host_volume"),
                        label: format!("the build cache mounts host volume {quoted}"),
                    }
                } else {
                    Place {
                        span: self.key(&block),
                        label: format!("the job's template mounts host volume {quoted}"),
                    }
                };
                let example = sources.first().map_or("cache", String::as_str);
                mk(
                    place,
                    Vec::new(),
                    format!(
                        "{of} {} no writable host volume {quoted}",
                        verb(n, "have", "has")
                    ),
                    with_seen(format!(
                        "declare it in the client configuration of the build nodes \
                         (`client {{ host_volume \"{example}\" {{ path = \"...\" }} }}`){}",
                        if is_cache { ", or remove `cache`" } else { "" }
                    )),
                )
            }
            "missing network" => mk(
                Place {
                    span: self.key(&block),
                    label: "the group needs a host network on the node".to_owned(),
                },
                Vec::new(),
                format!("{of} {} no host network", verb(n, "have", "has")),
                with_seen(
                    "Nomad places a group without a `network` block only on nodes that \
                     fingerprinted a host-mode network"
                        .to_owned(),
                ),
            ),
            "missing devices" => mk(
                Place {
                    span: self.key(&block),
                    label: "the job's template asks for devices".to_owned(),
                },
                Vec::new(),
                format!("{of} {} the requested devices", verb(n, "lack", "lacks")),
                with_seen("the devices must be fingerprinted and healthy".to_owned()),
            ),
            "computed class ineligible" => mk(
                Place {
                    span: self.key(&block),
                    label: "this group".to_owned(),
                },
                Vec::new(),
                format!("Nomad skipped {of} as `computed class ineligible`"),
                "those nodes share a computed class with a node that failed one of the other \
                 checks listed for this group; fix that and they are checked again"
                    .to_owned(),
            ),
            _ => {
                let found = check::job_constraints(job)
                    .into_iter()
                    .chain(check::group_constraints(tg))
                    .find(|s| s.constraint.key() == key);
                let (place, why, help) = match &found {
                    Some(s) => self.constraint_origin(phase, &g.group, s, rendered),
                    None => (
                        Place {
                            span: self.key(&block),
                            label: "this group".to_owned(),
                        },
                        Vec::new(),
                        "Nomad reported this filter for the group".to_owned(),
                    ),
                };
                let what = match found {
                    Some(_) => format!(
                        "{of} {} the constraint `{}`",
                        verb(n, "fail", "fails"),
                        key.trim_end()
                    ),
                    None => format!(
                        "{of} {} excluded by `{}`",
                        verb(n, "are", "is"),
                        key.trim_end()
                    ),
                };
                mk(place, why, what, with_seen(help))
            }
        }
    }

    /// Where a constraint comes from in build.hcl, what else led to it, and how to satisfy it.
    fn constraint_origin(
        &self,
        phase: Phase,
        group: &str,
        s: &Sourced,
        rendered: &Rendered,
    ) -> (Place, Vec<String>, String) {
        let c = &s.constraint;
        let key = format!("`{}`", c.key().trim_end());
        match &s.source {
            Source::Job { .. } => {
                let written = self.p.nomad.constraint.iter().position(|w| {
                    w.attribute.as_deref().unwrap_or("") == c.l_target
                        && w.operator.as_deref().unwrap_or("=") == c.operand
                        && w.value.as_deref().unwrap_or("") == c.r_target
                });
                match written {
                    Some(i) => (
                        Place {
                            span: self.value(&format!("/nomad/constraint/{i}")),
                            label: "this constraint".to_owned(),
                        },
                        Vec::new(),
                        "change the constraint, or give the build clients what it asks for"
                            .to_owned(),
                    ),
                    None => (
                        Place {
                            span: self.key(""),
                            label: format!("the job's template adds the constraint {key}"),
                        },
                        Vec::new(),
                        "see the rendered job (`nomad-build render`)".to_owned(),
                    ),
                }
            }
            Source::Group { .. }
                if phase == Phase::Build
                    && c.l_target == "${attr.driver.docker.privileged.enabled}" =>
            {
                let place = if self.p.build.privileged == Some(true) {
                    Place {
                        span: self.value("/build/privileged"),
                        label: format!("builds privileged, so the group needs {key}"),
                    }
                } else {
                    Place {
                        span: self.key("/build"),
                        label: format!("builds privileged (the default), so the group needs {key}"),
                    }
                };
                (
                    place,
                    Vec::new(),
                    "allow privileged containers on the build clients (`plugin \"docker\" { \
                     config { allow_privileged = true } }`), or build rootless with \
                     `privileged = false`"
                        .to_owned(),
                )
            }
            Source::Group { .. } | Source::Task { .. } => (
                Place {
                    span: self.key(&self.block(phase, group)),
                    label: format!("the job's template adds the constraint {key}"),
                },
                Vec::new(),
                "see the rendered job (`nomad-build render`)".to_owned(),
            ),
            Source::Vault { tasks } => {
                let why = self.credential_notes(group, tasks, rendered);
                (
                    Place {
                        span: self.key("/vault"),
                        label: format!(
                            "the tasks that read credentials log in to Vault, so Nomad adds {key}"
                        ),
                    },
                    why,
                    "Nomad adds this constraint to every group with a `vault` block; a client \
                     reports `vault.version` only when its agent configuration enables Vault \
                     (`vault { enabled = true }`) and the Vault server answers"
                        .to_owned(),
                )
            }
            Source::Identity { explicit, .. } => {
                let place = match (&self.p.vault, explicit.is_empty()) {
                    (Some(v), false) if v.audience.is_some() => Place {
                        span: self.value("/vault/audience"),
                        label: format!(
                            "gives the tasks the workload identity `vault_default`, so Nomad adds {key}"
                        ),
                    },
                    _ => Place {
                        span: self.key("/vault"),
                        label: format!(
                            "the tasks use Vault; the server gives them its \
                             `vault.default_identity`, so Nomad adds {key}"
                        ),
                    },
                };
                let assumed = if explicit.is_empty() {
                    " (this assumes that the servers' `vault` block has a `default_identity`, \
                     as Vault needs since Nomad 1.10; without one the tasks get no Vault token)"
                } else {
                    ""
                };
                (
                    place,
                    Vec::new(),
                    format!(
                        "Nomad adds this constraint to every group whose tasks have a workload \
                         identity{assumed}: the clients must run Nomad 1.7.0 or later"
                    ),
                )
            }
            Source::Signals { tasks } => (
                Place {
                    span: self.key(&self.block(phase, group)),
                    label: format!("{} need signals, so Nomad adds {key}", task_phrase(tasks)),
                },
                Vec::new(),
                "Nomad adds this constraint for a `kill_signal` or a `change_mode = \"signal\"`"
                    .to_owned(),
            ),
        }
    }

    /// The blocks whose credentials the Vault tasks of a group read (`source`, `registry "<host>"`).
    fn credential_notes(&self, group: &str, tasks: &[String], rendered: &Rendered) -> Vec<String> {
        let host_of = |image: &str| {
            crate::reference::parse(image)
                .map(|r| r.host)
                .unwrap_or_default()
        };
        let registries = |hosts: Option<&[String]>| -> Vec<String> {
            self.p
                .registry
                .iter()
                .filter(|(h, r)| r.credentials.is_some() && hosts.is_none_or(|l| l.contains(h)))
                .map(|(h, _)| format!("`registry \"{h}\"`"))
                .collect()
        };
        let mut out = Vec::new();
        for task in tasks {
            let read = match rendered.role(group, task) {
                Some(Role::Checkout) => vec!["`source`".to_owned()],
                Some(Role::Build) => registries(None),
                Some(Role::Publish) => {
                    let mut hosts = vec![host_of(&self.p.image.repository)];
                    if let Some(pb) = &self.p.publish {
                        hosts.extend(pb.repositories.iter().map(|r| host_of(r)));
                    }
                    registries(Some(&hosts))
                }
                Some(Role::Test) => {
                    let image = self
                        .p
                        .test
                        .get(group)
                        .and_then(|t| t.image.clone())
                        .unwrap_or_else(|| self.p.image.repository.clone());
                    registries(Some(&[host_of(&image)]))
                }
                Some(Role::Watchdog) | None => Vec::new(),
            };
            for r in read {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        out
    }

    /// `placement-exhausted`: one dimension of a failed group.
    fn exhausted(
        &self,
        phase: Phase,
        g: &GroupPlacement,
        tg: &TaskGroup,
        rendered: &Rendered,
        dim: &str,
        n: u64,
    ) -> Problem {
        let of = format!(
            "{n} of {}",
            plural(g.metric.nodes_evaluated as usize, "node")
        );
        let block = self.block(phase, &g.group);
        let ask = check::group_ask(tg);
        let (unit, name, amount, attr) = match dim {
            "cpu" => ("MHz", "CPU", ask.cpu, Some("cpu")),
            "memory" => ("MB", "memory", ask.memory, Some("memory")),
            "disk" => ("MB", "disk", ask.disk, Some("disk")),
            _ => ("", "", 0, None),
        };
        let free = g
            .detail
            .as_ref()
            .and_then(|d| d.exhausted.get(dim))
            .filter(|v| !v.is_empty());
        let Some(attr) = attr else {
            let what = match dim {
                "max allocation exceeded" => format!(
                    "{of} already {} as many allocations as `NodeMaxAllocs` allows",
                    verb(n, "run", "runs")
                ),
                d => format!("{of} {} exhausted in `{d}`", verb(n, "are", "is")),
            };
            return Problem {
                rule: &rules::placement_exhausted::RULE,
                verdict: UNPLACED,
                span: self.key(&block),
                label: "this group".to_owned(),
                also: Vec::new(),
                what,
                help: "wait for allocations to finish, or add clients".to_owned(),
                why: Vec::new(),
                at: (phase, g.group.clone()),
            };
        };
        let (place, overhead) =
            self.resource_place(phase, &g.group, tg, rendered, attr, amount, unit, name);
        let help = match free {
            Some(v) => {
                let most = (v.iter().map(|x| x.free).max().unwrap_or(0) - overhead).max(0);
                let listed: Vec<String> = v
                    .iter()
                    .take(4)
                    .map(|x| format!("{} {unit} on `{}`", x.free, x.node))
                    .collect();
                let mut listed = and_list(&listed);
                if v.len() > 4 {
                    listed.push_str(&format!(" and {} more", v.len() - 4));
                }
                format!(
                    "free {name} (capacity, minus reserved, minus running allocations): {listed}; \
                     ask for at most {most} {unit} to fit there, or make room on the clients"
                )
            }
            None => format!(
                "no eligible node has {amount} {unit} of {name} free; ask for less, or add capacity"
            ),
        };
        Problem {
            rule: &rules::placement_exhausted::RULE,
            verdict: UNPLACED,
            span: place.span,
            label: place.label,
            also: Vec::new(),
            what: format!(
                "{of} {} less than {amount} {unit} of {name} free",
                verb(n, "have", "has")
            ),
            help,
            why: Vec::new(),
            at: (phase, g.group.clone()),
        }
    }

    /// Where the group's ask for `attr` (`cpu`, `memory`, `disk`) is written.
    /// Where a group's demand for `attr` comes from, and how much of `amount` the tasks
    /// nomad-build adds to the group ask for on top of what build.hcl says.
    #[allow(clippy::too_many_arguments)]
    fn resource_place(
        &self,
        phase: Phase,
        group: &str,
        tg: &TaskGroup,
        rendered: &Rendered,
        attr: &str,
        amount: i64,
        unit: &str,
        name: &str,
    ) -> (Place, i64) {
        let (rel, written) = match phase {
            Phase::Build => (
                "/build".to_owned(),
                self.p.build.resources.as_ref().and_then(|r| pick(r, attr)),
            ),
            Phase::Test => (
                child("/test", group),
                self.p
                    .test
                    .get(group)
                    .and_then(|t| t.resources.as_ref())
                    .and_then(|r| pick(r, attr)),
            ),
            Phase::Publish => ("/publish".to_owned(), None),
        };
        if let Some(asked) = written {
            let label = if asked == amount {
                format!("the group asks for {amount} {unit} of {name}")
            } else {
                format!(
                    "the group asks for {amount} {unit} of {name}: {asked} here, {} for the \
                     tasks nomad-build adds (checkout, watchdog)",
                    amount - asked
                )
            };
            let place = Place {
                span: self.value(&format!("{rel}/resources/{attr}")),
                label,
            };
            return (place, amount - asked);
        }
        let main = tg
            .tasks
            .iter()
            .filter_map(|t| t.name.as_deref())
            .find(|t| rendered.role(group, t).is_some_and(|r| r != Role::Checkout))
            .unwrap_or(group);
        let how = match phase {
            Phase::Publish => "fixed by nomad-build".to_owned(),
            _ => format!("no `resources.{attr}`: the default"),
        };
        let place = Place {
            span: self.key(&rel),
            label: format!("the group asks for {amount} {unit} of {name} (task `{main}`: {how})"),
        };
        (place, 0)
    }

    /// `placement-driver-refuses`: a group fits only on nodes whose docker driver would refuse
    /// its task.
    fn refused(&self, phase: Phase, g: &GroupPlacement, tg: &TaskGroup) -> Option<Problem> {
        let d = g.detail.as_ref()?;
        if d.rejected.is_empty() || d.rejected.len() != d.feasible.len() {
            return None;
        }
        let privileged = d.rejected.iter().any(|x| x.fact.contains("privileged"));
        let block = self.block(phase, &g.group);
        let place = if privileged && phase == Phase::Build {
            if self.p.build.privileged == Some(true) {
                Place {
                    span: self.value("/build/privileged"),
                    label: "the build task runs privileged".to_owned(),
                }
            } else {
                Place {
                    span: self.key("/build"),
                    label: "the build task runs privileged (the default)".to_owned(),
                }
            }
        } else {
            Place {
                span: self.key(&block),
                label: format!("runs {}", and_list(&task_names(tg))),
            }
        };
        Some(Problem {
            rule: &rules::placement_driver_refuses::RULE,
            verdict: REFUSED,
            span: place.span,
            label: place.label,
            also: Vec::new(),
            what: format!(
                "the docker driver refuses the task on all {} it fits on",
                plural(d.feasible.len(), "node")
            ),
            help: format!(
                "{}; allow it in the docker plugin configuration of the clients ({})",
                what_nodes_have(&d.rejected),
                if privileged {
                    "`plugin \"docker\" { config { allow_privileged = true } }`"
                } else {
                    "`plugin \"docker\" { config { volumes { enabled = true } } }`"
                }
            ),
            why: Vec::new(),
            at: (phase, g.group.clone()),
        })
    }
}

fn pick(r: &crate::config::Resources, attr: &str) -> Option<i64> {
    match attr {
        "cpu" => r.cpu,
        "memory" => r.memory,
        _ => r.disk,
    }
}

fn task_names(tg: &TaskGroup) -> Vec<String> {
    tg.tasks
        .iter()
        .filter_map(|t| t.name.as_deref())
        .map(|n| format!("`{n}`"))
        .collect()
}

/// The verb for a count of nodes: `plural` unless there is one.
fn verb(n: u64, plural: &'static str, one: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        plural
    }
}

/// "task `a`", "tasks `a` and `b`".
fn task_phrase(tasks: &[String]) -> String {
    let names: Vec<String> = tasks.iter().map(|t| format!("`{t}`")).collect();
    match names.len() {
        1 => format!("task {}", names[0]),
        _ => format!("tasks {}", and_list(&names)),
    }
}

/// Merges the problems that are the same at the same place for several groups or jobs, and
/// turns them into findings.
fn merge(file: crate::diag::FileId, problems: Vec<Problem>) -> Vec<Finding> {
    let mut merged: Vec<(Problem, Vec<(Phase, String)>)> = Vec::new();
    for mut p in problems {
        let same = merged.iter_mut().find(|(q, _)| {
            q.rule.id == p.rule.id
                && q.span == p.span
                && q.what == p.what
                && q.label == p.label
                && q.help == p.help
                && q.at.1.is_empty() == p.at.1.is_empty()
        });
        match same {
            Some((q, at)) => {
                at.push(p.at);
                for w in p.why.drain(..) {
                    if !q.why.contains(&w) {
                        q.why.push(w);
                    }
                }
            }
            None => {
                let at = vec![p.at.clone()];
                merged.push((p, at));
            }
        }
    }
    merged
        .into_iter()
        .map(|(p, at)| {
            let mut f = p
                .rule
                .finding(
                    file,
                    p.span,
                    format!("{} {}: {}", subject(&at), p.verdict, p.what),
                )
                .label(p.label)
                .help(if p.why.is_empty() {
                    p.help
                } else {
                    format!(
                        "the tasks read the credentials of {} from Vault; {}",
                        and_list(&p.why),
                        p.help
                    )
                });
            for (span, text) in p.also {
                f = f.also(span, text);
            }
            f
        })
        .collect()
}

/// "group `build` of the build job", "groups `a` (build job) and `b`, `c` (test job)", "the
/// build and test jobs".
pub(super) fn subject(at: &[(Phase, String)]) -> String {
    if at.iter().all(|(_, g)| g.is_empty()) {
        let phases: Vec<String> = at.iter().map(|(p, _)| p.name().to_owned()).collect();
        return match phases.len() {
            1 => format!("the {} job", phases[0]),
            _ => format!("the {} jobs", and_list(&phases)),
        };
    }
    if let [(phase, group)] = at {
        return format!("group `{group}` of the {phase} job");
    }
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < at.len() {
        let phase = at[i].0;
        let names: Vec<String> = at[i..]
            .iter()
            .take_while(|(p, _)| *p == phase)
            .map(|(_, g)| format!("`{g}`"))
            .collect();
        i += names.len();
        parts.push(format!("{} ({phase} job)", names.join(", ")));
    }
    format!("groups {}", and_list(&parts))
}
