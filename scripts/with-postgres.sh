#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster on a loopback port, with
# CONVEYOR_TEST_POSTGRES_URL pointing at it; stops and deletes the cluster afterwards.
# Installs Debian's postgresql package when no server is found.
# Usage: scripts/with-postgres.sh COMMAND [ARG...]
set -euo pipefail

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

PGBIN="$(find_bin)"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "with-postgres: no PostgreSQL server found; installing Debian's postgresql package" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  PGBIN="$(find_bin)"
fi

DATA="$(mktemp -d /tmp/conveyor-pg.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

# PostgreSQL refuses to run as root; run the cluster as the postgres user then.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" -eq 0 ]; then chown postgres "$DATA"; fi

cleanup() {
  as_owner "$PGBIN/pg_ctl" -D "$DATA/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT

as_owner "$PGBIN/initdb" -D "$DATA/db" -U conveyor --auth=trust -E UTF8 >/dev/null
# fsync and synchronous_commit stay on: the benchmarks' figures must hold for real deployments.
as_owner "$PGBIN/pg_ctl" -D "$DATA/db" -l "$DATA/postgres.log" -w -t 60 \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DATA -c max_connections=400" start >/dev/null

export CONVEYOR_TEST_POSTGRES_URL="postgres://conveyor@127.0.0.1:$PORT/postgres"
export CONVEYOR_TEST_POSTGRES_DATA="$DATA/db"
export CONVEYOR_TEST_POSTGRES_BIN="$PGBIN"
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
"$@"
