#!/usr/bin/env python3
"""Remote workers survive their own deaths: a real `conveyor serve` and workers speaking
the pull protocol over loopback HTTP from other processes.

1. A worker process claims a job and is killed (SIGKILL) mid-job: the job comes back when
   its lease expires, another worker's long poll takes it as attempt 2 (the killed run
   counted), and it succeeds.
2. A long poll whose connection drops before any job arrives: a job enqueued afterwards is
   not lost. If the orphaned poll took it, it comes back after the lease (at least once).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import socket
import time

sys.path.insert(0, os.path.dirname(__file__))
from cluster import Node, api, free_port, report

LEASE = 5
WORKER = """
import json, sys, time, urllib.request
port, worker = sys.argv[1], sys.argv[2]
req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/workers/{worker}/claim", method="POST",
    data=json.dumps({"queue": "remote", "limit": 1, "wait_seconds": 20}).encode(),
    headers={"content-type": "application/json"})
jobs = json.load(urllib.request.urlopen(req, timeout=30))["jobs"]
print(json.dumps(jobs), flush=True)
time.sleep(3600)  # mid-job, until killed
"""


def register(port, name):
    status, body = api(port, "POST", "/v1/workers", {
        "name": name, "queues": {"remote": 4}, "lease_seconds": LEASE, "sdk": "process-test/1",
        "job_types": [{"type": "py.work"}]})
    assert status == 201, (status, body)
    return body["id"]


def enqueue(port, text):
    status, body = api(port, "POST", "/v1/jobs", {"type": "py.work", "payload": {"text": text}})
    assert status == 201, (status, body)
    return body["id"]


def claim(port, worker, wait):
    status, body = api(port, "POST", f"/v1/workers/{worker}/claim", {"queue": "remote", "limit": 1, "wait_seconds": wait})
    assert status == 200, (status, body)
    return body["jobs"]


def main():
    work = tempfile.mkdtemp(prefix="conveyor-remote-")
    port = free_port()
    server = Node("serve", os.path.join(work, "remote.sqlite"), work, "serve", port=port)
    server.wait_ready()
    failures = []

    # 1. A worker killed mid-job.
    first = register(port, "doomed")
    job = enqueue(port, "survive me")
    child = subprocess.Popen([sys.executable, "-c", WORKER, str(port), first], stdout=subprocess.PIPE, text=True)
    claimed = json.loads(child.stdout.readline())
    if [j["id"] for j in claimed] != [job]:
        failures.append(f"the doomed worker claimed {claimed}, expected job {job}")
    child.send_signal(signal.SIGKILL)
    child.wait()
    killed_at = time.monotonic()
    rescuer = register(port, "rescuer")
    again = claim(port, rescuer, 20)
    waited = time.monotonic() - killed_at
    print(f"after the kill the job came back in {waited:.1f}s: {[(j['id'], j['attempt']) for j in again]}")
    if [j["id"] for j in again] != [job] or again[0]["attempt"] != 2:
        failures.append(f"expected job {job} back as attempt 2, got {again}")
    else:
        status, body = api(port, "POST", f"/v1/jobs/{job}/complete", {"lease": again[0]["lease"]["token"], "result": "ok"})
        if status != 200:
            failures.append(f"completing the rescued job answered {status} {body}")
        status, body = api(port, "GET", f"/v1/jobs/{job}")
        if body.get("state") != "succeeded" or body.get("attempt") != 2:
            failures.append(f"the rescued job ended {body.get('state')} at attempt {body.get('attempt')}")
    status, body = api(port, "GET", f"/v1/workers/{first}")
    print(f"the killed worker is listed as {body.get('status')}")

    # 2. A long poll whose connection drops.
    dropper = register(port, "dropper")
    s = socket.create_connection(("127.0.0.1", port))
    body = json.dumps({"queue": "remote", "limit": 1, "wait_seconds": 20}).encode()
    s.sendall(f"POST /v1/workers/{dropper}/claim HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    time.sleep(0.5)
    s.close()
    lost = enqueue(port, "do not lose me")
    got = claim(port, rescuer, 20) or claim(port, rescuer, 20)
    print(f"the job enqueued after the drop was claimed as attempt {got[0]['attempt'] if got else None}")
    if [j["id"] for j in got] != [lost]:
        failures.append(f"the job enqueued after a dropped long poll was not claimed again: {got}")
    else:
        api(port, "POST", f"/v1/jobs/{lost}/complete", {"lease": got[0]["lease"]["token"]})

    server.stop()
    report("remote worker", failures, work)


if __name__ == "__main__":
    main()
