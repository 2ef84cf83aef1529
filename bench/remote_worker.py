#!/usr/bin/env python3
"""Remote workers' throughput and pickup latency, over loopback HTTP from another process.

Starts `conveyor serve` on a fresh SQLite file (or --database, e.g. a postgres:// URL),
declares a job type on a queue no in-process pool serves, queues N jobs, then drains them
with T worker threads speaking the pull protocol: each claims up to --claim jobs, then
reports them all in one `POST /v1/workers/{id}/outcomes`. Then it measures pickup: a
worker waits in a long poll while single jobs are enqueued, and the time from the enqueue
call to the claim's answer is recorded.

Usage: bench/remote_worker.py [--jobs N] [--threads T] [--claim C] [--samples S] [--database URL]
Environment: CONVEYOR_BIN (default .build/release/conveyor, else .build/debug/conveyor).
Issue 15's goals on the 2-core machine, SQLite: >= 10,000 jobs/s processed; pickup p50 <= 5 ms.
"""
import argparse, http.client, json, os, socket, statistics, subprocess, sys, tempfile, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("--jobs", type=int, default=20000)
parser.add_argument("--threads", type=int, default=4)
parser.add_argument("--claim", type=int, default=50)
parser.add_argument("--samples", type=int, default=100)
parser.add_argument("--database")
args = parser.parse_args()
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.environ.get("CONVEYOR_BIN") or next(
    p for p in (os.path.join(root, ".build", m, "conveyor") for m in ("release", "debug")) if os.path.exists(p))


class API:
    """One keep-alive connection, as an SDK's worker keeps."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body=None):
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None,
                          headers={"content-type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data) if data else None


def main():
    work = tempfile.mkdtemp(prefix="conveyor-remote-bench-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    database = args.database or os.path.join(work, "bench.sqlite")
    log = open(os.path.join(work, "serve.log"), "w")
    server = subprocess.Popen([binary, "serve", "--database", database, "--port", str(port), "--log-level", "warning"],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                if API(port).call("GET", "/readyz") is not None:
                    break
            except (ConnectionError, OSError, SystemExit):
                time.sleep(0.1)
        run(port)
    finally:
        server.terminate()
        server.wait()


def run(port):
    api = API(port)
    api.call("PUT", "/v1/job-types/bench.remote", {"queue": "remote"})
    queues = {"remote": args.claim * 2}
    workers = [api.call("POST", "/v1/workers", {"name": f"bench-{i}", "queues": queues, "sdk": "bench/1"})["id"]
               for i in range(args.threads)]
    start = time.perf_counter()
    for offset in range(0, args.jobs, 1000):
        api.call("POST", "/v1/jobs", {"jobs": [{"type": "bench.remote", "payload": {"i": offset + i}}
                                               for i in range(min(1000, args.jobs - offset))]})
    enqueued = time.perf_counter() - start
    print(f"machine: {os.cpu_count()} cores; server: {binary}; store: {'sqlite' if not args.database else args.database.split(':')[0]}")
    print(f"enqueue:   {args.jobs / enqueued:8.0f} jobs/s  ({args.jobs} jobs in batches of 1000)")

    done = [0]
    lock = threading.Lock()

    def drain(worker):
        conn = API(port)
        while True:
            jobs = conn.call("POST", f"/v1/workers/{worker}/claim", {"queue": "remote", "limit": args.claim, "wait_seconds": 0.2})["jobs"]
            if not jobs:
                return
            results = conn.call("POST", f"/v1/workers/{worker}/outcomes", {"outcomes": [
                {"job_id": j["id"], "lease": j["lease"]["token"], "outcome": "complete"} for j in jobs]})["results"]
            with lock:
                done[0] += sum(r["status"] == "applied" for r in results)

    start = time.perf_counter()
    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    print(f"processed: {done[0] / elapsed:8.0f} jobs/s  ({done[0]} jobs in {elapsed:.2f} s; {args.threads} workers, claims of {args.claim}, batched outcomes)")

    waiter = API(port)
    latencies = []
    for _ in range(args.samples):
        result = {}

        def poll():
            jobs = waiter.call("POST", f"/v1/workers/{workers[0]}/claim", {"queue": "remote", "limit": 1, "wait_seconds": 10})["jobs"]
            result["at"] = time.perf_counter()
            result["jobs"] = jobs

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.02)  # the poll is waiting
        sent = time.perf_counter()
        api.call("POST", "/v1/jobs", {"type": "bench.remote", "payload": {}})
        t.join()
        latencies.append((result["at"] - sent) * 1000)
        job = result["jobs"][0]
        api.call("POST", f"/v1/jobs/{job['id']}/complete", {"lease": job["lease"]["token"]})
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"pickup:    p50 {statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms  ({args.samples} samples, enqueue call to claim answer, long poll)")


if __name__ == "__main__":
    main()
