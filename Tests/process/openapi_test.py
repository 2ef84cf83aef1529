#!/usr/bin/env python3
"""Checks openapi/conveyor.json against the real server.

1. The document is valid OpenAPI 3.1 (openapi-spec-validator).
2. `conveyor serve` on a loopback port with a fresh SQLite file serves it byte for byte
   at GET /openapi.json.
3. schemathesis runs over every operation, once in dev mode and once with `--auth on`
   and an admin API key: no 5xx, every response's status, content type, headers and body
   as the document says, and invalid input refused with a 4xx.

The server runs no worker on the queues the generated jobs land in and sends no
webhooks, so nothing generated ever leaves the machine: all traffic is to loopback.
schemathesis is installed with pip when missing. Bounded to about a minute per mode.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from cluster import free_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCUMENT = os.path.join(ROOT, "openapi", "conveyor.json")
BIN = os.path.abspath(os.environ.get("CONVEYOR_BIN", os.path.join(ROOT, ".build", "debug", "conveyor")))
# Generated jobs go to `default` or random queues; the one worker pool is on a queue no
# test case names, so no generated `http` job is ever sent.
IDLE_QUEUE = "openapi-test-idle-pool"
# Cases per operation and phase; 80 operations, two modes, two cores. One schemathesis
# worker: generation is CPU-bound anyway, and two threads tripped Hypothesis's lambda
# cache into a spurious "flaky" error.
MAX_EXAMPLES = int(os.environ.get("CONVEYOR_OPENAPI_EXAMPLES", "8"))
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance", "negative_data_rejection", "missing_required_header", "unsupported_method",
])
# With auth on, a request without the key (or with a broken one) must be refused. Dev
# mode accepts anything by design.
AUTH_CHECKS = CHECKS + ",ignored_auth"


def ensure_tools():
    missing = []
    for module, package in [("schemathesis", "schemathesis"), ("openapi_spec_validator", "openapi-spec-validator")]:
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def validate_document():
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    spec, _ = read_from_filename(DOCUMENT)
    validate(spec)
    assert spec["openapi"].startswith("3.1"), spec["openapi"]
    print(f"openapi_test: {DOCUMENT} is valid OpenAPI {spec['openapi']}")


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.status, response.headers.get("content-type"), response.read()


class Server:
    def __init__(self, work, name, auth):
        self.port = free_port()
        self.database = os.path.join(work, f"{name}.sqlite")
        self.log_path = os.path.join(work, f"{name}.log")
        self.key = None
        if auth:
            # Made directly in the database before the server starts, as an operator would.
            made = subprocess.run(
                [BIN, "admin", "create-key", "--name", "openapi-test", "--tenant", "default", "--scope", "admin",
                 "--database", self.database], capture_output=True, text=True, check=True)
            self.key = made.stdout.strip().split()[-1]
            assert self.key.startswith("cvk_"), made.stdout
        args = [BIN, "serve", "--database", self.database, "--host", "127.0.0.1", "--port", str(self.port),
                "--queue", f"{IDLE_QUEUE}=1", "--no-webhooks", "--auth", "on" if auth else "off"]
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log, cwd=work)
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(self.port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"FAIL: conveyor serve did not start; see {self.log_path}")
            time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# With auth on, these could revoke or expire the key the run authenticates with (ids are
# learnt from earlier answers), so they run in a second pass, after everything else.
KEY_KILLERS = ["updateAPIKey", "revokeAPIKey"]  # PATCH and DELETE /v1/api-keys/{id}


def run_schemathesis(server, name, work):
    """Every operation, in one pass (dev mode) or two (auth: the key's own killers last)."""
    passes = [("", [])]
    if server.key:
        passes = [("", [f"--exclude-operation-id={killer}" for killer in KEY_KILLERS]),
                  ("-keys", [f"--include-operation-id={killer}" for killer in KEY_KILLERS])]
    # A live event stream stays open until the client leaves, so each case would wait out
    # the request timeout: the stream replays the log and ends instead (`live=false`).
    # schemathesis reuses ids from earlier answers. A claim on a worker it registered may
    # long-poll an empty queue for up to 30 s, and a batch of outcomes answers malformed
    # items `invalid` in its 200 rather than refusing the batch (docs/workers.md): these
    # two get generated worker ids (a 404 at once); Swift tests cover the real protocol.
    config = os.path.join(work, "schemathesis.toml")
    unreused = "".join(
        f'\n[[operations]]\ninclude-operation-id = "{operation}"\n'
        + "".join(f"phases.{phase}.extra-data-sources.responses = false\n" for phase in ["examples", "coverage", "fuzzing"])
        for operation in ["claimJobs", "reportOutcomes"])
    with open(config, "w") as f:
        f.write('[[operations]]\ninclude-operation-id = "streamEvents"\nparameters = { "query.live" = false }\n' + unreused)
    ok = True
    for suffix, selection in passes:
        # Both send the documented examples. Dev mode runs the systematic coverage phase (boundaries, each invalid field, each
        # missing method) and fuzzes; the auth pass fuzzes with the key and checks that a
        # request without it is refused.
        phases = "examples,coverage,fuzzing" if not server.key else "examples,fuzzing"
        command = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", config, "run", DOCUMENT, "--url", f"http://127.0.0.1:{server.port}",
            "--checks", AUTH_CHECKS if server.key else CHECKS, "--max-examples", str(MAX_EXAMPLES),
            "--phases", phases, "--seed", os.environ.get("CONVEYOR_OPENAPI_SEED", "15"), "--workers", "1",
            "--request-timeout", "10", "--no-shrink", "--suppress-health-check", "all", "--report", "junit",
            "--report-junit-path", os.path.join(work, f"{name}{suffix}-junit.xml"), "--output-truncate", "true",
            *selection,
        ]
        if server.key:
            command += ["--header", f"Authorization: Bearer {server.key}"]
        started = time.monotonic()
        result = subprocess.run(command, cwd=work, env={**os.environ, "NO_COLOR": "1"})
        print(f"openapi_test: schemathesis ({name}{suffix}) took {time.monotonic() - started:.0f} s")
        ok = ok and result.returncode == 0
    return ok


def main():
    ensure_tools()
    validate_document()
    with open(DOCUMENT, "rb") as f:
        document = f.read()
    work = tempfile.mkdtemp(prefix="conveyor-openapi-")
    failures = []
    for name, auth in [("dev", False), ("auth", True)]:
        server = Server(work, name, auth)
        try:
            status, content_type, body = get(server.port, "/openapi.json")
            if status != 200 or content_type != "application/json" or body != document:
                failures.append(f"{name}: GET /openapi.json is not openapi/conveyor.json byte for byte")
            if not run_schemathesis(server, name, work):
                failures.append(f"{name}: schemathesis found failures (above; JUnit report in {work})")
        finally:
            server.stop()
        with open(server.log_path) as f:
            log = f.read()
        if "request failed" in log:
            failures.append(f"{name}: the server logged unexpected errors; see {server.log_path}")
    if failures:
        print("FAIL: openapi_test\n  " + "\n  ".join(failures))
        print(f"work directory kept: {work}")
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    print("PASS: openapi_test")


if __name__ == "__main__":
    main()
