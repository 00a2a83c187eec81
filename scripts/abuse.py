"""`make abuse`: can one client, within its rate limit, stall the service for the others?

Replays the red team's scenario against `make bench`'s small dataset (exile_bench_small,
built by scripts/bench/generate.py when missing):

1. serves the API as in production (gunicorn with exile_api.gunicorn_conf, 2 workers,
   DJANGO_ENV=production, the read cache on, the rate limits and every other limit at their
   defaults or what the environment says) on a free port of 127.0.0.1;
2. phase 1: a victim reads statistics one by one (ABUSE_VICTIM_RATE a second, default 3);
3. phase 2: the same victim, while an attacker asks for the statistics summary with a random
   filter value each time (defeating the read cache) at ABUSE_ATTACK_RATE a minute (default
   270, under the general limit of 300), without waiting for answers (up to 16 at once);
4. prints the victim's p50 and p90 in each phase, every answer's status, and whether the
   victim's p90 under attack stayed under twice its p90 alone.

Victim and attacker are two clients as a deployment behind one trusted proxy sees them: the
server runs with NUM_PROXIES=1 and this script, playing the proxy, sends each client's own
address in X-Forwarded-For (198.51.100.x for the victim, 203.0.113.x for the attacker, new
ones each run so that earlier runs' counts do not matter). Every address a client could
spoof is to the left of that entry and ignored.

Bounded: at most ABUSE_PHASE_SECONDS (default 20) alone and twice that under attack, a fixed
number of requests, answers awaited for at most 30 s; about 90 s in all. Talks to 127.0.0.1
only (--host refuses anything else) and to the server it started, which it stops on exit
whatever happens. Exits 1 if the victim's p90 under attack is 2x its baseline or more, or if
the victim got anything but 200.
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import secrets
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "bench"))

from bench import Server, on_signal, stop_all  # noqa: E402
from generate import SCALES, build  # noqa: E402

SCALE = "small"
ANSWER_TIMEOUT = 30
ATTACK_CONCURRENCY = 16
LOOPBACK = "127.0.0.1"


def request(port, path, client, timeout=ANSWER_TIMEOUT):
    """GET ``path`` as ``client`` (its address in X-Forwarded-For, as the proxy adds it):
    (status or an error's name, seconds)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request(
            "GET", path, headers={"Host": LOOPBACK, "X-Forwarded-For": client, "Accept": "*/*"}
        )
        response = conn.getresponse()
        response.read()
        status = response.status
    except TimeoutError:
        status = "timeout"
    except (OSError, http.client.HTTPException) as exc:
        status = type(exc).__name__
    finally:
        conn.close()
    return status, time.monotonic() - started


def victim(port, client, rate, seconds, first_id, count, stop):
    """Statistic details at ``rate`` a second for ``seconds``: [(status, seconds), ...]."""
    results = []
    started = time.monotonic()
    for k in range(int(rate * seconds)):
        due = started + k / rate
        if stop.wait(max(0.0, due - time.monotonic())):
            break
        record = 1 + ((first_id + k) * 7919) % count
        results.append(request(port, f"/api/v1/statistics/{record}/", client))
    return results


def attacker(port, client, per_minute, seconds, stop):
    """Uncached summaries at ``per_minute``, not waiting for answers: Counter of statuses."""
    statuses = Counter()
    lock = threading.Lock()

    def one():
        value = f"0.{random.randrange(10**9):09d}"  # every figure matches; never cached
        status, _ = request(port, f"/api/v1/statistics/summary/?value_min={value}", client)
        with lock:
            statuses[status] += 1

    rate = per_minute / 60
    started = time.monotonic()
    with ThreadPoolExecutor(ATTACK_CONCURRENCY) as pool:
        for k in range(int(rate * seconds)):
            if stop.wait(max(0.0, started + k / rate - time.monotonic())):
                break
            pool.submit(one)
    return statuses


def percentile(values, q):
    if not values:
        return None
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def summary(results):
    times = [seconds for status, seconds in results if status == 200]
    return {
        "requests": len(results),
        "statuses": dict(Counter(str(status) for status, _ in results)),
        "p50_ms": round(percentile(times, 50), 1) if times else None,
        "p90_ms": round(percentile(times, 90), 1) if times else None,
    }


def clear_cache(db_url):
    """Nothing left from an earlier run: no stored reads, no rate-limit counts."""
    import psycopg2

    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM exile_api_cache")
    conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=LOOPBACK, help="only 127.0.0.1 is accepted")
    parser.add_argument(
        "--seconds", type=int, default=int(os.environ.get("ABUSE_PHASE_SECONDS", "20"))
    )
    parser.add_argument(
        "--victim-rate", type=float, default=float(os.environ.get("ABUSE_VICTIM_RATE", "3"))
    )
    parser.add_argument(
        "--attack-rate", type=int, default=int(os.environ.get("ABUSE_ATTACK_RATE", "270"))
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.host != LOOPBACK:
        parser.error(f"refusing {args.host!r}: this script only ever talks to {LOOPBACK}")
    if not (1 <= args.seconds <= 30 and 0 < args.victim_rate <= 5 and 0 < args.attack_rate <= 600):
        parser.error("bounds: 1-30 s a phase, a victim rate up to 5/s, an attack up to 600/min")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    db_url = build(SCALE)
    clear_cache(db_url)
    count = SCALES[SCALE]["statistics"]
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DATABASE_REPLICA_URLS": "",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": LOOPBACK,
        "DEBUG": "",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "READ_CACHE_SECONDS": "300",
        # This script is the one trusted proxy: it says which client each request is from.
        "NUM_PROXIES": "1",
    }
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"exile-abuse-{os.getpid()}"
    logs.mkdir(parents=True, exist_ok=True)
    victim_client = f"198.51.100.{random.randrange(1, 255)}"
    attacker_client = f"203.0.113.{random.randrange(1, 255)}"
    stop = threading.Event()
    started = time.monotonic()
    try:
        server = Server("abuse-api", "exile_api.wsgi", env, logs, ready_path="/api/v1/health/")
        print(f"abuse: API on {LOOPBACK}:{server.port}, {count} statistics (exile_bench_{SCALE})")
        print(f"abuse: phase 1: victim alone, {args.victim_rate}/s for {args.seconds} s")
        alone = victim(server.port, victim_client, args.victim_rate, args.seconds, 0, count, stop)
        print(f"abuse: phase 2: victim and attacker ({args.attack_rate}/min), {2 * args.seconds} s")
        with ThreadPoolExecutor(1) as pool:
            attack = pool.submit(
                attacker, server.port, attacker_client, args.attack_rate, 2 * args.seconds, stop
            )
            attacked = victim(
                server.port, victim_client, args.victim_rate, 2 * args.seconds, 10_000, count, stop
            )
            attack_statuses = attack.result(timeout=2 * args.seconds + ANSWER_TIMEOUT + 10)
        timeouts = server.worker_timeouts()
    finally:
        stop.set()
        stop_all()
    result = {
        "victim_alone": summary(alone),
        "victim_under_attack": summary(attacked),
        "attacker_statuses": {str(k): v for k, v in sorted(attack_statuses.items(), key=str)},
        "gunicorn_worker_timeouts": timeouts,
        "seconds": round(time.monotonic() - started, 1),
        "load_average_after": os.getloadavg(),
    }
    base, hit = result["victim_alone"]["p90_ms"], result["victim_under_attack"]["p90_ms"]
    held = base is not None and hit is not None and hit < 2 * base
    result["p90_under_twice_baseline"] = held
    victim_ok = set(result["victim_alone"]["statuses"]) | set(
        result["victim_under_attack"]["statuses"]
    ) <= {"200"}
    for name in ("victim_alone", "victim_under_attack"):
        figures = result[name]
        print(
            f"abuse: {name.replace('_', ' '):20} p50 {figures['p50_ms']} ms, p90 "
            f"{figures['p90_ms']} ms, {figures['requests']} requests, "
            f"statuses {figures['statuses']}"
        )
    print(f"abuse: attacker statuses {result['attacker_statuses']}")
    print(
        f"abuse: victim p90 under attack {hit} ms vs 2 x {base} ms alone: "
        f"{'HELD' if held else 'NOT HELD'}; worker timeouts {timeouts}; "
        f"{result['seconds']} s; load average {result['load_average_after'][0]:.2f}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    with contextlib.suppress(OSError):
        for log in logs.iterdir():
            log.unlink()
        logs.rmdir()
    return 0 if held and victim_ok else 1


if __name__ == "__main__":
    sys.exit(main())
