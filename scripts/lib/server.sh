# shellcheck shell=bash
# The API under gunicorn on a free port of 127.0.0.1, for the scripts that check it live
# (scripts/contract.sh, scripts/fuzz.sh): one place that says how it is served, so that they
# all test the same server.
#
# Sourced, not run. The sourcing script sets BIN (where python and gunicorn are), defines
# die MESSAGE (report and exit), and calls stop_api_server from its EXIT trap, so that the
# server goes whatever ends the run (a failure, Ctrl-C). One server at a time.
#
#   PORT=$(free_port)
#   start_api_server "$PORT" "$LOGS" THROTTLE_ANON_RATE=...
#   wait_for_api "http://$API_HOST:$PORT/api/v1/health/" 60
#   ...
#   stop_api_server

API_HOST=127.0.0.1
API_SERVER_PID=
API_SERVER_LOG=

# free_port: print a port of API_HOST that nothing listens on (the system picks it).
free_port() {
  "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_api_server PORT LOGS [NAME=VALUE...]: gunicorn in the background on API_HOST:PORT, as
# in production (the Dockerfile's exile_api/gunicorn_conf.py), DEBUG off, no cap on concurrent
# costly reads; NAME=VALUE settings come on top (the rate limits, DATABASE_URL). Warnings and
# Django's 5xx tracebacks go to LOGS/server.log, each request as 'STATUS "LINE"' to
# LOGS/access.log. Sets API_SERVER_PID and API_SERVER_LOG.
start_api_server() {
  local port=$1 logs=$2
  shift 2
  env DJANGO_ENV=development DEBUG=0 COSTLY_CONCURRENCY_ANON=0 COSTLY_CONCURRENCY_USER=0 "$@" \
    "$BIN/gunicorn" -c python:exile_api.gunicorn_conf exile_api.wsgi --bind "$API_HOST:$port" \
    --graceful-timeout 5 --log-level warning --no-control-socket \
    --access-logfile "$logs/access.log" --access-logformat '%(s)s "%(r)s"' \
    >"$logs/server.log" 2>&1 &
  API_SERVER_PID=$!
  API_SERVER_LOG=$logs/server.log
}

# api_answers URL: whether a GET of URL succeeds within 2 seconds.
api_answers() {
  "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "$1" 2>/dev/null
}

# wait_for_api URL SECONDS: wait until URL answers: SECONDS x 5 tries 0.2 s apart (each try
# takes time too, so the whole wait is longer). If the server exits first, or never answers,
# print its log and die.
wait_for_api() {
  local url=$1 seconds=$2
  for _ in $(seq $((seconds * 5))); do
    kill -0 "$API_SERVER_PID" 2>/dev/null || { cat "$API_SERVER_LOG" >&2; die "the server exited"; }
    api_answers "$url" && break
    sleep 0.2
  done
  api_answers "$url" || { cat "$API_SERVER_LOG" >&2; die "the server did not become healthy"; }
}

# stop_api_server: stop the server, if it runs; safe to call twice (the EXIT trap does).
stop_api_server() {
  if [ -n "$API_SERVER_PID" ] && kill -0 "$API_SERVER_PID" 2>/dev/null; then
    kill -TERM "$API_SERVER_PID" 2>/dev/null || true
    # gunicorn stops its workers gracefully; give it a few seconds, then insist.
    for _ in $(seq 50); do kill -0 "$API_SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$API_SERVER_PID" 2>/dev/null || true
    wait "$API_SERVER_PID" 2>/dev/null || true
  fi
  API_SERVER_PID=
}
