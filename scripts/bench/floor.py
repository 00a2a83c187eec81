"""The benchmark's floor: the fastest this machine can answer some of the API's reads with
the same JSON (or CSV) as the API, with no framework at all. A plain WSGI app on psycopg2, served by
gunicorn with the API's own settings (``-c python:exile_api.gunicorn_conf``):

    GET /api/v1/statistics/?destination=XX&period_after=YYYY-MM-DD[&limit=N][&offset=N]
    GET /api/v1/statistics/<id>/
    GET /api/v1/statistics/?format=csv[&period_after=YYYY-MM-DD]
    GET /api/v1/search/?q=...[&limit=N]

Each request is ONE prepared SQL statement that builds the whole response in PostgreSQL
(json_build_object / json_agg): the page of records with their nested origin, destination,
exile group and citations (with their source), and the count/next/previous envelope. The
destination is resolved by a scalar subquery, so the (destination, period_start) index
narrows the rows. One connection per worker thread, opened on its first request and kept.

The CSV export is PostgreSQL's ``COPY (SELECT ...) TO STDOUT WITH (FORMAT csv, HEADER)``
streamed as it comes: the same rows, order and columns as the API's export
(resources/api/exports.py), each cell flattened the same way (related records by key,
citations as "<source slug> <locator>: <claim>" joined with " | ", formulas neutralised).
Not byte for byte: COPY ends lines with LF where Python's csv writer writes CRLF.

The global search is one statement too (resources/search.py's two steps per type as CTEs:
rank and count each type's matches, each way to match a subquery its own index answers, then
the best hits' JSON with their ts_headline snippets, HTML-escaped with <mark> around matches),
English names only; bench.py checks that its JSON equals the API's.

Environment: FLOOR_DATABASE_URL (or DATABASE_URL).
"""

import json
import os
import queue
import re
import threading
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import psycopg2

MAX_LIMIT = 500
MAX_QUERY_WORDS = 10  # resources/search.py
MAX_SEARCH_HITS = 100  # resources/api/views.py
DEFAULT_LIMIT = 50
DETAIL = re.compile(r"^/api/v1/statistics/(\d{1,18})/$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CODE = re.compile(r"^[A-Za-z]{2}$")


def reported_as_of(statistic):
    """The statistic's newest dated cited source, as resources/reported.py gives it: its date,
    or its year when only that is known (a year-only source first within its year)."""
    return f"""
        SELECT CASE WHEN src.published_on IS NULL THEN lpad(src.year::text, 4, '0')
                    ELSE to_char(src.published_on, 'YYYY-MM-DD') END
        FROM resources_citation c JOIN resources_source src ON src.id = c.source_id
        WHERE c.content_type_id = (SELECT id FROM django_content_type
                                   WHERE app_label = 'resources' AND model = 'statistic')
          AND c.object_id = {statistic}.id
          AND (src.published_on IS NOT NULL OR src.year IS NOT NULL)
        ORDER BY coalesce(extract(year FROM src.published_on)::int, src.year) DESC,
                 src.published_on DESC NULLS FIRST
        LIMIT 1"""


def ts(column):
    """A timestamptz as DRF writes it: ISO 8601 in UTC with 'Z', microseconds only if any."""
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE to_char({column} AT TIME ZONE 'UTC', "
        f"CASE WHEN extract(microseconds FROM {column})::bigint % 1000000 = 0 "
        """THEN 'YYYY-MM-DD"T"HH24:MI:SS"Z"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"' END) END"""
    )


def country(alias, base):
    return (
        f"json_build_object('code', {alias}.code, 'name', {alias}.name, "
        f"'url', {base} || '/api/v1/countries/' || {alias}.code || '/')"
    )


def statistic_json(s, base):
    """The StatisticSerializer representation of row ``s`` (joined o, d, g), field by field."""
    return f"""json_build_object(
        'id', {s}.id,
        'slug', {s}.slug,
        'url', {base} || '/api/v1/statistics/' || {s}.id || '/',
        'origin', {country("o", base)},
        'destination', CASE WHEN d.code IS NULL THEN NULL ELSE {country("d", base)} END,
        'exile_group', CASE WHEN g.id IS NULL THEN NULL ELSE json_build_object(
            'id', g.id, 'slug', g.slug, 'name', g.name,
            'url', {base} || '/api/v1/exile-groups/' || g.slug || '/') END,
        'metric', {s}.metric,
        'value', trim_scale({s}.value),
        'value_low', trim_scale({s}.value_low),
        'value_high', trim_scale({s}.value_high),
        'qualifier', {s}.qualifier,
        'unit', {s}.unit,
        'measure', {s}.measure,
        'counting_method', {s}.counting_method,
        'period_start', {s}.period_start,
        'period_end', {s}.period_end,
        'is_historical', {s}.is_historical,
        'notes', {s}.notes,
        'citations', COALESCE((
            SELECT json_agg(json_build_object(
                'source', json_build_object('id', src.id, 'slug', src.slug, 'title', src.title,
                    'url', {base} || '/api/v1/sources/' || src.id || '/'),
                'locator', c.locator,
                'claim', c.claim) ORDER BY c.id)
            FROM resources_citation c JOIN resources_source src ON src.id = c.source_id
            WHERE c.content_type_id = (SELECT id FROM django_content_type
                                       WHERE app_label = 'resources' AND model = 'statistic')
              AND c.object_id = {s}.id), '[]'::json),
        'reported_as_of', ({reported_as_of(s)}),
        'publication_status', {s}.publication_status,
        'published_at', {ts(f"{s}.published_at")},
        'retracted_at', {ts(f"{s}.retracted_at")},
        'retraction_reason', {s}.retraction_reason,
        'created_at', {ts(f"{s}.created_at")},
        'updated_at', {ts(f"{s}.updated_at")})"""


JOINS = """JOIN resources_country o ON o.code = s.origin_id
        LEFT JOIN resources_country d ON d.code = s.destination_id
        LEFT JOIN resources_exilegroup g ON g.id = s.exile_group_id"""

# $1 destination code, $2 period_after, $3 limit, $4 offset, $5 base URL (scheme://host),
# $6 next URL, $7 previous URL (chosen here, once the count is known).
LIST_SQL = f"""
WITH matching AS (
    SELECT s.id, s.period_start, s.period_end FROM resources_statistic s
    WHERE s.destination_id = (SELECT code FROM resources_country WHERE code = $1)
      AND s.period_start >= $2 AND s.publication_status = 'published'
), page AS (
    SELECT id, row_number() OVER () AS n FROM (
        SELECT id FROM matching
        ORDER BY COALESCE(period_end, period_start) DESC NULLS LAST,
                 period_start DESC NULLS LAST, id
        LIMIT $3 OFFSET $4) AS p
), total AS (SELECT count(*) AS n FROM matching)
SELECT json_build_object(
    'count', total.n,
    'next', CASE WHEN $4 + $3 < total.n THEN $6 END,
    'previous', CASE WHEN $4 > 0 THEN $7 END,
    'results', COALESCE((
        SELECT json_agg({statistic_json("s", "$5")} ORDER BY page.n)
        FROM page JOIN resources_statistic s ON s.id = page.id
        {JOINS}), '[]'::json))::text
FROM total
"""

# $1 id, $2 base URL
DETAIL_SQL = f"""
SELECT {statistic_json("s", "$2")}::text
FROM resources_statistic s {JOINS}
WHERE s.id = $1 AND s.publication_status IN ('published', 'retracted')
"""


def neutralized(text):
    """exports.neutralized in SQL: a cell a spreadsheet would read as a formula gets a quote."""
    return (
        f"CASE WHEN {text} ~ '^[-=+@\t\r]' "
        f"AND {text} !~ '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$' "
        f"THEN chr(39) || {text} ELSE {text} END"
    )


# The columns of the API's statistics CSV, in the serializer's order, each as exports.py
# flattens its JSON value: a brief record by its key, null as empty, booleans as true/false.
CSV_COLUMNS = {
    "id": "s.id",
    "slug": "s.slug",
    "url": "%(base)s || '/api/v1/statistics/' || s.id || '/'",
    "origin": "s.origin_id",
    "destination": "s.destination_id",
    "exile_group": "g.slug",
    "metric": "s.metric",
    "value": "trim_scale(s.value)",
    "value_low": "trim_scale(s.value_low)",
    "value_high": "trim_scale(s.value_high)",
    "qualifier": "s.qualifier",
    "unit": "s.unit",
    "measure": "s.measure",
    "counting_method": "s.counting_method",
    "period_start": "s.period_start",
    "period_end": "s.period_end",
    "is_historical": "CASE WHEN s.is_historical THEN 'true' ELSE 'false' END",
    "notes": neutralized("s.notes"),
    "citations": neutralized("COALESCE(cited.text, '')"),
    "reported_as_of": reported_as_of("s"),
    "publication_status": "s.publication_status",
    "published_at": ts("s.published_at").replace("%", "%%"),
    "retracted_at": ts("s.retracted_at").replace("%", "%%"),
    "retraction_reason": neutralized("s.retraction_reason"),
    "created_at": ts("s.created_at").replace("%", "%%"),
    "updated_at": ts("s.updated_at").replace("%", "%%"),
}
# %(base)s the base URL, %(after)s period_after or NULL, bound by the client (mogrify): COPY
# takes no parameters. Every cell is text, and an empty one NULL: COPY quotes an empty string
# ("") to tell it from NULL, where Python's csv writes nothing for both.
EMPTY = "''"
CSV_CELLS = ", ".join(
    f'NULLIF(({sql})::text, {EMPTY}) AS "{name}"' for name, sql in CSV_COLUMNS.items()
)
CSV_SQL = f"""
COPY (
    SELECT {CSV_CELLS}
    FROM resources_statistic s
    LEFT JOIN resources_exilegroup g ON g.id = s.exile_group_id
    LEFT JOIN (
        SELECT c.object_id,
               string_agg(concat_ws(' ', src.slug, NULLIF(c.locator, '')) || ': ' || c.claim,
                          ' | ' ORDER BY c.id) AS text
        FROM resources_citation c JOIN resources_source src ON src.id = c.source_id
        WHERE c.content_type_id = (SELECT id FROM django_content_type
                                   WHERE app_label = 'resources' AND model = 'statistic')
        GROUP BY c.object_id
    ) AS cited ON cited.object_id = s.id
    WHERE s.publication_status = 'published'
      AND (%(after)s::date IS NULL OR s.period_start >= %(after)s::date)
    ORDER BY COALESCE(s.period_end, s.period_start) DESC NULLS LAST,
             s.period_start DESC NULLS LAST, s.id
) TO STDOUT WITH (FORMAT csv, HEADER)
"""


# Global search (resources/search.py search_everything, resources/api/views.py SearchView),
# English names, every type: per type (in the registry's order) its table, primary key, the
# hit's id (NULL for a country), label, snippet field, trigram-matched fields, the content type
# of its citations (None: claims not searched), whether only published records count, and its
# URL's prefix and lookup.
SEARCH_TYPES = [
    ("country", "resources_country", "code", "NULL", "name", "name", ("name", "name_ru"), None,
     False, "countries", "code"),
    ("exile_group", "resources_exilegroup", "id", "m.id", "name", "description", ("name",),
     "exilegroup", True, "exile-groups", "slug"),
    ("source", "resources_source", "id", "m.id", "title", "notes", ("title",), None, True,
     "sources", "id"),
    ("statistic", "resources_statistic", "id", "m.id", "slug", "notes", (), "statistic", True,
     "statistics", "id"),
    ("media_outlet", "resources_mediaoutlet", "id", "m.id", "name", "description",
     ("name", "city"), "mediaoutlet", True, "media-outlets", "slug"),
    ("organization", "resources_organization", "id", "m.id", "name", "description",
     ("name", "city"), "organization", True, "organizations", "slug"),
    ("policy", "resources_hostpolicy", "id", "m.id", "title", "summary", ("title",),
     "hostpolicy", True, "policies", "id"),
]  # fmt: skip
# ts_headline's selectors, made <mark> once the headline is HTML-escaped (the API draws a
# random pair per request so that stored text cannot forge one; the floor's data has none).
START, STOP = "[[mark-floor]]", "[[/mark-floor]]"


def html_escaped(text):
    """django.utils.html.escape in SQL: & < > " ' as entities, & first."""
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        text = f"replace({text}, '{raw}', '{entity}')"
    return f"replace({text}, chr(39), '&#x27;')"


def search_ctes(ordinal, spec):
    """The type's two steps, as the API's: rank and count the matches (each way to match a
    subquery its own index answers), then build the best hits' JSON with their snippets."""
    name, table, pk, hit_id, label, snippet, fuzzy, cited, curated, prefix, lookup = spec
    ways = [f"SELECT {pk} FROM {table} WHERE search_vector @@ (SELECT q FROM query)"]
    ways += [f"SELECT {pk} FROM {table} WHERE {field} % $2" for field in fuzzy]
    if cited:
        ways.append(
            "SELECT object_id FROM resources_citation WHERE content_type_id = (SELECT id FROM "
            f"django_content_type WHERE app_label = 'resources' AND model = '{cited}') "
            "AND search_vector @@ (SELECT q FROM query)"
        )
    if name == "organization":
        ways.append("SELECT organization_id FROM resources_notablefigure WHERE name % $2")
    rank = "ts_rank(m.search_vector, (SELECT q FROM query))"
    similarities = [f"similarity(m.{field}, $2)" for field in fuzzy]
    if len(similarities) == 1:
        rank = f"({rank} + {similarities[0]})"
    elif similarities:
        rank = f"({rank} + GREATEST({', '.join(similarities)}))"
    headline = (
        f"ts_headline('english'::regconfig, m.{snippet}, (SELECT q FROM query), "
        f"'StartSel=''{START}'', StopSel=''{STOP}'', MaxWords=30, MinWords=10')"
    )
    marked = f"replace(replace({html_escaped(headline)}, '{START}', '<mark>'), '{STOP}', '</mark>')"
    key = "m.code" if pk == "code" else "m.slug"
    return f"""
ranked_{name} AS (
    SELECT m.{pk} AS pk, ({rank} * 1.0::float8) AS rank, count(*) OVER () AS matched
    FROM {table} m
    WHERE {"m.publication_status = 'published' AND " if curated else ""}m.{pk} IN (
        {" UNION ".join(f"({way})" for way in ways)})
    ORDER BY 2 DESC, 1 LIMIT $3
), hits_{name} AS (
    SELECT {ordinal} AS t, row_number() OVER (ORDER BY r.rank DESC, r.pk) AS n,
           round(r.rank::numeric, 6) AS rounded,
           json_build_object('type', '{name}', 'id', {hit_id}, 'key', {key}, 'name', m.{label},
               'snippet', {marked},
               'url', $4 || '/api/v1/{prefix}/' || m.{lookup} || '/',
               'rank', round(r.rank::numeric, 6)) AS hit
    FROM ranked_{name} r JOIN {table} m ON m.{pk} = r.pk
)"""


# $1 the tsquery text ('word:* & word:*'), $2 the query as received (stripped), $3 limit,
# $4 base URL. Hits ordered as the API sorts them: rounded rank (a stable sort of the types'
# lists, concatenated in the types' order), then each type's own order.
SEARCH_SQL = f"""
WITH query AS (
    SELECT to_tsquery('english'::regconfig, $1) || to_tsquery('russian'::regconfig, $1) AS q
), {",".join(search_ctes(i, spec) for i, spec in enumerate(SEARCH_TYPES))},
hits AS ({" UNION ALL ".join(f"SELECT * FROM hits_{spec[0]}" for spec in SEARCH_TYPES)})
SELECT json_build_object(
    'query', $2,
    'counts', json_build_object({
    ", ".join(
        f"'{spec[0]}', (SELECT COALESCE(max(matched), 0) FROM ranked_{spec[0]})"
        for spec in SEARCH_TYPES
    )
}),
    'results', COALESCE((
        SELECT json_agg(hit ORDER BY rounded DESC, t, n)
        FROM (SELECT * FROM hits ORDER BY rounded DESC, t, n LIMIT $3) AS best), '[]'::json)
)::text
"""

PREPARE = [
    f"PREPARE floor_list(text, date, bigint, bigint, text, text, text) AS {LIST_SQL}",
    f"PREPARE floor_detail(bigint, text) AS {DETAIL_SQL}",
    f"PREPARE floor_search(text, text, bigint, text) AS {SEARCH_SQL}",
]

# One connection per thread of a worker (gunicorn's gthread workers serve requests in
# threads, as the API's do): a shared connection would run their queries one at a time.
_local = threading.local()


def cursor():
    """A cursor on this thread's connection, opened (with the statements prepared) once."""
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        url = os.environ.get("FLOOR_DATABASE_URL") or os.environ["DATABASE_URL"]
        connection = _local.connection = psycopg2.connect(url)
        connection.autocommit = True
        with connection.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
            for statement in PREPARE:
                cur.execute(statement)
    return connection.cursor()


class Pipe:
    """What COPY writes to (psycopg2's copy_expert calls ``write``), read as an iterator by
    the WSGI server: a bounded queue between the COPY thread and the response, so the export
    streams in constant memory."""

    DONE = object()

    def __init__(self):
        self.chunks = queue.Queue(maxsize=64)

    def write(self, data):
        self.chunks.put(data if isinstance(data, bytes) else data.encode())

    def __iter__(self):
        while True:
            chunk = self.chunks.get()
            if chunk is self.DONE:
                return
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk


def csv_export(start_response, base, after):
    """The statistics CSV, COPY'd out of PostgreSQL by a thread on this thread's connection
    (the request's thread only waits on the pipe meanwhile)."""
    cur = cursor()
    sql = cur.mogrify(CSV_SQL, {"base": base, "after": after or None}).decode()
    pipe = Pipe()

    def copy():
        try:
            cur.copy_expert(sql, pipe, size=65536)
            pipe.chunks.put(Pipe.DONE)
        except BaseException as exc:  # handed to the response, which raises it
            pipe.chunks.put(exc)
        finally:
            cur.close()

    threading.Thread(target=copy, daemon=True).start()
    start_response("200 OK", [("Content-Type", "text/csv; charset=utf-8")])
    return iter(pipe)


def search(start_response, base, params):
    """GET /api/v1/search/?q=...[&limit=N]: every type, English names."""
    text = params.get("q", [""])[0].strip()
    words = re.findall(r"\w+", text)[:MAX_QUERY_WORDS]
    try:
        limit = int(params.get("limit", [20])[0])
    except ValueError:
        return error(start_response, "400 Bad Request", "limit is a whole number.")
    if not words or not 1 <= limit <= MAX_SEARCH_HITS:
        return error(start_response, "400 Bad Request", "q=word&limit=N")
    raw = " & ".join(f"{word}:*" for word in words)
    with cursor() as cur:
        cur.execute("EXECUTE floor_search(%s, %s, %s, %s)", (raw, text, limit, base))
        body = cur.fetchone()[0]
    return respond(start_response, "200 OK", body)


def replace_query_param(url, key, value):
    """DRF's rest_framework.utils.urls.replace_query_param."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    query_dict = parse_qs(query, keep_blank_values=True)
    query_dict[key] = [str(value)]
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(query_dict.items()), doseq=True), fragment)
    )


def remove_query_param(url, key):
    scheme, netloc, path, query, fragment = urlsplit(url)
    query_dict = parse_qs(query, keep_blank_values=True)
    query_dict.pop(key, None)
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(query_dict.items()), doseq=True), fragment)
    )


def respond(start_response, status, body):
    data = body.encode() if isinstance(body, str) else body
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def error(start_response, status, detail):
    return respond(start_response, status, json.dumps({"detail": detail}))


def application(environ, start_response):
    if environ["REQUEST_METHOD"] != "GET":
        return error(start_response, "405 Method Not Allowed", "Method not allowed.")
    path = environ.get("PATH_INFO", "")
    base = f"{environ['wsgi.url_scheme']}://{environ.get('HTTP_HOST') or environ['SERVER_NAME']}"
    detail = DETAIL.match(path)
    if detail:
        with cursor() as cur:
            cur.execute("EXECUTE floor_detail(%s, %s)", (int(detail.group(1)), base))
            row = cur.fetchone()
        if row is None:
            return error(start_response, "404 Not Found", "Not found.")
        return respond(start_response, "200 OK", row[0])
    if path == "/api/v1/search/":
        return search(start_response, base, parse_qs(environ.get("QUERY_STRING", "")))
    if path != "/api/v1/statistics/":
        return error(start_response, "404 Not Found", "Not found.")
    query_string = environ.get("QUERY_STRING", "")
    params = parse_qs(query_string)
    if params.get("format") == ["csv"]:
        after = params.get("period_after", [""])[0]
        if after and not DATE.match(after):
            return error(start_response, "400 Bad Request", "period_after=YYYY-MM-DD")
        return csv_export(start_response, base, after)
    destination = params.get("destination", [""])[0]
    after = params.get("period_after", [""])[0]
    try:
        limit = min(int(params.get("limit", [DEFAULT_LIMIT])[0]), MAX_LIMIT)
        offset = int(params.get("offset", [0])[0])
    except ValueError:
        return error(start_response, "400 Bad Request", "limit and offset are whole numbers.")
    if not CODE.match(destination) or not DATE.match(after) or limit < 1 or offset < 0:
        return error(start_response, "400 Bad Request", "destination=XX&period_after=YYYY-MM-DD")
    url = f"{base}{path}?{query_string}" if query_string else f"{base}{path}"
    with_limit = replace_query_param(url, "limit", limit)
    next_url = replace_query_param(with_limit, "offset", offset + limit)
    if offset - limit <= 0:
        previous_url = remove_query_param(with_limit, "offset")
    else:
        previous_url = replace_query_param(with_limit, "offset", offset - limit)
    with cursor() as cur:
        cur.execute(
            "EXECUTE floor_list(%s, %s, %s, %s, %s, %s, %s)",
            (destination.upper(), after, limit, offset, base, next_url, previous_url),
        )
        body = cur.fetchone()[0]
    return respond(start_response, "200 OK", body)


app = application
