#!/usr/bin/env bash
# The project-local PostgreSQL cluster that `make run` and `make test` use.
#
#   scripts/devdb.sh start   initialise (once) and start it, create the database
#   scripts/devdb.sh stop    stop it
#   scripts/devdb.sh status  say whether it runs
#
# Data lives in .pgdata/ (ignored by git), the socket in .pgdata/run, and the server listens on
# 127.0.0.1:${DEV_DB_PORT:-54329} only, trusting local connections: a development cluster,
# never a production one. PostgreSQL refuses to run as root, so as root it runs as the
# unprivileged 'postgres' user (or 'nobody' where there is none).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE="$ROOT/.pgdata"
PGDATA="$BASE/data"
SOCKET_DIR="$BASE/run"
LOG="$BASE/server.log"
PORT="${DEV_DB_PORT:-54329}"
ROLE=exile
DATABASE=exile_api

die() { echo "devdb: $*" >&2; exit 1; }

find_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir)
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  die "no PostgreSQL server binaries found (initdb, pg_ctl).
  Install them: apt-get install postgresql   (Debian/Ubuntu)
  or run a server yourself: docker compose up -d db
     and export DATABASE_URL=postgres://exile:exile@127.0.0.1:5432/exile_api"
}

BINDIR=$(find_bindir)

# Run a server command as the cluster's owner.
if [ "$(id -u)" -eq 0 ]; then
  if id postgres >/dev/null 2>&1; then OWNER=postgres; else OWNER=nobody; fi
  as_owner() { runuser -u "$OWNER" -- "$@"; }
else
  OWNER=$(id -un)
  as_owner() { "$@"; }
fi

is_running() { as_owner "$BINDIR/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1; }

psql_admin() {
  "$BINDIR/psql" -X -q -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d postgres -v ON_ERROR_STOP=1 "$@"
}

start() {
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    echo "devdb: initialising a cluster in $PGDATA"
    mkdir -p "$PGDATA" "$SOCKET_DIR"
    [ "$(id -u)" -eq 0 ] && chown -R "$OWNER" "$BASE"
    as_owner test -w "$PGDATA" || die "user $OWNER cannot write $PGDATA (check the permissions of $ROOT and its parents)"
    as_owner "$BINDIR/initdb" -D "$PGDATA" -U "$ROLE" --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >"$BASE/initdb.log" 2>&1 || { cat "$BASE/initdb.log" >&2; die "initdb failed"; }
  fi
  if is_running; then
    echo "devdb: already running on 127.0.0.1:$PORT"
  else
    mkdir -p "$SOCKET_DIR"
    [ "$(id -u)" -eq 0 ] && chown "$OWNER" "$SOCKET_DIR"
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
      die "port $PORT is taken by another program; set DEV_DB_PORT and DATABASE_URL, or stop it"
    fi
    as_owner "$BINDIR/pg_ctl" start -D "$PGDATA" -l "$LOG" -w -t 60 -o \
      "-p $PORT -k $SOCKET_DIR -c listen_addresses=127.0.0.1 -c synchronous_commit=off" \
      >/dev/null || { tail -n 20 "$LOG" >&2; die "the server did not start (log: $LOG)"; }
    echo "devdb: started on 127.0.0.1:$PORT (log: $LOG)"
  fi
  if [ -z "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" ]; then
    psql_admin -c "CREATE DATABASE $DATABASE"
    echo "devdb: created database $DATABASE"
  fi
}

stop() {
  if is_running; then
    as_owner "$BINDIR/pg_ctl" stop -D "$PGDATA" -m fast -w >/dev/null
    echo "devdb: stopped"
  else
    echo "devdb: not running"
  fi
}

status() {
  if is_running; then echo "devdb: running on 127.0.0.1:$PORT"; else echo "devdb: not running"; exit 3; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
