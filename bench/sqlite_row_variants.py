#!/usr/bin/env python3
"""What the width of the jobs row and each index cost a drain, with no Swift in the way.

Builds throwaway tables through Python's sqlite3 (WAL, synchronous=NORMAL), queues N jobs
with time-ordered ids, and drains them the way a worker does: one transaction that writes
the last batch's outcomes (one fenced UPDATE each) and claims the next batch. No job events.
Prints jobs/s per variant, alternating variants over several rounds because this machine's
speed drifts. docs/performance.md ("SQLite: which part of the row costs what") quotes it;
use it to judge a schema before building it.

Variants:
  narrow       the 13 columns a claim and an outcome touch, the claim index only
  wide         all 30 columns of `jobs`, the claim index only
  wide+state   wide, plus the (state, queue, id) index
  wide+waiting wide+state, plus the partial index of scheduled and retrying jobs
  wide+counts  wide, with per-(queue, state) counters instead of the state index, written
               once per state in each transaction (what replacing that index would cost)
  narrow+events  narrow, plus the job log at its smallest: one event row per transition
               holding only the type, the job id, its state, attempt and time (a floor for
               any schema that keeps the event log on)

Usage: bench/sqlite_row_variants.py [--jobs N] [--batch B] [--rounds R]
"""
import argparse, json, os, sqlite3, statistics, tempfile, time

parser = argparse.ArgumentParser()
parser.add_argument("--jobs", type=int, default=30000)
parser.add_argument("--batch", type=int, default=100)
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()

HOT = ("id TEXT PRIMARY KEY NOT NULL, queue TEXT NOT NULL, state TEXT NOT NULL, priority INTEGER NOT NULL DEFAULT 0, "
       "run_at INTEGER NOT NULL, attempt INTEGER NOT NULL DEFAULT 0, lease_owner TEXT, lease_expires_at INTEGER, "
       "started_at INTEGER, finished_at INTEGER, cancel_requested INTEGER NOT NULL DEFAULT 0, "
       "keyed INTEGER NOT NULL DEFAULT 0, result TEXT")
COLD = (", type TEXT, payload TEXT, max_attempts INTEGER, backoff TEXT, timeout_seconds REAL, idempotency_key TEXT, "
        "tags TEXT, tenant TEXT, metadata TEXT, errors TEXT, created_at INTEGER, workflow_id TEXT, step TEXT, "
        "rerun_of TEXT, created_by TEXT, concurrency_key TEXT, unique_key TEXT")
CLAIM_INDEX = "CREATE INDEX jobs_claim ON jobs (queue, priority DESC, run_at, id) WHERE state = 'queued' AND keyed = 0"
STATE_INDEX = "CREATE INDEX jobs_state_queue ON jobs (state, queue, id)"
WAITING_INDEX = "CREATE INDEX jobs_waiting ON jobs (run_at) WHERE state IN ('scheduled', 'retrying')"
VARIANTS = {
    "narrow": (False, []),
    "wide": (True, []),
    "wide+state": (True, [STATE_INDEX]),
    "wide+waiting": (True, [STATE_INDEX, WAITING_INDEX]),
    "narrow+events": (False, [
        "CREATE TABLE events (id INTEGER PRIMARY KEY, type TEXT NOT NULL, key TEXT NOT NULL, state TEXT, "
        "attempt INTEGER, occurred_at INTEGER NOT NULL)"]),
    "wide+counts": (True, [
        "CREATE TABLE counts (queue TEXT NOT NULL, state TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (queue, state)) "
        "WITHOUT ROWID",
        "INSERT INTO counts VALUES ('q', 'queued', 0), ('q', 'running', 0), ('q', 'succeeded', 0)"]),
}
COUNT = "UPDATE counts SET n = n + ? WHERE queue = 'q' AND state = ?"
CLAIM = ("UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_owner = ?, lease_expires_at = ?, "
         "started_at = ?, cancel_requested = 0 WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_claim "
         "WHERE state = 'queued' AND queue = 'q' AND keyed = 0 ORDER BY priority DESC, run_at, id LIMIT ?) "
         "RETURNING id, attempt")
DONE = ("UPDATE jobs SET state = 'succeeded', result = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL "
        "WHERE id = ? AND attempt = ? AND lease_owner = ? AND state = 'running'")


EVENTS = ("INSERT INTO events (type, key, state, attempt, occurred_at) "
          "SELECT ?, value ->> 0, ?, value ->> 1, ? FROM json_each(?)")


def drain(wide, indexes, counts, events=False):
    with tempfile.TemporaryDirectory(prefix="conveyor-rows-") as work:
        c = sqlite3.connect(os.path.join(work, "jobs.sqlite"), isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA wal_autocheckpoint=0")  # as with SQLiteCheckpointer: not in the writer's commits
        c.execute(f"CREATE TABLE jobs ({HOT}{COLD if wide else ''}) WITHOUT ROWID")
        for statement in [CLAIM_INDEX, *indexes]:
            c.execute(statement)
        now = int(time.time() * 1000)
        ids = [f"{now:012x}"[:8] + "-" + f"{now:012x}"[8:] + f"-7000-8000-{i:012x}" for i in range(args.jobs)]
        c.execute("BEGIN")
        if wide:
            c.executemany(
                "INSERT INTO jobs (id, queue, state, run_at, type, payload, max_attempts, backoff, tags, tenant, metadata, "
                "errors, created_at, concurrency_key) VALUES (?, 'q', 'queued', ?, 'bench.noop', '{}', 3, "
                "'{\"type\":\"exponential\"}', '[]', 'default', '{}', '[]', ?, 'default')",
                [(i, now, now) for i in ids])
        else:
            c.executemany("INSERT INTO jobs (id, queue, state, run_at) VALUES (?, 'q', 'queued', ?)", [(i, now) for i in ids])
        c.execute("COMMIT")
        start, pending, done = time.perf_counter(), [], 0
        while True:
            c.execute("BEGIN IMMEDIATE")
            for job_id, attempt in pending:
                c.execute(DONE, (None, now, job_id, attempt, "worker"))
            claimed = c.execute(CLAIM, ("worker", now + 30000, now, args.batch)).fetchall()
            if events:
                c.execute(EVENTS, ("job.succeeded", "succeeded", now, json.dumps(pending)))
                c.execute(EVENTS, ("job.started", "running", now, json.dumps(claimed)))
            if counts:
                c.execute(COUNT, (-len(claimed), "queued"))
                c.execute(COUNT, (len(claimed) - len(pending), "running"))
                c.execute(COUNT, (len(pending), "succeeded"))
            c.execute("COMMIT")
            done += len(pending)
            pending = claimed
            if not claimed:
                break
        c.close()
        return done / (time.perf_counter() - start)


results = {name: [] for name in VARIANTS}
for _ in range(args.rounds):
    for name, (wide, indexes) in VARIANTS.items():
        results[name].append(drain(wide, indexes, counts=name.endswith("counts"), events=name.endswith("events")))
print(f"{args.jobs} jobs, batches of {args.batch}, {args.rounds} rounds (median, then every run):")
for name, rates in results.items():
    print(f"  {name:13s} {statistics.median(rates):8.0f} jobs/s   " + " ".join(f"{r:.0f}" for r in rates))
