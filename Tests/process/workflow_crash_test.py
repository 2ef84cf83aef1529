#!/usr/bin/env python3
"""Workflow crash test: kill -9 `conveyor serve` mid-way through many workflows.

1. Start a loopback receiver and `conveyor serve` on a fresh SQLite file.
2. Submit 150 workflows, each a diamond of `http` steps (a -> b, a -> c, b + c -> d).
3. SIGKILL the server once part of the steps have run, restart it on the same file.
4. Assert: every workflow ends `completed` with all four steps succeeded; every step job
   reached the receiver; no step got a second job (the advancer created each once); the
   log holds exactly one `workflow.completed` per workflow and one `job.submitted` per
   step job.
"""
import os
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from cluster import Node, Recorder, api, free_port, report, wait_for_deliveries

WORKFLOWS = 150
STEPS = [("a", []), ("b", ["a"]), ("c", ["a"]), ("d", ["b", "c"])]


def submit(port, target, n):
    steps = [{"key": key, "type": "http", "depends_on": deps,
              "payload": {"url": target, "body": {"workflow": n, "step": key}}} for key, deps in STEPS]
    status, body = api(port, "POST", "/v1/workflows", {"name": "crash", "steps": steps})
    assert status == 201, (status, body)
    return body["id"]


def states(port, ids):
    found = {}
    for wid in ids:
        try:
            found[wid] = api(port, "GET", f"/v1/workflows/{wid}")[1]
        except Exception:
            pass
    return found


def main():
    work = tempfile.mkdtemp(prefix="conveyor-workflow-crash-")
    db = os.path.join(work, "workflows.sqlite")
    recorder = Recorder(work_seconds=0.02)
    port = free_port()
    server = Node("serve", db, work, "serve", port=port)
    server.wait_ready()
    ids = [submit(port, recorder.url, n) for n in range(WORKFLOWS)]

    total_steps = WORKFLOWS * len(STEPS)
    wait_for_deliveries(recorder, total_steps // 3)
    server.kill()
    seen_at_kill = recorder.deliveries()
    print(f"killed after {seen_at_kill} step deliveries of {total_steps}")
    if seen_at_kill >= total_steps:
        raise SystemExit("the kill came after all work was done; the test proves nothing")

    server = Node("serve", db, work, "serve-again", port=port)
    server.wait_ready()
    deadline = time.time() + 180
    final = {}
    while time.time() < deadline:
        final = states(port, ids)
        if len(final) == WORKFLOWS and all(w["state"] in ("completed", "failed", "cancelled") for w in final.values()):
            break
        time.sleep(0.25)
    code = server.stop()
    recorder.stop()

    failures = []
    unfinished = [wid for wid in ids if final.get(wid, {}).get("state") != "completed"]
    if unfinished:
        failures.append(f"{len(unfinished)} workflows did not complete, e.g. {[final.get(w, {}).get('state') for w in unfinished[:3]]}")
    step_jobs = [s.get("job_id") for w in final.values() for s in w["step_details"]]
    if any(j is None for j in step_jobs) or len(step_jobs) != total_steps:
        failures.append(f"{total_steps - len([j for j in step_jobs if j])} steps have no job")
    missing = [j for j in step_jobs if j and not recorder.spans.get(j)]
    if missing:
        failures.append(f"{len(missing)} step jobs never reached the receiver, e.g. {missing[:3]}")

    conn = sqlite3.connect(db)
    jobs_per_step = conn.execute(
        "SELECT COUNT(*) FROM (SELECT workflow_id, step FROM jobs WHERE workflow_id IS NOT NULL "
        "GROUP BY workflow_id, step HAVING COUNT(*) > 1)").fetchone()[0]
    completed_events = dict(conn.execute(
        "SELECT key, COUNT(*) FROM events WHERE type = 'workflow.completed' GROUP BY key").fetchall())
    submitted_twice = conn.execute(
        "SELECT COUNT(*) FROM (SELECT key FROM events WHERE type = 'job.submitted' GROUP BY key HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    submitted = conn.execute(
        "SELECT COUNT(DISTINCT e.key) FROM events e JOIN jobs j ON j.id = e.key "
        "WHERE e.type = 'job.submitted' AND j.workflow_id IS NOT NULL").fetchone()[0]
    conn.close()
    if jobs_per_step:
        failures.append(f"{jobs_per_step} steps got more than one job")
    if sorted(completed_events) != sorted(ids) or any(n != 1 for n in completed_events.values()):
        failures.append(f"workflow.completed events: {len(completed_events)} workflows, "
                        f"{sum(1 for n in completed_events.values() if n != 1)} with a count other than 1")
    if submitted_twice or submitted != total_steps:
        failures.append(f"job.submitted: {submitted} step jobs logged of {total_steps}, {submitted_twice} twice")
    if code != 0:
        failures.append(f"conveyor serve exited {code} after SIGTERM")
    print(f"{len(final)} workflows read back; {recorder.deliveries()} deliveries for {total_steps} steps")
    report("workflow crash test", failures, work)


if __name__ == "__main__":
    main()
