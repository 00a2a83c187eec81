"""CSV exports: every list as a streamed CSV file, every record as a one-row CSV.

Ask with ``?format=csv`` or ``Accept: text/csv``. A list export holds every record matching
the request's filters, ``q`` search and ``ordering``, not one page: ``limit`` and ``offset``
do not apply. It is streamed, a chunk of records at a time, so a large export never sits in
memory. Errors stay problem details (JSON) whatever format was asked for.

Where PostgreSQL builds the lines itself (``sql_csv``: the statistics, when no column is
narrowed), the export streams them from a server-side cursor, a chunk at a time: no model
instance, serializer or flattening runs per row, and the file is the serializer path's, byte
for byte (tests/api/test_csv_fast_path.py).

Columns are the JSON representation's field names, in the same order (``fields``, ``omit``
and ``brief`` pick them as they pick the JSON fields). Each cell is one JSON value flattened to
text:

- ``null`` -> empty; booleans -> ``true`` / ``false``; numbers as they are; text as it is,
  including the ``url`` column, the record's plain URL (no ``?format=csv``).
- A related record (a brief object such as ``{"code", "name", "url"}``) -> its key: the
  ``code`` if it has one, else its ``slug``, else its ``id`` (``GE``, ``it-specialists``).
- A list of related records or of plain values (``exile_groups``, ``nationalities``,
  ``media_outlets``, ``languages``) -> the keys or values joined with ``"; "``
  (``it-specialists; journalists``).
- ``citations`` -> ``"<source slug> <locator>: <claim>"`` per citation, joined with ``" | "``
  (``essay para 1: Georgia received 25,000 Russians. | unhcr-2023 table 2: ...``).
- Other nested lists -> a compact text per item, joined with ``" | "``:

  - ``channels``: ``"<platform> <handle>"``, then its audience figures in parentheses joined
    with ``"; "`` (``telegram @dozhdru (subscribers 1000000 at_least as of 2024-01-01)``);
  - ``audience_figures``: ``"<metric> <value>"``, then the range ``low–high``, the qualifier
    when not ``exact``, and ``as of <date>``, each when present;
  - ``locations``: ``"<city>, <country code> <start>–<end>"``, dates or else years, each part
    when known (``Riga, LV 2014–2022``);
  - ``notable_figures``: ``"<name> (<role>)"``;
  - ``cited_by`` (a source's detail): ``"<record type> <record id> <locator>: <claim>"``.

  Citations of nested records (a channel's, a location's) are left out: the JSON has them.

A cell that a spreadsheet would read as a formula (one starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is prefixed with a single quote, as the OWASP guidance on CSV
injection advises; pure numbers such as ``-5`` are left as they are.
"""  # noqa: RUF002 (the en dash between a start and an end is part of the format)

import csv
import itertools
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import connections, transaction
from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.serializers import Serializer

CHUNK_SIZE = 500
# Lines read per FETCH from the server-side cursor: about a megabyte.
LINE_CHUNK_SIZE = 2000
# Rows per piece of the streamed body: one socket write (and HTTP chunk) per row costs more
# than building the row.
ROWS_PER_WRITE = 200
LIST_SEPARATOR = "; "
ITEM_SEPARATOR = " | "
# Joins a start and an end: a hyphen would be lost among the dates' own hyphens.
EN_DASH = "\u2013"
BRIEF_KEYS = ("code", "slug", "id")
BRIEF_FIELDS = {"id", "slug", "code", "name", "title", "url", "metric", "value"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# ASCII digits only, as in the SQL that sql_csv gives PostgreSQL: "-٣" is not a number to a
# spreadsheet either.
PURE_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)

# A record as the serializer shows it, and one nested object of it: JSON by field name.
JSONObject = Mapping[str, Any]

# drf-spectacular adds a bare `format` parameter wherever a view has two formats; this one, given
# with the list and detail reads (schema.crud_docs), replaces it with a documented one.
FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["json", "csv"],
    description=(
        "Response format (default json). csv, like `Accept: text/csv`, gives a CSV file: for "
        "a list, every record matching the filters, search and ordering in one streamed file "
        "(limit and offset do not apply); for a record, a header and one row. Columns are the "
        "JSON fields; related records are given by key (code, slug or id), lists of them "
        "joined with '; ', citations as '<source slug> <locator>: <claim>' joined with ' | '. "
        "Errors are always JSON."
    ),
)


# Flattening -------------------------------------------------------------------------------


def is_brief(value: JSONObject) -> bool:
    """Whether a JSON object is a related record's brief form: its url and its key."""
    return "url" in value and any(key in value for key in BRIEF_KEYS) and set(value) <= BRIEF_FIELDS


def brief_key(value: JSONObject) -> str:
    for key in BRIEF_KEYS:
        if value.get(key) not in (None, ""):
            return flatten_value(value[key])
    return ""


def joined(parts: Iterable[str | None], separator: str = " ") -> str:
    """The non-empty parts, joined."""
    return separator.join(part for part in parts if part)


def span(start: str, end: str) -> str:
    if not (start or end):
        return ""
    return f"{start}{EN_DASH}{end}"


def citation_text(item: JSONObject) -> str:
    source = brief_key(item["source"]) if isinstance(item["source"], dict) else item["source"]
    return f"{joined([flatten_value(source), flatten_value(item['locator'])])}: {item['claim']}"


def figure_text(item: JSONObject) -> str:
    low, high = flatten_value(item.get("value_low")), flatten_value(item.get("value_high"))
    qualifier = item.get("qualifier")
    as_of = item.get("as_of")
    return joined(
        [
            flatten_value(item.get("metric")),
            flatten_value(item.get("value")),
            span(low, high),
            qualifier if qualifier and qualifier != "exact" else "",
            f"as of {as_of}" if as_of else "",
        ]
    )


def channel_text(item: JSONObject) -> str:
    figures = joined(map(figure_text, item.get("audience_figures") or []), LIST_SEPARATOR)
    return joined([item.get("platform"), item.get("handle"), f"({figures})" if figures else ""])


def location_text(item: JSONObject) -> str:
    country = item.get("country")
    code = brief_key(country) if isinstance(country, dict) else flatten_value(country)
    start = item.get("start_date") or item.get("start_year")
    end = item.get("end_date") or item.get("end_year")
    return joined(
        [
            joined([item.get("city"), code], ", "),
            span(flatten_value(start), flatten_value(end)),
        ]
    )


def notable_figure_text(item: JSONObject) -> str:
    role = item.get("role")
    return joined([item.get("name"), f"({role})" if role else ""])


def cited_by_text(item: JSONObject) -> str:
    where = joined(
        [item.get("record_type"), flatten_value(item.get("record_id")), item.get("locator")]
    )
    return f"{where}: {item.get('claim')}"


def generic_item_text(item: JSONObject) -> str:
    """Any other nested object: its non-empty values as ``name=value``."""
    return ", ".join(
        f"{name}={flatten_value(value, name)}"
        for name, value in item.items()
        if value not in (None, "", [])
    )


ITEM_TEXTS: dict[str, Callable[[JSONObject], str]] = {
    "citations": citation_text,
    "channels": channel_text,
    "audience_figures": figure_text,
    "locations": location_text,
    "notable_figures": notable_figure_text,
    "cited_by": cited_by_text,
}


def flatten_value(value: Any, name: str = "") -> str:
    """One JSON value as the text of a CSV cell; ``name`` is its field's name."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal, str)):
        return str(value)
    if isinstance(value, dict):
        return brief_key(value) if is_brief(value) else generic_item_text(value)
    if isinstance(value, (list, tuple)):
        if name in ITEM_TEXTS:
            return ITEM_SEPARATOR.join(ITEM_TEXTS[name](item) for item in value)
        if all(not isinstance(item, dict) or is_brief(item) for item in value):
            return LIST_SEPARATOR.join(flatten_value(item) for item in value)
        return ITEM_SEPARATOR.join(flatten_value(item) for item in value)
    return str(value)


def neutralized(text: str) -> str:
    """``text``, made inert for spreadsheets if it would start a formula (CSV injection)."""
    if text.startswith(FORMULA_STARTS) and not PURE_NUMBER.fullmatch(text):
        return f"'{text}"
    return text


def csv_row(record: JSONObject, columns: Iterable[str]) -> list[str]:
    """A serialized record as the cells of one CSV row, in ``columns`` order."""
    return [
        neutralized(
            plain_url(record.get(name)) if name == "url" else flatten_value(record.get(name), name)
        )
        for name in columns
    ]


def plain_url(url: str | None) -> str:
    """A record's URL without the ``format`` that DRF carries over from the request: the cell
    names the record, not this export of it."""
    if not url:
        return ""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "format"]
    return urlunsplit(parts._replace(query=urlencode(query)))


class Echo:
    """A file-like object whose ``write`` returns the line, for ``csv.writer`` to stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Sequence[str], records: Iterable[JSONObject]) -> Iterator[str]:
    """The header, then one CSV line per serialized record, produced as they are consumed."""
    writer = csv.writer(Echo())
    yield writer.writerow(columns)
    for record in records:
        yield writer.writerow(csv_row(record, columns))


# Rendering and views ----------------------------------------------------------------------


def csv_records(
    instances: Iterable[Any], serializer: Serializer[Any], columns: Sequence[str]
) -> Iterator[str]:
    """The CSV lines of ``instances``, serialized as they are consumed."""
    records = (serializer.to_representation(instance) for instance in instances)
    yield from csv_lines(columns, records)


class CSVRenderer(BaseRenderer):
    """Renders one record (a detail response) as a header and one row.

    Lists are streamed by ``csv_list_response`` and do not pass through here; a plain list
    of records still renders, one row each. Never used for errors: they are problem details
    (``resources.api.errors``), rendered there.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        records = data if isinstance(data, list) else [data]
        columns = list(records[0]) if records else []
        return "".join(csv_lines(columns, records)).encode(self.charset)


def wants_csv(request: Request) -> bool:
    """Whether content negotiation chose CSV for ``request``."""
    return isinstance(getattr(request, "accepted_renderer", None), CSVRenderer)


def csv_columns(serializer: Serializer[Any]) -> list[str]:
    """The CSV columns: the JSON fields ``serializer`` shows, in its order."""
    return [name for name, field in serializer.fields.items() if not field.write_only]


def csv_list_response(
    queryset: QuerySet[Any],
    serializer: Serializer[Any],
    *,
    filename: str,
    head: bool,
    lines: QuerySet[Any, str] | None = None,
) -> StreamingHttpResponse:
    """Every record of ``queryset`` as a streamed CSV file, columns from ``serializer``
    (narrowed by ``fields``/``omit``/``brief`` as the JSON would be). ``lines``: the same
    records' CSV lines as PostgreSQL builds them (``sql_csv``), in the same order, streamed
    in place of the serializer's. ``head``: no body, and no reason to read the whole table
    for it."""
    columns = csv_columns(serializer)
    body: Iterable[str]
    if head:
        body = ()
    elif lines is not None:
        body = csv_line_stream(lines, columns)
    else:
        body = csv_stream(queryset, serializer, columns)
    response = StreamingHttpResponse(
        body, content_type=f"{CSVRenderer.media_type}; charset={CSVRenderer.charset}"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_stream(
    queryset: QuerySet[Any], serializer: Serializer[Any], columns: list[str]
) -> Iterator[str]:
    """The export's lines. The first chunk of records is read here, in the view: a lost
    database is still a 503 problem then, whereas once the 200 has been sent it can only
    cut the body short (the chunked body lacks its end, which HTTP clients detect)."""
    # iterator() with a chunk size runs prefetch_related per chunk.
    instances = queryset.iterator(chunk_size=CHUNK_SIZE)
    first = next(instances, None)
    rest = () if first is None else itertools.chain([first], instances)
    return csv_records(rest, serializer, columns)


def csv_line_stream(lines: QuerySet[Any, str], columns: Sequence[str]) -> Iterator[str]:
    """The export's lines as PostgreSQL builds them, in pieces of ROWS_PER_WRITE rows. As in
    ``csv_stream``, the first chunk is read here, in the view (the cursor's DECLARE and first
    FETCH): a lost database is a 503 problem, not a body cut short."""
    rows = read_in_transaction(lines)
    first = next(rows, None)
    header = next(csv_lines(columns, ()))
    return CSVPieces(header, first, rows)


def read_in_transaction(lines: QuerySet[Any, str]) -> Generator[str, None, None]:
    """``lines`` from a server-side (named) cursor, a chunk per FETCH,
    inside a transaction: there the cursor is not WITH HOLD, so PostgreSQL makes the rows as
    they are fetched, each FETCH one statement under the statement timeout, rather than all
    of them at the DECLARE's commit, beyond the timeout and into a temporary file."""
    sql, params = lines.query.sql_with_params()
    connection = connections[lines.db]
    with transaction.atomic(using=lines.db):
        with connection.cursor() as cursor:
            # A subquery per row puts the plan's cost far above jit_above_cost, but compiling
            # it takes seconds (half of a 100,000-row export) and saves less than that.
            cursor.execute("SET LOCAL jit = off")
        # A named (server-side) cursor, closed by its block inside the transaction, whether
        # the rows were read to the end or the response closed early: left to the garbage
        # collector, it would be closed after the transaction, which is an error.
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(LINE_CHUNK_SIZE):
                for (line,) in chunk:
                    yield line


class CSVPieces(Iterator[str]):
    """The header and the rows, joined ROWS_PER_WRITE lines at a time. Closing it closes the
    rows' cursor and transaction, whether it was read to the end, in part, or not at all (a
    generator never started ignores close(): a response closed before its first piece would
    have left the transaction open on the connection for the next request)."""

    def __init__(self, header: str, first: str | None, rows: Generator[str, None, None]) -> None:
        self.rows = rows
        self.lines = itertools.chain([header], () if first is None else [first], rows)

    def __next__(self) -> str:
        piece = "".join(itertools.islice(self.lines, ROWS_PER_WRITE))
        if not piece:
            self.close()
            raise StopIteration
        return piece

    def close(self) -> None:
        self.rows.close()


class StrictContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, but an unknown ``?format=`` is a 400 naming the parameter (DRF
    answers 404, as if the record were missing), and a method the route does not offer is left
    for the 405 it deserves rather than refused for its format."""

    # DRF passes the view's list of renderers (APIView.perform_content_negotiation), and its
    # docs' own negotiation example takes renderers[0]; the stubs say any Iterable.
    def select_renderer(  # type: ignore[override]
        self, request: Request, renderers: Sequence[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        view = (getattr(request, "parser_context", None) or {}).get("view")
        method = cast(str, request.method)  # None only on an HttpRequest made by hand
        if view is not None and getattr(view, method.lower(), None) is None:
            return renderers[0], renderers[0].media_type
        asked_format = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if asked_format == "":
            raise ValidationError(
                {self.settings.URL_FORMAT_OVERRIDE: ["Give a format, or leave the parameter out."]}
            )
        first = renderers[0]
        if asked_format is None and not format_suffix and self.takes_first(request, first):
            return first, first.media_type
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            if format_suffix:
                raise  # /api/v1/countries.xml: no such URL
            offered = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise ValidationError(
                {self.settings.URL_FORMAT_OVERRIDE: [f"Unknown format; choose from {offered}."]}
            ) from None

    @staticmethod
    def takes_first(request: Request, first: BaseRenderer) -> bool:
        """Whether DRF's negotiation would pick the first renderer with its own media type,
        known without parsing: an Accept of anything (absent, ``*/*``) or of exactly that
        media type (JSON), as most clients send."""
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        return accept in ("*/*", first.media_type) and ";" not in first.media_type
