#!/usr/bin/env bash
# Builds once (debug) and runs every test: the Swift suites, then the crash test
# against the real `conveyor` binary. Usage: scripts/test.sh [swift test filter]
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests
if [ $# -gt 0 ]; then
  swift test --skip-build --filter "$1"
  exit 0
fi
swift test --skip-build
CONVEYOR_BIN="$PWD/.build/debug/conveyor" python3 Tests/crash/crash_test.py
