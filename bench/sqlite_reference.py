#!/usr/bin/env python3
"""SQLite's own limits on this machine, the references `bench/compare.sh` sets conveyor's figures beside.

Python's sqlite3 on a temporary file, WAL, synchronous=NORMAL (as conveyor opens its SQLite store).
Every figure writes into a table shaped like a job queue, with the claim index, so a row costs what a
job row costs. Prints `key=value` lines for compare.sh:

  sqlite_single_commits  single-row inserts, one transaction each, per second
  sqlite_batch_rows      rows per second inserted in 1,000-row batches, one transaction per batch
  sqlite_job_cycles      one-transaction job cycles per second: insert a job, claim the best queued
                         job (UPDATE ... WHERE id = (SELECT ... ORDER BY priority DESC, run_at LIMIT 1)
                         RETURNING id), mark it succeeded, commit

Python standard library only.
"""

import argparse
import os
import sqlite3
import tempfile
import time

SCHEMA = """
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    state TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    payload TEXT NOT NULL,
    run_at REAL NOT NULL,
    lease_owner TEXT,
    lease_expires_at REAL
);
CREATE INDEX jobs_claim ON jobs (queue, state, priority, run_at);
"""

INSERT = "INSERT INTO jobs (id, queue, state, priority, payload, run_at) VALUES (?, 'default', 'queued', 0, '{}', ?)"

CLAIM = """
UPDATE jobs SET state = 'running', lease_owner = 'bench', lease_expires_at = ?
WHERE id = (
    SELECT id FROM jobs
    WHERE queue = 'default' AND state = 'queued' AND run_at <= ?
    ORDER BY priority DESC, run_at
    LIMIT 1
)
RETURNING id
"""

DONE = "UPDATE jobs SET state = 'succeeded', lease_owner = NULL, lease_expires_at = NULL WHERE id = ?"


def connect(path):
    # isolation_level=None: the module opens no transactions of its own; every BEGIN is ours.
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    return db


def job_ids(prefix):
    # Time-ordered text ids, like conveyor's: inserts append to the primary key's b-tree.
    n = 0
    while True:
        n += 1
        yield f"{prefix}{n:016d}"


def single_commits(db, rows):
    ids = job_ids("s")
    start = time.perf_counter()
    for _ in range(rows):
        db.execute("BEGIN")
        db.execute(INSERT, (next(ids), time.time()))
        db.execute("COMMIT")
    return rows / (time.perf_counter() - start)


def batch_rows(db, rows, batch):
    ids = job_ids("b")
    start = time.perf_counter()
    done = 0
    while done < rows:
        n = min(batch, rows - done)
        now = time.time()
        db.execute("BEGIN")
        db.executemany(INSERT, ((next(ids), now) for _ in range(n)))
        db.execute("COMMIT")
        done += n
    return rows / (time.perf_counter() - start)


def job_cycles(db, cycles):
    ids = job_ids("c")
    start = time.perf_counter()
    for _ in range(cycles):
        now = time.time()
        db.execute("BEGIN")
        db.execute(INSERT, (next(ids), now))
        claimed = db.execute(CLAIM, (now + 30, now)).fetchone()
        if claimed is None:
            raise RuntimeError("the claim found no queued job right after inserting one")
        db.execute(DONE, claimed)
        db.execute("COMMIT")
    return cycles / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--single", type=int, default=20_000, help="single-row commits (default 20,000)")
    parser.add_argument("--rows", type=int, default=200_000, help="rows inserted in batches (default 200,000)")
    parser.add_argument("--batch", type=int, default=1_000, help="rows per batch transaction (default 1,000)")
    parser.add_argument("--cycles", type=int, default=20_000, help="job cycles (default 20,000)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="conveyor-sqlite-ref.") as directory:
        # A fresh file per figure, so one measurement's table size does not weigh on the next.
        for key, run in [
            ("sqlite_single_commits", lambda db: single_commits(db, args.single)),
            ("sqlite_batch_rows", lambda db: batch_rows(db, args.rows, args.batch)),
            ("sqlite_job_cycles", lambda db: job_cycles(db, args.cycles)),
        ]:
            db = connect(os.path.join(directory, f"{key}.sqlite"))
            try:
                print(f"{key}={run(db):.0f}", flush=True)
            finally:
                db.close()


if __name__ == "__main__":
    main()
