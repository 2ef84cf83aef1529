"""Helpers for the process-level tests: a recording HTTP receiver, `conveyor`
processes, the API, and psql against the test cluster."""
import collections
import http.server
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
import sys
import uuid

BIN = os.environ.get("CONVEYOR_BIN", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "conveyor"))
PG_URL = os.environ.get("CONVEYOR_TEST_POSTGRES_URL")


class Recorder:
    """A loopback HTTP receiver that records each delivery: (job id, start, end)."""

    def __init__(self, work_seconds=0.003):
        self.lock = threading.Lock()
        self.spans = collections.defaultdict(list)
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                start = time.monotonic()
                self.rfile.read(int(self.headers.get("content-length", 0)))
                time.sleep(work_seconds)
                end = time.monotonic()
                with recorder.lock:
                    recorder.spans[self.headers.get("x-conveyor-job-id")].append((start, end))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a killed worker drops its connections; that is the point of the test

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/work"

    def deliveries(self):
        with self.lock:
            return sum(len(v) for v in self.spans.values())

    def stop(self):
        self.server.shutdown()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql, url=None):
    out = subprocess.run(["psql", url or PG_URL, "-tAq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True)
    return [line.split("|") for line in out.stdout.strip().splitlines() if line]


def fresh_database():
    name = "conveyor_mn_" + uuid.uuid4().hex[:10]
    psql(f"CREATE DATABASE {name}")
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def api(port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.loads(resp.read() or b"null")


class Node:
    """One `conveyor serve` or `conveyor worker` process."""

    def __init__(self, kind, database, log_dir, name, lease=2, port=None, extra=()):
        self.kind, self.name, self.port = kind, name, port
        args = [BIN, kind, "--database", database, "--queue", "default=20", "--lease-seconds", str(lease),
                "--log-level", os.environ.get("CONVEYOR_TEST_LOG_LEVEL", "warning"), *extra]
        if port:
            args += ["--port", str(port)]
        # The receivers listen on loopback, which http jobs may call only when allowed
        # (a `serve` in dev mode allows it by itself; a `worker` has no dev mode).
        args += ["--http-allow-host", "127.0.0.1"]
        self.log = open(os.path.join(log_dir, f"{name}.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def pid(self):
        return self.proc.pid

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if api(self.port, "GET", "/readyz")[0] == 200:
                    return
            except Exception:
                time.sleep(0.1)
        raise SystemExit(f"{self.name} did not become ready")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=60):
        """SIGTERM, then the exit code; "hung" (and a SIGKILL) if it does not exit in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return "hung"
        return self.proc.returncode


def enqueue_http(port, target, count, batch=1000, **extra):
    ids = []
    for start in range(0, count, batch):
        jobs = [dict({"type": "http", "payload": {"url": target, "body": {"n": n}}}, **extra)
                for n in range(start, min(count, start + batch))]
        status, body = api(port, "POST", "/v1/jobs", {"jobs": jobs})
        assert status == 201, status
        ids += [job["id"] for job in body["jobs"]]
    return ids


def counts(port):
    _, body = api(port, "GET", "/v1/queues")
    return next((q["counts"] for q in body["queues"] if q["queue"] == "default"), {})


def wait_for_succeeded(port, n, timeout=240):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if counts(port).get("succeeded") == n:
                return True
        except Exception:
            pass
        time.sleep(0.25)
    return False


def wait_for_deliveries(recorder, n, timeout=240):
    """Waits until the receiver has seen `n` deliveries. The timeout is a hang guard, not
    a speed test: a stalled cluster fails here instead of looping forever."""
    deadline = time.time() + timeout
    while recorder.deliveries() < n:
        if time.time() > deadline:
            raise SystemExit(f"only {recorder.deliveries()} of {n} deliveries after {timeout} s: the cluster stalled")
        time.sleep(0.005)


def overlapping(spans):
    """Jobs with two deliveries that overlapped in time."""
    bad = []
    for job, runs in spans.items():
        runs = sorted(runs)
        if any(b[0] < a[1] for a, b in zip(runs, runs[1:])):
            bad.append(job)
    return bad


def missing_deliveries(ids, recorder):
    """A failure line for jobs the receiver never saw, or None."""
    missing = [i for i in ids if not recorder.spans.get(i)]
    return f"{len(missing)} jobs never reached the receiver, e.g. {missing[:3]}" if missing else None


def report(name, failures, work):
    """Prints the verdict with a closing line CI reads, and exits non-zero on failure."""
    failures = [f for f in failures if f]
    if failures:
        print(f"{name} FAILED:\n  " + "\n  ".join(failures) + f"\n  logs: {work}")
        print(f"{name}: 0 passed, 1 failed")
        sys.exit(1)
    print(f"{name}: 1 passed, 0 failed")
