"""The statistics CSV export whose lines PostgreSQL builds (resources/api/sql_csv.py, streamed by
resources/api/exports.py ``csv_line_stream``) is the serializer path's file, byte for byte, on
the seed.

``fields=`` with every field sends the same request through the serializer (as in
tests/api/test_sql_json.py), so each test compares the two answers to one question.
"""

from decimal import Decimal
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse

from resources.api import exports
from resources.api.serializers import StatisticSerializer
from resources.models import Citation, Country, ExileGroup, Source, Statistic
from tests.factories import cite, make_statistic

ALL_FIELDS = ",".join(StatisticSerializer.Meta.fields)


def body(response):
    assert response.status_code == HTTPStatus.OK, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


def both_ways(client, params, **headers):
    """The export's bytes built from PostgreSQL's JSON, and the serializer's."""
    url = reverse("statistic-list")
    built = body(client.get(url, {"format": "csv", **params}, **headers))
    serialized = body(client.get(url, {"format": "csv", **params, "fields": ALL_FIELDS}, **headers))
    return built, serialized


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"lang": "ru"},
        {"ordering": "-value"},
        {"ordering": "period_start,-value"},
        {"destination": "GE"},
        {"q": "Georgia"},
        {"period_after": "2022-06-01", "ordering": "-period_start"},
        {"destination": "IS"},  # no statistic: the header alone
    ],
)
def test_list_as_csv_from_database_equals_the_serializers_byte_for_byte(api_client, seeded, params):
    built, serialized = both_ways(api_client, params)

    assert built == serialized
    assert built.count(b"\r\n") >= 1


def test_list_as_csv_with_accept_header_and_russian_equals_the_serializers(api_client, seeded):
    built, serialized = both_ways(
        api_client, {"ordering": "-created_at"}, HTTP_ACCEPT="text/csv", HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert built == serialized
    assert (
        built.count(b"\r\n") == 1 + Statistic.objects.filter(publication_status="published").count()
    )


def test_list_as_csv_with_formula_like_and_awkward_text_equals_the_serializers(api_client, seeded):
    source = Source.objects.get(slug="soldatov-borogan-2022-essay")
    statistic = make_statistic(
        source,
        slug="formula",
        destination=None,
        exile_group=ExileGroup.objects.order_by("pk").first(),
        value=Decimal("15.50"),
        value_low=Decimal("10.25"),
        value_high=Decimal("12345678901234.56"),
        notes='=HYPERLINK("https://evil.example","Click")\nline two, "quoted"; ü',
    )
    cite(statistic, source, locator="@SUM(A1:A9)", claim="+7 495 123, a claim\twith a tab")
    Statistic.objects.filter(pk=statistic.pk).update(retraction_reason="-2+3")

    built, serialized = both_ways(api_client, {"ordering": "-created_at"})

    assert built == serialized
    row = built.decode().split("\r\n", 1)[1]
    assert row.startswith(f"{statistic.pk},formula,")
    assert '"\'=HYPERLINK(""https://evil.example"",""Click"")\nline two, ""quoted""; ü"' in row
    assert ",15.5,10.25,12345678901234.56," in row
    assert ",'-2+3," in row


@pytest.mark.parametrize(
    ("notes", "cell"),
    [
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("+7 495 123", "'+7 495 123"),
        ("\tcmd", "'\tcmd"),
        ("\rcarriage", '"\'\rcarriage"'),
        ("-5", "-5"),
        ("+1.5e3", "+1.5e3"),
        ("-.5", "-.5"),
        ("-5\n", '"\'-5\n"'),
        ("-\u0663", "'-\u0663"),  # an Arabic-Indic digit: not a number to a spreadsheet
        ("Plain = text", "Plain = text"),
        ('say "hi"', '"say ""hi"""'),
    ],
)
def test_list_as_csv_from_database_neutralises_and_quotes_as_the_serializer(
    api_client, seeded, notes, cell
):
    source = Source.objects.get(slug="soldatov-borogan-2022-essay")
    make_statistic(source, slug="tricky", notes=notes)

    built, serialized = both_ways(api_client, {"ordering": "-created_at"})

    assert built == serialized
    _header, row = built.decode().split("\r\n", 2)[:2]
    assert f",{cell},soldatov-borogan-2022-essay para 1:" in row


def test_list_as_csv_from_database_streams_from_a_server_side_cursor(
    api_client, seeded, monkeypatch, django_assert_max_num_queries
):
    """Constant memory: the documents come a chunk at a time from a named cursor, and the body
    in pieces of a few rows, with no query per row or per chunk."""
    monkeypatch.setattr(exports, "LINE_CHUNK_SIZE", 4)
    monkeypatch.setattr(exports, "ROWS_PER_WRITE", 3)
    georgia = Country.objects.get(code="GE")
    statistics = Statistic.objects.bulk_create(
        Statistic(
            slug=f"s{number:02}",
            destination=georgia,
            metric="arrivals",
            value=number,
            unit="people",
            measure="flow",
            publication_status="published",
        )
        for number in range(20)
    )
    source = Source.objects.get(slug="soldatov-borogan-2022-essay")
    Citation.objects.bulk_create(
        Citation(record=statistic, source=source, locator="para 1", claim="A claim.")
        for statistic in statistics
    )
    rows = Statistic.objects.filter(publication_status="published").count()

    # The count and version, then, in a transaction (a SAVEPOINT within the test's) without JIT,
    # the cursor declared and its first chunk read, before the response leaves the view.
    with django_assert_max_num_queries(4):
        response = api_client.get(reverse("statistic-list"), {"format": "csv"})
    assert response.status_code == HTTPStatus.OK
    pieces = iter(response.streaming_content)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE NOT is_holdable")
        (open_cursors,) = cursor.fetchone()
    assert open_cursors == 1

    # Fetching from the open cursor is not a query; the transaction's end is.
    with django_assert_max_num_queries(1):
        first = next(pieces)
        rest = list(pieces)

    assert first.count(b"\r\n") == 3  # the header and two rows
    assert all(piece.count(b"\r\n") == 3 for piece in rest[:-1])
    assert b"".join([first, *rest]).count(b"\r\n") == 1 + rows
