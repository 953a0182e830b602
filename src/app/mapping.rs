//! Where the jobs' placement requirements come from in a build.hcl: the constraints, the
//! checks and the resource requests of each phase, with the setting that asks for them.

use crate::cluster::explain::{self, Mapping, Origin};
use crate::load::Loaded;

/// Where the jobs' placement requirements come from in the build.hcl.
pub(super) fn of(l: &Loaded) -> Mapping {
    let (name, p) = l.pipeline();
    let base = format!("/pipeline/{name}");
    let mut m = Mapping {
        file: l.file,
        ..Mapping::default()
    };
    for (i, c) in p.nomad.constraint.iter().enumerate() {
        let key = format!(
            "{} {} {}",
            c.attribute.as_deref().unwrap_or_default(),
            c.operator.as_deref().unwrap_or("="),
            c.value.as_deref().unwrap_or_default()
        );
        m.constraints.push((
            key,
            Origin {
                span: l.span(&format!("{base}/nomad/constraint/{i}")),
                note: "this constraint (every job has it)".to_owned(),
            },
        ));
    }
    if p.build.privileged.unwrap_or(true) {
        m.constraints.push((
            "${attr.driver.docker.privileged.enabled} = true".to_owned(),
            Origin {
                span: l.key_span(&format!("{base}/build/privileged")),
                note: "added by nomad-build: the build task runs privileged, so its client needs `allow_privileged = true` in the docker plugin".to_owned(),
            },
        ));
    }
    if p.vault.is_some() {
        for key in [
            "${attr.vault.version} semver >= 0.6.1",
            "${attr.nomad.version} semver >= 1.7.0-a",
        ] {
            m.constraints.push((
                key.to_owned(),
                Origin {
                    span: l.key_span(&format!("{base}/vault")),
                    note: explain::implicit(key).unwrap_or_default().to_owned(),
                },
            ));
        }
    }
    m.checks.push((
        "missing drivers".to_owned(),
        Origin {
            span: l.key_span(&base),
            note: "every task of the pipeline uses the docker driver; nodes without a healthy one are filtered".to_owned(),
        },
    ));
    if p.build.cache.is_some() {
        m.checks.push((
            "missing compatible host volumes".to_owned(),
            Origin {
                span: l.span(&format!("{base}/build/cache/host_volume")),
                note: "nodes without this host volume are filtered".to_owned(),
            },
        ));
    }
    m.resources.push((
        "build/build".to_owned(),
        Origin {
            span: l.key_span(&format!("{base}/build/resources")),
            note: "the build task requests these resources".to_owned(),
        },
    ));
    for t in p.test.keys() {
        m.resources.push((
            format!("test/{t}"),
            Origin {
                span: l.key_span(&format!("{base}/test/{t}/resources")),
                note: format!("test `{t}` requests these resources"),
            },
        ));
    }
    m.resources.push((
        "publish/publish".to_owned(),
        Origin {
            span: l.key_span(&format!("{base}/publish")),
            note: "the publish job requests its default resources".to_owned(),
        },
    ));
    m.placement = Some(Origin {
        span: l.key_span(&format!("{base}/nomad")),
        note: "the jobs run in these datacenters and node pool (default: every datacenter, pool `default`)".to_owned(),
    });
    m
}
