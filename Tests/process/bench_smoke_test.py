#!/usr/bin/env python3
"""`conveyor bench` works on both stores: a small run on SQLite and on a fresh PostgreSQL
database must finish and report every phase. Figures are not checked here (targets
live in benchmarks, docs/performance.md), only that the command a release is measured
with runs."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from cluster import BIN, PG_URL, fresh_database


def bench(*database):
    out = subprocess.run([BIN, "bench", "--jobs", "500", "--concurrency", "20", "--latency-samples", "5", *database],
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise SystemExit(f"FAIL: conveyor bench {' '.join(database)} exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
    for phase in ("enqueue:", "processed:", "pickup:"):
        if phase not in out.stdout:
            raise SystemExit(f"FAIL: conveyor bench printed no '{phase}' line:\n{out.stdout}")


def main():
    bench()
    # The knobs a measurement turns: several producers, more store calls in flight.
    bench("--producers", "3", "--claims-in-flight", "3")
    if PG_URL:
        bench("--database", fresh_database())
    print("bench smoke test: PASS (SQLite" + (" and PostgreSQL)" if PG_URL else ")"))


if __name__ == "__main__":
    main()
