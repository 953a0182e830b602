//! `invalid-pipeline-name`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// The label of the `pipeline` block matches `[a-z0-9][a-z0-9-]*` and has at most 48
    /// characters.
    ///
    /// ## Why it matters
    ///
    /// The name starts every job ID (`<pipeline>-<phase>-<run-id>`) and every staging image tag.
    /// Nomad accepts almost any job ID, but uppercase letters, spaces or `/` make job IDs that
    /// need escaping in URLs and image tags that registries reject.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "Payments API" {
    ///   image {
    ///     repository = "registry.example.com/acme/payments-api"
    ///   }
    ///   build {}
    /// }
    /// ```
    InvalidPipelineName {
        id: "invalid-pipeline-name",
        severity: Error,
        summary: "the pipeline name is not `[a-z0-9][a-z0-9-]*` of at most 48 characters",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let name = cx.name;
    if valid(name) {
        return;
    }
    let f = cx
        .finding_at_key(&RULE, "", format!("`{name}` is not a valid pipeline name"))
        .label("must match `[a-z0-9][a-z0-9-]*`, at most 48 characters")
        .help("the name prefixes job IDs and image tags: use lowercase letters, digits and `-`");
    cx.push(f);
}

fn valid(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b.len() <= 48
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}
