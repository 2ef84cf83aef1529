#!/usr/bin/env python3
"""Crash test: kill -9 `conveyor serve` mid-run and prove no job is lost.

1. Start a loopback HTTP receiver that records every delivery (by x-conveyor-job-id).
2. Start `conveyor serve` on a fresh SQLite file; enqueue 2,000 `http` jobs at the receiver.
3. SIGKILL the server once part of the work is done; note the jobs the file shows running.
4. Restart the server on the same file and wait for the queue to drain.
5. Assert: every job succeeded, the receiver saw every job, and only jobs that were in
   flight at the kill were delivered more than once.
"""
import collections
import http.server
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

JOBS = 2000
BIN = os.environ.get("CONVEYOR_BIN", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "conveyor"))
deliveries = collections.Counter()
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        job_id = self.headers.get("x-conveyor-job-id")
        time.sleep(0.002)  # a little work, so the kill lands mid-run
        with lock:
            deliveries[job_id] += 1
        reply = b'{"ok":true}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.loads(resp.read() or b"null")


def start_server(db, port, log):
    proc = subprocess.Popen(
        [BIN, "serve", "--database", db, "--port", str(port), "--queue", "default=20", "--lease-seconds", "2",
         "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"conveyor serve exited with {proc.returncode}; see {log.name}")
        try:
            if api(port, "GET", "/readyz")[0] == 200:
                return proc
        except Exception:
            time.sleep(0.1)
    raise SystemExit("conveyor serve did not become ready")


def counts(port):
    _, body = api(port, "GET", "/v1/queues")
    return next((q["counts"] for q in body["queues"] if q["queue"] == "default"), {})


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the killed server drops its connections; that is the point of the test


def main():
    receiver = QuietServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{receiver.server_address[1]}/hook"

    work = tempfile.mkdtemp(prefix="conveyor-crash-")
    db = os.path.join(work, "crash.sqlite")
    log = open(os.path.join(work, "server.log"), "w")
    port = free_port()
    server = start_server(db, port, log)

    ids = []
    for start in range(0, JOBS, 500):
        batch = [{"type": "http", "payload": {"url": target, "body": {"n": n}}} for n in range(start, start + 500)]
        status, body = api(port, "POST", "/v1/jobs", {"jobs": batch})
        assert status == 201, status
        ids += [job["id"] for job in body["jobs"]]

    while sum(deliveries.values()) < JOBS // 4:
        time.sleep(0.005)
    server.send_signal(signal.SIGKILL)
    server.wait()
    seen_at_kill = sum(deliveries.values())

    conn = sqlite3.connect(db)
    in_flight = {row[0] for row in conn.execute("SELECT id FROM jobs WHERE state = 'running'")}
    states = dict(conn.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())
    conn.close()
    print(f"killed after {seen_at_kill} deliveries; states at kill: {states}; in flight: {len(in_flight)}")
    if seen_at_kill >= JOBS:
        raise SystemExit("the kill came after all work was done; the test proves nothing")

    server = start_server(db, port, log)
    deadline = time.time() + 180
    while time.time() < deadline:
        c = counts(port)
        if c.get("succeeded") == JOBS:
            break
        time.sleep(0.2)
    final = counts(port)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    receiver.shutdown()

    failures = []
    if final.get("succeeded") != JOBS:
        failures.append(f"not every job succeeded: {final}")
    missing = [i for i in ids if deliveries[i] == 0]
    if missing:
        failures.append(f"{len(missing)} jobs never reached the receiver, e.g. {missing[:3]}")
    duplicates = {i for i, n in deliveries.items() if n > 1}
    unexpected = duplicates - in_flight
    if unexpected:
        failures.append(f"{len(unexpected)} jobs ran twice without being in flight at the kill, e.g. {list(unexpected)[:3]}")
    print(f"delivered {sum(deliveries.values())} times for {JOBS} jobs; {len(duplicates)} duplicates, all in flight at the kill: {not unexpected}")
    if server.returncode != 0:
        failures.append(f"conveyor serve exited {server.returncode} after SIGTERM")
    if failures:
        print("crash test FAILED:\n  " + "\n  ".join(failures) + f"\n  server log: {log.name}")
        print("crash test: 0 passed, 1 failed")
        sys.exit(1)
    print("crash test: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
