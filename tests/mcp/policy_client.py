"""Drives `nomad-build mcp --policy` over stdio with the official Python MCP SDK.

Usage: policy_client.py BINARY REPO OUT

Under the complete example policy (REPO/examples/policy.hcl): `render` of the full example
passes, a build.hcl that sends the push secret to its own registry is refused at its line,
and the `templates` argument is refused unless the server was started with
`--allow-templates` and the policy allows template overrides. OUT receives the names of the
checks that passed. Any failed check raises.
"""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

passed: list[str] = []


def check(name: str, ok: bool, detail: object = "") -> None:
    if not ok:
        raise AssertionError(f"check `{name}` failed: {detail}")
    passed.append(name)


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def session(binary: str, args: list[str], body) -> None:
    env = {"NO_COLOR": "1", "PATH": os.environ.get("PATH", "")}
    params = StdioServerParameters(command=binary, args=args, env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as s:
            await s.initialize()
            await body(s)


async def under_policy(s: ClientSession) -> None:
    r = await s.call_tool("render", {"path": "app", "run_id": "p1"})
    check("policy render: the full example passes", not r.is_error, text_of(r))
    phases = [j["phase"] for j in r.structured_content["jobs"]]
    check("policy render: every phase", phases == ["build", "test", "publish"], phases)

    r = await s.call_tool("render", {"path": "attacker", "run_id": "p1"})
    t = text_of(r)
    check(
        "policy render: the attacker's registry is refused",
        r.is_error and "policy-credentials" in t and "attacker/build.hcl:23:14" in t and "nothing was rendered" in t,
        t,
    )

    r = await s.call_tool("validate", {"path": "attacker"})
    d = [x for x in r.structured_content["diagnostics"] if x["rule"] == "policy-credentials"]
    check("policy validate: the finding and its line", len(d) == 1 and d[0]["range"]["start"]["line"] == 23, r.structured_content)

    r = await s.call_tool("render", {"path": "app", "run_id": "p1", "templates": "tpl"})
    t = text_of(r)
    check("templates: refused without --allow-templates", r.is_error and "--allow-templates" in t, t)


async def policy_refuses_templates(s: ClientSession) -> None:
    r = await s.call_tool("render", {"path": "app", "run_id": "p1", "templates": "tpl"})
    t = text_of(r)
    check("templates: refused when the policy does not allow them", r.is_error and "allow { templates = true }" in t, t)


async def templates_allowed(s: ClientSession) -> None:
    r = await s.call_tool("render", {"path": "app", "run_id": "p1", "templates": "tpl"})
    check("templates: accepted with --allow-templates and no policy", not r.is_error, text_of(r))


def main() -> None:
    binary, repo, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    policy = str(repo / "examples/policy.hcl")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        (root / "app").mkdir(parents=True)
        shutil.copy(repo / "examples/full/build.hcl", root / "app/build.hcl")
        (root / "attacker").mkdir()
        shutil.copy(repo / "tests/fixtures/policy/policy-credentials-attacker/build.hcl", root / "attacker/build.hcl")
        (root / "tpl").mkdir()
        base = ["mcp", "--root", str(root)]
        asyncio.run(session(binary, base + ["--policy", policy], under_policy))
        asyncio.run(session(binary, base + ["--policy", policy, "--allow-templates"], policy_refuses_templates))
        asyncio.run(session(binary, base + ["--allow-templates"], templates_allowed))
        bad = subprocess.run(
            [binary, *base, "--policy", str(repo / "tests/fixtures/policy/bad-policy-syntax/policy.hcl")],
            input=b"", capture_output=True, timeout=60, env={"NO_COLOR": "1"},
        )
        err = bad.stderr.decode()
        check("bad policy: the server does not start", bad.returncode == 2 and "syntax-error" in err and bad.stdout == b"", (bad.returncode, err))
    out.write_text(json.dumps({"passed": passed}))


if __name__ == "__main__":
    try:
        main()
    except BaseException as e:  # noqa: BLE001 - report the failed check plainly
        while isinstance(e, BaseExceptionGroup) and e.exceptions:
            e = e.exceptions[0]
        if isinstance(e, AssertionError):
            sys.exit(f"{e}\n(passed before it: {len(passed)} checks)")
        raise
