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
# unprivileged 'postgres' user (or 'nobody' where there is none). When that user cannot reach
# the project (a clone under /root, say), the data and socket live in
# /var/tmp/exile-pgdata-<hash of the project path>/ (owned by that user, mode 700) and .pgdata is
# a symlink to it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LINK="$ROOT/.pgdata"
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
  # From /, as the owner may not be allowed into the current directory; all paths are absolute.
  as_owner() { (cd / && runuser -u "$OWNER" -- "$@"); }
else
  OWNER=$(id -un)
  as_owner() { "$@"; }
fi

# Where the cluster lives: .pgdata itself, or, as root when the owner cannot reach the project,
# a directory of the owner's outside it that .pgdata links to. OUTSIDE says which.
OUTSIDE=
BASE="$LINK"
if [ "$(id -u)" -eq 0 ] && ! as_owner test -x "$ROOT" 2>/dev/null; then
  OUTSIDE=1
  if [ -L "$LINK" ]; then
    BASE=$(readlink "$LINK")
    case "$BASE" in /*) ;; *) BASE="$ROOT/$BASE" ;; esac
  else
    BASE="/var/tmp/exile-pgdata-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
  fi
fi
PGDATA="$BASE/data"
SOCKET_DIR="$BASE/run"
LOG="$BASE/server.log"

# Create (or check) the outside directory and link .pgdata to it. /var/tmp is writable by all,
# so a directory found there must be a real one, the owner's, and closed to everyone else.
prepare_outside() {
  if [ -d "$LINK" ] && [ ! -L "$LINK" ]; then
    # Left behind by a start that failed before this fallback existed: empty but for our dirs.
    [ -e "$LINK/data/PG_VERSION" ] && die "$LINK holds a cluster that user $OWNER cannot reach
  (a parent of $ROOT is closed to it); move the project or open its parents (chmod o+x)"
    rmdir "$LINK/data" "$LINK/run" 2>/dev/null || true
    rm -f "$LINK/initdb.log"
    rmdir "$LINK" 2>/dev/null || die "$LINK is in the way of a link to $BASE; remove it"
  elif [ -e "$LINK" ] && [ ! -L "$LINK" ]; then
    die "$LINK is in the way of a link to $BASE; remove it"
  fi
  if [ ! -e "$BASE" ] && [ ! -L "$BASE" ]; then
    mkdir -m 700 "$BASE" && chown "$OWNER" "$BASE"
  fi
  if [ ! -d "$BASE" ] || [ -L "$BASE" ] || [ "$(stat -c '%U %a' "$BASE")" != "$OWNER 700" ]; then
    die "$BASE is not a directory of user $OWNER with mode 700; remove it"
  fi
  if [ ! -L "$LINK" ]; then
    ln -s "$BASE" "$LINK"
    echo "devdb: user $OWNER cannot reach $ROOT, so the cluster lives in $BASE; .pgdata links there"
  fi
}

is_running() { as_owner "$BINDIR/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1; }

psql_admin() {
  "$BINDIR/psql" -X -q -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d postgres -v ON_ERROR_STOP=1 "$@"
}

start() {
  if [ -n "$OUTSIDE" ]; then prepare_outside; fi
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
      die "port $PORT is taken by another program; stop it, or choose another port with DEV_DB_PORT
  (make builds DATABASE_URL from it; without make, set DATABASE_URL to the same port)"
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
