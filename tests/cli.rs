//! CLI case files (`tests/cmd/*.toml`): arguments, exact stdout/stderr and exit codes.
#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.toml");
}
