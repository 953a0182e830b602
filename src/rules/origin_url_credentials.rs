//! `origin-url-credentials`: reported by the compiler driver when it reads the `origin` remote
//! (see [`crate::plan::GitInfo`]); this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// Without `source.url`, the jobs clone the `origin` remote of the git repository around the
    /// file. When that remote's URL carries credentials (`https://user:token@host/...`, as CI
    /// systems such as GitLab write it into their clones, or an `ssh://user:password@host/...`
    /// password), they are taken out: the jobs clone the URL without them, and this warning says
    /// so. The finding points at `git remote get-url origin` and shows the URL with the
    /// credentials masked; the value itself is never printed, written into a job or passed to a
    /// task. Checked when the jobs are compiled, after the file's suppression comments, so a
    /// comment in `build.hcl` does not silence it.
    ///
    /// ## Why it matters
    ///
    /// A URL is not a secret store. Copied into the jobs, a token would be readable by anyone
    /// who can read jobs, and the checkout task would write it into the clone's `.git/config`,
    /// which is part of the build context: a `COPY . .` would bake it into the pushed image. If
    /// the repository needs credentials to clone, keep them in Vault and name them with
    /// `source { credentials { path = "..." } }`; the checkout task reads them from Vault into
    /// a file only git's credential helper sees.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// # in a clone whose origin is https://gitlab-ci-token:<token>@gitlab.example.com/acme/app.git
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    /// }
    /// ```
    OriginUrlCredentials {
        id: "origin-url-credentials",
        severity: Warning,
        summary: "the `origin` remote's URL carries credentials, which are left out of the jobs",
    }
}
