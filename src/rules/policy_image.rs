//! `policy-image`: reported by [`crate::policy`] when an operator policy is in force.

declare_rule! {
    /// ## What it checks
    ///
    /// Every image a task runs in matches a pattern of `allow.images`: the builder image, the git
    /// image and the skopeo image (their defaults too, when build.hcl sets none) and each test's
    /// `image`. Images are matched as written (`alpine` does not match `docker.io/**`).
    ///
    /// ## Why it matters
    ///
    /// The builder, git and skopeo images hold the registry and git credentials while they run; a
    /// test image runs with the pull credentials. An image from anywhere could send them anywhere.
    ///
    /// ## Example
    ///
    /// With this operator policy:
    ///
    /// ```hcl
    /// allow {
    ///   images = ["quay.io/buildah/stable:*", "docker.io/alpine/git:*"]
    /// }
    /// ```
    ///
    /// this build.hcl is refused:
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     builder_image = "docker.io/attacker/buildah:latest"
    ///   }
    /// }
    /// ```
    PolicyImage {
        id: "policy-image",
        severity: Error,
        summary: "an image a task runs in is not one the operator policy allows",
    }
}
