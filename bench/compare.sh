#!/usr/bin/env bash
# Measures the physical references (SQLite through Python's sqlite3; pgbench's job cycle on a
# throwaway PostgreSQL with fsync and synchronous_commit on) and `conveyor bench` on both stores in
# one run, and prints each figure beside its reference, the ratio, and issue 14's targets.
#
# Usage: bench/compare.sh [--quick] [--sqlite-only] [--rounds N] [--build] [--check] [--out DIR]
#   --quick        smoke test: 10k jobs on SQLite, 5k on PostgreSQL, 1 round, short references
#   --sqlite-only  skip PostgreSQL (no cluster, no pgbench)
#   --rounds N     conveyor bench runs per configuration; the table shows the median (default 3)
#   --build        build the release binary first if it is missing
#   --check        exit 1 when a target is missed
#   --out DIR      keep every run's raw output and the table in DIR
# Environment: CONVEYOR_BIN (default .build/release/conveyor); CONVEYOR_TEST_POSTGRES_URL (a
# server to create databases on; when unset the script re-runs itself under scripts/with-postgres.sh).
set -euo pipefail

ARGS=("$@")
STARTED=$SECONDS
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

QUICK=0 SQLITE_ONLY=0 BUILD=0 CHECK=0 ROUNDS="" OUT=""
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --sqlite-only) SQLITE_ONLY=1 ;;
    --build) BUILD=1 ;;
    --check) CHECK=1 ;;
    --rounds) ROUNDS="${2:?--rounds needs a number}"; shift ;;
    --out) OUT="${2:?--out needs a directory}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

if [ "$QUICK" = 1 ]; then
  SQLITE_JOBS=10000 PG_JOBS=5000 ROUNDS="${ROUNDS:-1}" PGBENCH_SECONDS=3 LATENCY_SAMPLES=100
  SQLITE_REFERENCE_ARGS=(--single 5000 --rows 50000 --cycles 5000)
else
  SQLITE_JOBS=50000 PG_JOBS=30000 ROUNDS="${ROUNDS:-3}" PGBENCH_SECONDS=10 LATENCY_SAMPLES=300
  SQLITE_REFERENCE_ARGS=()
fi
case "$ROUNDS" in ''|*[!0-9]*|0) echo "compare: --rounds takes a positive number" >&2; exit 2 ;; esac
CONCURRENCY=100
FAIR_ARGS=(--keys 100 --key-limit 5)
PGBENCH_CLIENTS=8

BIN="${CONVEYOR_BIN:-.build/release/conveyor}"
if [ ! -x "$BIN" ]; then
  if [ "$BUILD" = 1 ]; then
    echo "compare: building $BIN" >&2
    swift build -c release --product conveyor
  fi
  if [ ! -x "$BIN" ]; then
    echo "compare: no conveyor binary at $BIN (pass --build, or set CONVEYOR_BIN)" >&2
    exit 1
  fi
fi

# PostgreSQL: run again beside a throwaway cluster unless a server was given.
if [ "$SQLITE_ONLY" = 0 ] && [ -z "${CONVEYOR_TEST_POSTGRES_URL:-}" ]; then
  exec "$ROOT/scripts/with-postgres.sh" "$ROOT/bench/compare.sh" "${ARGS[@]}"
fi

say() { echo "compare [$((SECONDS - STARTED)) s]: $*" >&2; }

# The server's URL with another database name (keeps any ?query).
database_url() {
  local url="$CONVEYOR_TEST_POSTGRES_URL" base query
  base="${url%%\?*}"
  query="${url#"$base"}"
  echo "${base%/*}/$1$query"
}
create_database() {
  psql "$CONVEYOR_TEST_POSTGRES_URL" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $1" >/dev/null
  DATABASES+=("$1")
}
drop_database() {
  psql "$CONVEYOR_TEST_POSTGRES_URL" -qAt -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}

WORK="$(mktemp -d /tmp/conveyor-compare.XXXXXX)"
DATABASES=()
cleanup() {
  for db in "${DATABASES[@]}"; do drop_database "$db"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 130" INT TERM

# 1. References.
say "SQLite reference (Python's sqlite3, WAL, synchronous=NORMAL)"
python3 bench/sqlite_reference.py "${SQLITE_REFERENCE_ARGS[@]}" | tee "$WORK/references.txt" >&2

if [ "$SQLITE_ONLY" = 0 ]; then
  say "pgbench job cycle: $PGBENCH_CLIENTS clients, $PGBENCH_SECONDS s"
  ref_db="compare_pgbench_$$"
  create_database "$ref_db"
  psql "$(database_url "$ref_db")" -qAt -v ON_ERROR_STOP=1 -f bench/pg_job_cycle_setup.sql >/dev/null
  settings="$(psql "$(database_url "$ref_db")" -qAt -c "SELECT current_setting('fsync') || '/' || current_setting('synchronous_commit')")"
  [ "$settings" = "on/on" ] || say "warning: fsync/synchronous_commit are $settings, not on/on"
  pgbench -n -M prepared -c "$PGBENCH_CLIENTS" -j 2 -T "$PGBENCH_SECONDS" -f bench/pg_job_cycle.sql \
    "$(database_url "$ref_db")" >"$WORK/pgbench.txt" 2>&1 || { cat "$WORK/pgbench.txt" >&2; exit 1; }
  tps="$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$WORK/pgbench.txt")"
  [ -n "$tps" ] || { cat "$WORK/pgbench.txt" >&2; say "pgbench printed no tps"; exit 1; }
  printf 'pgbench_job_cycles=%.0f\n' "$tps" | tee -a "$WORK/references.txt" >&2
  drop_database "$ref_db"
fi

# 2. conveyor bench, the rounds interleaved so a slow minute of the machine weighs on every store.
run_bench() { # STORE MODE ROUND ARGS...
  local store="$1" mode="$2" round="$3" file
  shift 3
  file="$WORK/$store-$mode-$round.out"
  say "conveyor bench, $store $mode, round $round/$ROUNDS"
  # TMPDIR: the SQLite runs' temporary databases go into WORK, removed even if a run is cut short.
  if ! TMPDIR="$WORK" timeout 1200 "$BIN" bench --latency-samples "$LATENCY_SAMPLES" "$@" >"$file" 2>&1; then
    tail -n 20 "$file" >&2
    say "conveyor bench failed ($store $mode round $round)"
    exit 1
  fi
  grep -E '^(enqueue|processed|pickup|cpu):' "$file" | sed 's/^/  /' >&2 || true
}
for round in $(seq 1 "$ROUNDS"); do
  run_bench sqlite plain "$round" --jobs "$SQLITE_JOBS" --concurrency "$CONCURRENCY"
  run_bench sqlite fair "$round" --jobs "$SQLITE_JOBS" --concurrency "$CONCURRENCY" "${FAIR_ARGS[@]}"
  if [ "$SQLITE_ONLY" = 0 ]; then
    for mode in plain fair; do
      db="compare_${mode}_${round}_$$"
      create_database "$db"
      extra=()
      [ "$mode" = fair ] && extra=("${FAIR_ARGS[@]}")
      run_bench postgres "$mode" "$round" --jobs "$PG_JOBS" --concurrency "$CONCURRENCY" \
        --database "$(database_url "$db")" "${extra[@]}"
      drop_database "$db"
    done
  fi
done

# 3. The table.
check=()
[ "$CHECK" = 1 ] && check=(--check)
status=0
python3 bench/report.py "$WORK" "${check[@]}" | tee "$WORK/table.txt" || status=$?
[ "$QUICK" = 1 ] && echo "(--quick: a smoke test; its figures are not comparable with the targets)"
if [ -n "$OUT" ]; then
  mkdir -p "$OUT" && cp "$WORK"/*.txt "$WORK"/*.out "$OUT"/ && say "raw output kept in $OUT"
fi
say "done"
exit "$status"
