//! `invalid-image-reference`.

use super::{esc, Cx};
use crate::reference;

declare_rule! {
    /// ## What it checks
    ///
    /// Every image in the file parses as a container image reference
    /// (`[host[:port]/]path[:tag][@digest]`): `image.repository`, `build.builder_image`,
    /// `source.git_image`, each `test.image`, `publish.repositories` and `publish.skopeo_image`.
    /// The repositories that receive tags (`image.repository`, `publish.repositories`) must not
    /// carry a tag or digest of their own.
    ///
    /// ## Why it matters
    ///
    /// A malformed reference makes buildah, skopeo or the docker driver fail after the job has
    /// been placed, at pull or push time. A tag on a repository would produce references such
    /// as `app:1.0:build-3f2a1c9`, which no registry accepts.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app:latest"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidImageReference {
        id: "invalid-image-reference",
        severity: Error,
        summary: "an image is not a valid reference, or a repository carries a tag",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let p = cx.p;
    image(cx, "/image/repository", &p.image.repository, false);
    if let Some(repo) = p.build.cache.as_ref().and_then(|c| c.registry.as_ref()) {
        image(cx, "/build/cache/registry", repo, false);
    }
    if let Some(img) = &p.build.builder_image {
        image(cx, "/build/builder_image", img, true);
    }
    if let Some(img) = p.source.as_ref().and_then(|s| s.git_image.as_ref()) {
        image(cx, "/source/git_image", img, true);
    }
    for (tname, t) in &p.test {
        if let Some(img) = &t.image {
            image(cx, &format!("/test/{}/image", esc(tname)), img, true);
        }
    }
    if let Some(pb) = &p.publish {
        for (i, r) in pb.repositories.iter().enumerate() {
            image(cx, &format!("/publish/repositories/{i}"), r, false);
        }
        if let Some(img) = &pb.skopeo_image {
            image(cx, "/publish/skopeo_image", img, true);
        }
    }
}

fn image(cx: &mut Cx<'_>, rel: &str, image: &str, tag_allowed: bool) {
    let f = match reference::parse(image) {
        Err(why) => cx
            .finding(
                &RULE,
                rel,
                format!("`{image}` is not a valid image reference"),
            )
            .label(why)
            .help("write `[host[:port]/]path[:tag]`, e.g. `registry.example.com/acme/app`"),
        Ok(r) if !tag_allowed && (r.tag.is_some() || r.digest.is_some()) => cx
            .finding(&RULE, rel, format!("`{image}` has a tag or digest"))
            .label("a repository, without tag")
            .help("tags come from `publish.tags`; the staging tag is `build-<run-id>`"),
        Ok(_) => return,
    };
    cx.push(f);
}
