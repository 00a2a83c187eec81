"""Build the benchmark's synthetic dataset in its own database, in SQL (INSERT ... SELECT
generate_series): deterministic, every record published with at least one citation.

    python scripts/bench/generate.py small|large|tiny [--admin-url URL]

The database (exile_bench_<scale>) lives on the cluster of DATABASE_URL, or the dev cluster.
It is created and migrated (manage.py migrate) when missing; a table bench_marker records
the counts it was built with, so a rerun with the same counts reuses it. Never the database
`make run` serves. The stored search vectors are computed by PostgreSQL (generated columns).
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extras

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = f"postgres://exile@127.0.0.1:{os.environ.get('DEV_DB_PORT', '54329')}/exile_api"

# statistics, outlets, organizations, policies, sources
SCALES = {
    name: dict(
        zip(("statistics", "outlets", "organizations", "policies", "sources"), n, strict=True)
    )
    for name, n in {
        "tiny": (2_000, 200, 200, 100, 100),
        "small": (20_000, 2_000, 2_000, 1_000, 500),
        "large": (200_000, 20_000, 20_000, 10_000, 5_000),
    }.items()
}
# The destinations figures are spread over, in this order (i % 40).
DESTINATIONS = [
    *("GE", "AM", "KZ", "TR", "RS", "DE", "LT", "LV", "EE", "FI", "PL", "IL", "AE", "TH"),
    *("ID", "US", "CA", "GB", "FR", "ES", "PT", "IT", "NL", "CZ", "CY", "ME", "KG", "UZ"),
    *("MN", "AR", "BR", "MX", "TJ", "AZ", "BY", "UA", "MD", "BG", "HU", "AT"),
]
# Words the names and texts are made of: what the search benchmarks look for.
NAMES = [
    *("Meduza", "Dozhd", "Novaya", "Svoboda", "Zerkalo", "Insider", "Agentstvo", "Holod"),
    *("Verstka", "Mediazona", "Echo", "Kasparov", "Vilnius", "Riga", "Tbilisi", "Yerevan"),
    *("Almaty", "Berlin", "Prague", "Warsaw"),
]
ADJECTIVES = [
    *("Free", "Independent", "Open", "Exile", "Civic", "Digital", "Baltic", "Caucasus"),
    *("Northern", "Southern"),
]
VERSION = 1  # bump when the generated data changes shape


def database_url(scale):
    base = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    return urlunsplit(base._replace(path=f"/exile_bench_{scale}"))


def admin_url(url):
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def sql_array(values):
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def marker_matches(url, counts):
    try:
        conn = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return None  # no database
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_marker') IS NOT NULL")
            if not cur.fetchone()[0]:
                return False
            cur.execute("SELECT version, counts FROM bench_marker")
            row = cur.fetchone()
            return row is not None and row[0] == VERSION and row[1] == counts
    finally:
        conn.close()


def recreate(url):
    name = urlsplit(url).path.lstrip("/")
    conn = psycopg2.connect(admin_url(url))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    migrate(url)


def migrate(url):
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_ENV": "development"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def statements(c):
    """The INSERTs, in order; every id explicit, so the data is the same on every build."""
    dest = sql_array(DESTINATIONS)
    names = sql_array(NAMES)
    adjectives = sql_array(ADJECTIVES)
    metrics = sql_array(
        [
            *("arrivals", "departures", "daily_arrivals", "returns", "emigrant_population"),
            *("arrivals", "departures", "expulsions"),
        ]
    )
    qualifiers = sql_array(["exact", "about", "at_least", "at_most", "more_than", "exact"])
    # created_at: one second apart; every 7th without microseconds (API output omits them)
    ts = (
        "(timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second'"
        " + (i % 7) * interval '1.000123 millisecond')"
    )
    curated = f"{ts}, {ts}, 'published', {ts}, NULL, ''"
    curated_cols = (
        "created_at, updated_at, publication_status, published_at, retracted_at, retraction_reason"
    )
    ct = "(SELECT id FROM django_content_type WHERE app_label = 'resources' AND model = '{}')"
    S = c["sources"]
    yield f"""
    INSERT INTO resources_source (id, slug, title, authors, publisher, published_on, year,
        web_url, kind, notes, {curated_cols})
    SELECT i, 'bench-source-' || i, 'Report ' || i || ' on ' || ({names})[i % 20 + 1],
        'Author ' || (i % 50), 'Publisher ' || (i % 10), NULL, 2022 + i % 3,
        'https://example.org/source/' || i,
        (ARRAY['report','article','dataset','official_statistics'])[i % 4 + 1],
        'Synthetic source for the benchmark.', {curated}
    FROM generate_series(1, {S}) AS i"""
    yield f"""
    INSERT INTO resources_exilegroup (id, slug, name, name_ru, description, description_ru,
        {curated_cols})
    SELECT i, 'bench-group-' || i, 'Bench group ' || i, '', 'Synthetic exile group ' || i, '',
        {curated}
    FROM generate_series(1, 8) AS i"""
    yield f"""
    INSERT INTO resources_statistic (id, slug, origin_id, destination_id, exile_group_id,
        metric, unit, measure, counting_method, value, value_low, value_high, qualifier,
        period_start, period_end, is_historical, notes, {curated_cols})
    SELECT i, 'bench-stat-' || i, 'RU',
        CASE WHEN i % 50 = 0 THEN NULL ELSE ({dest})[i % 40 + 1] END,
        CASE WHEN i % 4 = 0 THEN NULL ELSE i % 8 + 1 END,
        ({metrics})[i % 8 + 1], 'people', 'flow', 'unspecified',
        v, CASE WHEN i % 3 = 0 THEN round(v * 0.8, 2) END,
        CASE WHEN i % 3 = 0 THEN round(v * 1.2, 2) END,
        ({qualifiers})[i % 6 + 1],
        CASE WHEN i % 97 = 0 THEN NULL ELSE date '2022-01-01' + (i * 37) % 1460 END,
        CASE WHEN i % 97 = 0 OR i % 4 = 0 THEN NULL
             ELSE date '2022-01-01' + (i * 37) % 1460 + i % 120 END,
        false,
        'Synthetic figure ' || i || ' reported by ' || ({names})[i % 20 + 1] || ' for '
            || ({adjectives})[i % 10 + 1] || ' arrivals.',
        {curated}
    FROM generate_series(1, {c["statistics"]}) AS i,
        LATERAL (SELECT ((i * 7919) % 100000)::numeric + CASE WHEN i % 5 = 0 THEN 0.5 ELSE 0 END
                 AS v) AS value"""
    yield f"""
    INSERT INTO resources_organization (id, name, slug, kind, name_ru, description,
        description_ru, country_id, city, founded_year, dissolved_year, status, website,
        contact_details, internal_notes, {curated_cols})
    SELECT i, ({names})[i % 20 + 1] || ' ' || ({adjectives})[(i / 20) % 10 + 1] || ' Society ' || i,
        'bench-org-' || i,
        (ARRAY['ngo','political_organization','research_institute','funder'])[i % 4 + 1], '',
        'Synthetic organization helping exiles in ' || ({names})[(i * 3) % 20 + 1] || '.', '',
        ({dest})[i % 40 + 1], ({names})[(i * 7) % 20 + 1], 2000 + i % 24, NULL,
        'active', '', '', '', {curated}
    FROM generate_series(1, {c["organizations"]}) AS i"""
    yield f"""
    INSERT INTO resources_mediaoutlet (id, name, slug, kind, name_ru, description,
        description_ru, country_id, city, languages, active_from_year, active_to_year, status,
        affiliated_organization_id, contact_details, internal_notes, {curated_cols})
    SELECT i, ({names})[i % 20 + 1] || ' ' || ({adjectives})[(i / 20) % 10 + 1] || ' ' || i,
        'bench-outlet-' || i,
        (ARRAY['news_site','tv','radio','youtube_channel','telegram_channel'])[i % 5 + 1], '',
        'Synthetic outlet reporting from ' || ({names})[(i * 3) % 20 + 1] || '.', '',
        ({dest})[i % 40 + 1], ({names})[(i * 7) % 20 + 1], ARRAY['ru']::varchar[],
        2000 + i % 24, NULL, 'active',
        CASE WHEN i % 10 = 0 THEN (i % {c["organizations"]}) + 1 END, '', '', {curated}
    FROM generate_series(1, {c["outlets"]}) AS i"""
    yield f"""
    INSERT INTO resources_hostpolicy (id, slug, country_id, title, topic, stance, title_ru,
        summary, summary_ru, conditions, status, legal_reference, announced_on,
        effective_from, effective_to, is_historical, {curated_cols})
    SELECT i, 'bench-policy-' || i, ({dest})[i % 40 + 1],
        'Policy ' || i || ' on ' || t, t,
        (ARRAY['welcoming','supportive','neutral','restrictive'])[i % 4 + 1], '',
        'Synthetic policy on ' || t || ' for exiles from Russia.', '', '',
        (ARRAY['in_force','in_force','announced','repealed','suspended'])[i % 5 + 1], '',
        date '2022-01-01' + (i * 11) % 1000,
        date '2022-01-01' + (i * 11) % 1000 + 30,
        CASE WHEN i % 3 = 0 THEN date '2022-01-01' + (i * 11) % 1000 + 400 END,
        i % 20 = 0, {curated}
    FROM generate_series(1, {c["policies"]}) AS i,
        LATERAL (SELECT (ARRAY['entry_and_visas','residence','work','company_registration',
                 'banking','asylum_and_refugees'])[i % 6 + 1] AS t) AS topic"""
    # Citations: one per record, a second one for every third statistic.
    parts = [
        ("statistic", c["statistics"], "figure", "i % 3 = 0"),
        ("mediaoutlet", c["outlets"], "outlet", "false"),
        ("organization", c["organizations"], "organization", "false"),
        ("hostpolicy", c["policies"], "policy", "false"),
    ]
    for model, count, what, second in parts:
        yield f"""
        INSERT INTO resources_citation (created_at, updated_at, content_type_id, object_id,
            source_id, locator, claim)
        SELECT {ts}, {ts}, {ct.format(model)}, i, (i * 13) % {S} + 1, 'para ' || n,
            'The source reports this {what} (' || i || ', ' || ({names})[(i + n) % 20 + 1] || ').'
        FROM generate_series(1, {count}) AS i, generate_series(1, 2) AS n
        WHERE n = 1 OR {second}
        ORDER BY i, n"""
    for table in (
        "resources_source",
        "resources_exilegroup",
        "resources_statistic",
        "resources_organization",
        "resources_mediaoutlet",
        "resources_hostpolicy",
    ):
        yield (
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def build(scale, *, quiet=False):
    counts = SCALES[scale]
    url = database_url(scale)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    if marker_matches(url, counts):
        say(f"generate: {scale}: exile_bench_{scale} already built, reused (migrated)")
        migrate(url)  # as a deploy does: the code measured may have migrations of its own
        return url
    started = time.monotonic()
    say(f"generate: {scale}: creating and migrating exile_bench_{scale}")
    recreate(url)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '256MB'")
        for sql in statements(counts):
            cur.execute(sql)
        # Written in SQL, so the history's triggers noted every record as changed outside the
        # app; synthetic data has no history to record (and recording 20,000 records on the
        # first request would be what the benchmark measured).
        cur.execute("DELETE FROM resources_pendingchange")
        cur.execute("CREATE TABLE bench_marker (version int, counts jsonb, built_at timestamptz)")
        cur.execute(
            "INSERT INTO bench_marker VALUES (%s, %s, now())",
            (VERSION, psycopg2.extras.Json(counts)),
        )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()
    say(f"generate: {scale}: built in {time.monotonic() - started:.0f} s: {counts}")
    return url


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", choices=sorted(SCALES))
    args = parser.parse_args()
    print(build(args.scale))


if __name__ == "__main__":
    main()
