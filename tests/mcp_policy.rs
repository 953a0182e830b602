//! `nomad-build mcp --policy` driven by the official Python MCP SDK
//! (`tests/mcp/policy_client.py`): MCP `render` under the complete example policy, the
//! attacker's build.hcl refused, and the `templates` argument refused unless the server allows
//! template overrides.

mod common;

#[test]
fn mcp_tools_compile_under_the_policy() {
    common::python_mcp_client(
        "policy_client.py",
        &[
            "policy render: the full example passes",
            "policy render: the attacker's registry is refused",
            "policy validate: the finding and its line",
            "templates: refused without --allow-templates",
            "templates: refused when the policy does not allow them",
            "templates: accepted with --allow-templates and no policy",
            "bad policy: the server does not start",
        ],
    );
}
