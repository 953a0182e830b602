//! `insecure-registry-docker-pull`.

use super::insecure_public_registry::is_loopback;
use super::{esc, Cx};
use crate::reference;

declare_rule! {
    /// ## What it checks
    ///
    /// Whether a task image that the Nomad client's docker daemon pulls comes from a registry
    /// with `insecure = true`: a test's image (its `image`, or the staging image built from
    /// `image.repository`), `build.builder_image`, `source.git_image` or
    /// `publish.skopeo_image`. Registries on loopback (`localhost`, `127.0.0.0/8`) are left
    /// out: the docker daemon treats them as insecure by default (dockerd reference,
    /// `--insecure-registry`).
    ///
    /// ## Why it matters
    ///
    /// buildah and skopeo inside the jobs are told about insecure registries by nomad-build,
    /// but task images are pulled by the docker driver, that is by the docker daemon of the
    /// Nomad client, which talks plain HTTP or unverified TLS only to the registries listed in
    /// its own `insecure-registries` (`/etc/docker/daemon.json`). Elsewhere the pull fails and
    /// the task fails after placement; Nomad has no node attribute to constrain on.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.lab.internal:5000/acme/app"
    ///   }
    ///   registry "registry.lab.internal:5000" {
    ///     insecure = true
    ///   }
    ///   build {}
    ///   test "unit" {
    ///     command = ["make", "test"]
    ///   }
    /// }
    /// ```
    InsecureRegistryDockerPull {
        id: "insecure-registry-docker-pull",
        severity: Note,
        summary: "the docker daemon on Nomad clients must list an insecure registry it pulls a task image from",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let p = cx.p;
    // (where the image is named, the image, whose image it is, whether it is the staging image)
    let mut pulls: Vec<(String, &str, String, bool)> = Vec::new();
    if let Some(img) = &p.build.builder_image {
        pulls.push((
            "/build/builder_image".to_owned(),
            img,
            "the build task".to_owned(),
            false,
        ));
    }
    if let Some(img) = p.source.as_ref().and_then(|s| s.git_image.as_ref()) {
        pulls.push((
            "/source/git_image".to_owned(),
            img,
            "the checkout task".to_owned(),
            false,
        ));
    }
    for (tname, t) in &p.test {
        let what = format!("test `{tname}`");
        match &t.image {
            Some(img) => pulls.push((format!("/test/{}/image", esc(tname)), img, what, false)),
            None => pulls.push((
                format!("/test/{}", esc(tname)),
                &p.image.repository,
                what,
                true,
            )),
        }
    }
    if let Some(img) = p.publish.as_ref().and_then(|pb| pb.skopeo_image.as_ref()) {
        pulls.push((
            "/publish/skopeo_image".to_owned(),
            img,
            "the publish task".to_owned(),
            false,
        ));
    }
    for (rel, image, what, staging) in pulls {
        let Ok(r) = reference::parse(image) else {
            continue;
        };
        let insecure = p.registry.get(&r.host).is_some_and(|reg| reg.insecure);
        if !insecure || is_loopback(&r.host) {
            continue;
        }
        let host = &r.host;
        let (f, label) = if staging {
            (
                cx.finding_at_key(
                    &RULE,
                    &rel,
                    format!("{what} runs an image from the insecure registry `{host}`"),
                ),
                "runs the staging image, which the client's docker daemon pulls",
            )
        } else {
            (
                cx.finding(
                    &RULE,
                    &rel,
                    format!("{what} runs an image from the insecure registry `{host}`"),
                ),
                "pulled by the client's docker daemon",
            )
        };
        let f = f.label(label).help(format!(
            "add \"{host}\" to `insecure-registries` in /etc/docker/daemon.json on the Nomad clients, or the pull fails after placement"
        ));
        cx.push(f);
    }
}
