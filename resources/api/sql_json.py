"""Representations that PostgreSQL builds, for the hottest read paths: statistics, policies,
media outlets, organizations and the country profile.

Apps and bots poll the statistics list and detail more than anything else. For them, the
query that selects the page also builds each record's JSON (``json_build_object``), nested
country, group and citations included, so no model instance, serializer field or URL
reversal runs per record; the same for the other resources of ``DOCUMENTS``, nested
channels, audience figures, locations and notable figures included. The document is the
serializer's representation, key for key and value for value, without the fields the reader
may not see (``readable_fields``): the serializers stay the definition, and
tests/api/test_sql_json.py compares the two on every kind of record. Where the serializer does
something this module does not (``fields=``, ``omit=``, ``brief=``, CSV, the browsable
API), the view uses the serializer.

The country profile's lists come from one prepared statement (``profile_json``): each
list's first records as documents, and its total.
"""

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from typing import Any, cast

import orjson
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.aggregates.mixins import OrderableAggMixin
from django.db import connection, connections, router
from django.db.models import (
    Aggregate,
    CharField,
    DateField,
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

from ..models import (
    AudienceFigure,
    Channel,
    Citation,
    Country,
    ExileGroup,
    HostPolicy,
    Location,
    MediaOutlet,
    NotableFigure,
    Organization,
    Statistic,
)
from ..profiles import PROFILE_LIMIT, profile_records
from ..reported import reported_as_of_sql
from ..visibility import public, reads_drafts
from .prepared import Parameter, PreparedStatement
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
    # By a unique key: no ORDER BY (the model's default ordering) for one row.
    records = model._default_manager.filter(**lookup).order_by()
    return Subquery(records.values(document=document)[:1])


def json_array(
    rows: QuerySet[Any], owner: str, item: Combinable, order_by: Sequence[Any] | None
) -> Coalesce:
    """The ``rows`` of the outer record (``owner``: their column holding its key), each as
    ``item``, as a JSON array in ``order_by``'s order; [] when none."""
    per_record = (
        rows.order_by()
        .values(owner)
        .annotate(items=JSONAgg(item, order_by=order_by or ()))
        .values("items")
    )
    return Coalesce(Subquery(per_record), RawSQL("'[]'::json", (), output_field=JSONField()))


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
    citations = Citation.objects.filter(content_type_id=content_type.pk, object_id=OuterRef("pk"))
    return json_array(citations, "object_id", citation, Citation._meta.ordering)


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
        "reported_as_of": reported_as_of_sql(Statistic),
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
    links = through._default_manager.filter(**{f"{owner}_id": OuterRef("pk")})
    return json_array(links, f"{owner}_id", brief, [f"{related}__name", f"{related}__pk"])


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
        "reported_as_of": reported_as_of_sql(HostPolicy),
        **workflow_fields(),
    }


def location_list(owner: str, origin: str, language: str) -> Coalesce:
    """The locations of the outer outlet or organization (``owner``: the relation to it), as
    ``LocationSerializer`` shows them, in their order."""
    location = JSONBuildObject(
        id=F("id"),
        country=brief_object(Country, origin, language, "country__"),
        city=F("city"),
        start_date=F("start_date"),
        end_date=F("end_date"),
        start_year=F("start_year"),
        end_year=F("end_year"),
        notes=F("notes"),
        citations=citations_json(Location, origin),
    )
    rows = Location.objects.filter(**{owner: OuterRef("pk")})
    return json_array(rows, owner, location, Location._meta.ordering)


def channel_list(origin: str) -> Coalesce:
    """The channels of the outer outlet, each with its audience figures, as
    ``ChannelSerializer`` shows them, in their order."""
    figure = JSONBuildObject(
        id=F("id"),
        metric=F("metric"),
        value=TrimScale("value"),
        value_low=TrimScale("value_low"),
        value_high=TrimScale("value_high"),
        qualifier=F("qualifier"),
        as_of=F("as_of"),
        notes=F("notes"),
        citations=citations_json(AudienceFigure, origin),
    )
    figures = AudienceFigure.objects.filter(channel=OuterRef("pk"))
    channel = JSONBuildObject(
        id=F("id"),
        platform=F("platform"),
        handle=F("handle"),
        web_url=F("web_url"),
        blocked_in_russia=F("blocked_in_russia"),
        blocked_since=F("blocked_since"),
        notes=F("notes"),
        audience_figures=json_array(figures, "channel", figure, AudienceFigure._meta.ordering),
        citations=citations_json(Channel, origin),
    )
    rows = Channel.objects.filter(media_outlet=OuterRef("pk"))
    return json_array(rows, "media_outlet", channel, Channel._meta.ordering)


def media_outlet_fields(origin: str, language: str) -> dict[str, Combinable]:
    """A media outlet's fields as ``MediaOutletSerializer`` shows them, in its order (the
    sensitive ones included: ``record_json`` leaves them out for readers who may not see
    them)."""
    return {
        "id": F("id"),
        "slug": F("slug"),
        "url": url_of("media-outlet", "slug", origin),
        "name": localized("name", language),
        "name_ru": F("name_ru"),
        "kind": F("kind"),
        "description": localized("description", language),
        "description_ru": F("description_ru"),
        "country": brief_json(Country, origin, language, code=OuterRef("country_id")),
        "city": F("city"),
        "languages": F("languages"),
        "active_from_year": F("active_from_year"),
        "active_to_year": F("active_to_year"),
        "status": F("status"),
        "affiliated_organization": brief_json(
            Organization, origin, language, pk=OuterRef("affiliated_organization_id")
        ),
        "channels": channel_list(origin),
        "locations": location_list("media_outlet", origin, language),
        "citations": citations_json(MediaOutlet, origin),
        "reported_as_of": reported_as_of_sql(MediaOutlet),
        "contact_details": F("contact_details"),
        "internal_notes": F("internal_notes"),
        **workflow_fields(),
    }


def organization_fields(origin: str, language: str) -> dict[str, Combinable]:
    """An organization's fields as ``OrganizationSerializer`` shows them, in its order (the
    sensitive ones included, as an outlet's)."""
    figure = JSONBuildObject(
        id=F("id"),
        name=F("name"),
        role=F("role"),
        description=F("description"),
        citations=citations_json(NotableFigure, origin),
    )
    figures = NotableFigure.objects.filter(organization=OuterRef("pk"))
    # Its public outlets, for every reader (as querysets.organizations prefetches them).
    outlets = public(MediaOutlet.objects.filter(affiliated_organization=OuterRef("pk")))
    outlet = brief_object(MediaOutlet, origin, language)
    return {
        "id": F("id"),
        "slug": F("slug"),
        "url": url_of("organization", "slug", origin),
        "name": localized("name", language),
        "name_ru": F("name_ru"),
        "kind": F("kind"),
        "description": localized("description", language),
        "description_ru": F("description_ru"),
        "country": brief_json(Country, origin, language, code=OuterRef("country_id")),
        "city": F("city"),
        "founded_year": F("founded_year"),
        "dissolved_year": F("dissolved_year"),
        "status": F("status"),
        "website": F("website"),
        "exile_groups": brief_list_json(
            Organization.exile_groups.through, "organization", "exilegroup", origin, language
        ),
        "notable_figures": json_array(
            figures, "organization", figure, NotableFigure._meta.ordering
        ),
        "locations": location_list("organization", origin, language),
        "media_outlets": json_array(
            outlets, "affiliated_organization", outlet, MediaOutlet._meta.ordering
        ),
        "citations": citations_json(Organization, origin),
        "reported_as_of": reported_as_of_sql(Organization),
        "contact_details": F("contact_details"),
        "internal_notes": F("internal_notes"),
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
    MediaOutlet: media_outlet_fields,
    Organization: organization_fields,
}


def record_json(
    model: type[Model], request: Request, language: str, fields: tuple[str, ...] | None = None
) -> RawSQL:
    """An annotation giving each ``model`` record's JSON text, for this request's host and
    ``language``: every field the reader may see, or those of ``fields`` in their order (a
    serializer's narrower form). Compiled to SQL once per host, language and fields: building
    and compiling the expression costs more than running it."""
    origin = request.build_absolute_uri("/").rstrip("/")
    readable = readable_fields(model, request, fields)
    sql, params = compiled_document(model, origin, language, readable)
    return RawSQL(f"({sql})::text", params, output_field=TextField())


def readable_fields(
    model: type[Model], request: Request, fields: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """``fields`` (None: all) less those the reader may not see: a curated model's sensitive
    fields, for readers who may not read its drafts (as ``CuratedRecordSerializer``
    hides them)."""
    hidden = getattr(model, "SENSITIVE_FIELDS", ())
    if not hidden or reads_drafts(request, model):
        return fields
    return tuple(name for name in fields or document_fields(model) if name not in hidden)


@functools.cache
def document_fields(model: type[Model]) -> tuple[str, ...]:
    """The names of every field of a ``model`` record's document, in their order."""
    return tuple(DOCUMENTS[model]("", settings.LANGUAGE_CODE))


def briefs_by_key(
    model: type[Model], keys: Collection[Any], request: Request, language: str
) -> dict[Any, Any]:
    """The ``model`` records with these primary keys, each in its brief form, by key: one
    query."""
    origin = request.build_absolute_uri("/").rstrip("/")
    document = Cast(brief_object(model, origin, language), TextField())
    briefs = model._default_manager.filter(pk__in=keys).values_list("pk", document)
    return {key: orjson.loads(brief) for key, brief in briefs}


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
    sql, params = page_statement(model, origin, language, readable_fields(model, request, fields))
    # The ids as one array's text: one parameter, whatever the page's size.
    listed = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
    alias = router.db_for_read(model)
    connection = connections[alias]
    with connection.cursor() as cursor:
        prepared.execute(cursor, connection, sql, (*params, listed), constants=len(params))
        documents = dict(cursor.fetchall())
    return [orjson.loads(documents[pk]) for pk in ids if pk in documents]


@dataclass(frozen=True)
class ListsStatement:
    """The first records of several lists as JSON documents, and how many records each list
    has in all: one prepared statement (``lists_statement``)."""

    names: tuple[str, ...]
    model: type[Model]  # of the first list: the router places the statement as its reads
    statement: PreparedStatement

    def run(self, **values: Any) -> tuple[dict[str, list[Any]], dict[str, int]]:
        """The documents and the total of each list, by name, given the value of each
        ``Parameter``."""
        row = self.statement.run(connections[router.db_for_read(self.model)], **values)
        assert row is not None  # a SELECT without FROM: always one row
        shown = {name: orjson.loads(row[2 * index]) for index, name in enumerate(self.names)}
        totals = {name: row[2 * index + 1] for index, name in enumerate(self.names)}
        return shown, totals


def lists_statement(
    lists: Mapping[str, QuerySet[Any]],
    origin: str,
    language: str,
    fields: Mapping[type[Model], tuple[str, ...] | None],
    limit: int,
) -> ListsStatement:
    """The statement giving the first ``limit`` records of each of ``lists`` (name -> its
    records, in order) as JSON documents, each with the ``fields`` of its model, and how many
    records each list has in all: one query, however many lists and records."""
    columns: list[str] = []
    params: list[Any] = []
    for queryset in lists.values():
        model: type[Model] = queryset.model
        records = queryset.select_related(None).prefetch_related(None)
        sql, document_params = compiled_document(model, origin, language, fields[model])
        documents = records.annotate(document=RawSQL(sql, document_params, JSONField()))
        for query, column in (
            # ARRAY(subquery) keeps the rows in the order of the subquery's ORDER BY.
            (documents.values_list("document")[:limit].query, "array_to_json(ARRAY({}))::text"),
            (records.order_by().values("pk").query, "(SELECT COUNT(*) FROM ({}) AS counted)"),
        ):
            query_sql, query_params = query.sql_with_params()
            columns.append(column.format(query_sql))
            params.extend(query_params)
    statement = PreparedStatement(f"SELECT {', '.join(columns)}", tuple(params))
    return ListsStatement(tuple(lists), next(iter(lists.values())).model, statement)


def profile_json(
    *, country: str, as_of: date, request: Request, language: str
) -> tuple[dict[str, list[Any]], dict[str, int]]:
    """The lists of ``country``'s profile (``resources.profiles.profile_records``) with the
    policies in force on ``as_of``: the first ``PROFILE_LIMIT`` records of each as JSON
    documents with the fields this reader may see, and how many records each has in all."""
    origin = request.build_absolute_uri("/").rstrip("/")
    readable = tuple(readable_fields(model, request, None) for model in DOCUMENTS)
    return profile_statement(origin, language, readable).run(country=country, as_of=as_of)


@functools.lru_cache(maxsize=32)
def profile_statement(
    origin: str, language: str, readable: tuple[tuple[str, ...] | None, ...]
) -> ListsStatement:
    """The profile's statement, for a host, a language and the fields a reader may see
    (those of each model of ``DOCUMENTS``, in order): compiled once, as building and
    compiling its querysets costs more than running it."""
    lists = profile_records(
        country=Parameter("country", CharField()), as_of=Parameter("as_of", DateField())
    )
    fields = dict(zip(DOCUMENTS, readable, strict=True))
    return lists_statement(lists, origin, language, fields, PROFILE_LIMIT)


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
    return f"SELECT {key}, ({sql})::text FROM {table} WHERE {key} = ANY(%s::bigint[])", params


@functools.lru_cache(maxsize=128)
def compiled_document(
    model: type[Model], origin: str, language: str, fields: tuple[str, ...] | None
) -> tuple[str, tuple[Any, ...]]:
    """The SQL of each ``model`` record's document (``json``) with ``fields`` (None: all)."""
    expressions = DOCUMENTS[model](origin, language)
    chosen = {name: expressions[name] for name in (fields or expressions)}
    query = model._default_manager.annotate(document=JSONBuildObject(**chosen)).query
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
    # The fields the reader may see: without the sensitive ones for the public (as
    # ``readable_fields`` says for a request).
    hidden = getattr(model, "SENSITIVE_FIELDS", ()) if public_only else ()
    shown = tuple(name for name in document_fields(model) if name not in hidden)
    sql, params = compiled_document(model, origin, language, shown if hidden else None)
    document = RawSQL(f"({sql})::text", params, output_field=TextField())
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
    alias = router.db_for_read(model)
    row = document_row(model, pk, request, language, public_only=public_only, origin=origin)
    if row is None:
        return None
    record = model.from_db(alias, [model._meta.pk.attname, "updated_at"], row[:2])
    record.document = row[2]  # type: ignore[attr-defined]  # as get_queryset's annotation
    return record


def document_row(
    model: type[Model],
    pk: int,
    request: HttpRequest | Request,
    language: str,
    *,
    public_only: bool,
    origin: str | None = None,
) -> tuple[Any, datetime, str] | None:
    """``record_document``'s row: the primary key, ``updated_at`` and the JSON text, with no
    model instance made of them."""
    origin = origin or request.build_absolute_uri("/").rstrip("/")
    sql, params = detail_statement(model, origin, language, public_only)
    connection = connections[router.db_for_read(model)]
    with connection.cursor() as cursor:
        prepared.execute(cursor, connection, sql, (*params, pk), constants=len(params))
        return cursor.fetchone()
