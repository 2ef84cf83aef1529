#!/usr/bin/env python3
"""Many nodes on one PostgreSQL: no job lost, none run twice at once, and the
maintenance role survives its leader.

1. Three `conveyor worker` processes and one `conveyor serve` on one fresh database.
2. 10,000 `http` jobs at a loopback receiver that records (job, start, end).
3. SIGKILL the worker that leads maintenance, mid-run; note the jobs it held.
4. Enqueue delayed jobs after the kill: only a new leader's stager can queue them, and
   only its lease reaper can rescue the dead worker's jobs.
5. Assert: every job succeeded; no two executions of a job overlapped; executions do
   not exceed jobs plus the jobs in flight at the kill; leadership moved.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from cluster import (Node, Recorder, counts, enqueue_http, fresh_database, free_port, missing_deliveries, overlapping,
                     psql, report, wait_for_deliveries, wait_for_succeeded)

JOBS = 10_000
DELAYED = 200
# Short, so the dead worker's jobs come back soon, but not so short that a live worker on a
# loaded two-core machine (four nodes, PostgreSQL and this script) stalls past its lease:
# a live worker that loses a lease runs its job again, which this test counts as a fault.
LEASE = 5


def main():
    if not os.environ.get("CONVEYOR_TEST_POSTGRES_URL"):
        report("multi-node test", ["CONVEYOR_TEST_POSTGRES_URL is not set: run it through scripts/with-postgres.sh"], "-")
    work = tempfile.mkdtemp(prefix="conveyor-multinode-")
    database = fresh_database()
    recorder = Recorder()
    # One worker keeps three store calls in flight (--claims-in-flight, for a PostgreSQL
    # across a network): its claims side by side must not hand out a job twice either.
    workers = [Node("worker", database, work, f"worker{i}", lease=LEASE, extra=["--claims-in-flight", "3"] if i == 1 else [])
               for i in range(3)]

    # Wait for the workers to elect a leader before the server starts, so it is a worker.
    leader = None
    deadline = time.time() + 60
    while leader is None and time.time() < deadline:
        try:
            rows = psql("SELECT holder FROM conveyor_leaders WHERE role = 'maintenance' AND expires_at > now()", database)
            if rows:
                pid = int(rows[0][0].split(":")[1])
                leader = next((w for w in workers if w.pid == pid), None)
        except Exception:
            pass
        time.sleep(0.2)
    assert leader is not None, "no worker became leader"

    port = free_port()
    server = Node("serve", database, work, "serve", port=port, lease=LEASE)
    server.wait_ready()
    ids = enqueue_http(port, recorder.url, JOBS)

    wait_for_deliveries(recorder, JOBS // 4)
    leader.kill()
    held = {row[0] for row in psql(
        f"SELECT id FROM conveyor_jobs WHERE state = 'running' AND lease_owner LIKE '%:{leader.pid}:%'", database)}
    print(f"killed leader {leader.name} (pid {leader.pid}) after {recorder.deliveries()} deliveries; it held {len(held)} jobs")
    if recorder.deliveries() >= JOBS:
        raise SystemExit("the kill came after all work was done; the test proves nothing")

    ids += enqueue_http(port, recorder.url, DELAYED, batch=DELAYED, delay_seconds=3)
    done = wait_for_succeeded(port, JOBS + DELAYED)
    final = counts(port)
    rows = psql("SELECT holder FROM conveyor_leaders WHERE role = 'maintenance' AND expires_at > now()", database)
    new_leader = rows[0][0] if rows else None
    exit_codes = [n.stop() for n in workers + [server] if n is not leader]
    recorder.stop()

    failures = []
    if not done:
        failures.append(f"not every job succeeded: {final}")
    failures.append(missing_deliveries(ids, recorder))
    overlaps = overlapping(recorder.spans)
    if overlaps:
        failures.append(f"{len(overlaps)} jobs ran twice at the same time, e.g. {overlaps[:3]}")
    executions = recorder.deliveries()
    if executions > len(ids) + len(held):
        failures.append(f"{executions} executions for {len(ids)} jobs with only {len(held)} in flight at the kill")
    duplicates = {i for i, runs in recorder.spans.items() if len(runs) > 1}
    if duplicates - held:
        failures.append(f"{len(duplicates - held)} jobs ran twice without being held by the killed worker")
    if not new_leader or f":{leader.pid}:" in new_leader:
        failures.append(f"leadership did not move from the killed worker (holder now {new_leader})")
    if any(code != 0 for code in exit_codes):
        failures.append(f"nodes exited {exit_codes} on SIGTERM")
    print(f"{executions} executions for {len(ids)} jobs; {len(duplicates)} repeated, all held by the killed worker: "
          f"{not (duplicates - held)}; new leader {new_leader}")
    report("multi-node test", failures, work)


if __name__ == "__main__":
    main()
