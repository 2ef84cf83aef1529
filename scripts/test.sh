#!/usr/bin/env bash
# Builds once (debug) and runs every test: the Swift suites (the store conformance
# suite against SQLite and a throwaway PostgreSQL cluster), then the crash (jobs and
# workflows), multi-node and cross-process key-cap tests against the real `conveyor` binary,
# the runnable example (Examples/EmbeddedServer) as a user would run it, the bench smoke
# test, the refusal of bad worker options, remote workers killed mid-job, and the OpenAPI
# contract against a live server.
# Usage: scripts/test.sh [swift test filter]
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests
if [ $# -gt 0 ]; then
  exec scripts/with-postgres.sh swift test --skip-build --filter "$1"
fi
export CONVEYOR_BIN="$PWD/.build/debug/conveyor"
scripts/with-postgres.sh bash -c '
  set -euo pipefail
  swift test --skip-build
  python3 Tests/process/crash_test.py
  python3 Tests/process/workflow_crash_test.py
  python3 Tests/process/multinode_test.py
  python3 Tests/process/key_caps_test.py
  python3 Tests/process/pg_restart_test.py
  python3 Tests/process/example_test.py
  python3 Tests/process/bench_smoke_test.py
  python3 Tests/process/cli_options_test.py
  python3 Tests/process/remote_worker_test.py
  python3 Tests/process/openapi_test.py
'
