"""gunicorn settings shared by the Docker image and scripts/fuzz.sh:
``gunicorn -c python:exile_api.gunicorn_conf exile_api.wsgi``.

Environment: GUNICORN_BIND (default 0.0.0.0:8000), GUNICORN_WORKERS (default 2),
GUNICORN_THREADS (default 4).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads, not sync workers: a sync worker is killed when one response takes longer than the
# timeout, which cut streamed CSV exports of 100,000 rows short (make bench saw it). A gthread
# worker keeps telling the arbiter it lives while its threads serve long responses, and keeps
# connections alive between requests.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
# gunicorn's own request-line limit (4094 bytes) would answer an HTML 414 before the app's
# JSON one (MAX_QUERY_STRING_BYTES, 4096): let the app decide.
limit_request_line = 8190
accesslog = "-"
