"""Representations that PostgreSQL builds, for the hottest read path: statistics.

Apps and bots poll the statistics list and detail more than anything else. For them, the
query that selects the page also builds each record's JSON (``json_build_object``), nested
country, group and citations included, so no model instance, serializer field or URL
reversal runs per record. The document is the serializer's representation, key for key and
value for value: ``StatisticSerializer`` stays the definition, and
tests/api/test_sql_json.py compares the two on every kind of record. Where the serializer does
something this module does not (``fields=``, ``omit=``, ``brief=``, CSV, the browsable
API), the view uses the serializer.
"""

import functools
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any, cast

import orjson
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.aggregates.mixins import OrderableAggMixin
from django.db import connection, connections, router
from django.db.models import (
    Aggregate,
    F,
    Func,
    JSONField,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.expressions import Combinable, RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.http import HttpRequest
from django.urls import reverse
from rest_framework.request import Request

from exile_api import prepared

from ..models import Citation, Country, ExileGroup, HostPolicy, Statistic
from ..visibility import public
from .routes import DETAIL_ROUTES


class JSONBuildObject(Func):
    """``json_build_object(key, value, ...)``: a JSON object whose keys keep their order.
    (Django's JSONObject builds jsonb on PostgreSQL < 16, which reorders keys.)"""

    function = "JSON_BUILD_OBJECT"
    output_field = JSONField()

    def __init__(self, **fields: Any) -> None:
        keys = (Value(key, output_field=TextField()) for key in fields)
        super().__init__(*chain.from_iterable(zip(keys, fields.values(), strict=True)))


class JSONAgg(OrderableAggMixin, Aggregate):
    """``json_agg``: a JSON array, in the order asked for (jsonb_agg would reorder keys)."""

    function = "JSON_AGG"
    # With the ORDER BY that OrderableAggMixin compiles: Aggregate's own template leaves it
    # out, and the array would follow the rows' physical order.
    template = "%(function)s(%(distinct)s%(expressions)s %(order_by)s)"
    output_field = JSONField()


class TrimScale(Func):
    """A decimal as a JSON number without trailing zeros (25000, not 25000.00), as
    ``FigureField`` writes it."""

    function = "TRIM_SCALE"


class UTCTimestamp(Func):
    """A timestamp as DRF writes it: ISO 8601 in UTC with "Z", microseconds only if any."""

    template = (
        "CASE WHEN %(expressions)s IS NULL THEN NULL ELSE to_char(%(expressions)s AT TIME ZONE "
        "'UTC', CASE WHEN mod(extract(microseconds FROM %(expressions)s)::bigint, 1000000) = 0 "
        """THEN 'YYYY-MM-DD"T"HH24:MI:SS"Z"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"' END) END"""
    )
    output_field = TextField()


def localized(field: str, language: str) -> Coalesce | F:
    """``field``, or its Russian text ``<field>_ru`` when Russian is asked for and the record
    has one (as ``LocalizedModelSerializer`` does)."""
    if language == "ru":
        return Coalesce(NullIf(F(f"{field}_ru"), Value("")), F(field))
    return F(field)


def url_of(basename: str, key: str, origin: str) -> Concat:
    """A record's absolute URL: its resource's list URL, its key and a slash."""
    list_url = origin + reverse(f"{basename}-list")
    return Concat(Value(list_url), Cast(key, TextField()), Value("/"), output_field=TextField())


def brief_object(model: type[Model], origin: str, language: str, path: str = "") -> JSONBuildObject:
    """The ``model`` record ``path`` leads to (a relation's name and ``__``; empty: the
    queried record itself) as its serializer's brief form shows it: a country by code, any
    other record by id and slug; its name; its URL."""
    basename, lookup = DETAIL_ROUTES[model]
    key = f"{path}{'id' if lookup == 'pk' else lookup}"
    keys = (
        {"code": F(f"{path}code")}
        if model is Country
        else {
            "id": F(f"{path}id"),
            "slug": F(f"{path}slug"),
        }
    )
    return JSONBuildObject(
        **keys, name=localized(f"{path}name", language), url=url_of(basename, key, origin)
    )


def brief_json(model: type[Model], origin: str, language: str, **lookup: Any) -> Subquery:
    """The related ``model`` record found by ``lookup``, in its brief form (a scalar
    subquery: null when there is none)."""
    # _default_manager: a model class's manager, typed (each model here has one, objects).
    document = brief_object(model, origin, language)
    return Subquery(model._default_manager.filter(**lookup).values(document=document)[:1])


def citations_json(model: type[Model], origin: str) -> Coalesce:
    """The citations of the outer ``model`` record, as ``CitationSerializer`` shows them, in
    their default order; [] when none."""
    citation = JSONBuildObject(
        source=JSONBuildObject(
            id=F("source__id"),
            slug=F("source__slug"),
            title=F("source__title"),
            url=url_of("source", "source__id", origin),
        ),
        locator=F("locator"),
        claim=F("claim"),
    )
    content_type = ContentType.objects.get_for_model(model)
    per_record = (
        Citation.objects.filter(content_type_id=content_type.pk, object_id=OuterRef("pk"))
        .order_by()
        .values("object_id")
        .annotate(items=JSONAgg(citation, order_by=Citation._meta.ordering))
        .values("items")
    )
    return Coalesce(Subquery(per_record), RawSQL("'[]'::json", (), output_field=JSONField()))


def statistic_fields(origin: str, language: str) -> dict[str, Combinable]:
    """A statistic's fields as ``StatisticSerializer`` shows them, in its order; URLs start
    with ``origin`` (scheme://host)."""
    return {
        "id": F("id"),
        "slug": F("slug"),
        "url": url_of("statistic", "id", origin),
        "origin": brief_json(Country, origin, language, code=OuterRef("origin_id")),
        "destination": brief_json(Country, origin, language, code=OuterRef("destination_id")),
        "exile_group": brief_json(ExileGroup, origin, language, pk=OuterRef("exile_group_id")),
        "metric": F("metric"),
        "value": TrimScale("value"),
        "value_low": TrimScale("value_low"),
        "value_high": TrimScale("value_high"),
        "qualifier": F("qualifier"),
        "unit": F("unit"),
        "measure": F("measure"),
        "counting_method": F("counting_method"),
        "period_start": F("period_start"),
        "period_end": F("period_end"),
        "is_historical": F("is_historical"),
        "notes": F("notes"),
        "citations": citations_json(Statistic, origin),
        **workflow_fields(),
    }


def brief_list_json(
    through: type[Model], owner: str, related: str, origin: str, language: str
) -> Coalesce:
    """The records a many-to-many relation (its ``through`` model, from ``owner`` to
    ``related``) links to the outer record, each in its brief form, in the related model's
    order (name, then id); [] when none."""
    model = through._meta.get_field(related).related_model
    assert model is not None, f"{through.__name__}.{related} is not a relation"
    brief = brief_object(model, origin, language, f"{related}__")
    per_record = (
        through._default_manager.filter(**{f"{owner}_id": OuterRef("pk")})
        .order_by()
        .values(f"{owner}_id")
        .annotate(items=JSONAgg(brief, order_by=[f"{related}__name", f"{related}__pk"]))
        .values("items")
    )
    return Coalesce(Subquery(per_record), RawSQL("'[]'::json", (), output_field=JSONField()))


def policy_fields(origin: str, language: str) -> dict[str, Combinable]:
    """A policy's fields as ``HostPolicySerializer`` shows them, in its order."""
    return {
        "id": F("id"),
        "slug": F("slug"),
        "url": url_of("policy", "id", origin),
        "country": brief_json(Country, origin, language, code=OuterRef("country_id")),
        "title": localized("title", language),
        "title_ru": F("title_ru"),
        "topic": F("topic"),
        "stance": F("stance"),
        "summary": localized("summary", language),
        "summary_ru": F("summary_ru"),
        "conditions": F("conditions"),
        "exile_groups": brief_list_json(
            HostPolicy.exile_groups.through, "hostpolicy", "exilegroup", origin, language
        ),
        "nationalities": brief_list_json(
            HostPolicy.nationalities.through, "hostpolicy", "country", origin, language
        ),
        "status": F("status"),
        "legal_reference": F("legal_reference"),
        "announced_on": F("announced_on"),
        "effective_from": F("effective_from"),
        "effective_to": F("effective_to"),
        "is_historical": F("is_historical"),
        "citations": citations_json(HostPolicy, origin),
        **workflow_fields(),
    }


def workflow_fields() -> dict[str, Combinable]:
    """A curated record's workflow fields and timestamps, as every serializer ends."""
    return {
        "publication_status": F("publication_status"),
        "published_at": UTCTimestamp("published_at"),
        "retracted_at": UTCTimestamp("retracted_at"),
        "retraction_reason": F("retraction_reason"),
        "created_at": UTCTimestamp("created_at"),
        "updated_at": UTCTimestamp("updated_at"),
    }


# model -> its fields' expressions, given the origin (scheme://host) and the language.
DOCUMENTS: dict[type[Model], Callable[[str, str], dict[str, Combinable]]] = {
    Statistic: statistic_fields,
    HostPolicy: policy_fields,
}


def record_json(
    model: type[Model], request: Request, language: str, fields: tuple[str, ...] | None = None
) -> RawSQL:
    """An annotation giving each ``model`` record's JSON text, for this request's host and
    ``language``: every field, or ``fields`` in their order (a serializer's narrower form).
    Compiled to SQL once per host, language and fields: building and compiling the
    expression costs more than running it."""
    origin = request.build_absolute_uri("/").rstrip("/")
    sql, params = compiled_document(model, origin, language, fields)
    return RawSQL(sql, params, output_field=TextField())


def page_json(
    model: type[Model],
    ids: Sequence[Any],
    request: Request,
    language: str,
    fields: tuple[str, ...] | None = None,
) -> list[Any]:
    """The records of a page, by id, as JSON documents in the page's order: one prepared
    statement (``exile_api.prepared``), no queryset built. A record deleted since its id was
    read is left out."""
    origin = request.build_absolute_uri("/").rstrip("/")
    sql, params = page_statement(model, origin, language, fields)
    # The ids as one array's text: one parameter, whatever the page's size.
    listed = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
    alias = router.db_for_read(model)
    connection = connections[alias]
    with connection.cursor() as cursor:
        prepared.execute(cursor, connection, sql, (*params, listed), constants=len(params))
        documents = dict(cursor.fetchall())
    return [orjson.loads(documents[pk]) for pk in ids if pk in documents]


@functools.lru_cache(maxsize=64)
def page_statement(
    model: type[Model], origin: str, language: str, fields: tuple[str, ...] | None
) -> tuple[str, tuple[Any, ...]]:
    """The SQL of ``model`` records' primary keys and JSON (``record_json``), for the ids in
    an array's text, the last parameter; with the parameters before it. The query a page's
    queryset would run (``pk__in``, in no order: the page orders them), built once per host,
    language and fields."""
    sql, params = compiled_document(model, origin, language, fields)
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), model._meta.pk.column
    assert column is not None, f"{model.__name__}'s primary key has no column"
    key = f"{table}.{quote(column)}"
    return f"SELECT {key}, {sql} FROM {table} WHERE {key} = ANY(%s::bigint[])", params


@functools.lru_cache(maxsize=64)
def compiled_document(
    model: type[Model], origin: str, language: str, fields: tuple[str, ...] | None
) -> tuple[str, tuple[Any, ...]]:
    expressions = DOCUMENTS[model](origin, language)
    chosen = {name: expressions[name] for name in (fields or expressions)}
    document = Cast(JSONBuildObject(**chosen), TextField())
    query = model._default_manager.annotate(document=document).query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.compile(query.annotations["document"])
    return sql, tuple(params)


# A primary key no record has: it stands for the one asked for while a statement is built.
ANY_PK = 2**63 - 1


@functools.lru_cache(maxsize=64)
def detail_statement(
    model: type[Model], origin: str, language: str, public_only: bool
) -> tuple[str, tuple[Any, ...]]:
    """The SQL of one ``model`` record's primary key, ``updated_at`` and JSON (``record_json``)
    by primary key, the published and retracted records only if ``public_only``: the query a
    detail's queryset would run, built once per host, language and visibility. Its parameters
    but the last, which is the primary key asked for."""
    queryset = model._default_manager.order_by()
    if public_only:
        queryset = public(cast("QuerySet[Any]", queryset))  # public_only: a curated model
    sql, params = compiled_document(model, origin, language, None)
    document = RawSQL(sql, params, output_field=TextField())
    rows = queryset.filter(pk=ANY_PK).annotate(document=document)
    sql, params = rows.values_list("pk", "updated_at", "document").query.sql_with_params()
    assert params[-1] == ANY_PK, "the primary key is not the statement's last parameter"
    return sql, tuple(params[:-1])


def record_document(
    model: type[Model],
    pk: int,
    request: HttpRequest | Request,
    language: str,
    *,
    public_only: bool,
    origin: str | None = None,
) -> Any:
    """The ``model`` record ``pk`` with its version (``updated_at``) and its JSON text as
    ``document``, or None if there is none (or none public, with ``public_only``): one prepared
    statement (``exile_api.prepared``), no queryset built. ``origin``: the request's
    scheme://host, if known already."""
    origin = origin or request.build_absolute_uri("/").rstrip("/")
    sql, params = detail_statement(model, origin, language, public_only)
    alias = router.db_for_read(model)
    connection = connections[alias]
    with connection.cursor() as cursor:
        prepared.execute(cursor, connection, sql, (*params, pk), constants=len(params))
        row = cursor.fetchone()
    if row is None:
        return None
    record = model.from_db(alias, [model._meta.pk.attname, "updated_at"], row[:2])
    record.document = row[2]  # type: ignore[attr-defined]  # as get_queryset's annotation
    return record
