"""CSV exports (resources/api/exports.py): every list streamed in full, filters honoured, nested
values flattened, formulas neutralised, errors kept JSON."""

import csv
import io
import json
from datetime import date
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse
from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request

from resources.api import views
from resources.api.exports import CSVRenderer, StrictContentNegotiation
from resources.api.serializers import (
    CountrySerializer,
    ExileGroupSerializer,
    HostPolicySerializer,
    MediaOutletSerializer,
    OrganizationSerializer,
    SourceSerializer,
    StatisticSerializer,
)
from resources.models import (
    AudienceFigure,
    Channel,
    Citation,
    Country,
    ExileGroup,
    Location,
    Statistic,
)
from tests.factories import (
    cite,
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)
from tests.problems import detail, field_errors, problem

CSV_TYPE = "text/csv; charset=utf-8"


def make_country(source):
    """Countries are loaded by a migration; the list already holds them all."""


# route basename -> (viewset, serializer giving the columns, builder of one record)
RESOURCES = {
    "country": (views.CountryViewSet, CountrySerializer, make_country),
    "exile-group": (views.ExileGroupViewSet, ExileGroupSerializer, make_exile_group),
    "source": (views.SourceViewSet, SourceSerializer, lambda source: make_source()),
    "statistic": (views.StatisticViewSet, StatisticSerializer, make_statistic),
    "media-outlet": (views.MediaOutletViewSet, MediaOutletSerializer, make_media_outlet),
    "organization": (views.OrganizationViewSet, OrganizationSerializer, make_organization),
    "policy": (views.HostPolicyViewSet, HostPolicySerializer, make_policy),
}

AS_CSV = {
    "format_parameter": ({"format": "csv"}, None),
    "accept_header": ({}, "text/csv"),
}


def path(basename, lookup=None):
    return reverse(f"{basename}-detail", kwargs=lookup) if lookup else reverse(f"{basename}-list")


@pytest.fixture
def get_resource(api_client):
    """GET a list (or, given ``lookup``, a detail) of the resource named by its route basename."""

    def through_urls(basename, params=None, *, accept=None, lookup=None, method="get"):
        headers = {"HTTP_ACCEPT": accept} if accept else {}
        return getattr(api_client, method)(path(basename, lookup), params or {}, **headers)

    return through_urls


def content(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response):
    return list(csv.reader(io.StringIO(content(response).decode("utf-8"), newline="")))


def columns(serializer_class):
    """The CSV columns an anonymous client gets: every field but the sensitive ones."""
    hidden = getattr(serializer_class.Meta.model, "SENSITIVE_FIELDS", ())
    return [
        name
        for name, field in serializer_class().fields.items()
        if not field.write_only and name not in hidden
    ]


def as_csv_request(negotiation, params=None):
    extra, accept = AS_CSV[negotiation]
    return {"params": {**(params or {}), **extra}, "accept": accept}


# Every list --------------------------------------------------------------------------------


@pytest.mark.parametrize("negotiation", AS_CSV)
@pytest.mark.parametrize("basename", RESOURCES)
def test_list_as_csv_for_each_resource_streams_every_record(
    get_resource, source, basename, negotiation
):
    _viewset, serializer_class, make = RESOURCES[basename]
    for _ in range(3):
        make(source)
    records = json.loads(content(get_resource(basename, {"limit": 500})))["results"]

    response = get_resource(basename, **as_csv_request(negotiation))

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == CSV_TYPE
    assert response["Content-Disposition"] == f'attachment; filename="{basename}.csv"'
    assert response.streaming
    header, *rows = csv_rows(response)
    assert header == columns(serializer_class)
    key = header[0]
    assert [row[0] for row in rows] == [str(record[key]) for record in records]
    assert len(rows) >= 3


@pytest.mark.parametrize("negotiation", AS_CSV)
def test_list_as_csv_beyond_the_page_size_returns_every_record(get_resource, source, negotiation):
    for number in range(60):
        make_statistic(source, slug=f"s{number:02}")

    response = get_resource("statistic", **as_csv_request(negotiation))

    assert response.status_code == HTTPStatus.OK
    _header, *rows = csv_rows(response)
    assert sorted(row[1] for row in rows) == [f"s{number:02}" for number in range(60)]


def test_list_as_csv_with_fields_returns_those_columns_only(get_resource, source):
    make_statistic(source, slug="georgia", value=25000)

    response = get_resource("statistic", {"format": "csv", "fields": "slug,destination,value"})

    assert csv_rows(response) == [["slug", "destination", "value"], ["georgia", "GE", "25000"]]


def test_list_as_csv_with_head_returns_headers_without_reading_records(
    get_resource, source, django_assert_num_queries
):
    make_statistic(source)

    # One aggregate for Last-Modified; no record is read.
    with django_assert_num_queries(1):
        response = get_resource("statistic", {"format": "csv"}, method="head")
        body = content(response)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == CSV_TYPE
    assert response.has_header("Last-Modified")
    assert body == b""


def test_list_without_csv_returns_paginated_json(get_resource, source):
    for number in range(3):
        make_statistic(source, slug=f"s{number}")

    response = get_resource("statistic", {"limit": 2})

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert not response.streaming
    body = json.loads(response.content)
    assert body["count"] == 3
    assert len(body["results"]) == 2


# Filters, ordering, search, language --------------------------------------------------------


def test_list_as_csv_with_destination_filter_returns_matching_rows_only(get_resource, source):
    make_statistic(source, slug="georgia-1")
    make_statistic(source, slug="georgia-2")
    make_statistic(source, slug="armenia", destination=Country.objects.get(code="AM"))

    response = get_resource(
        "statistic", {"format": "csv", "destination": "GE", "ordering": "value"}
    )

    header, *rows = csv_rows(response)
    destination = header.index("destination")
    assert sorted(row[1] for row in rows) == ["georgia-1", "georgia-2"]
    assert {row[destination] for row in rows} == {"GE"}


def test_list_as_csv_with_ordering_returns_rows_in_that_order(get_resource, source):
    make_statistic(source, slug="ten", value=10)
    make_statistic(source, slug="thirty", value=30)
    make_statistic(source, slug="twenty", value=20)

    response = get_resource("statistic", {"format": "csv", "ordering": "-value"})

    header, *rows = csv_rows(response)
    value = header.index("value")
    assert [(row[1], row[value]) for row in rows] == [
        ("thirty", "30"),
        ("twenty", "20"),
        ("ten", "10"),
    ]


def test_list_as_csv_with_search_returns_matching_rows_only(get_resource, source):
    make_statistic(source, slug="programmers", notes="Relocated programmers in Tbilisi.")
    make_statistic(source, slug="students", notes="Students enrolled abroad.")

    response = get_resource("statistic", {"format": "csv", "q": "programmer"})

    _header, *rows = csv_rows(response)
    assert [row[1] for row in rows] == ["programmers"]


def test_list_as_csv_with_lang_ru_returns_russian_names(get_resource, source):
    make_exile_group(source, slug="it", name="IT specialists", name_ru="IT-специалисты")

    response = get_resource("exile-group", {"format": "csv", "lang": "ru"})

    header, row = csv_rows(response)
    assert row[header.index("name")] == "IT-специалисты"


# Flattened rows ------------------------------------------------------------------------------


def test_list_as_csv_flattens_a_statistic_into_documented_columns(get_resource, source):
    group = make_exile_group(source, slug="it-specialists")
    statistic = make_statistic(
        source, slug="georgia-arrivals", exile_group=group, notes="Border crossings."
    )
    cite(statistic, make_source(slug="unhcr-2023"), locator="table 2", claim="About 25,000.")
    timestamps = json.loads(content(get_resource("statistic", lookup={"pk": statistic.pk})))

    response = get_resource("statistic", {"format": "csv"})

    header, row = csv_rows(response)
    assert dict(zip(header, row, strict=True)) == {
        "id": str(statistic.pk),
        "slug": "georgia-arrivals",
        # The record's plain URL: the ?format=csv that DRF carries over into links is dropped.
        "url": f"http://testserver/api/v1/statistics/{statistic.pk}/",
        "origin": "RU",
        "destination": "GE",
        "exile_group": "it-specialists",
        "metric": "arrivals",
        "value": "25000",
        "value_low": "",
        "value_high": "",
        "qualifier": "exact",
        "unit": "people",
        "measure": "flow",
        "counting_method": "unspecified",
        "period_start": "2022-02-24",
        "period_end": "2022-03-10",
        "is_historical": "false",
        "notes": "Border crossings.",
        "citations": "essay para 1: A claim in our own words. | unhcr-2023 table 2: About 25,000.",
        "created_at": timestamps["created_at"],
        "updated_at": timestamps["updated_at"],
        "reported_as_of": "2022",
        "publication_status": "published",
        "published_at": timestamps["published_at"],
        "retracted_at": "",
        "retraction_reason": "",
    }


def test_list_as_csv_flattens_a_media_outlet_into_documented_columns(get_resource, source):
    latvia = Country.objects.get(code="LV")
    outlet = make_media_outlet(
        source,
        slug="tv-rain",
        name="TV Rain",
        country=latvia,
        city="Riga",
        languages=["ru", "en"],
        active_from_year=2010,
    )
    telegram = cite(
        Channel.objects.create(
            media_outlet=outlet, platform="telegram", handle="@tvrain", blocked_in_russia=False
        ),
        source,
    )
    cite(
        AudienceFigure.objects.create(
            channel=telegram,
            metric="subscribers",
            value=500000,
            value_low=400000,
            value_high=600000,
            qualifier="about",
            as_of=date(2024, 1, 1),
        ),
        source,
    )
    cite(
        Location.objects.create(media_outlet=outlet, country=latvia, city="Riga", start_year=2022),
        source,
    )
    cite(
        Location.objects.create(
            media_outlet=outlet,
            country=Country.objects.get(code="RU"),
            city="Moscow",
            start_year=2010,
            end_year=2022,
        ),
        source,
    )
    timestamps = json.loads(content(get_resource("media-outlet", lookup={"slug": "tv-rain"})))

    response = get_resource("media-outlet", {"format": "csv"})

    header, row = csv_rows(response)
    assert dict(zip(header, row, strict=True)) == {
        "id": str(outlet.pk),
        "slug": "tv-rain",
        "url": "http://testserver/api/v1/media-outlets/tv-rain/",
        "name": "TV Rain",
        "name_ru": "",
        "kind": "channel_network",
        "description": "",
        "description_ru": "",
        "country": "LV",
        "city": "Riga",
        "languages": "ru; en",
        "active_from_year": "2010",
        "active_to_year": "",
        "status": "unknown",
        "affiliated_organization": "",
        "channels": (
            "telegram @tvrain (subscribers 500000 400000–600000 about as of 2024-01-01)"  # noqa: RUF001
            " | youtube (views_per_video 1000000)"
        ),
        "locations": "Moscow, RU 2010–2022 | Riga, LV 2022–",  # noqa: RUF001
        "citations": "essay para 1: A claim in our own words.",
        "reported_as_of": "2022",
        "created_at": timestamps["created_at"],
        "updated_at": timestamps["updated_at"],
        "publication_status": "published",
        "published_at": timestamps["published_at"],
        "retracted_at": "",
        "retraction_reason": "",
    }


def test_list_as_csv_joins_brief_lists_of_an_organization_with_semicolons(get_resource, source):
    first = make_exile_group(source, slug="it-specialists")
    second = make_exile_group(source, slug="journalists")
    organization = make_organization(source, slug="free-russia")
    organization.exile_groups.set([first, second])
    organization.notable_figures.create(name="Natalia Arno", role="founder")
    make_media_outlet(source, slug="forum-tv", affiliated_organization=organization)

    response = get_resource("organization", {"format": "csv"})

    header, row = csv_rows(response)
    cells = dict(zip(header, row, strict=True))
    assert cells["exile_groups"] == "it-specialists; journalists"
    assert cells["notable_figures"] == "Natalia Arno (founder)"
    assert cells["media_outlets"] == "forum-tv"
    assert cells["locations"] == ""


@pytest.mark.parametrize(
    ("description", "cell"),
    [
        (
            '=HYPERLINK("https://evil.example","Click")',
            '\'=HYPERLINK("https://evil.example","Click")',
        ),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("+7 495 123", "'+7 495 123"),
        ("-2+3", "'-2+3"),
        ("\tcmd", "'\tcmd"),
        ("-5", "-5"),
        ("Plain = text", "Plain = text"),
    ],
)
def test_list_as_csv_with_formula_like_text_neutralises_it(get_resource, source, description, cell):
    make_exile_group(source, slug="group", description=description)

    response = get_resource("exile-group", {"format": "csv"})

    header, row = csv_rows(response)
    assert row[header.index("description")] == cell


# Detail ------------------------------------------------------------------------------------


def test_retrieve_as_csv_returns_header_and_one_row(get_resource, source):
    group = make_exile_group(source, slug="it-specialists", name="IT specialists")

    response = get_resource("exile-group", {"format": "csv"}, lookup={"slug": "it-specialists"})

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == CSV_TYPE
    header, row = csv_rows(response)
    assert header == columns(ExileGroupSerializer)
    cells = dict(zip(header, row, strict=True))
    assert cells["id"] == str(group.pk)
    assert cells["name"] == "IT specialists"
    assert cells["citations"] == "essay para 1: A claim in our own words."


# Errors stay JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize("negotiation", AS_CSV)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"destination": "XX"}, "destination"),
        ({"ordering": "bogus"}, "ordering"),
        ({"q": "x" * 201}, "q"),
        ({"lang": "xx"}, "lang"),
        ({"fields": "bogus"}, "fields"),
    ],
)
def test_list_as_csv_with_invalid_parameter_returns_json_400(
    get_resource, source, params, field, negotiation
):
    make_statistic(source)

    response = get_resource("statistic", **as_csv_request(negotiation, params))

    assert not response.streaming
    assert list(field_errors(response)) == [field]


@pytest.mark.parametrize("negotiation", AS_CSV)
def test_retrieve_missing_record_as_csv_returns_json_404(get_resource, db, negotiation):
    response = get_resource(
        "exile-group", lookup={"slug": "no-such-group"}, **as_csv_request(negotiation)
    )

    assert not response.streaming
    assert detail(response, HTTPStatus.NOT_FOUND, "not-found") == (
        "No ExileGroup matches the given query."
    )


def test_create_asking_for_csv_returns_406_and_creates_nothing(editor_client, source):
    response = editor_client.post(
        reverse("exile-group-list"),
        {
            "slug": "it",
            "name": "IT specialists",
            "citations": [{"source": "essay", "locator": "p 1", "claim": "A claim."}],
        },
        format="json",
        HTTP_ACCEPT="text/csv",
    )

    problem(response, HTTPStatus.NOT_ACCEPTABLE, "not-acceptable")
    assert not ExileGroup.objects.exists()


# Streaming, not building in memory ---------------------------------------------------------


def test_list_as_csv_through_serializer_streams_with_queries_per_chunk_not_per_row(
    get_resource, source, django_assert_max_num_queries
):
    group = make_exile_group(source, slug="it")
    georgia = Country.objects.get(code="GE")
    # In bulk: 1200 make_statistic calls would be 2400 single inserts.
    statistics = Statistic.objects.bulk_create(
        Statistic(
            slug=f"s{number:04}",
            destination=georgia,
            exile_group=group,
            metric="arrivals",
            value=number,
            unit="people",
            measure="flow",
            publication_status="published",
        )
        for number in range(1200)
    )
    Citation.objects.bulk_create(
        Citation(record=statistic, source=source, locator="para 1", claim="A claim.")
        for statistic in statistics
    )

    # Through the serializer (fields= narrows nothing, but takes the export off the path that
    # flattens PostgreSQL's JSON: tests/api/test_csv_fast_path.py streams that one).
    every_field = ",".join(StatisticSerializer.Meta.fields)
    response = get_resource("statistic", {"format": "csv", "fields": every_field})
    assert response.status_code == HTTPStatus.OK
    assert response.streaming
    lines = iter(response.streaming_content)

    # The first row comes out once the first chunk of 500 is read (the cursor's DECLARE and
    # the chunk's citations), not after all 1200 records.
    with django_assert_max_num_queries(2):
        first = [next(lines) for _ in range(2)]
    # Each further chunk costs its citations' prefetch (fetching from the open cursor is not a
    # query): 2 more chunks, 2 queries, however many rows they hold.
    with django_assert_max_num_queries(2):
        rest = list(lines)

    assert len(first) + len(rest) == 1 + 1200


# The rows' transaction ---------------------------------------------------------------------


def test_an_export_closed_before_its_first_piece_ends_its_rows_transaction(api_client, source):
    """The view reads the first rows inside their transaction (a savepoint here); a response
    closed before it is read (a client gone at once) must end it, not leave it open on the
    connection for the next request."""
    make_statistic(source)
    depth = len(connection.savepoint_ids)

    response = api_client.get(reverse("statistic-list"), {"format": "csv"})
    opened = len(connection.savepoint_ids)
    response.close()

    assert opened == depth + 1, "expected the export's first rows read in their transaction"
    assert len(connection.savepoint_ids) == depth


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "application/json",
        "application/json; indent=4",
        "application/*",
        "text/html",
        "text/csv",
        "text/csv, application/json",
        "application/json;q=0.5, text/csv",
        "",
        "image/png",
    ],
)
@pytest.mark.parametrize("first_csv", [False, True], ids=["json-first", "csv-first"])
def test_negotiation_picks_the_renderer_drfs_picks(rf, accept, first_csv):
    """StrictContentNegotiation answers the common Accept headers without parsing them; its
    choice is DRF's, media type included."""
    renderers = [ORJSONRenderer(), BrowsableAPIRenderer(), CSVRenderer()]
    if first_csv:
        renderers.reverse()
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}

    def choice(negotiation):
        request = Request(rf.get("/api/v1/statistics/", **headers))
        try:
            renderer, media_type = negotiation.select_renderer(request, renderers)
        except NotAcceptable:
            return "406"
        return type(renderer), media_type

    assert choice(StrictContentNegotiation()) == choice(DefaultContentNegotiation())
