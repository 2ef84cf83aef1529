#!/usr/bin/env bash
# Replays a worker's steady-state cycle with pgbench on the real migrated schema: the
# `conveyor_claim` function for BATCH jobs, then the fenced completion UPDATE of those jobs,
# in one transaction. Runs it with the job-event triggers on and then off, with 1 and 4
# clients, so the server's own cost per cycle (and the triggers' share of it) is measured
# with no Conveyor process in the way. docs/performance.md quotes it.
#
# Usage: bench/pg_worker_cycle.sh [BATCH] [JOBS]   (defaults 50 and 60000)
# Environment: CONVEYOR_BIN (default .build/release/conveyor, else .build/debug/conveyor);
# CONVEYOR_TEST_POSTGRES_URL (when unset, the script runs itself under scripts/with-postgres.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BATCH="${1:-50}" JOBS="${2:-60000}"
if [ -z "${CONVEYOR_TEST_POSTGRES_URL:-}" ]; then
  exec "$ROOT/scripts/with-postgres.sh" "$ROOT/bench/pg_worker_cycle.sh" "$@"
fi
BIN="${CONVEYOR_BIN:-}"
for candidate in "$ROOT/.build/release/conveyor" "$ROOT/.build/debug/conveyor"; do
  [ -z "$BIN" ] && [ -x "$candidate" ] && BIN="$candidate"
done
[ -x "$BIN" ] || { echo "pg_worker_cycle: no conveyor binary (build one, or set CONVEYOR_BIN)" >&2; exit 1; }
PGBENCH="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/pgbench"

db="worker_cycle_$$"
psql "$CONVEYOR_TEST_POSTGRES_URL" -qc "CREATE DATABASE $db"
trap 'psql "$CONVEYOR_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -f "$script"' EXIT
url="${CONVEYOR_TEST_POSTGRES_URL%/*}/$db"
"$BIN" migrate --database "$url" >/dev/null
run() { psql "$url" -qAt -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }

# Time-ordered ids, like Conveyor's own.
run "INSERT INTO conveyor_jobs (id, type, queue, state, payload, run_at, max_attempts, backoff, tenant, created_at,
       concurrency_key)
     SELECT lpad(to_hex(g), 12, '0') || '-7000-8000-000000000000', 'bench.noop', 'default', 'queued', '{}', now(), 3,
       '{\"type\":\"exponential\"}', 'default', now(), 'default'
     FROM generate_series(1, $JOBS) g"
reset() {
  run "UPDATE conveyor_jobs SET state = 'queued', attempt = 0, lease_owner = NULL, lease_expires_at = NULL"
  run "VACUUM ANALYZE conveyor_jobs"
}

script="$(mktemp)"
cat > "$script" <<SQL
BEGIN;
CREATE TEMP TABLE IF NOT EXISTS claimed (id text, attempt int) ON COMMIT DELETE ROWS;
INSERT INTO claimed SELECT id, attempt FROM conveyor_claim('default', $BATCH, 'bench', now() + interval '30 s', now());
UPDATE conveyor_jobs j SET state = 'succeeded', result = NULL, finished_at = now(), lease_owner = NULL,
    lease_expires_at = NULL
FROM claimed c WHERE j.id = c.id AND j.attempt = c.attempt AND j.lease_owner = 'bench' AND j.state = 'running';
COMMIT;
SQL

echo "worker cycle: claim and complete $BATCH jobs per transaction, $JOBS queued"
for triggers in on off; do
  [ "$triggers" = off ] && run "ALTER TABLE conveyor_jobs DISABLE TRIGGER USER"
  for clients in 1 4; do
    reset
    # Each client drains at most its share of the queue.
    transactions=$(( JOBS / BATCH / clients / 2 ))
    out="$("$PGBENCH" -n -f "$script" -c "$clients" -t "$transactions" "$url" 2>&1)"
    latency="$(grep -o 'latency average = [0-9.]* ms' <<<"$out" | grep -o '[0-9.]* ms')"
    tps="$(grep -o 'tps = [0-9.]*' <<<"$out" | grep -o '[0-9.]*$')"
    printf 'triggers %-3s  clients %d  %9s per cycle  %8.0f jobs/s\n' "$triggers" "$clients" "$latency" \
      "$(awk -v tps="$tps" -v batch="$BATCH" 'BEGIN { print tps * batch }')"
  done
done
