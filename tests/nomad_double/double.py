#!/usr/bin/env python3
"""A stateful Nomad HTTP API double for nomad-build's `run` and `status` tests.

    python3 double.py SCENARIO.json
    python3 double.py --closed-port

It listens on 127.0.0.1 (port 0: the system picks a free one), prints
`listening http://127.0.0.1:PORT` once it listens, and serves until killed. With
`--closed-port` it binds a port without listening on it (connections are refused and nothing
else can bind it), prints `refusing http://127.0.0.1:PORT`, and holds it until killed.

What happens to each registered job is declared by the scenario (see README.md): placements,
task states and exit codes, log chunks, faults. The double only plays it back,
with Nomad's rules for the rest (from Nomad's source at hashicorp/nomad@aa026cc):

- register always creates an evaluation (also with Stop: true); an identical re-register
  writes no new version and answers the job's ModifyIndex, and the scheduler then keeps the
  batch job's finished allocations of that version (Ignore) instead of placing new ones;
- the scheduler runs in a
  separate raft step, so `pending` -> `complete` is observable; SnapshotIndex is set;
- placement failures: the register evaluation completes with FailedTGAllocs and a BlockedEval
  (`queued-allocs`, `blocked`, "created to place remaining allocations", PreviousEval); when
  capacity appears the blocked evaluation completes and places the allocations;
- job status per getJobStatus (non-terminal allocs -> running, non-terminal evals -> pending,
  evals or Stop -> dead); desired-stop allocations count as terminal;
- deregister writes a new version with Stop: true and SubmitTime = now, and an evaluation of
  Type "service", TriggeredBy "job-deregister"; purge deletes;
- blocking queries: `index`/`wait` (capped at 300 s, default 300 s with an index), list
  endpoints return the global table index, single objects their ModifyIndex;
- Evaluation and Allocation JSON omit zero fields; stubs, metrics, Job, TaskState and
  TaskEvent keep them; only the last 10 task events are kept;
- prestart sidecars (Lifecycle.Sidecar) start with the other prestart tasks and run until
  killed unless the scenario makes them exit (a watchdog firing: exit 124, and its siblings
  get `Sibling Task Failed` and are killed); main tasks start once the non-sidecar prestart
  tasks completed and the sidecars run; when every main task is dead, each sidecar gets
  `Main Tasks Dead` and is killed (dead, Failed false);
- client status per getClientStatus; Terminated events carry Details.exit_code; a
  max_run_duration expiry kills the tasks with a Killing event whose DisplayMessage is
  "allocation exceeded max_run_duration" and reports the allocation complete with that
  ClientDescription (client/allocrunner/alloc_runner.go);
- logs: 404 "not started yet" until StartedAt; concatenated JSON frames with base64 Data; a `{}`
  heartbeat every second; follow=true never ends by itself; origin/offset;
- plans (`PUT|POST /v1/job/:id/plan`) answer what the scenario declares per phase
  (`plans`), not what a checker computes, and store nothing; `/v1/nodes`, `/v1/node/:id`
  and `/v1/node/:id/allocations` serve the `node_snapshot` file and `node_allocations`;
- errors are text/plain; ACL failures are 403 "Permission denied" / "ACL token not found".
"""

import base64
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_RUN_DURATION_EXCEEDED = "allocation exceeded max_run_duration"
GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def now_ns():
    return time.time_ns()


def rfc3339(ns):
    secs, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + ".%09dZ" % frac


def omit_zero(d):
    """go-codec's omitempty for structs with `_struct` (Evaluation, Allocation)."""
    return {k: v for k, v in d.items() if v not in ("", 0, False, None, {}, [])}


class State:
    def __init__(self, scenario):
        self.scenario = scenario
        self.cv = threading.Condition()
        self.index = 10
        self.tables = {"jobs": 0, "evals": 0, "allocs": 0, "job_summary": 0}
        self.jobs = {}  # (ns, id) -> job record
        self.evals = {}  # id -> eval dict
        self.allocs = {}  # id -> alloc record
        self.counter = 0
        self.requests = []
        self.start = time.monotonic()
        self.registered = {}  # phase -> monotonic time of its first register
        self.timers = []  # (monotonic due, seq, fn)
        self.seq = 0
        self.dropped = set()  # (alloc, task, type) already dropped once
        threading.Thread(target=self.ticker, daemon=True).start()

    # --- ids, indexes, time -------------------------------------------------------------
    def new_id(self):
        self.counter += 1
        n = self.counter
        return "%08x-%04x-4%03x-8%03x-%012x" % (n, 0, 0, 0, n)

    def bump(self, *tables):
        self.index += 1
        for t in tables:
            self.tables[t] = self.index
        self.cv.notify_all()
        return self.index

    def later(self, delay_ms, fn):
        with self.cv:
            self.seq += 1
            self.timers.append((time.monotonic() + delay_ms / 1000.0, self.seq, fn))
            self.cv.notify_all()

    def ticker(self):
        while True:
            with self.cv:
                due = [t for t in self.timers if t[0] <= time.monotonic()]
                due.sort()
                for t in due:
                    self.timers.remove(t)
            for _, _, fn in due:
                with self.cv:
                    fn()
            time.sleep(0.005)

    # --- scenario -----------------------------------------------------------------------
    def behaviour(self, job):
        phase = (job.get("Meta") or {}).get("nomad-build.phase", job.get("ID"))
        return phase, self.scenario.get("jobs", {}).get(phase, {})

    def fault(self, method, path):
        for f in self.scenario.get("faults", []):
            if f.get("method", "*") not in ("*", method):
                continue
            if not re.search(f.get("path", "."), path):
                continue
            after = f.get("after", "start")
            if after == "start":
                t0 = self.start
            else:
                kind, _, phase = after.partition(":")
                t0 = self.registered.get(phase)
                if t0 is None:
                    continue
            elapsed = (time.monotonic() - t0) * 1000
            start = f.get("start_ms", 0)
            end = start + f.get("duration_ms", 1e12)
            if "times" in f:
                used = f.setdefault("_used", 0)
                if used >= f["times"] or elapsed < start:
                    continue
                f["_used"] = used + 1
                return f
            if start <= elapsed < end:
                return f
        return None

    # --- jobs ---------------------------------------------------------------------------
    def job_status(self, rec):
        job = rec["job"]
        for aid in rec["allocs"]:
            a = self.allocs[aid]
            if a["DesiredStatus"] == "run" and a["ClientStatus"] not in ("complete", "failed", "lost"):
                return "running"
        for eid in rec["evals"]:
            if self.evals[eid]["Status"] in ("pending", "blocked"):
                return "pending"
        if rec["evals"] or job["Stop"]:
            return "dead"
        return "pending"

    def refresh_status(self, rec):
        status = self.job_status(rec)
        if status != rec["job"]["Status"]:
            rec["job"]["Status"] = status
            idx = self.bump("jobs")
            rec["job"]["ModifyIndex"] = idx

    def register(self, ns, body, submitted_stop=None):
        job = dict(body["Job"])
        job_id = job["ID"]
        job["Namespace"] = ns
        job.setdefault("Region", "global")
        job["Stop"] = bool(job.get("Stop", False)) if submitted_stop is None else submitted_stop
        key = (ns, job_id)
        rec = self.jobs.get(key)
        now = now_ns()
        idx = self.bump("jobs", "evals", "job_summary")
        if rec is not None and spec(rec["job"]) == spec(job):
            # SpecChanged is false: no new version, but an evaluation is still forced, and
            # the response's JobModifyIndex is the existing job's ModifyIndex.
            job_modify_index = rec["job"]["ModifyIndex"]
        else:
            version = 0 if rec is None else rec["job"]["Version"] + 1
            job.update(
                {
                    "Status": "pending",
                    "StatusDescription": "",
                    "Version": version,
                    "SubmitTime": now,
                    "CreateIndex": idx if rec is None else rec["job"]["CreateIndex"],
                    "ModifyIndex": idx,
                    "JobModifyIndex": idx,
                    "Stable": False,
                }
            )
            if rec is None:
                rec = {"job": job, "versions": [], "evals": [], "allocs": [], "phase": None}
                self.jobs[key] = rec
            rec["job"] = job
            rec["versions"].insert(0, json.loads(json.dumps(job)))
            del rec["versions"][6:]
            job_modify_index = idx
        phase, beh = self.behaviour(job)
        rec["phase"] = phase
        rec["behaviour"] = beh
        ev = self.new_eval(rec, "job-register", rec["job"].get("Type", "batch"), idx, now)
        if phase not in self.registered:
            self.registered[phase] = time.monotonic()
            if "stop_at_ms" in beh:
                self.later(beh["stop_at_ms"], lambda: self.deregister(rec, purge=False))
        self.later(beh.get("schedule_ms", 50), lambda: self.schedule(rec, ev["ID"]))
        return {
            "EvalID": ev["ID"],
            "EvalCreateIndex": idx,
            "JobModifyIndex": job_modify_index,
            "Warnings": beh.get("warnings", ""),
            "Index": idx,
            "LastContact": 0,
            "KnownLeader": False,
            "NextToken": "",
        }

    def new_eval(self, rec, trigger, etype, idx, now, status="pending", **extra):
        ev = {
            "ID": self.new_id(),
            "Namespace": rec["job"]["Namespace"],
            "Priority": rec["job"].get("Priority", 50),
            "Type": etype,
            "TriggeredBy": trigger,
            "JobID": rec["job"]["ID"],
            "JobModifyIndex": rec["job"]["JobModifyIndex"],
            "Status": status,
            "StatusDescription": "",
            "CreateIndex": idx,
            "ModifyIndex": idx,
            "CreateTime": now,
            "ModifyTime": now,
        }
        ev.update(extra)
        self.evals[ev["ID"]] = ev
        rec["evals"].append(ev["ID"])
        return ev

    def groups(self, rec):
        return [g["Name"] for g in rec["job"].get("TaskGroups") or []]

    def schedule(self, rec, eval_id):
        ev = self.evals[eval_id]
        if ev["Status"] != "pending":
            return
        job = rec["job"]
        beh = rec["behaviour"]
        groups = self.groups(rec)
        ev["SnapshotIndex"] = self.index
        blocked = beh.get("blocked")
        if job["Stop"] or ev["TriggeredBy"] == "job-deregister":
            ev.update({"Status": "complete", "QueuedAllocations": {g: 0 for g in groups}})
            for aid in rec["allocs"]:
                a = self.allocs[aid]
                if a["DesiredStatus"] == "run":
                    self.stop_alloc(a)
            idx = self.bump("evals", "allocs")
        elif blocked and not rec.get("capacity"):
            metrics = {}
            for g in groups:
                m = dict(default_metric())
                m.update(blocked.get("metrics", {}))
                metrics[g] = m
            idx = self.bump("evals")
            bl = self.new_eval(
                rec,
                "queued-allocs",
                job.get("Type", "batch"),
                idx,
                now_ns(),
                status="blocked",
                StatusDescription="created to place remaining allocations",
                PreviousEval=ev["ID"],
                SnapshotIndex=self.index,
                FailedTGAllocs=metrics,
                QueuedAllocations={g: 1 for g in groups},
            )
            ev.update(
                {
                    "Status": "complete",
                    "FailedTGAllocs": metrics,
                    "BlockedEval": bl["ID"],
                    "QueuedAllocations": {g: 1 for g in groups},
                }
            )
            if "until_ms" in blocked and not rec.get("capacity_timer"):
                rec["capacity_timer"] = True
                t0 = self.registered[rec["phase"]]
                wait = max(0, blocked["until_ms"] - (time.monotonic() - t0) * 1000)
                self.later(wait, lambda: self.capacity(rec, bl["ID"]))
        else:
            self.place(rec, ev)
            ev.update({"Status": "complete", "QueuedAllocations": {g: 0 for g in groups}})
            idx = self.bump("evals")
        if ev["Status"] == "complete" and not ev.get("FailedTGAllocs"):
            self.cancel_blocked(rec, ev)
        ev["ModifyIndex"] = self.index
        ev["ModifyTime"] = now_ns()
        self.refresh_status(rec)

    def cancel_blocked(self, rec, by):
        """nestedUpsertEval: a successful eval cancels the job's older blocked evals."""
        for eid in rec["evals"]:
            bl = self.evals[eid]
            if bl["Status"] == "blocked" and eid != by["ID"]:
                bl["Status"] = "canceled"
                bl["StatusDescription"] = 'evaluation "%s" successful' % by["ID"]
                bl["ModifyIndex"] = self.bump("evals")

    def capacity(self, rec, blocked_id):
        rec["capacity"] = True
        bl = self.evals[blocked_id]
        if bl["Status"] != "blocked" or rec["job"]["Stop"]:
            return
        self.place(rec, bl)
        bl.update(
            {
                "Status": "complete",
                "StatusDescription": "",
                "FailedTGAllocs": None,
                "QueuedAllocations": {g: 0 for g in self.groups(rec)},
                "SnapshotIndex": self.index,
            }
        )
        bl["ModifyIndex"] = self.bump("evals")
        bl["ModifyTime"] = now_ns()
        self.refresh_status(rec)

    def place(self, rec, ev):
        job = rec["job"]
        node = self.scenario.get("nodes", [{"id": None, "name": "node-1"}])[0]
        node_id = node.get("id") or "6e5cf3c8-7b52-4c1b-9d0e-000000000001"
        idx = self.bump("allocs", "job_summary")
        for g in job.get("TaskGroups") or []:
            if g.get("Count", 1) == 0:
                continue
            gname = g["Name"]
            if any(
                self.allocs[x]["TaskGroup"] == gname and self.allocs[x]["JobVersion"] == job["Version"]
                and self.allocs[x]["ClientStatus"] != "lost"
                for x in rec["allocs"]
            ):
                # The reconciler keeps an existing batch allocation of this version (Ignore).
                continue
            gbeh = rec["behaviour"].get("groups", {}).get(gname, {})
            now = now_ns()
            tasks = {}
            for t in g.get("Tasks") or []:
                lc = t.get("Lifecycle") or {}
                hook = lc.get("Hook", "")
                sidecar = hook == "prestart" and bool(lc.get("Sidecar"))
                tb = dict(gbeh.get("tasks", {}).get(t["Name"], {}))
                if sidecar and "exit_at" not in tb:
                    # A sidecar runs until Nomad kills it; ours trap TERM and exit 0.
                    tb.setdefault("runs_forever", True)
                    tb.setdefault("signal_exit", 0)
                tasks[t["Name"]] = {
                    "prestart": hook == "prestart",
                    "sidecar": sidecar,
                    "b": tb,
                    "logs": {"stdout": b"", "stderr": b""},
                }
            a = {
                "ID": self.new_id(),
                "EvalID": ev["ID"],
                "Name": "%s.%s[0]" % (job["ID"], gname),
                "Namespace": job["Namespace"],
                "NodeID": node_id,
                "NodeName": node.get("name", "node-1"),
                "JobID": job["ID"],
                "JobType": job.get("Type", "batch"),
                "JobVersion": job["Version"],
                "TaskGroup": gname,
                "DesiredStatus": "run",
                "DesiredDescription": "",
                "ClientStatus": "pending",
                "ClientDescription": "",
                "TaskStates": None,
                "NextAllocation": "",
                "FollowupEvalID": "",
                "CreateIndex": idx,
                "ModifyIndex": idx,
                "AllocModifyIndex": idx,
                "CreateTime": now,
                "ModifyTime": now,
                "_tasks": tasks,
                "_rec": rec,
                "_gbeh": gbeh,
            }
            self.allocs[a["ID"]] = a
            rec["allocs"].append(a["ID"])
            self.later(gbeh.get("pickup_ms", 50), lambda a=a: self.client_pickup(a))
            if "max_run_duration_ms" in gbeh:
                self.later(gbeh["max_run_duration_ms"], lambda a=a: self.max_run_duration(a))
            if "lost_at_ms" in gbeh:
                self.later(gbeh["lost_at_ms"], lambda a=a: self.lose(a))

    # --- the client ---------------------------------------------------------------------
    def event(self, a, task, etype, **fields):
        ts = a["TaskStates"][task]
        ev = {
            "Type": etype,
            "Time": now_ns(),
            "Message": "",
            "DisplayMessage": "",
            "Details": {},
            "FailsTask": False,
            "RestartReason": "",
            "SetupError": "",
            "DriverError": "",
            "ExitCode": 0,
            "Signal": 0,
            "KillTimeout": 0,
            "KillError": "",
            "KillReason": "",
            "StartDelay": 0,
            "DownloadError": "",
            "ValidationError": "",
            "DiskLimit": 0,
            "FailedSibling": "",
            "VaultError": "",
            "TaskSignalReason": "",
            "TaskSignal": "",
            "DriverMessage": "",
            "GenericSource": "",
        }
        ev.update(fields)
        if not ev["DisplayMessage"]:
            ev["DisplayMessage"] = display(ev)
        if ev["Time"] <= (ts["Events"][-1]["Time"] if ts["Events"] else 0):
            ev["Time"] = ts["Events"][-1]["Time"] + 1
        ts["Events"].append(ev)
        del ts["Events"][:-10]
        if ev["FailsTask"]:
            ts["Failed"] = True

    def client_update(self, a):
        if a["ClientDescription"] != MAX_RUN_DURATION_EXCEEDED:
            a["ClientStatus"], a["ClientDescription"] = client_status(a["TaskStates"])
        a["ModifyIndex"] = self.bump("allocs", "job_summary")
        a["ModifyTime"] = now_ns()
        self.refresh_status(a["_rec"])

    def client_pickup(self, a):
        if a["DesiredStatus"] != "run":
            return
        a["TaskStates"] = {}
        for name in a["_tasks"]:
            a["TaskStates"][name] = {
                "State": "pending",
                "Failed": False,
                "Restarts": 0,
                "LastRestart": GO_ZERO_TIME,
                "StartedAt": GO_ZERO_TIME,
                "FinishedAt": GO_ZERO_TIME,
                "Events": [],
                "Paused": "",
            }
            self.event(a, name, "Received", DisplayMessage="Task received by client")
            self.event(a, name, "Task Setup", Message="Building Task Directory", DisplayMessage="Building Task Directory")
        self.client_update(a)
        pre = [n for n, t in a["_tasks"].items() if t["prestart"]]
        for n in pre or list(a["_tasks"]):
            self.later(a["_tasks"][n]["b"].get("start_ms", 50), lambda n=n: self.start_task(a, n))

    def start_task(self, a, name):
        ts = a["TaskStates"][name]
        t = a["_tasks"][name]
        if ts["State"] != "pending" or a["DesiredStatus"] != "run" or a["ClientStatus"] in ("complete", "failed", "lost"):
            return
        if "driver_failure" in t["b"]:
            self.event(a, name, "Driver Failure", DriverError=t["b"]["driver_failure"], DisplayMessage=t["b"]["driver_failure"])
            self.event(a, name, "Not Restarting", RestartReason="Error was unrecoverable", DisplayMessage="Error was unrecoverable", FailsTask=True, Details={"fails_task": "true"})
            ts["State"] = "dead"
            ts["FinishedAt"] = rfc3339(now_ns())
            self.siblings_failed(a, name)
            self.client_update(a)
            return
        ts["State"] = "running"
        ts["StartedAt"] = rfc3339(now_ns())
        self.event(a, name, "Started", DisplayMessage="Task started by client")
        if t["sidecar"]:
            self.next_tasks(a)
        self.client_update(a)
        for out in t["b"].get("output", []):
            for kind in ("stdout", "stderr"):
                if kind in out:
                    data = out[kind].encode()
                elif kind + "_b64" in out:
                    data = base64.b64decode(out[kind + "_b64"])
                else:
                    continue
                data = data * out.get("repeat", 1)
                self.later(out.get("at", 0), lambda k=kind, d=data: self.write_log(t, k, d))
        if not t["b"].get("runs_forever"):
            self.later(t["b"].get("exit_at", 100), lambda: self.finish_task(a, name, t["b"].get("exit", 0)))

    def write_log(self, t, kind, data):
        t["logs"][kind] += data
        self.cv.notify_all()

    def finish_task(self, a, name, code, signal=0):
        ts = a["TaskStates"][name]
        if ts["State"] != "running":
            return
        details = {"exit_code": str(code), "signal": str(signal), "oom_killed": "false"}
        msg = "" if code == 0 else "Docker container exited with non-zero exit code: %d" % code
        if msg:
            details["exit_message"] = msg
        self.event(a, name, "Terminated", ExitCode=code, Signal=signal, Message=msg, Details=details)
        if code != 0:
            self.event(a, name, "Not Restarting", RestartReason="Policy allows no restarts", DisplayMessage="Policy allows no restarts", FailsTask=True, Details={"fails_task": "true", "restart_reason": "Policy allows no restarts"})
        ts["State"] = "dead"
        ts["FinishedAt"] = rfc3339(now_ns())
        if code != 0:
            self.siblings_failed(a, name)
        else:
            self.next_tasks(a)
        self.client_update(a)

    def next_tasks(self, a):
        """Main tasks start once every non-sidecar prestart task completed and every
        prestart sidecar runs; when every main task is dead, the sidecars are stopped
        (`Main Tasks Dead`, then killed: dead, not failed; alloc_runner.go
        handleTaskStateUpdates)."""
        states = a["TaskStates"]
        pre = [n for n, t in a["_tasks"].items() if t["prestart"] and not t["sidecar"]]
        sidecars = [n for n, t in a["_tasks"].items() if t["sidecar"]]
        main = [n for n, t in a["_tasks"].items() if not t["prestart"]]
        ready = all(states[n]["State"] == "dead" and not states[n]["Failed"] for n in pre) and all(
            states[n]["State"] == "running" for n in sidecars
        )
        if (pre or sidecars) and ready:
            for n in main:
                t = a["_tasks"][n]
                if states[n]["State"] == "pending" and not t.get("scheduled"):
                    t["scheduled"] = True
                    self.later(t["b"].get("start_ms", 50), lambda n=n: self.start_task(a, n))
        if main and all(states[n]["State"] == "dead" for n in main):
            for n in sidecars:
                if states[n]["State"] != "dead" and not a["_tasks"][n].get("killing"):
                    self.event(a, n, "Main Tasks Dead", DisplayMessage="Main tasks in the group died")
                    self.kill_task(a, n, "Sent interrupt. Waiting 5s before force killing")

    def siblings_failed(self, a, failed):
        for n, ts in a["TaskStates"].items():
            if n == failed or ts["State"] == "dead":
                continue
            self.event(a, n, "Sibling Task Failed", FailedSibling=failed, DisplayMessage="Task's sibling %s failed" % json.dumps(failed))
            if ts["State"] == "running":
                self.kill_task(a, n, "Sent interrupt. Waiting 5s before force killing")
            else:
                ts["State"] = "dead"
                ts["FinishedAt"] = rfc3339(now_ns())

    def kill_task(self, a, name, display):
        """Killing now (the task still runs); after the kill delay its last output,
        Terminated with the signal's exit code, Killed, dead."""
        ts = a["TaskStates"][name]
        t = a["_tasks"][name]
        if ts["State"] == "pending":
            self.event(a, name, "Killed", DisplayMessage="Task successfully killed")
            ts["State"] = "dead"
            ts["FinishedAt"] = rfc3339(now_ns())
            return
        if ts["State"] != "running" or t.get("killing"):
            return
        t["killing"] = True
        self.event(a, name, "Killing", KillTimeout=5_000_000_000, DisplayMessage=display, Details={"kill_timeout": "5s"})

        def killed():
            for out in t["b"].get("on_kill", []):
                for kind in ("stdout", "stderr"):
                    if kind in out:
                        t["logs"][kind] += out[kind].encode()
            self.cv.notify_all()
            self.later(t["b"].get("kill_ms", 300), died)

        def died():
            code = t["b"].get("signal_exit", 143)
            self.event(a, name, "Terminated", ExitCode=code, Details={"exit_code": str(code), "signal": "0", "oom_killed": "false"})
            self.event(a, name, "Killed", DisplayMessage="Task successfully killed")
            ts["State"] = "dead"
            ts["FinishedAt"] = rfc3339(now_ns())
            self.client_update(a)

        self.later(100, killed)

    def stop_alloc(self, a):
        a["DesiredStatus"] = "stop"
        a["DesiredDescription"] = "alloc not needed due to job update"
        a["ModifyIndex"] = self.index + 1

        def kill():
            if a["TaskStates"] is None:
                a["ClientStatus"] = "complete"
            else:
                for n in a["TaskStates"]:
                    self.kill_task(a, n, "Sent interrupt. Waiting 5s before force killing")
            self.client_update(a)

        self.later(a["_gbeh"].get("kill_ms", 100), kill)

    def max_run_duration(self, a):
        if a["ClientStatus"] in ("complete", "failed", "lost") or a["DesiredStatus"] != "run":
            return
        a["ClientStatus"] = "complete"
        a["ClientDescription"] = MAX_RUN_DURATION_EXCEEDED
        for n in a["TaskStates"] or {}:
            self.kill_task(a, n, MAX_RUN_DURATION_EXCEEDED)
        self.client_update(a)

    def lose(self, a):
        if a["ClientStatus"] in ("complete", "failed", "lost"):
            return
        a["ClientStatus"] = "lost"
        a["DesiredDescription"] = "alloc is lost since its node is down"
        a["ModifyIndex"] = self.bump("allocs")
        self.refresh_status(a["_rec"])

    def deregister(self, rec, purge):
        job = rec["job"]
        now = now_ns()
        if purge:
            del self.jobs[(job["Namespace"], job["ID"])]
            for aid in rec["allocs"]:
                self.allocs.pop(aid, None)
            for eid in rec["evals"]:
                ev = self.evals.pop(eid)
                ev["Status"] = "complete"
            self.bump("jobs", "evals", "allocs")
            return {"EvalID": "", "EvalCreateIndex": 0, "JobModifyIndex": 0, "VolumeEvalID": "", "VolumeEvalIndex": 0, "Index": self.index}
        stopped = dict(job)
        idx = self.bump("jobs", "evals")
        stopped.update({"Stop": True, "Version": job["Version"] + 1, "SubmitTime": now, "ModifyIndex": idx, "JobModifyIndex": idx})
        rec["job"] = stopped
        rec["versions"].insert(0, json.loads(json.dumps(stopped)))
        del rec["versions"][6:]
        ev = self.new_eval(rec, "job-deregister", "service", idx, now)
        self.later(20, lambda: self.schedule(rec, ev["ID"]))
        self.refresh_status(rec)
        return {"EvalID": ev["ID"], "EvalCreateIndex": idx, "JobModifyIndex": idx, "VolumeEvalID": "", "VolumeEvalIndex": 0, "Index": idx}

    # --- views --------------------------------------------------------------------------
    def eval_json(self, ev):
        return omit_zero(ev)

    def stub(self, a):
        keys = [
            "ID", "EvalID", "Name", "Namespace", "NodeID", "NodeName", "JobID", "JobType", "JobVersion",
            "TaskGroup", "DesiredStatus", "DesiredDescription", "ClientStatus", "ClientDescription",
        ]
        s = {k: a[k] for k in keys}
        s["DesiredTransition"] = {"Migrate": None, "Reschedule": None, "ForceReschedule": None, "NoShutdownDelay": None, "MigrateDisablePlacement": None}
        s["TaskStates"] = a["TaskStates"]
        s["DeploymentStatus"] = None
        s["FollowupEvalID"] = a["FollowupEvalID"]
        s["NextAllocation"] = a["NextAllocation"]
        s["RescheduleTracker"] = None
        s["PreemptedAllocations"] = None
        s["PreemptedByAllocation"] = ""
        for k in ("CreateIndex", "ModifyIndex", "CreateTime", "ModifyTime"):
            s[k] = a[k]
        return s

    def alloc_json(self, a):
        # JobType and JobVersion exist only on the stub (AllocListStub), computed from Job.
        full = {k: v for k, v in a.items() if not k.startswith("_") and k not in ("JobType", "JobVersion")}
        full["Job"] = a["_rec"]["job"]
        return omit_zero(full)


SERVER_FIELDS = ("Status", "StatusDescription", "Version", "SubmitTime", "CreateIndex", "ModifyIndex", "JobModifyIndex", "Stable")


def spec(job):
    """The job without the fields the server sets (Job.SpecChanged compares the rest)."""
    return {k: v for k, v in job.items() if k not in SERVER_FIELDS}


def node_stub(n):
    """NodeListStub (nomad/structs/structs.go Node.Stub): no Attributes, no NodeResources."""
    keys = [
        "Address", "ID", "Datacenter", "Name", "NodeClass", "NodePool", "Version", "Drain",
        "SchedulingEligibility", "Status", "StatusDescription", "Drivers", "HostVolumes",
        "CreateIndex", "ModifyIndex",
    ]
    s = {k: n.get(k) for k in keys}
    s["Attributes"] = None
    s["NodeResources"] = None
    s["ReservedResources"] = None
    s["LastDrain"] = None
    return s


def default_metric():
    return {
        "NodesEvaluated": 0, "NodesFiltered": 0, "NodesInPool": 0, "NodePool": "default",
        "NodesAvailable": None, "ClassFiltered": None, "ConstraintFiltered": None,
        "NodesExhausted": 0, "ClassExhausted": None, "DimensionExhausted": None,
        "QuotaExhausted": None, "ResourcesExhausted": None, "Scores": None,
        "ScoreMetaData": None, "AllocationTime": 52000, "CoalescedFailures": 0,
    }


def display(ev):
    t = ev["Type"]
    if t == "Terminated":
        parts = ["Exit Code: %d" % ev["ExitCode"]]
        if ev["Signal"]:
            parts.append("Signal: %d" % ev["Signal"])
        if ev["Message"]:
            parts.append("Exit Message: %s" % json.dumps(ev["Message"]))
        return ", ".join(parts)
    return ev.get("Message", "")


def client_status(states):
    """getClientStatus (client/allocrunner/alloc_runner.go)."""
    if not states:
        return "pending", "No tasks have started"
    vals = list(states.values())
    if any(s["State"] == "dead" and s["Failed"] for s in vals):
        return "failed", "Failed tasks"
    if any(s["State"] == "running" for s in vals):
        return "running", "Tasks are running"
    if any(s["State"] == "pending" for s in vals):
        return "pending", "No tasks have started"
    return "complete", "All tasks have completed"


def go_duration(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", s or "")
    if not m:
        return None
    mult = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[m.group(2)]
    return float(m.group(1)) * mult


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set in main

    def log_message(self, *args):
        pass

    # --- plumbing ------------------------------------------------------------------------
    def reply(self, status, body, index=None, ctype="application/json"):
        data = body if isinstance(body, bytes) else (json.dumps(body) if ctype == "application/json" else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if index is not None:
            self.send_header("X-Nomad-Index", str(index))
            self.send_header("X-Nomad-KnownLeader", "true")
            self.send_header("X-Nomad-LastContact", "0")
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, text):
        self.reply(status, text, ctype="text/plain")

    def handle_any(self, method):
        st = self.state
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        token = self.headers.get("X-Nomad-Token")
        auth = self.headers.get("Authorization", "")
        if token is None and auth.startswith("Bearer "):
            token = auth[len("Bearer "):]
        if path.startswith("/__double/"):
            return self.double_api(path)
        with st.cv:
            st.requests.append({"method": method, "path": path, "query": q, "token": token is not None, "basic": auth.startswith("Basic ")})
        want = st.scenario.get("token")
        if want is not None:
            if token is not None and token != want:
                return self.error(403, "ACL token not found")
            if token is None:
                return self.error(403, "Permission denied")
        for d in st.scenario.get("deny", []):
            if d.get("method", "*") in ("*", method) and re.search(d["path"], path):
                return self.error(403, "Permission denied")
        with st.cv:
            f = st.fault(method, path)
        if f:
            text = f.get("body", "No cluster leader")
            if f.get("reflect_headers"):
                # A proxy that echoes the request it could not forward.
                text += "".join("\n%s: %s" % (k, v) for k, v in self.headers.items())
            return self.error(f.get("status", 500), text * f.get("repeat", 1))
        ns = q.get("namespace", "default")
        try:
            self.route(method, path, q, body, ns)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def double_api(self, path):
        st = self.state
        with st.cv:
            if path == "/__double/requests":
                return self.reply(200, st.requests)
            if path == "/__double/jobs":
                return self.reply(200, [dict(r["job"], _phase=r["phase"]) for r in st.jobs.values()])
        return self.error(404, "no such double endpoint")

    def plan(self, job_id, body):
        """jobPlan: the scheduler's answer as the scenario declares it (`plans` by phase):
        FailedTGAllocs and a blocked evaluation when a group would not be placed. Nothing is
        stored: no job, evaluation or index changes."""
        st = self.state
        try:
            req = json.loads(body or b"{}")
        except ValueError as e:
            return self.error(400, "Failed to decode request body: %s" % e)
        job = req.get("Job") or {}
        if job.get("ID") != job_id:
            return self.error(400, "Job ID does not match")
        phase = (job.get("Meta") or {}).get("nomad-build.phase", job_id)
        declared = st.scenario.get("plans", {}).get(phase, {})
        failed = {}
        for g, m in (declared.get("FailedTGAllocs") or {}).items():
            metric = dict(default_metric())
            metric.update(m)
            failed[g] = metric
        groups = job.get("TaskGroups") or []
        created = []
        if failed:
            created.append({
                "ID": st.new_id(), "JobID": job_id, "Type": job.get("Type", "batch"), "Priority": job.get("Priority", 50),
                "TriggeredBy": "job-register", "Status": "blocked",
                "StatusDescription": "created to place remaining allocations", "FailedTGAllocs": None,
                "ModifyIndex": 0, "CreateIndex": 0, "SnapshotIndex": 0, "JobModifyIndex": 0,
            })
        diff = {
            "Type": "Added", "ID": job_id, "Fields": None, "Objects": None,
            "TaskGroups": [
                {"Type": "Added", "Name": g["Name"], "Fields": None, "Objects": None, "Tasks": None,
                 "Updates": {"create": g.get("Count", 1)}}
                for g in groups
            ],
        }
        return self.reply(200, {
            "Index": 0,
            "NextPeriodicLaunch": GO_ZERO_TIME,
            "Warnings": declared.get("Warnings", ""),
            "Diff": diff,
            "CreatedEvals": created or None,
            "JobModifyIndex": 0,
            "FailedTGAllocs": failed or None,
            "Annotations": {"DesiredTGUpdates": {
                g["Name"]: {"DestructiveUpdate": 0, "InPlaceUpdate": 0, "Stop": 0, "Migrate": 0,
                            "Place": g.get("Count", 1), "Ignore": 0, "Canary": 0, "Preemptions": 0,
                            "Reconnect": 0, "RescheduleNow": 0, "RescheduleLater": 0, "Disconnect": 0}
                for g in groups
            }},
        })

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

    # --- blocking queries -----------------------------------------------------------------
    def blocking(self, q, compute):
        """compute() -> (status, body, index); re-run until index > ?index or the wait ends."""
        st = self.state
        try:
            min_index = int(q.get("index", "0"))
        except ValueError:
            return self.error(400, "Invalid index")
        wait = 300.0
        if "wait" in q:
            wait = go_duration(q["wait"])
            if wait is None:
                return self.error(400, "Invalid wait time")
            wait = min(wait, 300.0)
        deadline = time.monotonic() + wait
        with st.cv:
            while True:
                status, body, index = compute()
                if min_index == 0 or index > min_index:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                st.cv.wait(min(left, 0.5))
        if status == 200:
            self.reply(200, body, index=index)
        else:
            self.reply(status, body, index=index, ctype="text/plain")

    # --- routes ---------------------------------------------------------------------------
    def route(self, method, path, q, body, ns):
        st = self.state
        if path in ("/v1/jobs", "/v1/jobs/") and method in ("PUT", "POST"):
            return self.register(q, body, ns)
        if path == "/v1/agent/members" and method == "GET":
            servers = st.scenario.get("servers", [{"name": "server-1.global", "build": "1.10.3", "region": "global"}])
            members = [
                {
                    "Name": s["name"], "Addr": "127.0.0.1", "Port": 4648,
                    "Tags": {"role": "nomad", "region": s.get("region", "global"), "dc": "dc1", "build": s["build"], "revision": "0", "vsn": "1", "raft_vsn": "3", "id": s["name"], "port": "4647"},
                    "Status": s.get("status", "alive"), "ProtocolMin": 1, "ProtocolMax": 5, "ProtocolCur": 2,
                    "DelegateMin": 2, "DelegateMax": 5, "DelegateCur": 4,
                }
                for s in servers
            ]
            return self.reply(200, {"ServerName": servers[0]["name"], "ServerRegion": "global", "ServerDC": "dc1", "Members": members})
        m = re.fullmatch(r"/v1/job/([^/]+)/plan", path)
        if m:
            if method not in ("PUT", "POST"):
                return self.error(405, "Invalid method")
            return self.plan(urllib.parse.unquote(m.group(1)), body)
        if path == "/v1/nodes" and method == "GET":
            return self.reply(200, [node_stub(n) for n in st.scenario.get("_node_objects", [])], index=st.index)
        m = re.fullmatch(r"/v1/node/([^/]+)(/allocations)?", path)
        if m and method == "GET":
            nid = urllib.parse.unquote(m.group(1))
            node = next((n for n in st.scenario.get("_node_objects", []) if n["ID"] == nid), None)
            if node is None:
                return self.error(404, "node not found")
            if m.group(2):
                return self.reply(200, st.scenario.get("node_allocations", {}).get(nid, []), index=st.index)
            return self.reply(200, node, index=node.get("ModifyIndex", st.index))
        m = re.fullmatch(r"/v1/job/([^/]+)(/[a-z]+)?", path)
        if m:
            job_id = urllib.parse.unquote(m.group(1))
            sub = m.group(2) or ""
            key = (ns, job_id)
            if method == "DELETE" and sub == "":
                with st.cv:
                    rec = st.jobs.get(key)
                    if rec is None:
                        return self.reply(200, {"EvalID": "", "EvalCreateIndex": 0, "JobModifyIndex": 0, "VolumeEvalID": "", "VolumeEvalIndex": 0, "Index": 0}, index=0)
                    purge = q.get("purge", "false")
                    if purge not in ("true", "false", "1", "0", ""):
                        return self.error(500, 'Failed to parse value of "purge" (%s) as a bool' % purge)
                    r = st.deregister(rec, purge in ("true", "1"))
                return self.reply(200, r, index=r["Index"])
            if method != "GET":
                return self.error(405, "Invalid method")

            def compute():
                rec = st.jobs.get(key)
                if sub == "":
                    if rec is None:
                        return 404, "job not found", st.tables["jobs"]
                    return 200, rec["job"], rec["job"]["ModifyIndex"]
                if sub == "/allocations":
                    allocs = [st.stub(st.allocs[a]) for a in rec["allocs"]] if rec else []
                    return 200, allocs, st.tables["allocs"]
                if sub == "/evaluations":
                    evals = [st.eval_json(st.evals[e]) for e in rec["evals"]] if rec else []
                    return 200, evals, st.tables["evals"]
                if sub == "/versions":
                    if rec is None:
                        return 404, "job versions not found", st.tables["jobs"]
                    return 200, {"Versions": rec["versions"], "Diffs": None}, rec["job"]["JobModifyIndex"]
                if sub == "/summary":
                    if rec is None:
                        return 404, "job not found", st.tables["job_summary"]
                    return 200, summary(st, rec), st.tables["job_summary"]
                return 404, "Invalid URL", 0

            return self.blocking(q, compute)
        m = re.fullmatch(r"/v1/evaluation/([^/]+)(/allocations)?", path)
        if m and method == "GET":
            eid = m.group(1)

            def compute():
                ev = st.evals.get(eid)
                if m.group(2):
                    allocs = [st.stub(a) for a in st.allocs.values() if a["EvalID"] == eid]
                    return 200, allocs, st.tables["allocs"]
                if ev is None:
                    return 404, "eval not found", st.tables["evals"]
                return 200, st.eval_json(ev), ev["ModifyIndex"]

            return self.blocking(q, compute)
        m = re.fullmatch(r"/v1/allocation/([^/]+)", path)
        if m and method == "GET":
            aid = m.group(1)

            def compute():
                a = st.allocs.get(aid)
                if a is None:
                    return 404, "alloc not found", st.tables["allocs"]
                return 200, st.alloc_json(a), a["ModifyIndex"]

            return self.blocking(q, compute)
        m = re.fullmatch(r"/v1/client/fs/logs/([^/]+)", path)
        if m and method == "GET":
            return self.logs(m.group(1), q)
        m = re.fullmatch(r"/v1/client/fs/ls/([^/]+)", path)
        if m and method == "GET":
            with st.cv:
                a = st.allocs.get(m.group(1))
                if a is None:
                    return self.error(404, 'Unknown allocation "%s"' % m.group(1))
                if q.get("path", "/").strip("/") != "alloc/logs":
                    return self.reply(200, [])
                entries = []
                for name, t in a["_tasks"].items():
                    ts = (a["TaskStates"] or {}).get(name)
                    if not ts or ts["StartedAt"] == GO_ZERO_TIME:
                        continue
                    for kind in ("stderr", "stdout"):
                        entries.append({"Name": "%s.%s.0" % (name, kind), "IsDir": False, "Size": len(t["logs"][kind]), "FileMode": "-rw-r--r--", "ModTime": rfc3339(now_ns())})
                entries.sort(key=lambda e: e["Name"])
            return self.reply(200, entries)
        return self.error(404, "Invalid URL")

    def register(self, q, body, ns):
        st = self.state
        if not body:
            return self.error(400, "Request body is empty")
        try:
            req = json.loads(body)
        except ValueError as e:
            return self.error(400, str(e))
        job = req.get("Job")
        if not job:
            return self.error(400, "Job must be specified")
        if not job.get("ID"):
            return self.error(400, "Job ID hasn't been provided")
        # ?namespace= > body Namespace > Job.Namespace > "default"
        ns = q.get("namespace") or req.get("Namespace") or job.get("Namespace") or "default"
        with st.cv:
            phase, beh = st.behaviour(job)
            if "reject" in beh:
                return self.error(beh["reject"].get("status", 500), beh["reject"]["body"])
            r = st.register(ns, req)
        return self.reply(200, r, index=r["Index"])

    def logs(self, alloc_id, q):
        st = self.state
        task = q.get("task", "")
        kind = q.get("type", "")
        if not task:
            return self.error(400, "must provide task name")
        if kind not in ("stdout", "stderr"):
            return self.error(400, "must provide log type (stdout/stderr)")
        origin = q.get("origin", "start")
        if origin not in ("start", "end"):
            return self.error(400, "origin must be start or end")
        follow = q.get("follow", "false") in ("true", "1")
        offset = int(q.get("offset", "0") or 0)
        with st.cv:
            a = st.allocs.get(alloc_id)
            if a is None:
                return self.error(404, 'Unknown allocation "%s"' % alloc_id)
            if task not in a["_tasks"]:
                return self.error(400, 'unknown task name "%s"' % task)
            ts = (a["TaskStates"] or {}).get(task)
            if not ts or ts["StartedAt"] == GO_ZERO_TIME:
                return self.error(404, 'task "%s" not started yet. No logs available' % task)
            t = a["_tasks"][task]
            size = len(t["logs"][kind])
            pos = min(offset, size) if origin == "start" else max(0, size - offset)
            drop = None
            for d in a["_rec"]["behaviour"].get("drop_logs", []):
                if d.get("task") == task and d.get("type", "stdout") == kind and (alloc_id, task, kind) not in st.dropped:
                    drop = d["after_bytes"]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        fname = "alloc/logs/%s.%s.0" % (task, kind)

        def chunk(data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        last_send = time.monotonic()
        while True:
            with st.cv:
                data = t["logs"][kind]
                if len(data) <= pos and follow:
                    st.cv.wait(0.1)
                    data = t["logs"][kind]
                piece = data[pos:pos + 65536]
                if drop is not None and pos + len(piece) > drop:
                    piece = piece[: max(0, drop - pos)]
                    st.dropped.add((alloc_id, task, kind))
                    if piece:
                        pos += len(piece)
                        frame = {"Offset": pos, "Data": base64.b64encode(piece).decode(), "File": fname}
                        chunk(json.dumps(frame).encode())
                    # Drop the connection without the closing chunk.
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
            if piece:
                pos += len(piece)
                frame = {"Offset": pos, "Data": base64.b64encode(piece).decode(), "File": fname}
                chunk(json.dumps(frame).encode())
                last_send = time.monotonic()
                continue
            if not follow:
                self.wfile.write(b"0\r\n\r\n")
                return
            if time.monotonic() - last_send >= 1.0:
                chunk(b"{}")
                last_send = time.monotonic()


def summary(st, rec):
    groups = {}
    for g in st.groups(rec):
        groups[g] = {"Queued": 0, "Complete": 0, "Failed": 0, "Running": 0, "Starting": 0, "Lost": 0, "Unknown": 0}
    for aid in rec["allocs"]:
        a = st.allocs[aid]
        key = {"pending": "Starting", "running": "Running", "complete": "Complete", "failed": "Failed", "lost": "Lost"}.get(a["ClientStatus"])
        if key and a["TaskGroup"] in groups:
            groups[a["TaskGroup"]][key] += 1
    return {
        "JobID": rec["job"]["ID"], "Namespace": rec["job"]["Namespace"], "Summary": groups,
        "Children": {"Pending": 0, "Running": 0, "Dead": 0},
        "CreateIndex": rec["job"]["CreateIndex"], "ModifyIndex": st.tables["job_summary"],
    }


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that hang up or fail the TLS handshake are part of the tests.
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def closed_port():
    """A port that refuses connections for as long as this process lives: bound, never
    listening, so that nothing else can take it. Prints `refusing http://127.0.0.1:PORT`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print("refusing http://127.0.0.1:%d" % sock.getsockname()[1], flush=True)
    # Until killed, or until the test's end of the pipe closes.
    sys.stdin.read()


def main():
    if sys.argv[1] == "--closed-port":
        closed_port()
        return
    with open(sys.argv[1]) as f:
        scenario = json.load(f)
    if "node_snapshot" in scenario:
        # The nodes `/v1/nodes` and `/v1/node/:id` answer: a node snapshot file (relative to
        # the scenario), full `GET /v1/node/:id` objects.
        base = os.path.dirname(os.path.abspath(sys.argv[1]))
        with open(os.path.join(base, scenario["node_snapshot"])) as f:
            nodes = json.load(f)
        # A snapshot node's `Allocations` are what its `/v1/node/:id/allocations` answers.
        scenario["_node_objects"] = [{k: v for k, v in n.items() if k != "Allocations"} for n in nodes]
        allocs = {n["ID"]: n["Allocations"] for n in nodes if n.get("Allocations")}
        allocs.update(scenario.get("node_allocations", {}))
        scenario["node_allocations"] = allocs
    Handler.state = State(scenario)
    server = Server(("127.0.0.1", 0), Handler)
    scheme = "http"
    tls = scenario.get("tls")
    if tls:
        # Paths are relative to the scenario file.
        base = os.path.dirname(os.path.abspath(sys.argv[1]))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(os.path.join(base, tls["cert"]), os.path.join(base, tls["key"]))
        if "client_ca" in tls:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(os.path.join(base, tls["client_ca"]))
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    print("listening %s://127.0.0.1:%d" % (scheme, server.server_address[1]), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
