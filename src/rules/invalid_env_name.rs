//! `invalid-env-name`.

use super::{esc, Cx};

declare_rule! {
    /// ## What it checks
    ///
    /// Every name in a test's `env` and in `image.build_args` is an environment variable name:
    /// `[A-Za-z_][A-Za-z0-9_]*`.
    ///
    /// ## Why it matters
    ///
    /// Test `env` entries become the task's environment, and build arguments become
    /// `--build-arg=NAME=VALUE` and then the environment of the Containerfile's `RUN` steps. A
    /// name with `=` splits in the wrong place (`A=B` with value `c` arrives as `A` with value
    /// `B=c`), and names with other characters cannot be read from a shell (`$NAME`) or are
    /// dropped by the programs that pass the environment on.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    ///   test "unit" {
    ///     command = ["make", "test"]
    ///     env = {
    ///       "LOG-LEVEL" = "debug"
    ///     }
    ///   }
    /// }
    /// ```
    InvalidEnvName {
        id: "invalid-env-name",
        severity: Error,
        summary: "a test `env` or `build_args` name is not an environment variable name",
    }
}

pub(super) fn check(cx: &mut Cx<'_>) {
    let p = cx.p;
    let mut names: Vec<(String, &str)> = Vec::new();
    for k in p.image.build_args.keys() {
        names.push((format!("/image/build_args/{}", esc(k)), k));
    }
    for (tname, t) in &p.test {
        for k in t.env.keys() {
            names.push((format!("/test/{}/env/{}", esc(tname), esc(k)), k));
        }
    }
    for (rel, k) in names {
        if !valid_env_name(k) {
            let f = cx
                .finding_at_key(
                    &RULE,
                    &rel,
                    format!("`{k}` is not an environment variable name"),
                )
                .label("names match `[A-Za-z_][A-Za-z0-9_]*`")
                .help("use letters, digits and `_`, e.g. `LOG_LEVEL`");
            cx.push(f);
        }
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
pub fn valid_env_name(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}
