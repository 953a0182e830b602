"""Drives the shipped `nomad-build mcp` server's cluster tools over stdio with the official
Python MCP SDK, against the Nomad test double (tests/nomad_double/), started by
tests/mcp_double.rs.

Usage:
  double.py BINARY PIPELINE ADDR TOKEN LONG_ADDR FAIL_ADDR PLAN_ROOT OUT

PIPELINE is the directory of the double's build.hcl (the server's root), ADDR a double
playing `all-pass` that requires TOKEN, LONG_ADDR one playing `long-build`, FAIL_ADDR one
playing `test-fails`, PLAN_ROOT a root
with examples/full/build.hcl and node snapshots in `nodes/`. OUT gets what the Rust side checks
further: the status explanation and every text the server sent. Any failed check raises, so
the script exits non-zero with the reason on standard error.
"""

import asyncio
import json
import sys
import time
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

passed: list[str] = []
# Every result the server sent, as JSON text: the token must be in none of them.
seen: list[str] = []


def check(name: str, ok: bool, detail: object = "") -> None:
    if not ok:
        raise AssertionError(f"check failed: {name}: {detail}")
    passed.append(name)


def text_of(result) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


async def call(session: ClientSession, tool: str, args: dict, **kw):
    r = await session.call_tool(tool, args, **kw)
    seen.append(json.dumps(r.structured_content) + text_of(r))
    return r


def without_updates(st: dict) -> dict:
    return {k: v for k, v in st.items() if k != "updates"}


def task(group: str, name: str, state: str, code, log: list[str]) -> dict:
    return {"group": group, "task": name, "state": state, "exit_code": code, "log": log}


PASSED = {
    "run_id": "t1",
    "file": "build.hcl",
    "state": "passed",
    "phase": "publish",
    "error": None,
    "phases": [
        {
            "phase": "build",
            "state": "passed",
            "job_id": "hello-build-t1",
            "reason": None,
            "tasks": [
                task("build", "checkout", "complete", 0, ["checked out 3f2a1c9"]),
                task("build", "build", "complete", 0, [
                    "STEP 1/2: FROM alpine",
                    "STEP 2/2: RUN make",
                    "warning: no cache",
                    "pushed registry.example.com/acme/hello:build-t1",
                ]),
            ],
        },
        {
            "phase": "test",
            "state": "passed",
            "job_id": "hello-test-t1",
            "reason": None,
            "tasks": [
                task("unit", "unit", "complete", 0, ["ok 1 - adds", "ok 2 - subtracts"]),
            ],
        },
        {
            "phase": "publish",
            "state": "passed",
            "job_id": "hello-publish-t1",
            "reason": None,
            "tasks": [task("publish", "publish", "complete", 0, ["copied to registry.example.com/acme/hello:latest"])],
        },
    ],
}


def params(binary: str, root: Path, env: dict[str, str]) -> StdioServerParameters:
    return StdioServerParameters(command=binary, args=["mcp", "--root", str(root)], env=env)


async def passing(binary: str, root: Path, addr: str, token: str, report: dict) -> None:
    env = {"NOMAD_ADDR": addr, "NOMAD_TOKEN": token, "NO_COLOR": "1"}
    async with stdio_client(params(binary, root, env)) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            names = sorted(t.name for t in listed.tools)
            check("shipped server: lists the cluster tools", names == ["plan", "render", "rules", "run", "run_cancel", "run_status", "status", "validate"], names)

            started = time.monotonic()
            r = await call(session, "run", {"run_id": "t1"})
            st = r.structured_content
            check("run: returns at once", not r.is_error and time.monotonic() - started < 10, text_of(r))
            check("run: started", st["state"] == "running" and [p["phase"] for p in st["phases"]] == ["build", "test", "publish"], st)

            progress: list[tuple[float, str | None]] = []

            async def on_progress(value: float, total: float | None, message: str | None) -> None:
                progress.append((value, message))

            r = await call(session, "run_status", {"run_id": "t1", "wait_seconds": 120}, progress_callback=on_progress)
            st = r.structured_content
            check("run_status: followed to passed", without_updates(st) == PASSED, json.dumps(st, indent=1))
            values = [v for v, _ in progress]
            check("progress: a notification per change", len(progress) >= 10, progress)
            check("progress: increasing", all(a < b for a, b in zip(values, values[1:])), values)
            messages = [m or "" for _, m in progress]
            check("progress: the build phase ran", any(m.startswith("run t1: running; build: running") for m in messages), messages)
            check("progress: the last says passed", messages[-1] == "run t1: passed; publish: passed (1/1 tasks done)", messages[-1])

            r = await call(session, "status", {"job_id": "hello-build-t1"})
            check("status: no tool error", not r.is_error, text_of(r))
            report["status"] = r.structured_content["explanation"]
            check("status: names the job", r.structured_content["job_id"] == "hello-build-t1", r.structured_content)

            r = await call(session, "status", {"job_id": "no-such-job"})
            check("status of an unknown job: tool error", r.is_error and "not found" in text_of(r), text_of(r))


async def cancelling(binary: str, root: Path, addr: str, report: dict) -> None:
    env = {"NOMAD_ADDR": addr, "NO_COLOR": "1"}
    async with stdio_client(params(binary, root, env)) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            r = await call(session, "run", {"run_id": "c1"})
            check("long run: started", r.structured_content["state"] == "running", r.structured_content)
            deadline = time.monotonic() + 60
            while True:
                r = await call(session, "run_status", {"run_id": "c1"})
                build = r.structured_content["phases"][0]
                logs = [line for t in build["tasks"] for line in t["log"]]
                if "building..." in logs:
                    break
                check("long run: the build task starts", time.monotonic() < deadline, r.structured_content)
                await asyncio.sleep(0.1)
            running = {t["task"]: t["state"] for t in build["tasks"]}
            check("long run: the build task is running", running.get("build") == "running", build)
            r = await call(session, "run_cancel", {"run_id": "c1", "wait_seconds": 60})
            st = r.structured_content
            check("run_cancel: cancelled", st["state"] == "cancelled" and st["error"] is None, st)
            states = [(p["phase"], p["state"]) for p in st["phases"]]
            check("run_cancel: the build phase stopped, the others never ran", states == [("build", "cancelled"), ("test", "skipped"), ("publish", "skipped")], states)
            build = st["phases"][0]
            check("run_cancel: the job", build["job_id"] == "hello-build-c1", build)
            tasks = {t["task"]: (t["state"], t["exit_code"]) for t in build["tasks"]}
            check("run_cancel: checkout had passed, build was stopped", tasks["checkout"] == ("complete", 0) and tasks["build"][0] == "failed", tasks)
            report["cancelled"] = st


async def failing(binary: str, root: Path, addr: str) -> None:
    env = {"NOMAD_ADDR": addr, "NO_COLOR": "1"}
    async with stdio_client(params(binary, root, env)) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            r = await call(session, "run", {"run_id": "f1", "wait_seconds": 120})
            st = r.structured_content
            check("failing run: failed, no run error", not r.is_error and st["state"] == "failed" and st["error"] is None, st)
            states = [(p["phase"], p["state"], p["reason"]) for p in st["phases"]]
            check(
                "failing run: the test phase failed with the task's exit code, publish never ran",
                states == [("build", "passed", None), ("test", "failed", "test/unit exited with code 7"), ("publish", "skipped", None)],
                states,
            )
            unit = st["phases"][1]["tasks"][-1]
            check("failing run: the task", unit == task("unit", "unit", "failed", 7, ["ok 1 - adds", "not ok 2 - subtracts"]), unit)


async def planning(binary: str, root: Path) -> None:
    # Nothing listens there: plan never asks the cluster.
    env = {"NOMAD_ADDR": "http://127.0.0.1:9", "NO_COLOR": "1"}
    async with stdio_client(params(binary, root, env)) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            r = await call(session, "plan", {"run_id": "p1", "nodes": "nodes/places.json"})
            out = r.structured_content
            check("plan on a node that fits: placeable", not r.is_error and out["placeable"] is True, text_of(r))
            check(
                "plan on a node that fits: every phase, no failures",
                [(p["phase"], p["job_id"], p["placeable"], p["failures"]) for p in out["phases"]]
                == [("build", "payments-api-build-p1", True, []), ("test", "payments-api-test-p1", True, []), ("publish", "payments-api-publish-p1", True, [])],
                out,
            )
            r = await call(session, "plan", {"run_id": "p1", "phases": ["build"], "nodes": "nodes/no-privileged.json"})
            out = r.structured_content
            check("plan without privileged docker: not placeable", not r.is_error and out["placeable"] is False, text_of(r))
            build = out["phases"][0]
            check(
                "plan without privileged docker: Nomad's reason",
                build["failures"][0] == 'group `build`: Constraint "${attr.driver.docker.privileged.enabled} = true": 3 nodes excluded by filter',
                build["failures"],
            )
            check(
                "plan without privileged docker: the build.hcl setting",
                len(build["failures"]) == 2
                and build["failures"][1].startswith("placement-filtered\n")
                and "╭─[build.hcl:77:3]" in build["failures"][1]
                and "builds privileged (the default)" in build["failures"][1],
                build["failures"],
            )
            r = await call(session, "plan", {"run_id": "p1"})
            check("plan without a snapshot: a tool error naming `nodes`", r.is_error and "`nodes`" in text_of(r), text_of(r))
            r = await call(session, "plan", {"run_id": "p1", "nodes": "build.hcl"})
            check("plan on a file that is no snapshot: a tool error", r.is_error and "is not a node snapshot" in text_of(r), text_of(r))


def main() -> None:
    binary, pipeline, addr, token, long_addr, fail_addr, plan_root, out = sys.argv[1:9]
    report: dict = {}
    asyncio.run(passing(binary, Path(pipeline), addr, token, report))
    asyncio.run(cancelling(binary, Path(pipeline), long_addr, report))
    asyncio.run(failing(binary, Path(pipeline), fail_addr))
    asyncio.run(planning(binary, Path(plan_root)))
    check("the token is in no result", not any(token in s for s in seen), [s for s in seen if token in s])
    report["passed"] = passed
    Path(out).write_text(json.dumps(report))
    print(f"{len(passed)} checks passed")


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
