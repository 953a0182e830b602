"""Drives `nomad-build mcp` over stdio with the official Python MCP SDK (another
implementation than the server's), then with raw bytes.

Usage:
  client.py BINARY REPO OUT      the compiler's tools (tests/mcp.rs)
  client.py cluster SERVER REPO  the cluster tools (tests/mcp/cluster.rs)

BINARY is the nomad-build executable, REPO the repository (for its examples), OUT where to
write what the Rust side checks further: every rendered job's API JSON (validated there
against the strict Nomad schema) and the names of the checks that passed. SERVER is the
test binary of tests/mcp/cluster.rs, which serves the MCP server with a scripted cluster
(`SERVER serve --root DIR`). Any failed check raises, so the script exits non-zero with the
reason on standard error.
"""

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

# The broken file: `bogus` is not an attribute of `build` (line 13, column 5).
BROKEN = """\
pipeline "broken" {
  source {
    url = "https://git.example.com/acme/broken.git"
    ref = "main"
  }

  image {
    repository = "registry.example.com/acme/broken"
  }

  build {
    timeout = "20m"
    bogus   = 1
  }
}
"""

# Text with a syntax error on line 2.
SYNTAX = 'pipeline "x" {\n  build {\n}\n'

passed: list[str] = []
# Every answer the servers gave (JSON of each result, each raw reply line, their stderr): the
# Rust side looks for the secrets of the servers' environment in all of it.
responses: list[str] = []


def recording(session: ClientSession) -> ClientSession:
    """Records the result of every request the session sends."""
    send = session.send_request

    async def send_request(*args, **kwargs):
        result = await send(*args, **kwargs)
        dump = getattr(result, "model_dump_json", None)
        responses.append(dump() if dump else str(result))
        return result

    session.send_request = send_request  # type: ignore[method-assign]
    return session


def check(name: str, ok: bool, detail: object = "") -> None:
    if not ok:
        raise AssertionError(f"check `{name}` failed: {detail}")
    passed.append(name)


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def make_root(repo: Path, base: Path) -> Path:
    root = base / "root"
    (root / "app").mkdir(parents=True)
    shutil.copy(repo / "examples/full/build.hcl", root / "app/build.hcl")
    (root / "broken").mkdir()
    (root / "broken/build.hcl").write_text(BROKEN)
    (base / "outside").mkdir()
    (base / "outside/build.hcl").write_text(BROKEN.replace("broken", "outside"))
    (root / "escape").symlink_to(base / "outside", target_is_directory=True)
    return root


async def sdk_session(binary: str, root: Path, env: dict[str, str], token: str) -> list[dict]:
    params = StdioServerParameters(command=binary, args=["mcp", "--root", str(root)], env=env)
    jobs: list[dict] = []
    errlog = tempfile.TemporaryFile(mode="w+")
    async with stdio_client(params, errlog=errlog) as (read, write):
        async with ClientSession(read, write) as session:
            recording(session)
            init = await session.initialize()
            check("initialize: server name", init.server_info.name == "nomad-build", init)
            check("initialize: protocol negotiated", bool(init.protocol_version), init)
            caps = init.capabilities
            check("initialize: tools and resources", caps.tools is not None and caps.resources is not None, caps)

            listed = await session.list_tools()
            tools = {t.name: t for t in listed.tools}
            check("tools/list: the compiler's and the cluster's tools", sorted(tools) == ["plan", "render", "rules", "run", "run_cancel", "run_status", "status", "validate"], sorted(tools))
            for name, t in tools.items():
                check(f"tools/list: {name} output schema", (t.output_schema or {}).get("type") == "object", t.output_schema)
            for name, t in tools.items():
                if name not in ("render", "rules", "validate"):
                    continue
                check(f"tools/list: {name} input schema", t.input_schema.get("type") == "object", t.input_schema)
                check(f"tools/list: {name} read-only", t.annotations is not None and t.annotations.read_only_hint is True, t.annotations)
            props = tools["render"].input_schema["properties"]
            for field in ["path", "text", "file_name", "run_id", "phases", "vars", "var_files", "templates"]:
                check(f"tools/list: render takes {field}", field in props, sorted(props))
            check("tools/list: validate takes text", "text" in tools["validate"].input_schema["properties"])
            check(
                "tools/list: no extra arguments",
                all(t.input_schema.get("additionalProperties") is False for t in tools.values() if t.input_schema.get("properties")),
                {n: t.input_schema for n, t in tools.items()},
            )

            # validate: a broken file gives its rule id and line, as a result (not an error).
            r = await session.call_tool("validate", {"path": "broken/build.hcl"})
            check("validate broken: not a tool error", not r.is_error, text_of(r))
            report = r.structured_content
            check("validate broken: invalid", report["valid"] is False and report["error_count"] == 1, report)
            d = report["diagnostics"][0]
            check("validate broken: rule id", d["rule"] == "unknown-attribute", d)
            check("validate broken: line and column", (d["range"]["start"]["line"], d["range"]["start"]["column"]) == (13, 5), d)
            check("validate broken: file name", d["range"]["filename"] == "broken/build.hcl", d)
            check("validate broken: text mirrors structure", json.loads(text_of(r)) == report)

            r = await session.call_tool("validate", {"text": SYNTAX, "file_name": "inline/build.hcl"})
            d = r.structured_content["diagnostics"][0]
            check("validate text: syntax error", d["rule"] == "syntax-error" and d["range"]["filename"] == "inline/build.hcl", d)

            r = await session.call_tool("validate", {"path": "."})
            files = {d["range"]["filename"] for d in r.structured_content["diagnostics"]}
            check(
                "validate dir: every build.hcl below, none through the symlink",
                "broken/build.hcl" in files and files <= {"broken/build.hcl", "app/build.hcl"},
                files,
            )

            r = await session.call_tool("validate", {"path": "app"})
            check("validate app: valid", r.structured_content["valid"] is True, r.structured_content)

            # render: every phase's job as HCL and JSON.
            r = await session.call_tool("render", {"path": "app/build.hcl", "run_id": "mcp1"})
            check("render: not an error", not r.is_error, text_of(r))
            out = r.structured_content
            phases = [j["phase"] for j in out["jobs"]]
            check("render: every phase", phases == ["build", "test", "publish"], phases)
            for j in out["jobs"]:
                check(f"render {j['phase']}: job id", j["job_id"] == f"payments-api-{j['phase']}-mcp1", j["job_id"])
                check(f"render {j['phase']}: HCL", j["hcl"].startswith(f'job "{j["job_id"]}"'), j["hcl"][:80])
                check(f"render {j['phase']}: JSON", j["json"]["Job"]["ID"] == j["job_id"])
                jobs.append({"phase": j["phase"], "json": j["json"]})

            r = await session.call_tool("render", {"path": "app", "run_id": "mcp1", "phases": ["test"]})
            check("render one phase", [j["phase"] for j in r.structured_content["jobs"]] == ["test"], r.structured_content)

            r = await session.call_tool("render", {"path": "broken/build.hcl", "run_id": "mcp1"})
            t = text_of(r)
            check("render broken: tool error with diagnostics", r.is_error and "unknown-attribute" in t and "nothing was rendered" in t, t)

            r = await session.call_tool("render", {"path": "app", "run_id": "Bad Id"})
            check("render bad run id: tool error", r.is_error and "invalid-run-id" in text_of(r), text_of(r))

            # rules and resources.
            r = await session.call_tool("rules", {})
            ids = [x["id"] for x in r.structured_content["rules"]]
            check("rules: the catalogue", "unknown-attribute" in ids and ids == sorted(ids), ids[:5])
            res = await session.list_resources()
            uris = {x.uri for x in res.resources}
            check("resources: the schema", "nomad-build://schema/build.hcl.json" in uris, sorted(uris)[:5])
            check("resources: every rule", all(f"nomad-build://rules/{i}" in uris for i in ids), len(uris))
            doc = await session.read_resource("nomad-build://rules/unknown-attribute")
            check("resources: a rule's doc", doc.contents[0].text.startswith("# unknown-attribute"), doc.contents[0].text[:80])
            schema = await session.read_resource("nomad-build://schema/build.hcl.json")
            check("resources: the schema parses", "properties" in json.loads(schema.contents[0].text))

            # Safety: nothing outside the root, not even through a symlink.
            outside = [
                ("parent", "../outside/build.hcl", "outside the root"),
                ("absolute", str(root.parent / "outside/build.hcl"), "outside the root"),
                ("system file", "/etc/passwd", "outside the root"),
                ("folded parent", "app/../../outside/build.hcl", "outside the root"),
                ("symlink", "escape/build.hcl", "symlink"),
            ]
            for name, path, why in outside:
                for tool in ["validate", "render"]:
                    r = await session.call_tool(tool, {"path": path, "run_id": "mcp1"} if tool == "render" else {"path": path})
                    t = text_of(r)
                    check(f"outside ({name}, {tool}): refused", r.is_error and why in t and 'pipeline "outside"' not in t, t)
            r = await session.call_tool("validate", {"text": SYNTAX, "file_name": "../x/build.hcl"})
            check("outside (file name): refused", r.is_error and "outside the root" in text_of(r), text_of(r))
            r = await session.call_tool("validate", {"path": "app", "var_files": ["/etc/passwd"]})
            check("outside (var file): refused", r.is_error and "outside the root" in text_of(r), text_of(r))

            # Bad arguments are tool errors; the session goes on.
            r = await session.call_tool("validate", {"path": 5})
            check("bad argument type: tool error", r.is_error, text_of(r))
            r = await session.call_tool("validate", {"nonsense": True})
            check("unknown argument: tool error", r.is_error and "nonsense" in text_of(r), text_of(r))
            r = await session.call_tool("validate", {"path": "app", "text": SYNTAX})
            check("path and text: tool error", r.is_error, text_of(r))

            # No output echoes a secret of the server's environment.
            r = await session.call_tool("validate", {"path": f"{token}/build.hcl"})
            t = text_of(r)
            check("secret: an error naming it is redacted", r.is_error and token not in t and "[redacted]" in t, t)
            vault_token = env["VAULT_TOKEN"]
            r = await session.call_tool("render", {"path": "app", "run_id": "mcp1", "vars": {"ref": vault_token}})
            t = text_of(r) + json.dumps(r.structured_content)
            check("secret: a value equal to VAULT_TOKEN is redacted", vault_token not in t, t)

            await session.send_ping()
            passed.append("ping after errors")
    errlog.seek(0)
    responses.append(errlog.read())
    return jobs


async def modern_session(binary: str, root: Path, env: dict[str, str]) -> None:
    """The stateless revision (2026-07-28): `server/discover` instead of the handshake."""
    params = StdioServerParameters(command=binary, args=["mcp", "--root", str(root)], env=env)
    errlog = tempfile.TemporaryFile(mode="w+")
    async with stdio_client(params, errlog=errlog) as (read, write):
        async with ClientSession(read, write) as session:
            recording(session)
            found = await session.discover()
            check("discover: the latest revision", session.protocol_version == "2026-07-28", session.protocol_version)
            check("discover: the handshake revisions too", "2025-11-25" in found.supported_versions, found)
            listed = await session.list_tools()
            check("discover: the same tools", sorted(t.name for t in listed.tools) == ["plan", "render", "rules", "run", "run_cancel", "run_status", "status", "validate"])
            r = await session.call_tool("validate", {"path": "broken"})
            check("discover: validate", r.structured_content["diagnostics"][0]["rule"] == "unknown-attribute", r)
    errlog.seek(0)
    responses.append(errlog.read())


def raw_session(binary: str, root: Path, env: dict[str, str]) -> None:
    """Raw bytes: garbage and malformed requests leave the server serving."""
    proc = subprocess.Popen(
        [binary, "mcp", "--root", str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdin and proc.stdout

    def send(data: bytes) -> None:
        proc.stdin.write(data)
        proc.stdin.flush()

    def reply() -> dict:
        line = proc.stdout.readline()
        responses.append(line.decode(errors="replace"))
        if not line:
            raise AssertionError(f"the server went away: {proc.stderr.read().decode(errors='replace')}")
        return json.loads(line)

    def request(id_, method, params=None) -> dict:
        msg = {"jsonrpc": "2.0", "id": id_, "method": method}
        if params is not None:
            msg["params"] = params
        send(json.dumps(msg).encode() + b"\n")
        return reply()

    try:
        init = request(1, "initialize", {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        })
        check("raw: initialize", init["result"]["protocolVersion"] == "2025-06-18", init)
        send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')

        # Bytes that are not JSON (invalid UTF-8, a broken object) are dropped, as the
        # official SDKs do: there is no id to answer.
        send(b"\xff\xfe\x00garbage\n{not json\n")
        r = request(2, "ping")
        check("raw: garbage is dropped, the server answers", r == {"jsonrpc": "2.0", "id": 2, "result": {}}, r)

        send(b'{"foo": 1}\n')
        r = reply()
        check("raw: a malformed message gets Invalid Request", r.get("error", {}).get("code") == -32600, r)
        r = request(3, "no/such/method")
        check("raw: an unknown method gets Method not found", r.get("error", {}).get("code") == -32601, r)
        r = request(4, "tools/call", {"name": "no_such_tool", "arguments": {}})
        check("raw: an unknown tool gets Invalid params", r.get("error", {}).get("code") == -32602, r)
        r = request(5, "tools/call", {"name": "run_status", "arguments": {}})
        check(
            "raw: a tool call without its required argument is a tool error naming it",
            r.get("result", {}).get("isError") is True and "run_id" in r["result"]["content"][0]["text"],
            r,
        )
        r = request(6, "tools/call", {"name": "validate", "arguments": {"path": "broken"}})
        check(
            "raw: still serving after malformed input",
            r["result"]["structuredContent"]["diagnostics"][0]["rule"] == "unknown-attribute",
            r,
        )
    finally:
        proc.stdin.close()
        code = proc.wait(timeout=30)
        responses.append(proc.stderr.read().decode(errors="replace"))
        proc.stdout.close()
        proc.stderr.close()
    check("raw: exits 0 when the client closes stdin", code == 0, code)


async def cluster_session(server: str, root: Path, env: dict[str, str], token: str) -> None:
    """The cluster tools against the scripted cluster of tests/mcp/cluster.rs."""
    params = StdioServerParameters(command=server, args=["serve", "--root", str(root)], env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            tools = {t.name: t for t in listed.tools}
            check(
                "cluster tools/list: every tool",
                sorted(tools) == ["plan", "render", "rules", "run", "run_cancel", "run_status", "status", "validate"],
                sorted(tools),
            )
            a = tools["run"].annotations
            check("cluster tools/list: run has side effects", a.read_only_hint is False and a.destructive_hint is False, a)
            a = tools["run_cancel"].annotations
            check("cluster tools/list: run_cancel is destructive", a.read_only_hint is False and a.destructive_hint is True, a)
            for name in ["run_status", "status", "plan"]:
                check(f"cluster tools/list: {name} read-only", tools[name].annotations.read_only_hint is True)
            for name in ["run", "run_status", "run_cancel", "status", "plan"]:
                check(f"cluster tools/list: {name} output schema", (tools[name].output_schema or {}).get("type") == "object")

            # run returns at once; run_status follows it with progress notifications.
            started = time.monotonic()
            r = await session.call_tool("run", {"path": "app", "run_id": "fast1", "phases": ["build", "test"]})
            check("run: returns at once", time.monotonic() - started < 5 and not r.is_error, text_of(r))
            st = r.structured_content
            check("run: started", st["run_id"] == "fast1" and st["state"] == "running", st)
            check("run: its phases", [p["phase"] for p in st["phases"]] == ["build", "test"], st)

            progress: list[tuple[float, float | None, str | None]] = []

            async def on_progress(value: float, total: float | None, message: str | None) -> None:
                progress.append((value, total, message))

            r = await session.call_tool("run_status", {"run_id": "fast1", "wait_seconds": 60}, progress_callback=on_progress)
            st = r.structured_content
            check("run_status: passed", st["state"] == "passed", st)
            check("run_status: every phase passed", [p["state"] for p in st["phases"]] == ["passed", "passed"], st)
            build = st["phases"][0]
            check("run_status: job id", build["job_id"] == "payments-api-build-fast1", build)
            t = build["tasks"][0]
            check("run_status: task state and exit code", (t["state"], t["exit_code"]) == ("complete", 0), t)
            check("run_status: last log lines", t["log"] == ["build: working on payments-api-build-fast1", "build: done"], t)
            check("progress: notifications came", len(progress) >= 3, progress)
            values = [v for v, _, _ in progress]
            check("progress: increasing", all(a < b for a, b in zip(values, values[1:])), values)
            check("progress: last says passed", (progress[-1][2] or "").startswith("run fast1: passed"), progress[-1])

            progress.clear()
            r = await session.call_tool("run", {"path": "app", "run_id": "fast2", "phases": ["publish"], "wait_seconds": 60}, progress_callback=on_progress)
            check("run with wait: passed", r.structured_content["state"] == "passed", r.structured_content)
            check("run with wait: progress", len(progress) >= 2, progress)

            # run_cancel stops a run.
            r = await session.call_tool("run", {"path": "app", "run_id": "slow1"})
            check("slow run: started", r.structured_content["state"] == "running", r.structured_content)
            r = await session.call_tool("run", {"path": "app", "run_id": "slow1"})
            check("slow run: a second run of the id is refused", r.is_error and "still going" in text_of(r), text_of(r))
            r = await session.call_tool("run_cancel", {"run_id": "slow1", "wait_seconds": 30})
            st = r.structured_content
            check("run_cancel: cancelled", st["state"] == "cancelled", st)
            check("run_cancel: the phase was stopped", st["phases"][0]["state"] == "cancelled", st)
            check("run_cancel: later phases skipped", {p["state"] for p in st["phases"][1:]} == {"skipped"}, st)
            r = await session.call_tool("run_status", {"run_id": "slow1"})
            check("run_status after cancel", r.structured_content["state"] == "cancelled", r.structured_content)
            r = await session.call_tool("run_status", {"run_id": "never"})
            check("run_status of an unknown run: tool error", r.is_error, text_of(r))

            # status and plan.
            r = await session.call_tool("status", {"job_id": "payments-api-build-fast1"})
            explanation = r.structured_content["explanation"]
            check("status: the explanation", explanation.startswith("job payments-api-build-fast1: dead"), explanation)
            check("status: the token is redacted", token not in explanation and "[redacted]" in explanation, explanation)
            r = await session.call_tool("status", {"job_id": "../v1/acl/tokens"})
            check("status: a bad job id is refused", r.is_error, text_of(r))
            r = await session.call_tool("plan", {"path": "app", "run_id": "p1"})
            out = r.structured_content
            check("plan: per phase", [p["placeable"] for p in out["phases"]] == [True, True, False] and out["placeable"] is False, out)
            check("plan: explained failures", out["phases"][2]["failures"] == ["group publish: 0 of 3 nodes have `driver.docker`"], out)
            r = await session.call_tool("plan", {"path": "app", "run_id": "p1", "nodes": "../nodes.json"})
            check("plan: a snapshot outside the root is refused", r.is_error and "outside the root" in text_of(r), text_of(r))
            r = await session.call_tool("run", {"path": "../outside", "run_id": "x1"})
            check("run: a file outside the root is refused", r.is_error and "outside the root" in text_of(r), text_of(r))


def main() -> None:
    if sys.argv[1] == "cluster":
        server, repo = sys.argv[2], Path(sys.argv[3])
        token = "tok" + secrets.token_hex(12)
        with tempfile.TemporaryDirectory() as tmp:
            root = make_root(repo, Path(tmp))
            asyncio.run(cluster_session(server, root, {"NOMAD_TOKEN": token}, token))
        print(f"{len(passed)} checks passed")
        return
    binary, repo, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    token = "tok" + secrets.token_hex(12)
    env = {"NOMAD_TOKEN": token, "VAULT_TOKEN": "hvs." + secrets.token_hex(12), "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        root = make_root(repo, Path(tmp))
        jobs = asyncio.run(sdk_session(binary, root, env, token))
        asyncio.run(modern_session(binary, root, env))
        raw_env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")} | env
        raw_session(binary, root, raw_env)
    out.write_text(json.dumps({"passed": passed, "jobs": jobs, "secrets": [token, env["VAULT_TOKEN"]], "responses": responses}))


def first_failure(e: BaseException) -> BaseException:
    """The failed check inside the task groups' exception groups."""
    while isinstance(e, BaseExceptionGroup) and e.exceptions:
        e = e.exceptions[0]
    return e


if __name__ == "__main__":
    try:
        main()
    except BaseException as e:  # noqa: BLE001 - report the failed check plainly
        cause = first_failure(e)
        if isinstance(cause, AssertionError):
            sys.exit(f"{cause}\n(passed before it: {len(passed)} checks)")
        raise
