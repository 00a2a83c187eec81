#!/usr/bin/env bash
# Fuzz the API with schemathesis against a live local server, over every operation in the
# OpenAPI schema, bounded in examples and in time. `make fuzz` runs it; tests/test_fuzz.py runs a
# small bounded run of it as part of `make test`.
#
#   scripts/fuzz.sh                      25 examples per operation, at most 10 minutes
#   FUZZ_MAX_EXAMPLES=3 scripts/fuzz.sh  a quick run
#
# What it does:
#   1. Creates a dedicated database, exile_fuzz (FUZZ_DB_NAME), afresh on the server of
#      DATABASE_URL (by default the local cluster of scripts/devdb.sh, which must be running),
#      then migrates and seeds it. With FUZZ_DATABASE_URL it uses that database as it is.
#   2. Serves the app with gunicorn on 127.0.0.1 at a free port, DEBUG off.
#   3. Runs schemathesis over every operation: reads anonymously, and writes anonymously too,
#      which must all be refused (there are no API keys yet).
#   4. Stops the server, whatever happens, and exits non-zero on any failure: a 5xx, a server
#      traceback, a response that does not match the schema (body, content type, status), an
#      error that is not JSON, a write accepted without credentials, or the time limit reached.
#
# Settings (environment), with their defaults:
#   FUZZ_MAX_EXAMPLES  test cases per operation and phase (25)
#   FUZZ_TIME_LIMIT    seconds the schemathesis run may take; past them it fails (600)
#   FUZZ_WORKERS       concurrent schemathesis workers (2)
#   FUZZ_PHASES        schemathesis phases (examples,coverage,fuzzing)
#   FUZZ_SEED          a seed, to replay a run (the output prints each run's seed)
#   FUZZ_DB_NAME       name of the dedicated database (exile_fuzz)
#   FUZZ_DATABASE_URL  use this database as it is (no creation, migration or seeding)
#   FUZZ_KEEP_LOGS     1: keep the logs directory even when the run passes
#   VENV_BIN           where python, gunicorn and st are (.venv/bin)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

BIN=${VENV_BIN:-$ROOT/.venv/bin}
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-25}
TIME_LIMIT=${FUZZ_TIME_LIMIT:-600}
WORKERS=${FUZZ_WORKERS:-2}
PHASES=${FUZZ_PHASES:-examples,coverage,fuzzing}
DB_NAME=${FUZZ_DB_NAME:-exile_fuzz}
HOST=127.0.0.1

say() { echo "fuzz: $*"; }
die() { echo "fuzz: $*" >&2; exit 2; }

for tool in python gunicorn st; do
  [ -x "$BIN/$tool" ] || die "$BIN/$tool is missing: run 'make venv' first (or set VENV_BIN)"
done
[[ $DB_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || die "FUZZ_DB_NAME must be a plain lower-case name"

LOGS=$(mktemp -d "${TMPDIR:-/tmp}/exile-fuzz.XXXXXX")
SERVER_PID=
ST_PID=
TAIL_PID=
STATUS=1

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    # gunicorn stops its workers gracefully; give it a few seconds, then insist.
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}

on_exit() {
  for pid in $ST_PID $TAIL_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  stop_server
  if [ "$STATUS" -eq 0 ] && [ "${FUZZ_KEEP_LOGS:-0}" != 1 ]; then
    rm -rf "$LOGS"
  else
    say "logs kept in $LOGS (server.log: server errors, access.log: every request, st.log)"
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# 1. The database.
if [ -n "${FUZZ_DATABASE_URL:-}" ]; then
  FUZZ_DB_URL=$FUZZ_DATABASE_URL
  say "using the database of FUZZ_DATABASE_URL as it is"
else
  FUZZ_DB_URL=$(
    DB_NAME=$DB_NAME "$BIN/python" - <<'PY'
import os
from urllib.parse import urlsplit

import dj_database_url
import psycopg2

# Without DATABASE_URL, the local cluster, as in exile_api/settings.py.
port = os.environ.get("DEV_DB_PORT") or "54329"
url = os.environ.get("DATABASE_URL") or f"postgres://exile@127.0.0.1:{port}/exile_api"
name = os.environ["DB_NAME"]
config = dj_database_url.parse(url)
connection = psycopg2.connect(
    dbname="postgres",
    user=config["USER"] or None,
    password=config["PASSWORD"] or None,
    host=config["HOST"] or None,
    port=config["PORT"] or None,
)
connection.autocommit = True
with connection.cursor() as cursor:
    # Afresh each run, so that every run starts from the seed data alone.
    cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    cursor.execute(f'CREATE DATABASE "{name}"')
connection.close()
print(urlsplit(url)._replace(path=f"/{name}", query="").geturl())
PY
  ) || die "could not create the database $DB_NAME (is the cluster running? scripts/devdb.sh start)"
  say "database $DB_NAME created; migrating and seeding it"
  DATABASE_URL=$FUZZ_DB_URL "$BIN/python" manage.py migrate --noinput >"$LOGS/migrate.log" 2>&1 \
    || { cat "$LOGS/migrate.log" >&2; die "migrations failed"; }
  DATABASE_URL=$FUZZ_DB_URL "$BIN/python" manage.py load_seed >"$LOGS/seed.log" 2>&1 \
    || { cat "$LOGS/seed.log" >&2; die "load_seed failed"; }
fi

# 2. The server, on a free loopback port.
PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
BASE=http://$HOST:$PORT
# As in production (the Dockerfile): gunicorn, two workers, DEBUG off; Django logs each 5xx
# with its traceback to server.log. The rate limits are off (an empty rate): a fuzzer is one
# client sending thousands of requests, and 429s would hide what it came to find.
DJANGO_ENV=development DEBUG=0 DATABASE_URL=$FUZZ_DB_URL THROTTLE_ANON_RATE='' THROTTLE_USER_RATE='' \
  "$BIN/gunicorn" -c python:exile_api.gunicorn_conf exile_api.wsgi --bind "$HOST:$PORT" \
  --graceful-timeout 5 --log-level warning --no-control-socket \
  --access-logfile "$LOGS/access.log" --access-logformat '%(s)s "%(r)s"' \
  >"$LOGS/server.log" 2>&1 &
SERVER_PID=$!

say "waiting for $BASE/api/v1/health/"
healthy() {
  "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "$BASE/api/v1/health/" 2>/dev/null
}
for _ in $(seq 300); do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOGS/server.log" >&2; die "the server exited"; }
  healthy && break
  sleep 0.2
done
healthy || { cat "$LOGS/server.log" >&2; die "the server did not become healthy"; }

# 3. The checks schemathesis lacks, as a hooks file.
cat >"$LOGS/hooks.py" <<'PY'
"""Checks of the API's own contract, on top of schemathesis' built-in ones."""

import json

import schemathesis

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Statuses any operation may answer though the schema documents only its successes: those
# the README promises (400, 401, 403, 404, 405, 409, 413, 415) and those the code answers on
# purpose (406 for an Accept it cannot meet, 412 for a stale If-Match, 414 for a query string
# too long, 429 over a rate limit).
GENERIC_ERRORS = {400, 401, 403, 404, 405, 406, 409, 412, 413, 414, 415, 429}


@schemathesis.check
def anonymous_write_refused(ctx, response, case):
    """No credentials are sent, so every write must be refused, with a 4xx."""
    method = response.request.method.upper()
    if method in WRITES and not 400 <= response.status_code < 500:
        raise AssertionError(
            f"{method} without credentials was answered {response.status_code}: "
            "a write must be refused (4xx) without the right key"
        )


@schemathesis.check
def status_code_documented_or_generic_error(ctx, response, case):
    """The status is documented for the operation, or one of the API's generic errors.

    schemathesis' own status_code_conformance is not used: the schema documents each
    operation's successes only, so it fails on every 400, 403 and 404.
    """
    documented = case.operation.responses.status_codes
    if "default" in documented or response.status_code in GENERIC_ERRORS:
        return
    if response.status_code >= 500:
        return  # not_a_server_error reports it
    if response.request.method.upper() == "OPTIONS" and response.status_code == 200:
        return  # DRF describes the endpoint, and CORS preflights need it
    allowed = {int(code) for code in documented if code.isdigit()}
    ranges = {code[0] for code in documented if code.upper().endswith("XX")}
    if response.status_code not in allowed and str(response.status_code)[0] not in ranges:
        raise AssertionError(
            f"Status {response.status_code} is neither documented for this operation "
            f"({', '.join(sorted(documented))}) nor one of the generic errors "
            f"({', '.join(map(str, sorted(GENERIC_ERRORS)))})"
        )


@schemathesis.check
def errors_are_json(ctx, response, case):
    """Every 4xx is a JSON object, DRF's error shape (the README's promise)."""
    if not 400 <= response.status_code < 500 or response.request.method.upper() == "HEAD":
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if not content_type.startswith("application/json") or not isinstance(body, dict):
        raise AssertionError(
            f"A {response.status_code} error is not a JSON object "
            f"(Content-Type: {content_type or 'none'})"
        )
PY

# 4. The run. The stateful phase is left out by default: it chains writes to reads, and every
# write is refused while there are no API keys.
CHECKS=not_a_server_error,response_schema_conformance,content_type_conformance
CHECKS+=,status_code_documented_or_generic_error,anonymous_write_refused,errors_are_json
# Every warning but two expected ones: missing_auth (writes without credentials get 401) and
# missing_deserializer (schemathesis cannot read CSV bodies).
WARNINGS=base_url_mismatch,missing_test_data,validation_mismatch,unused_openapi_auth
WARNINGS+=,unsupported_regex,method_not_allowed,unmatched_filter,unresolvable_reference
WARNINGS+=,low_valid_rate,rate_limited
st_args=(
  run "$BASE/api/schema/?format=json" --url "$BASE"
  --phases "$PHASES" --max-examples "$MAX_EXAMPLES" --workers "$WORKERS"
  --checks "$CHECKS" --continue-on-failure --request-timeout 20 --warnings "$WARNINGS"
  --generation-database none --output-sanitize false --no-color
  --report junit --report-junit-path "$LOGS/junit.xml"
)
[ -n "${FUZZ_SEED:-}" ] && st_args+=(--seed "$FUZZ_SEED")

say "schemathesis: $MAX_EXAMPLES examples per operation, phases $PHASES, at most ${TIME_LIMIT}s"
# In the background, so that a signal to this script is handled at once (bash runs traps only
# between foreground commands); from the logs directory, where schemathesis keeps its replay
# cache (.schemathesis/); --foreground keeps it in this script's process group.
(cd "$LOGS" && SCHEMATHESIS_HOOKS="$LOGS/hooks.py" exec timeout --foreground --kill-after=10 \
  "$TIME_LIMIT" "$BIN/st" "${st_args[@]}") </dev/null >"$LOGS/st.log" 2>&1 &
ST_PID=$!
tail -n +1 -f --pid="$ST_PID" "$LOGS/st.log" &
TAIL_PID=$!
ST_STATUS=0
wait "$ST_PID" || ST_STATUS=$?
ST_PID=
wait "$TAIL_PID" || true
TAIL_PID=
stop_server

# 5. The verdict.
failures=()
if [ "$ST_STATUS" -eq 124 ] || [ "$ST_STATUS" -eq 137 ]; then
  failures+=("the run hit the time limit of ${TIME_LIMIT}s (FUZZ_TIME_LIMIT) before it finished")
elif [ "$ST_STATUS" -ne 0 ]; then
  failures+=("schemathesis reported failures or errors (exit $ST_STATUS; see above)")
fi
# Django logs each 5xx with its traceback; gunicorn logs crashed and timed-out workers.
server_errors() {
  grep -q -E 'Traceback|^Internal Server Error|\[(ERROR|CRITICAL)\]' "$LOGS/server.log"
}
if server_errors; then
  failures+=("the server logged errors (below)")
fi
# Each distinct error of server.log once, with its traceback. A log record starts with a line
# like "Internal Server Error: /path" (Django; "Forbidden: /path" and the like for each 4xx)
# or "[date] [pid] [LEVEL]" (gunicorn); an error's key is its first line and the last
# unindented line of its traceback (the exception).
print_server_errors() {
  awk '
    function flush() {
      if (block != "" && ++seen[head " | " key] == 1) printf "%s", block
      block = ""; key = ""
    }
    /^[A-Z][A-Za-z -]+: \// || /^\[[0-9][0-9][0-9][0-9]-/ {
      flush()
      if (/^Internal Server Error: / || /\[(ERROR|CRITICAL)\]/) { head = $0; block = $0 "\n" }
      next
    }
    block != "" {
      block = block $0 "\n"
      if (/^[^ \t]/ && !/^(Traceback|During handling|The above exception)/) key = $0
    }
    END {
      flush()
      for (k in seen) if (seen[k] > 1) printf "(%d times: %s)\n", seen[k], k
    }' "$LOGS/server.log"
}

echo
say "summary"
echo "  operations: $(grep -m1 -oP 'Tested: \K[0-9]+' "$LOGS/st.log" || echo '?') tested"
echo "  test cases: $(grep -m1 -oP '[0-9]+(?= generated)' "$LOGS/st.log" || echo '?') generated"
echo "  requests by status: $(awk '{print $1}' "$LOGS/access.log" | sort | uniq -c |
  awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')"
echo "  failures: $(grep -m1 -oP '[0-9]+(?= unique failures)' "$LOGS/st.log" || echo 0) unique"
if [ "${#failures[@]}" -gt 0 ]; then
  for failure in "${failures[@]}"; do say "FAILED: $failure"; done
  server_errors && print_server_errors
  say "to reproduce: serve the same data on the same port, then send a request shown above:"
  say "  DATABASE_URL=$FUZZ_DB_URL $BIN/gunicorn exile_api.wsgi -b $HOST:$PORT"
  say "or rerun the same examples: FUZZ_SEED=<the seed above> $0"
  STATUS=1
  exit 1
fi
say "passed"
STATUS=0
