#!/usr/bin/env bash
# Prove the OpenAPI description with real clients against a live local server: `make contract`.
#
# The description is what clients are generated from, so each step uses it the way a client
# author would, and fails on what would break them:
#   spec         openapi-spec-validator: the document is valid OpenAPI (3.0 or 3.1)
#   python       openapi-python-client generates a client; mypy --strict checks it with
#                tests/contract/example_client.py, which then runs against the server
#   typescript   openapi-typescript generates types; tsc (strict) checks
#                tests/contract/example_client.ts (openapi-fetch), which then runs on node
#   live         tests/contract/validate_live.py: every GET operation's live responses (JSON,
#                CSV, 304) and one error of each kind, validated against the description
#   spectral     Spectral's OpenAPI rules (.spectral.yaml): no errors
# Each step prints one line (PASS or FAIL and its figures); a failing step also prints the end of
# its log. The script exits 1 when any step failed, 2 when it could not set up.
#
# Set-up: a database of its own, exile_contract (CONTRACT_DB_NAME), created afresh on the server
# of DATABASE_URL (the local cluster of scripts/devdb.sh, which must be running), migrated and
# seeded; a reviewer with an API key (write, read-drafts) for the checks that need one; gunicorn
# on a free port of 127.0.0.1, stopped on exit whatever happens. Everything generated goes to
# tests/contract/.generated/ (ignored by git), logs to its logs/ folder.
#
# Settings (environment): CONTRACT_DB_NAME (exile_contract), CONTRACT_LOG_LINES (lines of a
# failing step's log printed, 60), CONTRACT_STEP_TIMEOUT (seconds a step may take, 180),
# VENV_BIN (.venv/bin).
#
# No `set -e`: a failing step is recorded and the next one still runs, so that one run lists
# everything that is wrong; the set-up checks each command itself.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=scripts/lib/server.sh
. "$ROOT/scripts/lib/server.sh" || exit 2

BIN=${VENV_BIN:-$ROOT/.venv/bin}
DB_NAME=${CONTRACT_DB_NAME:-exile_contract}
LOG_LINES=${CONTRACT_LOG_LINES:-60}
CONTRACT=tests/contract
OUT=$CONTRACT/.generated
LOGS=$OUT/logs
SCHEMA=$OUT/schema.json
# Each step is bounded, so that the run stops by itself even if a client hangs.
STEP_TIMEOUT=${CONTRACT_STEP_TIMEOUT:-180}
# Tools of the npm packages must not phone home (Spectral depends on @scarf/scarf).
export SCARF_ANALYTICS=false DO_NOT_TRACK=1 NO_UPDATE_NOTIFIER=1

say() { echo "contract: $*"; }
die() { echo "contract: $*" >&2; exit 2; }

for tool in python gunicorn openapi-spec-validator openapi-python-client mypy; do
  [ -x "$BIN/$tool" ] || die "$BIN/$tool is missing: run 'make venv' first (or set VENV_BIN)"
done
for tool in node npm; do
  command -v "$tool" >/dev/null || die "$tool is missing: make contract needs Node 20 and npm"
done
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || die "make contract needs Node 20 or later, not $(node --version)"
[[ $DB_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || die "CONTRACT_DB_NAME must be a plain lower-case name"

START=$(date +%s)
KEY_FILE=$LOGS/write.key
on_exit() {
  stop_api_server
  # The key is of a throw-away database, but a secret all the same: gone with the run.
  rm -f "$KEY_FILE"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

rm -rf "$OUT"
mkdir -p "$LOGS"

# --- Set-up --------------------------------------------------------------------------------

# The npm tools, exactly as package-lock.json pins them. npm ci starts from an empty
# node_modules each time, so it is skipped when node_modules was installed from this very lock.
# --ignore-scripts: none of these packages needs an install script, and none may run one.
LOCK_SUM=$(sha256sum package-lock.json | cut -c1-64)
if [ "$(cat node_modules/.contract-lock-sum 2>/dev/null)" != "$LOCK_SUM" ]; then
  say "installing the npm tools (npm ci)"
  npm ci --ignore-scripts --no-audit --no-fund >"$LOGS/npm-ci.log" 2>&1 \
    || { cat "$LOGS/npm-ci.log" >&2; die "npm ci failed"; }
  echo "$LOCK_SUM" >node_modules/.contract-lock-sum
fi
NPM_BIN=$ROOT/node_modules/.bin

# The database, afresh each run: the checks start from the seed data alone.
CONTRACT_DB_URL=$("$BIN/python" scripts/fresh_db.py "$DB_NAME") \
  || die "could not create the database $DB_NAME (is the cluster running? scripts/devdb.sh start)"
export DATABASE_URL=$CONTRACT_DB_URL
say "database $DB_NAME created; migrating and seeding it"
"$BIN/python" manage.py migrate --noinput >"$LOGS/migrate.log" 2>&1 \
  || { cat "$LOGS/migrate.log" >&2; die "migrations failed"; }
"$BIN/python" manage.py load_seed >"$LOGS/seed.log" 2>&1 \
  || { cat "$LOGS/seed.log" >&2; die "load_seed failed"; }

# The description, as `manage.py spectacular` writes it (the same generator serves
# /api/schema/; validate_live.py checks that the served one is this one).
"$BIN/python" manage.py spectacular --format openapi-json --file "$SCHEMA" \
  >"$LOGS/spectacular.log" 2>&1 || { cat "$LOGS/spectacular.log" >&2; die "spectacular failed"; }

# A reviewer (staff, no usable password, not a superuser) and a key with the write and
# read-drafts scopes: for the reads of an editor, and for the errors only writes give (405, 409,
# 412, 413, 415). The key expires tomorrow and lives in the logs folder (mode 600) for the run
# only, never printed.
"$BIN/python" manage.py shell -c '
from django.contrib.auth.models import Group, User

user, _ = User.objects.get_or_create(username="contract-reviewer")
user.is_staff, user.is_superuser, user.is_active = True, False, True
user.set_unusable_password()
user.save()
user.groups.set([Group.objects.get(name="reviewers")])

# A subscription of its own, with one delivery in its log: the owner-only reads have a record.
from resources.models import Change, Delivery, Subscription
from resources.subscriptions import payload
subscription, _ = Subscription.objects.get_or_create(
    owner=user, target_url="https://hooks.example.org/contract", filter="type=policy",
    defaults={"types": ["policy"]},
)
change = Change.objects.filter(content_type__model="hostpolicy").order_by("id").last()
Delivery.objects.get_or_create(
    subscription=subscription, change=change,
    defaults={"event": f"policy.{change.action}", "body": payload(change, True)},
)
' >"$LOGS/identity.log" 2>&1 || { cat "$LOGS/identity.log" >&2; die "could not create the user"; }
EXPIRES=$("$BIN/python" -c 'import datetime as d
print(d.datetime.now(d.UTC).date() + d.timedelta(days=1))')
(umask 077 && "$BIN/python" manage.py create_api_key --name "contract: checks" \
  --owner contract-reviewer --expires "$EXPIRES" --scope write --scope read-drafts \
  >"$KEY_FILE" 2>>"$LOGS/identity.log") \
  || { cat "$LOGS/identity.log" >&2; die "could not create the API key"; }

# The server: gunicorn as in production (scripts/lib/server.sh), DEBUG off, on a free loopback
# port. The rate limits are not turned off (an empty rate would) but set far above what one run
# sends: no 429 ever, and the X-RateLimit-* headers are still sent, so checked.
PORT=$(free_port)
BASE=http://$API_HOST:$PORT
start_api_server "$PORT" "$LOGS" THROTTLE_ANON_RATE=100000/min THROTTLE_USER_RATE=100000/min \
  THROTTLE_COSTLY_ANON_RATE=100000/min THROTTLE_COSTLY_USER_RATE=100000/min
wait_for_api "$BASE/api/v1/health/" 60
say "server on $BASE (set up in $(($(date +%s) - START))s)"

# --- The steps -----------------------------------------------------------------------------

# run_step NAME FUNCTION: runs FUNCTION with its output in $LOGS/NAME.log; FUNCTION leaves its
# one-line figures in $LOGS/NAME.summary. Prints the step's line; records a failure.
FAILED=()
RESULTS=()
run_step() {
  local name=$1 function=$2 status started line
  started=$(date +%s)
  : >"$LOGS/$name.summary"
  "$function" >"$LOGS/$name.log" 2>&1
  status=$?
  line="$name: $([ "$status" -eq 0 ] && echo PASS || echo FAIL)"
  line+=" ($(($(date +%s) - started))s) $(cat "$LOGS/$name.summary")"
  if [ "$status" -ne 0 ]; then
    FAILED+=("$name")
    echo "---- $name: last $LOG_LINES lines of $LOGS/$name.log"
    tail -n "$LOG_LINES" "$LOGS/$name.log"
    echo "----"
  fi
  RESULTS+=("$line")
  say "$line"
}
summary() { echo "$*" >"$LOGS/$CURRENT.summary"; }
bounded() { timeout --kill-after=10 "$STEP_TIMEOUT" "$@"; }

step_spec() {
  CURRENT=spec
  # The CLI reads every file with a YAML parser, as many OpenAPI tools do; when it cannot, the
  # same validator on the JSON-parsed document tells a file YAML readers reject (a finding too)
  # from an invalid description.
  bounded "$BIN/openapi-spec-validator" --validation-errors all "$SCHEMA" && {
    summary "OpenAPI $(schema_version): valid"
    return 0
  }
  "$BIN/python" - "$SCHEMA" "$LOGS/spec.summary" <<'PY'
import json
import sys

import yaml
from openapi_spec_validator.shortcuts import get_validator_cls

with open(sys.argv[1], encoding="utf-8") as file:
    text = file.read()
spec = json.loads(text)
errors = list(get_validator_cls(spec)(spec).iter_errors())
for error in errors:
    print(f"error at {'/'.join(map(str, error.absolute_path))}: {error.message[:300]}")
line = f"OpenAPI {spec['openapi']}: " + (f"{len(errors)} errors" if errors else "valid")
try:
    yaml.safe_load(text)
except yaml.YAMLError as error:
    line += f"; but YAML readers (the CLI) reject the file: {' '.join(str(error).split())}"
print(line)
with open(sys.argv[2], "w", encoding="utf-8") as file:
    file.write(line)
PY
  return 1
}
schema_version() {
  "$BIN/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["openapi"])' "$SCHEMA"
}

step_python() {
  CURRENT=python
  local generated=$OUT/python status=0 errors
  # --fail-on-warning: an operation or model the generator has to skip is a client that breaks.
  bounded "$BIN/openapi-python-client" generate --path "$SCHEMA" --meta none --overwrite \
    --fail-on-warning --config "$CONTRACT/openapi-python-client.yaml" \
    --output-path "$generated/exile_resources_api_client" \
    || { summary "openapi-python-client failed to generate the client"; return 1; }
  # An escape hatch in the example would hide what the types get wrong.
  if grep -nE 'type: *ignore|cast\(|\bAny\b' "$CONTRACT/example_client.py"; then
    summary "example_client.py uses type: ignore, cast or Any"
    return 1
  fi
  # --config-file "": as a client author would, without pyproject.toml's settings for the
  # project's own code (its Django plugin, its files).
  MYPYPATH=$generated bounded "$BIN/mypy" --config-file "" --strict --cache-dir "$OUT/mypy-cache" \
    --no-error-summary "$CONTRACT/example_client.py" "$generated/exile_resources_api_client" \
    >"$OUT/mypy.txt" 2>&1 || status=1
  cat "$OUT/mypy.txt"
  errors=$(grep -c ': error:' "$OUT/mypy.txt")
  # Run even when the types are wrong: what the client does at run time is the other half of
  # the checklist.
  if PYTHONPATH=$generated bounded "$BIN/python" "$CONTRACT/example_client.py" "$BASE"; then
    ran="example_client.py ran against the server"
  else
    ran="example_client.py FAILED against the server"
    status=1
  fi
  summary "mypy --strict: $errors errors; $ran"
  return "$status"
}

step_typescript() {
  CURRENT=typescript
  local status=0 errors
  # --default-non-nullable false: a field is present because it is required, not because it
  # has a default, so the types say exactly what the description says.
  bounded "$NPM_BIN/openapi-typescript" "$SCHEMA" --output "$OUT/schema.d.ts" \
    --default-non-nullable false \
    || { summary "openapi-typescript failed to generate the types"; return 1; }
  node "$CONTRACT/check_no_non_null.mjs" "$CONTRACT/example_client.ts" \
    || { summary "example_client.ts uses non-null assertions (!) or any"; return 1; }
  # tsconfig.json: --strict. It emits even when there are errors, so that the example runs
  # anyway: what the client does at run time is the other half of the checklist.
  bounded "$NPM_BIN/tsc" -p "$CONTRACT/tsconfig.json" >"$OUT/tsc.txt" 2>&1 || status=1
  cat "$OUT/tsc.txt"
  errors=$(grep -c 'error TS' "$OUT/tsc.txt")
  if [ -f "$OUT/ts/example_client.js" ] && bounded node "$OUT/ts/example_client.js" "$BASE"; then
    ran="example_client.ts ran against the server"
  else
    ran="example_client.ts FAILED against the server"
    status=1
  fi
  summary "tsc --strict: $errors errors; $ran"
  return "$status"
}

step_live() {
  CURRENT=live
  bounded "$BIN/python" "$CONTRACT/validate_live.py" --schema "$SCHEMA" --base-url "$BASE" \
    --key-file "$KEY_FILE" --summary-file "$LOGS/live.summary"
}

step_spectral() {
  CURRENT=spectral
  local status=0
  bounded "$NPM_BIN/spectral" lint --ruleset .spectral.yaml --fail-severity error \
    --format json --output "$OUT/spectral.json" --quiet "$SCHEMA" || status=$?
  # The JSON report, as a list a person reads, and the figures by severity and rule.
  "$BIN/python" - "$OUT/spectral.json" "$LOGS/spectral.summary" <<'PY' || status=1
import json
import sys
from collections import Counter

with open(sys.argv[1], encoding="utf-8") as file:
    results = json.load(file)
names = {0: "error", 1: "warning", 2: "info", 3: "hint"}
counts = Counter((names[result["severity"]], result["code"]) for result in results)
for result in results:
    where = ".".join(str(part) for part in result["path"])
    print(f"{names[result['severity']]} {result['code']}: {result['message']} at {where}")
figures = []
for severity in names.values():
    rules = {code: n for (level, code), n in counts.items() if level == severity}
    if rules:
        listed = ", ".join(f"{code} x{n}" for code, n in sorted(rules.items()))
        figures.append(f"{sum(rules.values())} {severity}s ({listed})")
with open(sys.argv[2], "w", encoding="utf-8") as file:
    file.write("; ".join(figures) or "no findings")
PY
  return "$status"
}

run_step spec step_spec
run_step python step_python
run_step typescript step_typescript
run_step live step_live
run_step spectral step_spectral
stop_api_server

# Django logs each 5xx with its traceback: a server error fails the run even if no check saw it.
if grep -qE 'Traceback|^Internal Server Error|\[(ERROR|CRITICAL)\]' "$LOGS/server.log"; then
  FAILED+=("server")
  RESULTS+=("server: FAIL logged errors (see $LOGS/server.log)")
  say "server: FAIL logged errors (see $LOGS/server.log)"
fi

echo
say "summary ($(($(date +%s) - START))s; logs in $LOGS)"
for line in "${RESULTS[@]}"; do echo "  $line"; done
if [ "${#FAILED[@]}" -gt 0 ]; then
  say "FAILED: ${FAILED[*]}"
  exit 1
fi
say "passed"
