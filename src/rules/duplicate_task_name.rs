//! `duplicate-task-name`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That no test is named like another task of its group. A test's group holds the test's
    /// own task (named after the test) and the tasks nomad-build adds: `checkout` with
    /// `checkout = true`, and `watchdog` when the test has a `timeout` and the target Nomad
    /// release has no `max_run_duration` (before 2.0.3). Checked by the planner, which knows
    /// the target.
    ///
    /// ## Why it matters
    ///
    /// Nomad refuses a group with two tasks of one name ("Task 2 redefines 'checkout' from
    /// task 1", `TaskGroup.Validate`), so the whole test job would fail to register.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   source {
    ///     url = "https://git.example.com/acme/app.git"
    ///   }
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {}
    ///   test "checkout" {
    ///     command  = ["make", "test"]
    ///     checkout = true
    ///   }
    /// }
    /// ```
    DuplicateTaskName {
        id: "duplicate-task-name",
        severity: Error,
        summary: "a test is named like a task nomad-build adds to its group (`checkout`, `watchdog`)",
    }
}
