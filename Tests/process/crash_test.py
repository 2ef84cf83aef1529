#!/usr/bin/env python3
"""Crash test: kill -9 `conveyor serve` mid-run and prove no job is lost.

1. Start a loopback HTTP receiver that records every delivery (by x-conveyor-job-id).
2. Start `conveyor serve` on a fresh SQLite file; enqueue 2,000 `http` jobs at the receiver.
3. SIGKILL the server once part of the work is done; note the jobs the file shows running.
4. Restart the server on the same file and wait for the queue to drain.
5. Assert: every job succeeded, the receiver saw every job, and only jobs that were in
   flight at the kill were delivered more than once.
"""
import os
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from cluster import Node, Recorder, counts, enqueue_http, free_port, missing_deliveries, report, wait_for_deliveries, wait_for_succeeded

JOBS = 2000


def main():
    work = tempfile.mkdtemp(prefix="conveyor-crash-")
    db = os.path.join(work, "crash.sqlite")
    recorder = Recorder(work_seconds=0.002)
    port = free_port()
    server = Node("serve", db, work, "serve", port=port)
    server.wait_ready()
    ids = enqueue_http(port, recorder.url, JOBS, batch=500)

    wait_for_deliveries(recorder, JOBS // 4)
    server.kill()
    seen_at_kill = recorder.deliveries()
    conn = sqlite3.connect(db)
    in_flight = {row[0] for row in conn.execute("SELECT id FROM jobs WHERE state = 'running'")}
    states = dict(conn.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())
    conn.close()
    print(f"killed after {seen_at_kill} deliveries; states at kill: {states}; in flight: {len(in_flight)}")
    if seen_at_kill >= JOBS:
        raise SystemExit("the kill came after all work was done; the test proves nothing")

    server = Node("serve", db, work, "serve-again", port=port)
    server.wait_ready()
    done = wait_for_succeeded(port, JOBS, timeout=180)
    final = counts(port)
    code = server.stop()
    recorder.stop()

    failures = []
    if not done:
        failures.append(f"not every job succeeded: {final}")
    failures.append(missing_deliveries(ids, recorder))
    duplicates = {i for i, runs in recorder.spans.items() if len(runs) > 1}
    if duplicates - in_flight:
        failures.append(f"{len(duplicates - in_flight)} jobs ran twice without being in flight at the kill")
    if code != 0:
        failures.append(f"conveyor serve exited {code} after SIGTERM")
    print(f"delivered {recorder.deliveries()} times for {JOBS} jobs; {len(duplicates)} duplicates, "
          f"all in flight at the kill: {not (duplicates - in_flight)}")
    report("crash test", failures, work)


if __name__ == "__main__":
    main()
