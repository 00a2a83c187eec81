"""The statistics' and policies' lists and details, whose JSON PostgreSQL builds
(resources/api/sql_json.py), say exactly what their serializers say: every key, every value,
in the same order.

``fields=`` with every field sends the same request through the serializer, so each test
compares the two answers to one question.
"""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from resources.api.serializers import HostPolicySerializer, StatisticSerializer
from resources.api.sql_json import JSONAgg
from resources.models import Citation, Country, HostPolicy, Source, Statistic
from tests.factories import cite, make_exile_group, make_policy, make_source, make_statistic

ALL_FIELDS = ",".join(StatisticSerializer.Meta.fields)
ALL_POLICY_FIELDS = ",".join(HostPolicySerializer.Meta.fields)


def both_ways(client, url, fields=ALL_FIELDS, **headers):
    """The parsed answers of the database-built path and of the serializer (asked for
    every field by name)."""
    separator = "&" if "?" in url else "?"
    built = client.get(url, **headers)
    serialized = client.get(f"{url}{separator}fields={fields}", **headers)
    assert built.status_code == serialized.status_code == 200, built.content
    return built.json(), serialized.json()


def assert_same_document(built, serialized):
    if "results" in built:  # a page: its links differ by the fields= parameter alone
        assert built["count"] == serialized["count"]
        built, serialized = built["results"], serialized["results"]
    assert built == serialized
    # Same keys in the same order, nested objects included.
    assert json.dumps(built) == json.dumps(serialized)


@pytest.fixture
def varied(source):
    """Statistics with every kind of value the representation has to get right."""
    group = make_exile_group(source, slug="it-specialists", name="IT", name_ru="Айтишники")
    second = make_source(slug="second", title="Second source")
    abroad = make_statistic(source, slug="abroad", destination=None, exile_group=group)
    cite(abroad, second, locator="p. 2", claim='Another claim, with "quotes" and ü.')
    make_statistic(
        source,
        slug="range",
        value=Decimal("15.50"),
        value_low=Decimal("10.25"),
        value_high=Decimal("20"),
        qualifier="range",
        period_end=None,
        notes="Line one\nline two\ttab \\ backslash",
    )
    make_statistic(source, slug="big", value=Decimal("12345678901234.56"))
    retracted = make_statistic(source, slug="retracted", destination_id="AM")
    retracted.publication_status = "retracted"
    retracted.retracted_at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    retracted.retraction_reason = "Withdrawn by the source."
    retracted.save()
    whole_second = make_statistic(source, slug="whole-second", destination_id="LT")
    Statistic.objects.filter(pk=whole_second.pk).update(
        published_at=datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC)
    )
    return Statistic.objects.all()


def test_list_equals_the_serializer(api_client, varied):
    built, serialized = both_ways(
        api_client, "/api/v1/statistics/?publication_status=published,retracted"
    )
    assert built["count"] == 5
    assert_same_document(built, serialized)


def test_every_detail_equals_the_serializer(api_client, varied):
    for statistic in varied:
        built, serialized = both_ways(api_client, f"/api/v1/statistics/{statistic.pk}/")
        assert_same_document(built, serialized)


def test_russian_names_equal_the_serializer(api_client, varied):
    Country.objects.filter(code="GE").update(name_ru="Грузия")
    for url in (
        "/api/v1/statistics/?lang=ru",
        f"/api/v1/statistics/{varied.get(slug='abroad').pk}/",
    ):
        built, serialized = both_ways(api_client, url, HTTP_ACCEPT_LANGUAGE="ru")
        assert_same_document(built, serialized)
    assert built["exile_group"]["name"] == "Айтишники"


def test_an_empty_russian_name_falls_back_to_english(api_client, source):
    group = make_exile_group(source, slug="journalists", name="Journalists", name_ru="")
    statistic = make_statistic(source, exile_group=group)
    built, serialized = both_ways(api_client, f"/api/v1/statistics/{statistic.pk}/?lang=ru")
    assert_same_document(built, serialized)
    assert built["exile_group"]["name"] == "Journalists"


def test_citations_are_aggregated_in_their_model_order_not_the_rows_physical_order():
    # Which order a plan hands json_agg its rows in depends on the plan and on where updates
    # left them: only an ORDER BY inside the aggregate makes the array the serializer's.
    aggregated = Citation.objects.values("object_id").annotate(
        items=JSONAgg("locator", order_by=Citation._meta.ordering)
    )

    sql = str(aggregated.values("items").query)

    assert 'JSON_AGG("resources_citation"."locator" ORDER BY' in sql


def test_the_whole_seed_equals_the_serializer(api_client, db):
    call_command("load_seed", verbosity=0)
    built, serialized = both_ways(api_client, "/api/v1/statistics/?limit=500")
    assert built["count"] == Statistic.objects.filter(publication_status="published").count() > 0
    assert_same_document(built, serialized)
    for language in ("en", "ru"):
        built, serialized = both_ways(
            api_client, f"/api/v1/policies/?limit=500&lang={language}", ALL_POLICY_FIELDS
        )
        assert built["count"] == HostPolicy.objects.filter(publication_status="published").count()
        assert_same_document(built, serialized)


def test_drafts_stay_hidden_and_editors_see_them_built_the_same(api_client, editor_client, source):
    draft = make_statistic(source, slug="draft", publication_status="draft", published_at=None)
    assert api_client.get(f"/api/v1/statistics/{draft.pk}/").status_code == 404
    assert api_client.get("/api/v1/statistics/?publication_status=draft").json()["count"] == 0
    built, serialized = both_ways(editor_client, f"/api/v1/statistics/{draft.pk}/")
    assert_same_document(built, serialized)
    assert built["publication_status"] == "draft"


def test_pages_keep_the_list_order_and_links(api_client, source):
    for day in range(1, 8):
        make_statistic(
            source,
            slug=f"day-{day}",
            period_start=None,
            period_end=timezone.datetime(2022, 3, day).date(),
        )
    built, serialized = both_ways(api_client, "/api/v1/statistics/?limit=3&offset=2")
    assert_same_document(built, serialized)
    assert [s["slug"] for s in built["results"]] == ["day-5", "day-4", "day-3"]
    assert built["next"].endswith("limit=3&offset=5")


def test_a_change_to_a_related_record_shows_at_once(api_client, source):
    statistic = make_statistic(source, destination_id="AM")
    Country.objects.filter(code="AM").update(name="Armenia (renamed)")
    Source.objects.filter(pk=source.pk).update(title="Retitled")
    document = api_client.get(f"/api/v1/statistics/{statistic.pk}/").json()
    assert document["destination"]["name"] == "Armenia (renamed)"
    assert document["citations"][0]["source"]["title"] == "Retitled"


@pytest.mark.parametrize("limit", [1, 100])
def test_list_queries_do_not_grow_with_the_page(
    api_client, source, django_assert_max_num_queries, limit
):
    for number in range(100):
        make_statistic(source, slug=f"s{number}")
    # The destination filter's check, the count with Last-Modified, the page's ids, their JSON.
    with django_assert_max_num_queries(4):
        response = api_client.get(f"/api/v1/statistics/?destination=GE&limit={limit}")
    assert len(response.json()["results"]) == limit


def test_detail_is_one_query(api_client, source, django_assert_max_num_queries):
    statistic = make_statistic(source)
    with django_assert_max_num_queries(1):
        response = api_client.get(f"/api/v1/statistics/{statistic.pk}/")
    assert response.status_code == 200
    assert response["ETag"]
    assert response["Last-Modified"]


# Policies ----------------------------------------------------------------------------------


@pytest.fixture
def policies(source):
    """Policies with every kind of value their representation has to get right."""
    it = make_exile_group(source, slug="it-specialists", name="IT", name_ru="Айтишники")
    media = make_exile_group(source, slug="journalists", name="Journalists")
    full = make_policy(
        source,
        slug="full",
        title_ru="Регистрация компаний",
        summary_ru="Помогает.",
        conditions="Line one\nline two",
        legal_reference='Law "42"',
        announced_on="2022-03-01",
        effective_from="2022-03-15",
        effective_to="2024-12-31",
    )
    full.exile_groups.add(media, it)  # shown by name: IT, then Journalists
    full.nationalities.add("UA", "BY", "RU")
    cite(full, make_source(slug="second"), locator="p. 2", claim="Another claim.")
    make_policy(source, slug="bare", country_id="LT", is_historical=True)
    retracted = make_policy(source, slug="retracted")
    retracted.publication_status = "retracted"
    retracted.retracted_at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    retracted.retraction_reason = "Withdrawn."
    retracted.save()
    return HostPolicy.objects.all()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_policies_list_and_details_equal_the_serializer(api_client, policies, language):
    url = f"/api/v1/policies/?publication_status=published,retracted&lang={language}"
    built, serialized = both_ways(api_client, url, ALL_POLICY_FIELDS)
    assert built["count"] == 3
    assert_same_document(built, serialized)
    for policy in policies:
        url = f"/api/v1/policies/{policy.pk}/?lang={language}"
        assert_same_document(*both_ways(api_client, url, ALL_POLICY_FIELDS))


def test_policies_list_queries_do_not_grow_with_the_page(
    api_client, source, django_assert_max_num_queries
):
    for number in range(5):
        make_policy(source, slug=f"p{number}").nationalities.add("RU")
    with django_assert_max_num_queries(3):
        assert len(api_client.get("/api/v1/policies/?limit=1").json()["results"]) == 1
    with django_assert_max_num_queries(3):
        assert len(api_client.get("/api/v1/policies/?limit=100").json()["results"]) == 5
