#!/usr/bin/env python3
"""Where a SQLite drain's time goes, statement by statement, with no Swift in the way.

Migrates a fresh database with `conveyor migrate` (the real schema and indexes), queues N
jobs, then drains them in cycles the way a worker does: one transaction that writes the
last batch's outcomes and claims the next, each with its job events. Prints microseconds
per job for every statement, so a schema or SQL change can be judged before it is built.

Usage: bench/sqlite_statement_costs.py [--jobs N] [--batch B] [--no-autocheckpoint]
       [--checkpointer] [--bulk-complete]
Environment: CONVEYOR_BIN (default .build/release/conveyor, else .build/debug/conveyor).
"""
import argparse, json, os, sqlite3, subprocess, tempfile, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("--jobs", type=int, default=50000)
parser.add_argument("--batch", type=int, default=100)
parser.add_argument("--no-autocheckpoint", action="store_true", help="the writer never checkpoints")
parser.add_argument("--checkpointer", action="store_true", help="a second connection checkpoints every 5 ms")
parser.add_argument("--bulk-complete", action="store_true", help="one UPDATE for the whole batch of outcomes")
args = parser.parse_args()
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.environ.get("CONVEYOR_BIN") or next(
    (p for p in (os.path.join(root, ".build", m, "conveyor") for m in ("release", "debug")) if os.path.exists(p)), None)
work = tempfile.mkdtemp(prefix="conveyor-sqlcost-")
db = os.path.join(work, "jobs.sqlite")
subprocess.run([binary, "migrate", "--database", db], check=True, capture_output=True)
c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=NORMAL"); c.execute("PRAGMA cache_size=-65536")
if args.no_autocheckpoint or args.checkpointer:
    c.execute("PRAGMA wal_autocheckpoint=0")
N, B = args.jobs, args.batch
q="benchq"
now=int(time.time()*1000)
# Time-ordered ids, as JobID.make gives (UUIDv7): random ids scatter a batch's rows over
# the table's pages and made every statement about 40% dearer.
ids=[f"{now:012x}"[:8] + "-" + f"{now:012x}"[8:] + f"-7000-8000-{i:012x}" for i in range(N)]
rows=[(ids[i],"bench.noop",q,"queued",0,"{}",now,0,3,'{"type":"exponential"}',None,None,"[]","default","{}",now,None,None,None,None,"default",None) for i in range(N)]
t=time.perf_counter()
c.execute("BEGIN")
c.executemany("""INSERT INTO jobs (id, type, queue, state, priority, payload, run_at, attempt, max_attempts, backoff,
            timeout_seconds, idempotency_key, tags, tenant, metadata, created_at, workflow_id, step, rerun_of,
            created_by, concurrency_key, unique_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING""", rows)
c.execute("COMMIT")
print(f"queued {N} jobs: {N/(time.perf_counter()-t):.0f} rows/s")
snap="state, attempt, run_at, started_at, finished_at, lease_owner, lease_expires_at, cancel_requested, metadata, errors, result"
jsnap=", ".join("j."+x for x in snap.split(", "))
nowm="CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)"
ev=lambda typ, cond: f"INSERT INTO events (type, topic, key, tenant, occurred_at, {snap}) SELECT {typ}, {typ}, j.id, j.tenant, {nowm}, {jsnap} FROM json_each(?) AS ids JOIN jobs j ON j.id = ids.value WHERE {cond} ORDER BY ids.key"
trans=ev("CASE j.state WHEN 'running' THEN 'job.started' ELSE 'job.' || j.state END","j.state IN ('running', 'retrying', 'succeeded', 'failed', 'cancelled')")
load="""SELECT s.queue IS NOT NULL, s.paused, s.fair, s.concurrency_limit, s.key_concurrency_limit,
 s.rate_count, s.rate_period_ms, s.key_rate_count, s.key_rate_period_ms, s.tokens, s.tokens_at, s.cursor,
 EXISTS (SELECT 1 FROM circuits WHERE queue = ?1 AND state <> 'closed'),
 EXISTS (SELECT 1 FROM queue_keys WHERE queue = ?1 AND paused_until > ?2)
 FROM (SELECT 1) LEFT JOIN queue_settings s ON s.queue = ?1"""
unkey="UPDATE jobs INDEXED BY jobs_claim_key SET keyed = 0 WHERE state = 'queued' AND queue = ? AND keyed = 1"
claim="""UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_owner = ?, lease_expires_at = ?, started_at = ?, cancel_requested = 0
 WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_claim WHERE state = 'queued' AND queue = ? AND keyed = 0 ORDER BY priority DESC, run_at, id LIMIT ?)
 RETURNING id, type, queue, payload, attempt, max_attempts, backoff, timeout_seconds, tenant, run_at, created_at, priority, concurrency_key"""
done="UPDATE jobs SET state = 'succeeded', result = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND attempt = ? AND lease_owner = ? AND state = 'running'"
bulk="""UPDATE jobs SET state = 'succeeded', result = NULL, finished_at = ?1, lease_owner = NULL, lease_expires_at = NULL
 WHERE (id, attempt) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?3)) AND lease_owner = ?2 AND state = 'running' RETURNING id"""
if args.checkpointer:
    def ck():
        k=sqlite3.connect(db, isolation_level=None)
        while True:
            time.sleep(0.005); k.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    threading.Thread(target=ck,daemon=True).start()
tm={k:0.0 for k in ["begin","load","unkey","claim","ev1","done","ev2","commit"]}
def T(k,f):
    t=time.perf_counter(); r=f(); tm[k]+=time.perf_counter()-t; return r
pending=[]
cycles=0; t0=time.perf_counter(); jobs=0
while True:
    T("begin",lambda: c.execute("BEGIN IMMEDIATE"))
    if pending:
        if args.bulk_complete:
            T("done",lambda: c.execute(bulk,(now,"owner",json.dumps([[i,a,None] for (i,a) in pending]))).fetchall())
        else:
            for (i,a) in pending: T("done",lambda: c.execute(done,(None,now,i,a,"owner")))
        T("ev2",lambda: c.execute(trans,(json.dumps([p[0] for p in pending]),)))
    T("load",lambda: c.execute(load,(q,now)).fetchall())
    T("unkey",lambda: c.execute(unkey,(q,)))
    got=T("claim",lambda: c.execute(claim,("owner",now+30000,now,q,B)).fetchall())
    if got: T("ev1",lambda: c.execute(trans,(json.dumps([g[0] for g in got]),)))
    T("commit",lambda: c.execute("COMMIT"))
    jobs+=len(pending); pending=[(g[0],g[4]) for g in got]; cycles+=1
    if not got and not pending: break
el=time.perf_counter()-t0
print(f"jobs {jobs} in {el:.2f}s = {jobs/el:.0f}/s, cycles {cycles}")
for k,v in tm.items(): print(f"  {k:7s} {v/jobs*1e6:6.1f} us/job")
subprocess.run(["rm", "-rf", work])
