"""CSV rows that PostgreSQL builds, for the largest export: statistics.

A list exported as CSV is every matching record, 100,000 statistics and more. Serializing
each one, or even flattening the JSON that ``sql_json`` builds, costs more per row than
PostgreSQL takes to write the finished line: here the query that reads the records gives each
one's CSV line, cells flattened, formulas neutralised and quoted, and the export only streams
them from a server-side cursor.

The rules are ``exports``' (``flatten_value``, ``neutralized``, ``csv.writer``'s minimal
quoting, ``\\r\\n`` line ends), restated in SQL for the one model that has them here:
tests/api/test_csv_fast_path.py compares this path's file with the serializer's, byte for
byte. Where the columns are narrowed (``fields``, ``omit``, ``brief``) the view uses the
serializer.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.aggregates import StringAgg
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Expression,
    F,
    Func,
    Model,
    OuterRef,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse

from ..models import Citation, Statistic
from ..reported import reported_as_of_sql
from .sql_json import UTCTimestamp

# A cell that would start a formula (exports.FORMULA_STARTS) and is not a pure number
# (exports.PURE_NUMBER) gets a leading quote; a cell holding a delimiter, a quote or a line
# break is quoted, its quotes doubled (csv.QUOTE_MINIMAL).
# Most cells need neither: one regular expression tells them apart.
CELL_SQL = (
    "(CASE WHEN {x} IS NULL THEN '' "
    "WHEN {x} !~ '^[-=+@\\t\\r]|[\",\\r\\n]' THEN {x} "
    "WHEN {x} ~ '[\",\\r\\n]' THEN '\"' || replace({n}, '\"', '\"\"') || '\"' "
    "ELSE {n} END)"
)
NEUTRALIZED_SQL = (
    "(CASE WHEN {x} ~ '^[-=+@\\t\\r]' "
    "AND {x} !~ '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$' "
    "THEN '''' || {x} ELSE {x} END)"
)


class CSVCell(Func):
    """A text (null: empty) as one cell of a CSV line, neutralised and quoted as
    ``exports.neutralized`` and ``csv.writer`` do. Its expression is repeated in the SQL:
    give it columns, or an aggregate inside the subquery that computes it once."""

    output_field = TextField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        cell = CELL_SQL.replace("{n}", NEUTRALIZED_SQL)
        # The expression's parameters, once for each time the cell repeats it.
        return cell.replace("{x}", sql), [*params] * cell.count("{x}")


class Figure(Func):
    """A reported figure as ``FigureField`` writes it and Python then prints it: an integral
    value as an integer (25000), any other as the shortest float that reads back the same
    (15.5), as both PostgreSQL (12+) and Python print a float. Both print it without an
    exponent from 0.0001 up to 10^15; a figure has two decimal places and at most 14 digits
    before them (``max_digits=16``)."""

    template = (
        "(CASE WHEN %(expressions)s = trunc(%(expressions)s) "
        "THEN trim_scale(%(expressions)s)::text ELSE %(expressions)s::float8::text END)"
    )
    output_field = TextField()


class Day(Func):
    """A date as ISO 8601 (2022-02-24), whatever the session's DateStyle."""

    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"
    output_field = TextField()


class Flag(Func):
    """A boolean as JSON writes it: true or false."""

    template = "(CASE WHEN %(expressions)s THEN 'true' ELSE 'false' END)"
    output_field = TextField()


def text(field: str) -> Cast:
    return Cast(F(field), TextField())


def key_of(slug: str, pk: str) -> Coalesce:
    """A related record's key (``exports.brief_key``): its slug, or its id without one."""
    return Coalesce(NullIf(text(slug), Value("")), text(pk), output_field=TextField())


def url_cell(origin: str) -> Concat:
    """The record's plain URL (``exports.plain_url``)."""
    list_url = origin + reverse("statistic-list")
    return Concat(Value(list_url), text("id"), Value("/"), output_field=TextField())


def citations_cell(model: type[Model]) -> Coalesce:
    """The outer record's citations (``exports.citation_text``): ``<source key> <locator>:
    <claim>`` each, in their default order, joined with `` | ``; the cell made in the
    subquery, where the aggregate is computed once."""
    item = Concat(
        key_of("source__slug", "source__id"),
        Func(
            F("locator"),  # no parameter: the template repeats it
            template="(CASE WHEN COALESCE(%(expressions)s, '') = '' THEN '' "
            "ELSE ' ' || %(expressions)s END)",
            output_field=TextField(),
        ),
        Value(": "),
        F("claim"),
        output_field=TextField(),
    )
    content_type = ContentType.objects.get_for_model(model)
    per_record = (
        Citation.objects.filter(content_type_id=content_type.pk, object_id=OuterRef("pk"))
        .order_by()
        .values("object_id")
        .annotate(cell=CSVCell(StringAgg(item, " | ", order_by=Citation._meta.ordering or ())))
        .values("cell")
    )
    return Coalesce(Subquery(per_record), Value(""), output_field=TextField())


# Column -> its cell, given the origin (scheme://host), as the serializer and
# exports.flatten_value make it.
STATISTIC_CELLS: dict[str, Callable[[str], Expression]] = {
    "id": lambda origin: text("id"),
    "slug": lambda origin: CSVCell(F("slug")),
    "url": lambda origin: CSVCell(url_cell(origin)),
    "origin": lambda origin: CSVCell(F("origin_id")),
    "destination": lambda origin: CSVCell(F("destination_id")),
    "exile_group": lambda origin: CSVCell(key_of("exile_group__slug", "exile_group__id")),
    "metric": lambda origin: CSVCell(F("metric")),
    "value": lambda origin: Figure("value"),
    "value_low": lambda origin: Coalesce(Figure("value_low"), Value("")),
    "value_high": lambda origin: Coalesce(Figure("value_high"), Value("")),
    "qualifier": lambda origin: CSVCell(F("qualifier")),
    "unit": lambda origin: CSVCell(F("unit")),
    "measure": lambda origin: CSVCell(F("measure")),
    "counting_method": lambda origin: CSVCell(F("counting_method")),
    "period_start": lambda origin: Coalesce(Day("period_start"), Value("")),
    "period_end": lambda origin: Coalesce(Day("period_end"), Value("")),
    "is_historical": lambda origin: Flag("is_historical"),
    "notes": lambda origin: CSVCell(F("notes")),
    "citations": lambda origin: citations_cell(Statistic),
    "reported_as_of": lambda origin: CSVCell(Coalesce(reported_as_of_sql(Statistic), Value(""))),
    "publication_status": lambda origin: CSVCell(F("publication_status")),
    "published_at": lambda origin: Coalesce(UTCTimestamp("published_at"), Value("")),
    "retracted_at": lambda origin: Coalesce(UTCTimestamp("retracted_at"), Value("")),
    "retraction_reason": lambda origin: CSVCell(F("retraction_reason")),
    "created_at": lambda origin: Coalesce(UTCTimestamp("created_at"), Value("")),
    "updated_at": lambda origin: Coalesce(UTCTimestamp("updated_at"), Value("")),
}

# model -> its cells by column.
CELLS: dict[type[Model], dict[str, Callable[[str], Expression]]] = {Statistic: STATISTIC_CELLS}


def csv_line(model: type[Model], columns: Sequence[str], origin: str) -> Func | None:
    """An annotation giving each ``model`` record's CSV line (``\\r\\n`` included) with
    ``columns``; None where PostgreSQL cannot build one of them."""
    cells = CELLS.get(model, {})
    if not columns or any(column not in cells for column in columns):
        return None
    parts = [cells[column](origin) for column in columns]
    return Func(
        Value(","),
        *parts,
        function="CONCAT_WS",
        template="(%(function)s(%(expressions)s) || E'\\r\\n')",
        output_field=TextField(),
    )
