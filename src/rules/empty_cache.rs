//! `empty-cache`.

use super::Cx;

declare_rule! {
    /// ## What it checks
    ///
    /// That a `build.cache` block names somewhere to keep layers: `host_volume`, `registry`
    /// or both.
    ///
    /// ## Why it matters
    ///
    /// The build reuses layers (`--layers`) only with a place that outlives the task. Layers
    /// kept in the task's own storage are thrown away with it, so an empty `cache {}` caches
    /// nothing and every build repeats every step.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     cache {}
    ///   }
    /// }
    /// ```
    EmptyCache {
        id: "empty-cache",
        severity: Warning,
        summary: "a `build.cache` block has neither `host_volume` nor `registry`",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let empty = cx
        .p
        .build
        .cache
        .as_ref()
        .is_some_and(|c| c.host_volume.is_none() && c.registry.is_none());
    if empty {
        let f = cx
            .finding(&RULE, "/build/cache", "this cache keeps no layer")
            .label("layers would only live in the task's ephemeral storage")
            .help("set `host_volume` (a Nomad host volume kept on the node) or `registry` (a repository for `--cache-to`/`--cache-from`), or remove the block");
        cx.push(f);
    }
}
