#!/usr/bin/env python3
"""Restart PostgreSQL under a running cluster: nothing is lost, and the nodes recover
by themselves (their loops log, back off and retry; /readyz reports not ready meanwhile).
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from cluster import (Node, Recorder, api, counts, enqueue_http, fresh_database, free_port, missing_deliveries, report,
                     wait_for_deliveries, wait_for_succeeded)

JOBS = 3000


def pg_ctl(*args):
    binary = os.path.join(os.environ["CONVEYOR_TEST_POSTGRES_BIN"], "pg_ctl")
    command = [binary, "-D", os.environ["CONVEYOR_TEST_POSTGRES_DATA"], *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--"] + command
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def main():
    if not os.environ.get("CONVEYOR_TEST_POSTGRES_DATA"):
        report("restart test", ["CONVEYOR_TEST_POSTGRES_DATA is not set: run it through scripts/with-postgres.sh"], "-")
    work = tempfile.mkdtemp(prefix="conveyor-restart-")
    database = fresh_database()
    recorder = Recorder()
    port = free_port()
    server = Node("serve", database, work, "serve", port=port, lease=5)
    server.wait_ready()
    workers = [Node("worker", database, work, f"worker{i}", lease=5) for i in range(2)]
    ids = enqueue_http(port, recorder.url, JOBS)

    wait_for_deliveries(recorder, JOBS // 3)
    pg_ctl("restart", "-m", "fast", "-w")
    print(f"restarted PostgreSQL after {recorder.deliveries()} deliveries")

    failures = []
    if not wait_for_succeeded(port, JOBS):
        failures.append(f"not every job succeeded after the restart: {counts(port)}")
    status = api(port, "GET", "/readyz")[0]
    if status != 200:
        failures.append(f"/readyz is {status} after recovery")
    failures.append(missing_deliveries(ids, recorder))
    crashed = [n.name for n in workers + [server] if n.proc.poll() is not None]
    if crashed:
        failures.append(f"nodes exited during the restart: {crashed}")
    codes = [n.stop() for n in workers + [server]]
    if any(code != 0 for code in codes):
        failures.append(f"nodes exited {codes} on SIGTERM")
    recorder.stop()
    print(f"{recorder.deliveries()} executions for {JOBS} jobs across a PostgreSQL restart")
    report("restart test", failures, work)


if __name__ == "__main__":
    main()
