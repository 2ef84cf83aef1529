#!/usr/bin/env python3
"""Runs Examples/EmbeddedServer as a user would, so the example cannot rot.

Starts `conveyor-example` in a fresh directory, waits until it answers, then checks what
its comments promise: the job it enqueues at start succeeds, its workflow `onboarding`
runs both steps in order, a job posted with the curl line from its header succeeds, and a
bad payload is a 422 naming the field. SIGTERM then stops it cleanly (exit status 0).
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error

sys.path.insert(0, os.path.dirname(__file__))
from cluster import api, free_port

EXAMPLE = os.environ.get(
    "CONVEYOR_EXAMPLE_BIN",
    os.path.join(os.path.dirname(os.environ.get("CONVEYOR_BIN", ".build/debug/conveyor")), "conveyor-example"))


def wait_until(what, condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"FAIL: timed out waiting for {what}")


def main():
    work = tempfile.mkdtemp(prefix="conveyor-example-")
    port = free_port()
    log = open(os.path.join(work, "example.log"), "w")
    proc = subprocess.Popen([EXAMPLE], cwd=work, env={**os.environ, "PORT": str(port)}, stdout=log, stderr=log)
    try:
        wait_until("the example to answer", lambda: api(port, "GET", "/healthz")[0] == 200)

        def jobs(state):
            return api(port, "GET", f"/v1/jobs?type=send_welcome_email&state={state}")[1]["jobs"]

        # The job and the two workflow steps it enqueues at start.
        wait_until("the start-up jobs to succeed", lambda: len(jobs("succeeded")) == 3)
        workflows = api(port, "GET", "/v1/workflows")[1]["workflows"]
        assert [w["name"] for w in workflows] == ["onboarding"], workflows
        flow = wait_until("the workflow to complete", lambda: (
            lambda f: f if f["state"] == "completed" else None)(api(port, "GET", f"/v1/workflows/{workflows[0]['id']}")[1]))
        steps = {step["key"]: step for step in flow["step_details"]}
        assert steps["welcome"]["state"] == "succeeded" and steps["follow_up"]["state"] == "succeeded", steps
        assert steps["follow_up"]["started_at"] >= steps["welcome"]["finished_at"], steps

        # The curl line from the example's header.
        status, job = api(port, "POST", "/v1/jobs",
                          {"type": "send_welcome_email", "payload": {"to": "ada@example.com", "name": "Ada"}})
        assert status == 201, (status, job)
        wait_until("the posted job to succeed",
                   lambda: api(port, "GET", f"/v1/jobs/{job['id']}")[1]["state"] == "succeeded")
        assert job["queue"] == "emails", job

        # A payload the typed handler cannot decode is refused at enqueue.
        try:
            api(port, "POST", "/v1/jobs", {"type": "send_welcome_email", "payload": {"to": 7}})
            raise SystemExit("FAIL: a bad payload was accepted")
        except urllib.error.HTTPError as error:
            assert error.code == 422, error.code
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise SystemExit("FAIL: the example did not stop within 60 s of SIGTERM")
        log.close()
    if code != 0:
        print(open(os.path.join(work, "example.log")).read()[-3000:])
        raise SystemExit(f"FAIL: the example exited with status {code}")
    print("example test: PASS (start-up job succeeded and workflow completed, posted job succeeded, bad payload refused, clean stop)")


if __name__ == "__main__":
    main()
