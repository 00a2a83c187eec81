"""`make bench`: the API's throughput and latency at two data scales, against a floor.

For each scale (BENCH_SCALES, default "small,large"):

1. builds (or reuses) the synthetic dataset in its own database (scripts/bench/generate.py);
2. serves the API as in production (gunicorn -c python:exile_api.gunicorn_conf, 2 workers,
   DJANGO_ENV=production, rate limits off) and the floor (scripts/bench/floor.py) under the
   same gunicorn settings, both on free ports of 127.0.0.1;
3. checks that the floor answers the same JSON as the API for the same requests (the
   statistics list and detail, and the global search);
4. drives each endpoint with wrk (16 connections, 2 threads): a warm-up of BENCH_WARMUP
   seconds (default 5), then BENCH_SECONDS (default 10) measured; before and after, the
   request alone ("cold", on the fresh server, and "one request", on the warmed one);
5. times a large CSV export and samples the gunicorn workers' RSS during it, then the same
   export from the floor (PostgreSQL's COPY), for the CSV's share of the floor;
6. EXPLAIN (ANALYZE)s the floor's statements and the SQL the API runs for each
   benchmarked request, flagging sequential scans of the big tables.

Prints a table and writes bench/results/<timestamp>.json and bench/results/latest.json (plus
the plans as text), then checks issue 13's targets (scripts/bench/targets.py): each read's
target, measured value and met / not met at each scale, and the large-over-small growth per
read; printed, stored in the JSON under "targets" and written as Markdown tables to
<timestamp>-targets.md and latest-targets.md. Exits non-zero only on errors (non-2xx answers,
socket errors other than timeouts, JSON that differs from the floor's, a truncated export, a
server that does not start), never because something is slow: a target not met is reported,
not an error.
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(HERE))

import targets  # noqa: E402 (scripts/bench, on the path just above)

CONNECTIONS = 16
THREADS = 2
WORKERS = "2"
BIG_TABLES = (
    "resources_statistic",
    "resources_citation",
    "resources_mediaoutlet",
    "resources_organization",
    "resources_hostpolicy",
)
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
# Requests of the benchmark, the same at every scale.
DESTINATIONS = ["GE", "AM", "KZ", "TR", "RS", "DE", "LT", "LV"]
PERIOD_AFTER = "2023-06-01"
SEARCH_WORDS = ["Meduza", "Vilnius", "Svoboda", "Riga", "Holod"]
IN_FORCE_ON = "2024-01-01"
# Every limit on a client's requests off (exile_api/settings.py): the general rates, the costly
# reads' rates and their concurrency cap (as scripts/fuzz.sh does). wrk is one client: with
# any of them on, the summary, search, profile, CSV and q= reads would be measured as 429s.
NO_RATE_LIMITS = {
    "THROTTLE_ANON_RATE": "",
    "THROTTLE_USER_RATE": "",
    "THROTTLE_COSTLY_ANON_RATE": "",
    "THROTTLE_COSTLY_USER_RATE": "",
    "COSTLY_CONCURRENCY_ANON": "0",
    "COSTLY_CONCURRENCY_USER": "0",
}
# Seconds to wait for a server to finish the requests wrk left behind, before restarting it.
DRAIN_LIMIT = 20
# The request alone, before the load (unloaded_request): this many seconds without an answer
# is a failure; after the first answer, this many repeats within this many seconds.
UNLOADED_TIMEOUT = 45
UNLOADED_REPEATS = 5
UNLOADED_BUDGET = 10

_servers = []


# Servers ----------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn of ours, in its own process group, stopped on exit whatever happens."""

    def __init__(self, name, app, env, log_dir, extra_args=(), ready_path="/"):
        self.name, self.env, self.ready_path = name, env, ready_path
        self.log_path = log_dir / f"{name}.log"
        self.command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "python:exile_api.gunicorn_conf",
            *extra_args,
            app,
        ]
        self.restarts = 0
        self.start()

    def start(self):
        self.port = free_port()
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed by stop())
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": WORKERS}
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _servers.append(self)
        self.wait_ready(self.ready_path)

    def restart(self):
        """A fresh server (on a new port): what an abandoned backlog of requests leaves."""
        self.stop()
        self.restarts += 1
        self.start()

    def pending(self):
        """Connections to the server not yet answered: in its accept queue or in a worker
        (ESTABLISHED, SYN_RECV, CLOSE_WAIT on its port); wrk leaves them behind when it stops."""
        count = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                rows = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for row in rows:
                fields = row.split()
                local, state = fields[1], fields[3]
                if int(local.rsplit(":", 1)[1], 16) == self.port and state in {"01", "03", "08"}:
                    count += 1
        return count

    def drain(self, limit):
        """Wait until the server has answered everything it was sent (at most ``limit``
        seconds, else restart it), so that one endpoint's backlog never slows the next one."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            if self.pending() == 0:
                return round(time.monotonic() - started, 2), False
            time.sleep(0.1)
        self.restart()
        return round(time.monotonic() - started, 2), True

    def wait_ready(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            try:
                status, _ = http_get(self.port, path, timeout=5)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer on 127.0.0.1:{self.port}")

    def worker_pids(self):
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def worker_timeouts(self):
        """How often gunicorn killed a worker of this server for running past its timeout."""
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace").count("WORKER TIMEOUT")

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()
        if self in _servers:
            _servers.remove(self)


def stop_all(*_):
    for server in list(_servers):
        server.stop()


def on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


def http_get(port, path, *, host=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host or f"127.0.0.1:{port}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# Requests ---------------------------------------------------------------------------------


def endpoints(counts):
    """name -> (server, paths); the floor's two run the same paths as their API twins."""
    n = counts["statistics"]
    list_paths = [
        f"/api/v1/statistics/?destination={d}&period_after={PERIOD_AFTER}&limit=50"
        for d in DESTINATIONS
    ]
    detail_paths = [f"/api/v1/statistics/{1 + (k * 7919) % n}/" for k in range(500)]
    search_paths = [f"/api/v1/search/?q={w}" for w in SEARCH_WORDS]
    return {
        "statistics list": ("api", list_paths),
        "floor list": ("floor", list_paths),
        "statistic detail": ("api", detail_paths),
        "floor detail": ("floor", detail_paths),
        "policies in_force_on": (
            "api",
            [f"/api/v1/policies/?country={d}&in_force_on={IN_FORCE_ON}" for d in DESTINATIONS],
        ),
        "outlets search": ("api", [f"/api/v1/media-outlets/?q={w}" for w in SEARCH_WORDS]),
        "global search": ("api", search_paths),
        "floor search": ("floor", search_paths),
        "country profile": ("api", [f"/api/v1/countries/{d}/profile/" for d in DESTINATIONS[:4]]),
        "statistics summary": ("api", ["/api/v1/statistics/summary/"]),
        # The same requests again, to an API with the shared read cache on (filled by the
        # warm-up): what repeated anonymous reads cost.
        "statistics list, warm": ("api-cached", list_paths),
        "statistic detail, warm": ("api-cached", detail_paths),
        "country profile, warm": (
            "api-cached",
            [f"/api/v1/countries/{d}/profile/" for d in DESTINATIONS[:4]],
        ),
        "statistics summary, warm": ("api-cached", ["/api/v1/statistics/summary/"]),
    }


FLOOR_OF = {
    "statistics list": "floor list",
    "statistic detail": "floor detail",
    "statistics list, warm": "floor list",
    "statistic detail, warm": "floor detail",
    "global search": "floor search",
}


def csv_request(scale_counts, db_url):
    """The CSV export: the whole table, or at the large scale a filter of >= 100,000 rows."""
    if scale_counts["statistics"] <= 100_000:
        return "/api/v1/statistics/?format=csv", count_rows(db_url, None)
    # Periods start uniformly over 2022-2025: the later half of the start dates.
    for after in ("2024-01-01", "2023-10-01", "2023-06-01", "2022-01-01"):
        rows = count_rows(db_url, after)
        if rows >= 100_000:
            return f"/api/v1/statistics/?format=csv&period_after={after}", rows
    return "/api/v1/statistics/?format=csv", count_rows(db_url, None)


def count_rows(db_url, after):
    import psycopg2

    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        sql = "SELECT count(*) FROM resources_statistic WHERE publication_status = 'published'"
        if after:
            cur.execute(sql + " AND period_start >= %s", (after,))
        else:
            cur.execute(sql)
        rows = cur.fetchone()[0]
    conn.close()
    return rows


# Measuring --------------------------------------------------------------------------------


def run_wrk(port, paths, seconds, tmp):
    paths_file = tmp / f"paths-{port}-{len(paths)}.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(HERE / "report.lua"),
        f"http://127.0.0.1:{port}",
        "--",
        str(paths_file),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 90)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return json.loads(lines[-1])


def unloaded_request(server, path):
    """The request alone, before any load: the first answer (which pays what a worker's first
    request of a kind pays: a database connection, compiled templates and queries), then up to
    UNLOADED_REPEATS more within UNLOADED_BUDGET seconds; "ms" is their median, "first_ms"
    the first's. One sample alone made the targets' "one request" a coin toss."""
    times, status, size = [], None, 0
    budget_end = time.monotonic() + UNLOADED_BUDGET
    for attempt in range(1 + UNLOADED_REPEATS):
        if attempt and time.monotonic() > budget_end:
            break
        started = time.monotonic()
        try:
            status, body = http_get(server.port, path, timeout=UNLOADED_TIMEOUT)
        except TimeoutError:
            server.restart()
            return {"status": None, "ms": None, "error": f"no answer in {UNLOADED_TIMEOUT} s"}
        except OSError as exc:
            server.restart()
            return {"status": None, "ms": None, "error": f"{type(exc).__name__}: {exc}"}
        times.append((time.monotonic() - started) * 1000)
        size = len(body)
        if status != 200:
            break
    repeats = sorted(times[1:]) or times
    return {
        "status": status,
        "ms": round(repeats[len(repeats) // 2], 1),
        "first_ms": round(times[0], 1),
        "samples": len(repeats),
        "bytes": size,
    }


def measure(server, paths, warmup, seconds, tmp):
    """The request alone on the fresh server (``cold``), then the warm-up and the measured wrk
    run, each followed by a drain of what wrk left behind, then the request alone again
    (``unloaded``: what the targets' "one request" reads).

    Alone on a fresh server, each of gunicorn's worker threads pays once for its database
    connection's first query of each table (PostgreSQL loading its catalog caches: 10-90 ms
    seen), and which thread answered decided the median of five. After the load every
    connection has paid it, as on a service that has been running for a minute."""
    cold = unloaded_request(server, paths[0])
    restarted = 0
    warm = None
    if warmup > 0:
        warm = run_wrk(server.port, paths, warmup, tmp)
        restarted += server.drain(DRAIN_LIMIT)[1]
    stats = run_wrk(server.port, paths, seconds, tmp)
    # A refusal in the warm-up is as wrong as one measured (a rate limit left on, a timeout).
    stats["warmup_non2xx"] = warm["non2xx"] if warm else 0
    stats["drain_s"], again = server.drain(DRAIN_LIMIT)
    stats["server_restarts_after_backlog"] = restarted + again
    stats["cold"] = cold
    stats["unloaded"] = unloaded_request(server, paths[0]) if cold["status"] == 200 else cold
    if stats["requests"] == 0:  # nothing answered within the run: no latency to speak of
        stats["p50_ms"] = stats["p90_ms"] = stats["p99_ms"] = stats["max_ms"] = None
    return stats


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def csv_export(server, path, expected_rows, timeout):
    """Download the export, timing it and sampling the workers' RSS every 50 ms."""
    pids = server.worker_pids()
    timeouts_before = server.worker_timeouts()
    baseline = {pid: rss_kib(pid) for pid in pids}
    peak = dict(baseline)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            for pid in pids:
                value = rss_kib(pid)
                if value is not None and (peak.get(pid) or 0) < value:
                    peak[pid] = value
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    first_byte = None
    size = lines = 0
    status = None
    error = None
    cut_short = False
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=min(timeout, 60))
    try:
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{server.port}"})
        response = conn.getresponse()
        status = response.status
        while True:
            chunk = response.read1(65536)
            if not chunk:
                break
            if first_byte is None:
                first_byte = time.monotonic() - started
            size += len(chunk)
            lines += chunk.count(b"\n")
            if time.monotonic() - started > timeout:
                cut_short = True  # our time limit, not the server's failure
                break
    except TimeoutError:
        cut_short = True
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
    elapsed = time.monotonic() - started
    stop.set()
    sampler.join()
    rows = max(lines - 1, 0)
    time.sleep(1)  # a worker gunicorn killed takes a moment to go and be replaced
    growth = {
        str(pid): (peak[pid] - baseline[pid]) // 1024
        for pid in pids
        if peak.get(pid) is not None and baseline.get(pid) is not None
    }
    alive = server.worker_pids()
    if error is None and status != 200:
        error = f"HTTP {status}"
    if error is None and not cut_short and rows != expected_rows:
        error = f"truncated by the server: {rows} of {expected_rows} rows"
    killed = server.worker_timeouts() - timeouts_before
    if error is not None and killed:
        error += " (gunicorn killed the worker: WORKER TIMEOUT in its log)"
    return {
        "path": path,
        "status": status,
        "rows": rows,
        "expected_rows": expected_rows,
        "bytes": size,
        "seconds": round(elapsed, 2),
        "first_byte_s": round(first_byte, 3) if first_byte is not None else None,
        "rows_per_s": round(rows / elapsed, 1) if elapsed else None,
        "worker_rss_baseline_mib": {str(p): (v or 0) // 1024 for p, v in baseline.items()},
        "worker_rss_peak_growth_mib": growth,
        "peak_rss_growth_mib": max(growth.values(), default=None),
        "workers_replaced": sorted(set(pids) - set(alive)),
        "worker_timeouts": killed,
        "cut_short": cut_short,
        "error": error,
    }


# JSON check -------------------------------------------------------------------------------


def first_difference(a, b, where="$"):
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return f"{where}: {a!r:.80} != {b!r:.80}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{where}: keys {list(a)} != {list(b)}"
        for key in a:
            found = first_difference(a[key], b[key], f"{where}.{key}")
            if found:
                return found
    elif isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
    elif a != b:
        return f"{where}: {a!r:.80} != {b!r:.80}"
    return None


def same_hits(a, b):
    """Whether two search answers agree on the counts and on which hits come in which order."""

    def keys(answer):
        return [(hit.get("type"), hit.get("key")) for hit in answer.get("results", [])]

    return a.get("counts") == b.get("counts") and keys(a) == keys(b)


def compare_with_floor(servers, counts):
    """The floor's JSON against the API's for the same requests (the floor asked with the
    API's Host, so that the URLs in it match)."""
    api, floor = servers["api"], servers["floor"]
    n = counts["statistics"]
    paths = [
        f"/api/v1/statistics/?destination={d}&period_after={PERIOD_AFTER}&limit=50"
        for d in DESTINATIONS[:3]
    ]
    paths += [
        f"/api/v1/statistics/?destination=GE&period_after={PERIOD_AFTER}&limit=50&offset=50",
        f"/api/v1/statistics/?destination=AM&period_after={PERIOD_AFTER}&limit=20&offset=100",
        "/api/v1/statistics/?destination=LT&period_after=2025-12-01&limit=500",
    ]
    paths += [f"/api/v1/statistics/{1 + (k * 104729) % n}/" for k in range(10)]
    # Global search: every word of the benchmark, a misspelt name, two words, a short page.
    paths += [f"/api/v1/search/?q={w}" for w in SEARCH_WORDS]
    paths += [
        "/api/v1/search/?q=Vilnus",
        "/api/v1/search/?q=Free+Meduza",
        "/api/v1/search/?q=Riga&limit=5",
    ]
    checked = []
    for path in paths:
        api_status, api_body = http_get(api.port, path)
        floor_status, floor_body = http_get(floor.port, path, host=f"127.0.0.1:{api.port}")
        problem = None
        if api_status != 200 or floor_status != 200:
            problem = f"status API {api_status}, floor {floor_status}"
        else:
            a, b = json.loads(api_body), json.loads(floor_body)
            if a != b:
                problem = first_difference(a, b) or "differs"
                if path.startswith("/api/v1/search/") and same_hits(a, b):
                    problem += " (the counts and the ordered hits' keys are the same)"
        checked.append(
            {
                "path": path,
                "equal": problem is None,
                "problem": problem,
                "api_bytes": len(api_body),
                "floor_bytes": len(floor_body),
            }
        )
    return checked


# EXPLAIN ----------------------------------------------------------------------------------


def seq_scans(plan_text):
    return sorted({t for t in SEQ_SCAN.findall(plan_text) if t in BIG_TABLES})


def explain_floor(db_url, counts):
    import psycopg2
    from floor import PREPARE

    conn = psycopg2.connect(db_url)
    conn.autocommit = True
    base = "http://127.0.0.1:8000"
    plans = {}
    with conn.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
        for statement in PREPARE:
            cur.execute(statement)
        runs = {
            "floor list": (
                "EXECUTE floor_list(%s, %s, 50, 0, %s, %s, %s)",
                (DESTINATIONS[0], PERIOD_AFTER, base, "next", "previous"),
            ),
            "floor detail": ("EXECUTE floor_detail(%s, %s)", (counts["statistics"] // 2, base)),
            "floor search": (
                "EXECUTE floor_search(%s, %s, 20, %s)",
                (f"{SEARCH_WORDS[0]}:*", SEARCH_WORDS[0], base),
            ),
        }
        for name, (sql, params) in runs.items():
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            text = "\n".join(row[0] for row in cur.fetchall())
            plans[name] = {"plan": text, "seq_scans": seq_scans(text)}
    conn.close()
    return plans


def explain_api(db_url, requests, tmp):
    """The SQL the API runs for each request, EXPLAIN (ANALYZE)d, from a child process with
    Django set up on the benchmark database (see ``explain_api_child``)."""
    spec = tmp / "explain-requests.json"
    spec.write_text(json.dumps(requests))
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DATABASE_REPLICA_URLS": "",
        "DJANGO_ENV": "development",
        "DEBUG": "",
        **NO_RATE_LIMITS,
        "DJANGO_SETTINGS_MODULE": "exile_api.settings",
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__)), "--explain-api-child", str(spec)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"EXPLAIN of the API failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout)


def explain_api_child(spec_path):
    """Runs each request through Django's test client, captures its SQL and EXPLAIN
    (ANALYZE)s every SELECT. A CSV export is read for its first chunks only."""
    import itertools

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    requests = json.loads(Path(spec_path).read_text())
    client = Client()
    # One request first, so that the timings below leave out Django's one-off start-up work.
    client.get("/api/v1/health/", HTTP_HOST="127.0.0.1")
    out = {}
    for name, path in requests.items():
        with CaptureQueriesContext(connection) as captured:
            started = time.monotonic()
            response = client.get(path, HTTP_HOST="127.0.0.1")
            if response.streaming:
                list(itertools.islice(response.streaming_content, 1200))
                response.close()
            elapsed = time.monotonic() - started
        queries = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if sql.startswith("DECLARE"):
                sql = sql.split(" FOR ", 1)[1]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            with connection.cursor() as cur:
                # A measurement, not an anonymous read: the statement timeout the request set
                # on this session (exile_api/statement_timeout.py) would cancel the whole CSV
                # export's query, which the request itself only began to stream. Restored
                # after, so that the next request finds the session as it left it.
                cur.execute("SHOW statement_timeout")
                (timeout,) = cur.fetchone()
                cur.execute("SET statement_timeout = 0")
                try:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = "\n".join(row[0] for row in cur.fetchall())
                finally:
                    cur.execute("SELECT set_config('statement_timeout', %s, false)", [timeout])
            total = re.search(r"Execution Time: ([\d.]+) ms", plan)
            queries.append(
                {
                    "sql": sql if len(sql) <= 4000 else sql[:4000] + " ...",
                    "execution_ms": float(total.group(1)) if total else None,
                    "seq_scans": seq_scans(plan),
                    "plan": plan,
                }
            )
        out[name] = {
            "path": path,
            "status": response.status_code,
            "in_process_ms": round(elapsed * 1000, 1),
            "queries": len(queries),
            "seq_scans": sorted({t for q in queries for t in q["seq_scans"]}),
            "plans": queries,
        }
    json.dump(out, sys.stdout)


# The run ----------------------------------------------------------------------------------


def run_scale(scale, args, tmp, logs, errors):
    from generate import SCALES, build

    counts = SCALES[scale]
    started = time.monotonic()
    db_url = build(scale)
    result = {"counts": counts, "database": db_url.rsplit("/", 1)[1], "endpoints": {}}
    api_env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DATABASE_REPLICA_URLS": "",  # every read from the benchmark's database
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "",
        **NO_RATE_LIMITS,
        # Plain HTTP on loopback, as docker-compose.yml does; behind TLS it stays on.
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "READ_CACHE_SECONDS": "0",  # cold: every request does its work
    }
    cached_env = {**api_env, "READ_CACHE_SECONDS": "300"}
    floor_env = {**os.environ, "FLOOR_DATABASE_URL": db_url}
    servers = {}
    try:
        servers["api"] = Server(
            f"{scale}-api", "exile_api.wsgi", api_env, logs, ready_path="/api/v1/health/"
        )
        servers["api-cached"] = Server(
            f"{scale}-api-cached", "exile_api.wsgi", cached_env, logs, ready_path="/api/v1/health/"
        )
        servers["floor"] = Server(
            f"{scale}-floor",
            "floor:application",
            floor_env,
            logs,
            extra_args=("--pythonpath", str(HERE)),
            ready_path="/api/v1/statistics/1/",
        )
        print(
            f"bench: {scale}: API on :{servers['api'].port} (read cache off), "
            f":{servers['api-cached'].port} (on), floor on :{servers['floor'].port}"
        )
        print(f"bench: {scale}: {HEADER}")

        result["json_check"] = compare_with_floor(servers, counts)
        bad = [c for c in result["json_check"] if not c["equal"]]
        for check in bad:
            errors.append(
                f"{scale}: floor JSON differs from the API's: {check['path']}: {check['problem']}"
            )
        print(
            f"bench: {scale}: JSON check: {len(result['json_check']) - len(bad)} of "
            f"{len(result['json_check'])} responses equal"
        )

        for name, (server_name, paths) in endpoints(counts).items():
            try:
                stats = measure(servers[server_name], paths, args.warmup, args.seconds, tmp)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                errors.append(f"{scale}: {name}: {exc}")
                continue
            stats["paths"] = len(paths)
            stats["example"] = paths[0]
            sock = stats["socket_errors"]
            stats["errors"] = stats["non2xx"] + sock["connect"] + sock["read"] + sock["write"]
            stats["errors"] += stats["warmup_non2xx"]
            if stats["errors"]:
                errors.append(
                    f"{scale}: {name}: {stats['non2xx']} non-2xx ({stats['status_429']} of them "
                    f"429, {stats['status_5xx']} 5xx; {stats['warmup_non2xx']} more in the "
                    f"warm-up), socket errors {sock}"
                )
            unloaded = stats["unloaded"]
            if unloaded["status"] is not None and unloaded["status"] != 200:
                stats["errors"] += 1
                errors.append(f"{scale}: {name}: {paths[0]} answered {unloaded['status']}")
            result["endpoints"][name] = stats
            print(f"bench: {scale}: {line(name, stats)}", flush=True)
        for name, floor_name in FLOOR_OF.items():
            api_stats = result["endpoints"].get(name)
            floor_stats = result["endpoints"].get(floor_name)
            if api_stats and floor_stats and api_stats["rps"]:
                api_stats["floor_rps_ratio"] = round(floor_stats["rps"] / api_stats["rps"], 2)
                api_stats["floor_p50_ratio"] = round(api_stats["p50_ms"] / floor_stats["p50_ms"], 2)

        path, rows = csv_request(counts, db_url)
        servers["api"].drain(DRAIN_LIMIT)
        export = csv_export(servers["api"], path, rows, args.csv_timeout)
        result["csv_export"] = export
        if export["error"]:
            errors.append(f"{scale}: CSV export {path}: {export['error']}")
        elif export["cut_short"]:
            export["note"] = (
                f"stopped by the benchmark after {args.csv_timeout} s (BENCH_CSV_TIMEOUT): "
                f"at {export['rows_per_s']} rows/s all {rows} rows would take about "
                f"{rows / export['rows_per_s']:.0f} s"
                if export["rows_per_s"]
                else f"no row in {args.csv_timeout} s"
            )
        print(
            f"bench: {scale}: CSV export of {export['rows']}/{rows} rows in {export['seconds']} s, "
            f"peak worker RSS growth {export['peak_rss_growth_mib']} MiB"
            + (f"  ERROR: {export['error']}" if export["error"] else "")
        )
        # The same export from the floor (PostgreSQL's COPY), downloaded the same way.
        servers["floor"].drain(DRAIN_LIMIT)
        floor_export = csv_export(servers["floor"], path, rows, args.csv_timeout)
        result["csv_export_floor"] = floor_export
        if floor_export["error"]:
            errors.append(f"{scale}: floor CSV export {path}: {floor_export['error']}")
        if export["rows_per_s"] and floor_export["rows_per_s"]:
            export["floor_share"] = round(export["rows_per_s"] / floor_export["rows_per_s"], 3)
        print(
            f"bench: {scale}: floor CSV export of {floor_export['rows']}/{rows} rows in "
            f"{floor_export['seconds']} s ({floor_export['rows_per_s']} rows/s)"
        )
        for server in servers.values():
            if server.process.poll() is not None:
                errors.append(f"{scale}: {server.name} died ({server.process.returncode})")
            result[f"{server.name}_worker_timeouts"] = server.worker_timeouts()
    finally:
        for server in servers.values():
            server.stop()

    result["explain_floor"] = explain_floor(db_url, counts)
    requests = {name: paths[0] for name, (srv, paths) in endpoints(counts).items() if srv == "api"}
    requests["csv export"] = path
    result["explain_api"] = explain_api(db_url, requests, tmp)
    result["seconds"] = round(time.monotonic() - started, 1)
    # Other work on the machine skews every number: say how busy it was.
    result["load_average_after"] = os.getloadavg()
    return result


def ms(value):
    return "-" if value is None else f"{value:.1f}"


def line(name, s):
    ratio = s.get("floor_rps_ratio")
    unloaded = s["unloaded"].get("ms")
    return (
        f"{name:22} {s['rps']:9.1f} {ms(s['p50_ms']):>9} {ms(s['p99_ms']):>9} "
        f"{s['errors']:6} {s['socket_errors']['timeout']:8} {ms(unloaded):>11} "
        f"{(f'{ratio:.2f}x' if ratio else ''):>13}"
    )


HEADER = (
    f"{'endpoint':22} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>6} {'timeouts':>8} "
    f"{'1 req ms':>11} {'floor/API rps':>13}"
)


def table(results):
    lines = [f"{'scale':6} {HEADER}"]
    for scale, result in results["scales"].items():
        for name, s in result["endpoints"].items():
            lines.append(f"{scale:6} {line(name, s)}")
        export = result.get("csv_export")
        if export:
            lines.append(
                f"{scale:6} {'CSV export':22} {export['rows']} of {export['expected_rows']} rows "
                f"in {export['seconds']} s ({export['rows_per_s']} rows/s, first byte after "
                f"{export['first_byte_s']} s), peak worker RSS growth "
                f"{export['peak_rss_growth_mib']} MiB"
                + (f", ERROR {export['error']}" if export["error"] else "")
                + (f"; {export['note']}" if export.get("note") else "")
            )
        floor_export = result.get("csv_export_floor")
        if floor_export:
            lines.append(
                f"{scale:6} {'floor CSV export':22} {floor_export['rows']} rows in "
                f"{floor_export['seconds']} s ({floor_export['rows_per_s']} rows/s), peak worker "
                f"RSS growth {floor_export['peak_rss_growth_mib']} MiB"
                + (f", ERROR {floor_export['error']}" if floor_export["error"] else "")
            )
        scans = {
            name: e["seq_scans"]
            for name, e in result.get("explain_api", {}).items()
            if e["seq_scans"]
        }
        for name, e in result.get("explain_floor", {}).items():
            if e["seq_scans"]:
                scans[name] = e["seq_scans"]
        lines.append(f"{scale:6} Seq Scans on big tables: {scans or 'none'}")
    return "\n".join(lines)


def plans_text(results):
    out = []
    for scale, result in results["scales"].items():
        for name, e in result.get("explain_floor", {}).items():
            out.append(f"===== {scale}: {name}\n{e['plan']}\n")
        for name, e in result.get("explain_api", {}).items():
            for i, q in enumerate(e["plans"], 1):
                out.append(
                    f"===== {scale}: API {name} ({e['path']}) query {i}/{len(e['plans'])}"
                    f"{'  SEQ SCAN: ' + ', '.join(q['seq_scans']) if q['seq_scans'] else ''}\n"
                    f"{q['sql']}\n\n{q['plan']}\n"
                )
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=os.environ.get("BENCH_SCALES", "small,large"))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", "5")))
    parser.add_argument(
        "--csv-timeout", type=int, default=int(os.environ.get("BENCH_CSV_TIMEOUT", "120"))
    )
    parser.add_argument("--explain-api-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.explain_api_child:
        explain_api_child(args.explain_api_child)
        return 0

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    logs = RESULTS / f"{stamp}-logs"  # the servers' logs, access log included
    logs.mkdir(parents=True, exist_ok=True)
    results = {
        "started_at": stamp,
        "settings": {
            "connections": CONNECTIONS,
            "threads": THREADS,
            "gunicorn_workers": int(WORKERS),
            "warmup_s": args.warmup,
            "seconds": args.seconds,
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
        },
        "scales": {},
        "errors": [],
    }
    errors = results["errors"]
    try:
        with tempfile.TemporaryDirectory(prefix="exile-bench-") as tmp:
            for scale in [s.strip() for s in args.scales.split(",") if s.strip()]:
                try:
                    results["scales"][scale] = run_scale(scale, args, Path(tmp), logs, errors)
                except Exception as exc:  # a crash of one scale is an error, not the end
                    errors.append(f"{scale}: {type(exc).__name__}: {exc}")
                    for log in sorted(logs.glob(f"{scale}-*.log")):
                        tail = log.read_text(errors="replace")[-2000:]
                        print(f"bench: {log.name}:\n{tail}", file=sys.stderr)
    finally:
        stop_all()
    results["seconds"] = round(time.monotonic() - started, 1)
    results["targets"] = targets.check(results)
    text = json.dumps(results, indent=2)
    (RESULTS / f"{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    report = targets.markdown(results["targets"], stamp, results["settings"])
    (RESULTS / f"{stamp}-targets.md").write_text(report)
    (RESULTS / "latest-targets.md").write_text(report)
    plans = plans_text(results)
    (RESULTS / f"{stamp}-plans.txt").write_text(plans)
    (RESULTS / "latest-plans.txt").write_text(plans)
    print()
    print(table(results))
    print()
    print(targets.table(results["targets"]))
    print(
        f"\nbench: {results['seconds']} s; results in {RESULTS / (stamp + '.json')} "
        f"(plans: {stamp}-plans.txt, targets: {stamp}-targets.md)"
    )
    if errors:
        print("\nbench: ERRORS:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
