#!/usr/bin/env python3
"""Per-key and queue caps hold across processes on PostgreSQL.

1. Three `conveyor worker` processes and one `conveyor serve` (20 slots each) on one
   fresh database; the queue is capped at 20 running jobs and 3 per concurrency key.
2. 480 `http` jobs over 8 keys at a loopback receiver that records a table of running
   spans: (key, start, end) for every delivery.
3. Assert: every job succeeded; at no instant did the receiver see more than 3
   deliveries of one key or more than 20 in all; and the caps were reached, so the
   test could have seen a breach.
"""
import collections
import http.server
import os
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from cluster import Node, api, enqueue_http, fresh_database, free_port, report, wait_for_succeeded

KEYS = 8
PER_KEY = 60
KEY_CAP = 3
QUEUE_CAP = 20
WORK_SECONDS = 0.08


class SpanTable:
    """A receiver that records (key, start, end) for each delivery."""

    def __init__(self):
        self.lock = threading.Lock()
        self.spans = []
        table = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                start = time.monotonic()
                self.rfile.read(int(self.headers.get("content-length", 0)))
                key = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)["key"][0]
                time.sleep(WORK_SECONDS)
                with table.lock:
                    table.spans.append((key, start, time.monotonic()))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/work"


def peak(spans):
    """The most spans open at one instant (an end before a start at the same time)."""
    edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda x: (x[0], x[1]))
    level = best = 0
    for _, step in edges:
        level += step
        best = max(best, level)
    return best


def main():
    if not os.environ.get("CONVEYOR_TEST_POSTGRES_URL"):
        report("key caps test", ["CONVEYOR_TEST_POSTGRES_URL is not set: run it through scripts/with-postgres.sh"], "-")
    work = tempfile.mkdtemp(prefix="conveyor-keycaps-")
    database = fresh_database()
    table = SpanTable()
    port = free_port()
    server = Node("serve", database, work, "serve", port=port)
    server.wait_ready()
    status, _ = api(port, "PATCH", "/v1/queues/default",
                    {"concurrency_limit": QUEUE_CAP, "key_concurrency_limit": KEY_CAP})
    assert status == 200, status
    workers = [Node("worker", database, work, f"worker{i}") for i in range(3)]

    total = 0
    for k in range(KEYS):
        key = f"org-{k}"
        enqueue_http(port, f"{table.base}?key={key}", PER_KEY, batch=PER_KEY, concurrency_key=key)
        total += PER_KEY
    done = wait_for_succeeded(port, total)
    exit_codes = [n.stop() for n in workers + [server]]
    table.server.shutdown()

    failures = []
    if not done:
        failures.append("not every job succeeded")
    by_key = collections.defaultdict(list)
    for key, start, end in table.spans:
        by_key[key].append((start, end))
    key_peaks = {key: peak(spans) for key, spans in by_key.items()}
    queue_peak = peak([(s, e) for _, s, e in table.spans])
    if len(table.spans) != total:
        failures.append(f"{len(table.spans)} deliveries for {total} jobs")
    over = {k: p for k, p in key_peaks.items() if p > KEY_CAP}
    if over:
        failures.append(f"keys ran above their cap of {KEY_CAP}: {over}")
    if queue_peak > QUEUE_CAP:
        failures.append(f"the queue ran {queue_peak} jobs at once, above its cap of {QUEUE_CAP}")
    if max(key_peaks.values(), default=0) < KEY_CAP:
        failures.append(f"no key reached its cap ({key_peaks}): the test could not have seen a breach")
    if any(code != 0 for code in exit_codes):
        failures.append(f"nodes exited {exit_codes} on SIGTERM")
    print(f"{len(table.spans)} deliveries; peak per key {sorted(key_peaks.values())} (cap {KEY_CAP}); "
          f"peak in the queue {queue_peak} (cap {QUEUE_CAP}) across 4 processes")
    report("key caps test", failures, work)


if __name__ == "__main__":
    main()
