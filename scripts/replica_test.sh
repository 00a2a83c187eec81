#!/usr/bin/env bash
# `make replica-test`: the replica tests (tests/replica/) against a real PostgreSQL primary and
# a streaming standby of it, both started here and removed again whatever happens.
#
# The primary is a fresh cluster (wal_level=replica, replication allowed from 127.0.0.1) on a
# free port in a temporary directory; the standby is a `pg_basebackup -R` of it on another free
# port. Once the standby streams, pytest runs tests/replica/ with DATABASE_URL pointing at the
# primary and DATABASE_REPLICA_URLS at the standby. As root, the servers run as the unprivileged
# 'postgres' user (or 'nobody'), in a directory under /var/tmp that user owns, as
# scripts/devdb.sh does. REPLICA_TEST_TIMEOUT (seconds, default 300) bounds the test run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROLE=exile
DATABASE=exile_api
TIMEOUT="${REPLICA_TEST_TIMEOUT:-300}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"

die() { echo "replica-test: $*" >&2; exit 1; }
say() { echo "replica-test: $*"; }

find_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir)
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_basebackup" ] && { echo "$dir"; return; }
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_basebackup" ] && { echo "$dir"; return; }
  done
  die "no PostgreSQL server binaries found (initdb, pg_basebackup): apt-get install postgresql"
}

BINDIR=$(find_bindir)
[ -x "$PYTHON" ] || die "no $PYTHON: run 'make venv' first"

# Run a server command as the clusters' owner: PostgreSQL refuses to run as root.
if [ "$(id -u)" -eq 0 ]; then
  if id postgres >/dev/null 2>&1; then OWNER=postgres; else OWNER=nobody; fi
  as_owner() { (cd / && runuser -u "$OWNER" -- "$@"); }
  WORK=$(mktemp -d /var/tmp/exile-replica-test.XXXXXX)
  chown "$OWNER" "$WORK"
else
  OWNER=$(id -un)
  as_owner() { "$@"; }
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/exile-replica-test.XXXXXX")
fi
PRIMARY="$WORK/primary"
STANDBY="$WORK/standby"
SOCKETS="$WORK/run"

TEST_PID=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$TEST_PID" ]; then
    kill -TERM "$TEST_PID" 2>/dev/null || true
    wait "$TEST_PID" 2>/dev/null || true
  fi
  for data in "$STANDBY" "$PRIMARY"; do
    if [ -s "$data/postmaster.pid" ]; then
      as_owner "$BINDIR/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Two distinct free ports, found by binding to port 0 (both held open until both are known).
read -r PRIMARY_PORT STANDBY_PORT < <("$PYTHON" - <<'PY'
import socket

sockets = [socket.socket() for _ in range(2)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))
PY
)

psql_at() {
  local port=$1
  shift
  "$BINDIR/psql" -X -q -tA -h 127.0.0.1 -p "$port" -U "$ROLE" -d postgres -v ON_ERROR_STOP=1 "$@"
}

start_server() {
  local data=$1 port=$2
  as_owner "$BINDIR/pg_ctl" start -D "$data" -l "$data.log" -w -t 60 \
    -o "-p $port -k $SOCKETS -c listen_addresses=127.0.0.1" >/dev/null \
    || { tail -n 20 "$data.log" >&2; die "the server in $data did not start"; }
}

# Poll a query until it answers what is expected, for at most 30 seconds.
wait_for() {
  local port=$1 sql=$2 expected=$3 what=$4
  for _ in $(seq 300); do
    [ "$(psql_at "$port" -c "$sql" 2>/dev/null)" = "$expected" ] && return
    sleep 0.1
  done
  die "timed out waiting until $what"
}

say "primary on 127.0.0.1:$PRIMARY_PORT, standby on 127.0.0.1:$STANDBY_PORT (in $WORK)"
as_owner mkdir -p "$SOCKETS"
as_owner "$BINDIR/initdb" -D "$PRIMARY" -U "$ROLE" --auth=trust --encoding=UTF8 \
  --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
as_owner tee -a "$PRIMARY/postgresql.conf" >/dev/null <<'CONF'
# Streaming replication to the standby of the replica test.
wal_level = replica
max_wal_senders = 4
hot_standby = on
# Throw-away clusters: durability buys nothing here.
fsync = off
full_page_writes = off
CONF
as_owner tee -a "$PRIMARY/pg_hba.conf" >/dev/null <<'CONF'
host    replication     exile           127.0.0.1/32            trust
CONF
start_server "$PRIMARY" "$PRIMARY_PORT"
# The bootstrap role is a superuser; say explicitly what the test run needs of it.
psql_at "$PRIMARY_PORT" -c "ALTER ROLE $ROLE WITH CREATEDB REPLICATION"
psql_at "$PRIMARY_PORT" -c "CREATE DATABASE $DATABASE"

say "copying the primary into the standby (pg_basebackup -R)"
as_owner timeout 120 "$BINDIR/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U "$ROLE" \
  -D "$STANDBY" -R -X stream -c fast
start_server "$STANDBY" "$STANDBY_PORT"
wait_for "$STANDBY_PORT" "SELECT pg_is_in_recovery()" t "the standby is in recovery"
wait_for "$PRIMARY_PORT" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 1 \
  "the standby streams from the primary"
say "the standby streams; running tests/replica/"

cd "$ROOT"
# In the background, so that a signal to this script cleans up at once rather than after it.
REPLICA_TEST=1 \
  DATABASE_URL="postgres://$ROLE@127.0.0.1:$PRIMARY_PORT/$DATABASE" \
  DATABASE_REPLICA_URLS="postgres://$ROLE@127.0.0.1:$STANDBY_PORT/$DATABASE" \
  timeout "$TIMEOUT" "$PYTHON" -m pytest -p no:cacheprovider "$@" tests/replica &
TEST_PID=$!
wait "$TEST_PID"
