//! `unsupported-expression`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That values are literals or `var.<name>` references: no operators, conditionals, `for`
    /// expressions, function calls, template directives or other references outside strings.
    /// Checked by expression evaluation; the jobspec decoder uses the same rule for `${...}`
    /// interpolations in a rendered job that Nomad would evaluate.
    ///
    /// ## Why it matters
    ///
    /// `build.hcl` is declarative: only literals and `var.<name>` are evaluated. Like Nomad's
    /// jobspec parser, a `${...}` inside a string whose root is not `var` is kept literally
    /// (`"${attr.kernel.name}"`), so Nomad references pass through when quoted.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     resources {
    ///       cpu = 1000 + 1000
    ///     }
    ///   }
    /// }
    /// ```
    UnsupportedExpression {
        id: "unsupported-expression",
        severity: Error,
        summary: "an expression `build.hcl` cannot evaluate (operators, functions, bare names)",
    }
}
