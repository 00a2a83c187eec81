#!/usr/bin/env bash
# Fuzz the API with schemathesis against a live local server, over every operation in the
# OpenAPI schema, bounded in examples and in time. `make fuzz` runs it; tests/api/test_fuzz.py
# runs a small bounded run of it in `make test-servers`.
#
#   scripts/fuzz.sh                      25 examples per operation, at most 10 minutes
#   FUZZ_MAX_EXAMPLES=3 scripts/fuzz.sh  a quick run
#
# What it does:
#   1. Creates a dedicated database, exile_fuzz (FUZZ_DB_NAME), afresh on the server of
#      DATABASE_URL (by default the local cluster of scripts/devdb.sh, which must be running),
#      then migrates and seeds it. With FUZZ_DATABASE_URL it uses that database as it is.
#   2. Creates the fuzzer's identity there: fuzz-reviewer, a staff user (not a superuser, no
#      usable password) in the reviewers group, with two API keys expiring tomorrow: one with
#      the write and read-drafts scopes, one with read-drafts only. The keys are kept in the
#      logs directory only (deleted with it when the run passes), never printed.
#   3. Serves the app with gunicorn on 127.0.0.1 at a free port, DEBUG off.
#   4. Runs schemathesis in three passes. Reads (GET, HEAD, OPTIONS) are always anonymous;
#      writes (POST, PUT, PATCH, DELETE) carry the pass's key, if any (hooks.py adds it):
#        keyed       every operation: reads anonymously, writes with the write key
#        anonymous   every write operation, without credentials: each must be refused (4xx)
#        unscoped    every write operation, with the read-drafts-only key: each must be
#                    refused (403), the key lacking the write scope
#   5. Stops the server, whatever happens, and exits non-zero on any failure of any pass: a
#      5xx, a server traceback, a response that does not match the schema (status, body,
#      content type, headers: every status must be documented, there is no allowance list),
#      valid input refused or invalid input accepted, an error that is not an RFC 9457
#      problem, a write accepted without the right key, or the time limit reached.
#
# Settings (environment), with their defaults:
#   FUZZ_MAX_EXAMPLES  test cases per operation and phase (25)
#   FUZZ_TIME_LIMIT    seconds all passes together may take; past them the run fails (600)
#   FUZZ_WORKERS       concurrent schemathesis workers (2)
#   FUZZ_PHASES        schemathesis phases of the keyed pass (examples,coverage,fuzzing)
#   FUZZ_REFUSAL_PHASES  phases of the anonymous and unscoped passes (examples,fuzzing): a
#                      refusal depends on the credentials, not on the body; coverage would
#                      triple the run's length for little
#   FUZZ_SEED          a seed, to replay a run (the output prints each pass's seed)
#   FUZZ_DB_NAME       name of the dedicated database (exile_fuzz)
#   FUZZ_DATABASE_URL  use this database as it is (no creation, migration or seeding; the
#                      fuzzer's user and keys are still added, and the keyed pass writes to it)
#   FUZZ_KEEP_LOGS     1: keep the logs directory even when the run passes
#   VENV_BIN           where python, gunicorn and st are (.venv/bin)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/server.sh
. "$ROOT/scripts/lib/server.sh"

BIN=${VENV_BIN:-$ROOT/.venv/bin}
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-25}
TIME_LIMIT=${FUZZ_TIME_LIMIT:-600}
WORKERS=${FUZZ_WORKERS:-2}
PHASES=${FUZZ_PHASES:-examples,coverage,fuzzing}
REFUSAL_PHASES=${FUZZ_REFUSAL_PHASES:-examples,fuzzing}
DB_NAME=${FUZZ_DB_NAME:-exile_fuzz}

say() { echo "fuzz: $*"; }
die() { echo "fuzz: $*" >&2; exit 2; }

for tool in python gunicorn st; do
  [ -x "$BIN/$tool" ] || die "$BIN/$tool is missing: run 'make venv' first (or set VENV_BIN)"
done
[[ $DB_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || die "FUZZ_DB_NAME must be a plain lower-case name"

LOGS=$(mktemp -d "${TMPDIR:-/tmp}/exile-fuzz.XXXXXX")
ST_PID=
TAIL_PID=
STATUS=1

on_exit() {
  for pid in $ST_PID $TAIL_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  stop_api_server
  if [ "$STATUS" -eq 0 ] && [ "${FUZZ_KEEP_LOGS:-0}" != 1 ]; then
    rm -rf "$LOGS"
  else
    say "logs kept in $LOGS (server.log: server errors, access.log: every request," \
      "st-<pass>.log: each schemathesis pass, *.key: the fuzzer's API keys)"
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# 1. The database.
if [ -n "${FUZZ_DATABASE_URL:-}" ]; then
  FUZZ_DB_URL=$FUZZ_DATABASE_URL
  say "using the database of FUZZ_DATABASE_URL as it is"
else
  FUZZ_DB_URL=$("$BIN/python" scripts/fresh_db.py "$DB_NAME") \
    || die "could not create the database $DB_NAME (is the cluster running? scripts/devdb.sh start)"
  say "database $DB_NAME created; migrating and seeding it"
  DATABASE_URL=$FUZZ_DB_URL "$BIN/python" manage.py migrate --noinput >"$LOGS/migrate.log" 2>&1 \
    || { cat "$LOGS/migrate.log" >&2; die "migrations failed"; }
  DATABASE_URL=$FUZZ_DB_URL "$BIN/python" manage.py load_seed >"$LOGS/seed.log" 2>&1 \
    || { cat "$LOGS/seed.log" >&2; die "load_seed failed"; }
fi

# 2. The fuzzer's identity: a reviewer (staff, not a superuser, no usable password) and its
# keys. Created in any case, so that FUZZ_DATABASE_URL gets them too; the keys expire tomorrow
# (UTC), so that one left behind in a kept database does not stay valid.
DATABASE_URL=$FUZZ_DB_URL "$BIN/python" manage.py shell -c '
from django.contrib.auth.models import Group, User

user, _ = User.objects.get_or_create(username="fuzz-reviewer")
user.is_staff, user.is_superuser, user.is_active = True, False, True
user.set_unusable_password()
user.save()
user.groups.set([Group.objects.get(name="reviewers")])
user.user_permissions.clear()
' >"$LOGS/identity.log" 2>&1 \
  || { cat "$LOGS/identity.log" >&2; die "could not create the fuzzer's user"; }
EXPIRES=$("$BIN/python" -c 'import datetime as d
print(d.datetime.now(d.UTC).date() + d.timedelta(days=1))')
# create_key FILE NAME SCOPE...: the key's secret into FILE (mode 600), and nowhere else.
create_key() {
  local file=$1 name=$2 scope
  shift 2
  local args=(--name "$name" --owner fuzz-reviewer --expires "$EXPIRES")
  for scope in "$@"; do args+=(--scope "$scope"); done
  (umask 077 && DATABASE_URL=$FUZZ_DB_URL "$BIN/python" manage.py create_api_key "${args[@]}" \
    >"$file" 2>>"$LOGS/identity.log") \
    || { cat "$LOGS/identity.log" >&2; die "could not create the key $name"; }
  [ -s "$file" ] || die "create_api_key printed no key for $name"
}
create_key "$LOGS/write.key" "fuzz: writes" write read-drafts
create_key "$LOGS/unscoped.key" "fuzz: read-drafts only" read-drafts
say "user fuzz-reviewer (reviewers) with a write key and a read-drafts-only key"

# 3. The server, on a free loopback port.
PORT=$(free_port)
BASE=http://$API_HOST:$PORT
# As in production (scripts/lib/server.sh): gunicorn, two workers, DEBUG off; Django logs each
# 5xx with its traceback to server.log. The rate limits are off (an empty rate): a fuzzer is one
# client sending thousands of requests, and 429s would hide what it came to find.
start_api_server "$PORT" "$LOGS" DATABASE_URL="$FUZZ_DB_URL" THROTTLE_ANON_RATE= \
  THROTTLE_USER_RATE= THROTTLE_COSTLY_ANON_RATE= THROTTLE_COSTLY_USER_RATE=

say "waiting for $BASE/api/v1/health/"
wait_for_api "$BASE/api/v1/health/" 60

# 4. The checks schemathesis lacks, and the keys of writes, as a hooks file.
cat >"$LOGS/hooks.py" <<'PY'
"""Checks of the API's own contract, on top of schemathesis' built-in ones, and the key of
each pass (FUZZ_KEY_FILE): sent with writes only, reads stay anonymous."""

import json
import os
from pathlib import Path

import schemathesis
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_schema_conformance,
)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance"}
# Refusals the API gives before it looks at the key's scopes: a path no route matches (404),
# a body or query string too long (413, 414, by middleware) or of unknown length (411), an
# Accept it cannot meet (406).
REFUSED_BEFORE_PERMISSIONS = {404, 406, 411, 413, 414}
# The 400s given before the permission check: an unknown ?lang= (LanguageMixin.initial), a
# malformed Content-Length (middleware). Any other 400 means the view read the body.
BEFORE_PERMISSIONS_FIELDS = {"lang"}
# What no schema can say of a well-formed value: that the key names no record (a country code
# or slug that does not exist), or that a slug is already taken.
# The same for rules between a record's fields (value_low not above value) and between records
# (a public record may cite only public sources). And for a subscription: where a target
# URL's host resolves (never into a private network), and whether a filter, a query string,
# names the list filters of its type with valid values.
UNKNOWABLE_FROM_THE_SCHEMA = {
    "does_not_exist",
    "invalid_choice",
    "unique",
    "inconsistent",
    "unpublished_reference",
    "unsafe_url",
    "invalid_filter",
}
# Parameters that narrow a record to some of its fields: the schema's `required` lists describe
# the default representation (the parameters' descriptions say so).
NARROWING = ("fields", "omit", "brief")
KEY_FILE = os.environ.get("FUZZ_KEY_FILE")
KEY = Path(KEY_FILE).read_text().strip() if KEY_FILE else None


def is_write(response):
    return response.request.method.upper() in WRITES


def problem_of(response):
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def refused_before_permissions(response):
    if response.status_code in REFUSED_BEFORE_PERMISSIONS:
        return True
    if response.status_code != 400:
        return False
    body = problem_of(response) or {}
    if body.get("type") == "/api/problems/parse-error":
        return True  # a malformed Content-Length
    fields = {error.get("field") for error in body.get("errors") or []}
    return bool(fields) and fields <= BEFORE_PERMISSIONS_FIELDS


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Writes carry the pass's key, if it has one; reads are always anonymous."""
    if KEY and case.method.upper() in WRITES:
        case.headers = {**(case.headers or {}), "Authorization": f"Api-Key {KEY}"}


@schemathesis.check
def anonymous_write_refused(ctx, response, case):
    """No credentials are sent, so every write must be refused, with a 4xx."""
    if is_write(response) and not 400 <= response.status_code < 500:
        raise AssertionError(
            f"{response.request.method} without credentials was answered "
            f"{response.status_code}: a write must be refused (4xx) without the right key"
        )


@schemathesis.check
def unscoped_key_write_refused(ctx, response, case):
    """The key sent lacks the write scope, so every write must be refused before the view
    reads it: 403, or one of the refusals given before the permission check."""
    if not is_write(response) or response.status_code == 403:
        return
    if not refused_before_permissions(response):
        raise AssertionError(
            f"{response.request.method} with a key without the write scope was answered "
            f"{response.status_code}: a write must be refused (403) without the write scope"
        )


def names(value):
    """A comma-separated (or repeated) query parameter's names."""
    values = value if isinstance(value, list) else [value]
    return {name.strip() for item in values for name in str(item).split(",") if name.strip()}


@schemathesis.check
def response_conforms(ctx, response, case):
    """schemathesis' response_schema_conformance; a record narrowed by fields=, omit= or
    brief= must instead hold none but the fields asked for, and none of those omitted."""
    query = case.query or {}
    if not any(name in query for name in NARROWING) or response.status_code != 200:
        return response_schema_conformance(ctx, response, case)
    body = problem_of(response)
    if body is None:
        return None  # CSV: content_type_conformance covers it
    records = body.get("results", [body]) if isinstance(body.get("results"), list) else [body]
    kept, dropped = names(query.get("fields", "")), names(query.get("omit", ""))
    for record in records:
        extra = set(record) - kept if kept else set()
        if extra or set(record) & dropped:
            raise AssertionError(
                f"A narrowed record has fields it should not: {sorted(extra or set(record) & dropped)}"
            )
    return None


@schemathesis.check
def valid_data_accepted(ctx, response, case):
    """schemathesis' positive_data_acceptance, less the refusals no schema can rule out: a 400
    whose every error is about other records or other fields (above), and a 412 for an
    If-Match naming another version than the record's current one."""
    if response.status_code == 412 and "If-Match" in (case.headers or {}):
        return None
    if response.status_code == 400:
        errors = (problem_of(response) or {}).get("errors") or []
        if errors and all(e.get("code") in UNKNOWABLE_FROM_THE_SCHEMA for e in errors):
            return None
    return positive_data_acceptance(ctx, response, case)


@schemathesis.check
def errors_are_problems(ctx, response, case):
    """Every 4xx and 5xx is an RFC 9457 problem: application/problem+json, with its members,
    the status in the body equal to the response's."""
    if response.status_code < 400 or response.request.method.upper() == "HEAD":
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    body = problem_of(response)
    if not content_type.startswith("application/problem+json") or body is None:
        raise AssertionError(
            f"A {response.status_code} error is not a problem+json object "
            f"(Content-Type: {content_type or 'none'})"
        )
    missing = PROBLEM_MEMBERS - set(body)
    if missing or body.get("status") != response.status_code:
        raise AssertionError(
            f"A {response.status_code} problem lacks {sorted(missing)} or has another status"
        )
PY

# schemathesis' settings: a 412 is a refusal too (a precondition the client sent failed), beside
# those it counts already.
cat >"$LOGS/schemathesis.toml" <<'TOML'
[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 406, 409, 411, 412, 413, 414, 415, 422, 428, 429]
TOML

# 5. The passes. The stateful phase is left out by default (FUZZ_PHASES may add it): the
# schema has no links for it to follow, and it would take most of the time limit.
# Every built-in check, and the API's own: positive_data_acceptance through valid_data_accepted
# and response_schema_conformance through response_conforms (above). Left out: max_response_time
# (speed is make bench's business), object_level_authorization (it needs a second user's
# resources; tests/api/test_sensitive_fields.py and the visibility tests cover it), and, in the
# keyed pass only, ignored_auth: the hook puts the key on every write, so the check's requests
# without it still carry it (the anonymous pass runs it).
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance
CHECKS+=,response_headers_conformance,negative_data_rejection,use_after_free
CHECKS+=,ensure_resource_availability,missing_required_header,unsupported_method
CHECKS+=,allow_header_conformance,valid_data_accepted,response_conforms,errors_are_problems
# Every warning but two expected ones: missing_auth (writes without credentials get 401) and
# missing_deserializer (schemathesis cannot read CSV bodies).
WARNINGS=base_url_mismatch,missing_test_data,validation_mismatch,unused_openapi_auth
WARNINGS+=,unsupported_regex,method_not_allowed,unmatched_filter,unresolvable_reference
WARNINGS+=,low_valid_rate,rate_limited
WRITE_METHODS='^(POST|PUT|PATCH|DELETE)$'
# name|what it is|key file of writes (empty: none)|phases|checks added|methods (a regex;
# empty: every operation)
PASSES=(
  "keyed|reads anonymously, writes with the write key|$LOGS/write.key|$PHASES||"
  "anonymous|writes without credentials||$REFUSAL_PHASES|anonymous_write_refused,ignored_auth"\
"|$WRITE_METHODS"
  "unscoped|writes with a key without the write scope|$LOGS/unscoped.key|$REFUSAL_PHASES"\
"|unscoped_key_write_refused|$WRITE_METHODS"
)
DEADLINE=$(($(date +%s) + TIME_LIMIT))
failures=()

run_pass() {  # run_pass NAME KEY_FILE PHASES EXTRA_CHECKS METHOD_REGEX; sets PASS_STATUS
  local name=$1 key_file=$2 phases=$3 extra_checks=$4 methods=$5
  local checks=$CHECKS${extra_checks:+,$extra_checks}
  local left=$((DEADLINE - $(date +%s)))
  if [ "$left" -le 0 ]; then
    PASS_STATUS=124
    echo "(not run: no time left)" >"$LOGS/st-$name.log"
    return
  fi
  local args=(
    run "$BASE/api/schema/?format=json" --url "$BASE"
    --phases "$phases" --max-examples "$MAX_EXAMPLES" --workers "$WORKERS"
    --checks "$checks" --continue-on-failure --request-timeout 20 --warnings "$WARNINGS"
    --generation-database none --no-color
    # The key stays out of the output (curl commands show [Filtered]: it is in the logs).
    --output-sanitize "$([ -n "$key_file" ] && echo true || echo false)"
    --report junit,json --report-junit-path "$LOGS/junit-$name.xml"
    --report-json-path "$LOGS/report-$name.json"
  )
  [ -n "$methods" ] && args+=(--include-method-regex "$methods")
  [ -n "${FUZZ_SEED:-}" ] && args+=(--seed "$FUZZ_SEED")
  wc -l <"$LOGS/access.log" >"$LOGS/access-$name.start"
  say "pass $name: $MAX_EXAMPLES examples per operation, phases $phases, at most ${left}s left"
  # In the background, so that a signal to this script is handled at once (bash runs traps
  # only between foreground commands); from the logs directory, where schemathesis keeps its
  # replay cache (.schemathesis/); --foreground keeps it in this script's process group.
  (cd "$LOGS" && SCHEMATHESIS_HOOKS="$LOGS/hooks.py" FUZZ_KEY_FILE="$key_file" \
    exec timeout --foreground --kill-after=10 "$left" \
    "$BIN/st" --config-file "$LOGS/schemathesis.toml" "${args[@]}") \
    </dev/null >"$LOGS/st-$name.log" 2>&1 &
  ST_PID=$!
  tail -n +1 -f --pid="$ST_PID" "$LOGS/st-$name.log" &
  TAIL_PID=$!
  PASS_STATUS=0
  wait "$ST_PID" || PASS_STATUS=$?
  ST_PID=
  wait "$TAIL_PID" || true
  TAIL_PID=
  wc -l <"$LOGS/access.log" >"$LOGS/access-$name.end"
}

for pass in "${PASSES[@]}"; do
  IFS='|' read -r name what key_file phases extra_checks methods <<<"$pass"
  run_pass "$name" "$key_file" "$phases" "$extra_checks" "$methods"
  if [ "$PASS_STATUS" -eq 124 ] || [ "$PASS_STATUS" -eq 137 ]; then
    failures+=("pass $name ($what) hit the time limit of ${TIME_LIMIT}s (FUZZ_TIME_LIMIT)")
  elif [ "$PASS_STATUS" -ne 0 ]; then
    failures+=("pass $name ($what): schemathesis reported failures or errors (exit $PASS_STATUS)")
  fi
done
stop_api_server

# 6. The verdict.
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

# One pass's figures from its JSON report ("?" where the pass did not finish).
pass_figures() {
  "$BIN/python" - "$LOGS/report-$1.json" <<'PY'
import json
import sys

try:
    with open(sys.argv[1], encoding="utf-8") as file:
        report = json.load(file)
except (OSError, ValueError):
    report = {}
operations = (report.get("operations") or {}).get("tested", "?")
cases = report.get("test_cases") or {}
errors = sum(group.get("count", 0) for group in report.get("errors") or []) if report else "?"
print(
    f"operations: {operations} tested, test cases: {cases.get('generated', '?')} generated, "
    f"failures: {cases.get('unique_failures', '?')} unique, errors: {errors}"
)
PY
}

# The statuses the server answered during one pass, from its slice of access.log.
pass_statuses() {
  local start end
  start=$(cat "$LOGS/access-$1.start" 2>/dev/null || echo 0)
  end=$(cat "$LOGS/access-$1.end" 2>/dev/null || echo 0)
  sed -n "$((start + 1)),${end}p" "$LOGS/access.log" | awk '{print $1}' | sort | uniq -c |
    awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}'
}

echo
say "summary"
for pass in "${PASSES[@]}"; do
  IFS='|' read -r name what _ <<<"$pass"
  echo "  pass $name ($what):"
  echo "    $(pass_figures "$name")"
  echo "    requests by status: $(pass_statuses "$name")"
done
if [ "${#failures[@]}" -gt 0 ]; then
  for failure in "${failures[@]}"; do say "FAILED: $failure"; done
  server_errors && print_server_errors
  say "to reproduce: serve the same data on the same port, then send a request shown above:"
  say "  DATABASE_URL=$FUZZ_DB_URL $BIN/gunicorn exile_api.wsgi -b $API_HOST:$PORT"
  say "  with 'Authorization: Api-Key <key>' where a request shows [Filtered]: the keys are"
  say "  in $LOGS/write.key and $LOGS/unscoped.key"
  say "or rerun the same examples: FUZZ_SEED=<the seed of the pass above> $0"
  STATUS=1
  exit 1
fi
say "passed"
STATUS=0
