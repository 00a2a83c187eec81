import json
from datetime import date
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.models import Citation, Statistic
from tests.factories import make_exile_group, make_statistic
from tests.problems import detail, error_codes, field_errors

LIST_URL = reverse("statistic-list")

VALID = {
    "slug": "georgia-arrivals",
    "destination": "ge",
    "metric": "arrivals",
    "value": 25000,
    "qualifier": "exact",
    "unit": "people",
    "measure": "flow",
    "period_start": "2022-02-24",
    "period_end": "2022-03-10",
    "citations": [{"source": "essay", "locator": "para 1", "claim": "Georgia took in 25,000."}],
}


def detail_url(statistic):
    return reverse("statistic-detail", kwargs={"pk": statistic.pk})


def test_list_statistics_returns_records_with_citations(api_client, source):
    first = make_statistic(source, slug="a", value=1)
    second = make_statistic(source, slug="b", value=2)

    response = api_client.get(LIST_URL)

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["count"] == 2
    assert {row["slug"] for row in body["results"]} == {first.slug, second.slug}
    row = next(row for row in body["results"] if row["slug"] == "a")
    assert row["destination"] == {
        "code": "GE",
        "name": "Georgia",
        "url": "http://testserver/api/v1/countries/GE/",
    }
    assert row["origin"]["code"] == "RU"
    assert row["exile_group"] is None
    assert row["value"] == 1
    assert row["citations"] == [
        {
            "source": {
                "id": source.pk,
                "slug": "essay",
                "title": source.title,
                "url": f"http://testserver/api/v1/sources/{source.pk}/",
            },
            "locator": "para 1",
            "claim": "A claim in our own words.",
        }
    ]


def test_list_statistics_query_count_is_independent_of_page_size(api_client, source):
    group = make_exile_group(source, slug="it")
    for number in range(101):
        make_statistic(source, slug=f"s{number}", exile_group=group)

    counts = []
    for limit in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(LIST_URL, {"limit": limit})
        assert len(response.json()["results"]) == limit
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_list_statistics_page_of_100_costs_at_most_four_queries(
    api_client, source, django_assert_max_num_queries
):
    for number in range(100):
        make_statistic(source, slug=f"s{number}")
    # count, the page with its countries and group, the citations with their sources, and the
    # newest updated_at for Last-Modified
    with django_assert_max_num_queries(4):
        api_client.get(LIST_URL, {"limit": 100})


def test_list_statistics_limit_above_maximum_is_capped_at_500(api_client, source):
    Statistic.objects.bulk_create(
        Statistic(
            slug=f"s{n}",
            metric="arrivals",
            value=n,
            unit="people",
            measure="flow",
            publication_status="published",
        )
        for n in range(501)
    )
    response = api_client.get(LIST_URL, {"limit": 1000000, "fields": "slug"})
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert len(body["results"]) == 500
    assert body["next"] == "http://testserver/api/v1/statistics/?fields=slug&limit=500&offset=500"


def test_list_statistics_default_page_is_50(api_client, source):
    for number in range(51):
        make_statistic(source, slug=f"s{number}")
    body = api_client.get(LIST_URL).json()
    assert body["count"] == 51
    assert len(body["results"]) == 50
    assert body["next"] == "http://testserver/api/v1/statistics/?limit=50&offset=50"
    assert body["previous"] is None


def test_list_statistics_filtered_by_destination_is_case_insensitive(api_client, source):
    georgia = make_statistic(source, slug="ge")
    make_statistic(source, slug="kz", destination_id="KZ")
    body = api_client.get(LIST_URL, {"destination": "ge"}).json()
    assert [row["slug"] for row in body["results"]] == [georgia.slug]


def test_list_statistics_unknown_filter_value_is_400_naming_it(api_client, source):
    make_statistic(source)
    for params, name in (
        ({"destination": "XX"}, "destination"),
        ({"metric": "weight"}, "metric"),
        ({"is_historical": "maybe"}, "is_historical"),
    ):
        response = api_client.get(LIST_URL, params)
        assert list(field_errors(response)) == [name], params


def test_retrieve_statistic_returns_record(api_client, source):
    statistic = make_statistic(source, slug="one", value_low=20000, value_high=30000)
    response = api_client.get(detail_url(statistic))
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["slug"] == "one"
    assert (body["value_low"], body["value"], body["value_high"]) == (20000, 25000, 30000)
    assert body["period_start"] == "2022-02-24"
    assert body["measure"] == "flow"


def test_retrieve_missing_statistic_is_json_404(api_client, db):
    response = api_client.get(reverse("statistic-detail", kwargs={"pk": 999999}))
    assert detail(response, HTTPStatus.NOT_FOUND, "not-found") == (
        "No Statistic matches the given query."
    )


def test_create_statistic_by_editor_saves_record_and_citation(editor_client, source):
    response = editor_client.post(LIST_URL, VALID, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()
    statistic = Statistic.objects.get(slug="georgia-arrivals")
    assert statistic.destination_id == "GE"
    assert statistic.origin_id == "RU"
    assert statistic.value == 25000
    assert [(c.source_id, c.locator, c.claim) for c in statistic.citations.all()] == [
        (source.pk, "para 1", "Georgia took in 25,000.")
    ]
    assert response.json()["citations"][0]["source"]["slug"] == "essay"


def test_create_statistic_anonymously_is_401_and_writes_nothing(api_client, source):
    response = api_client.post(LIST_URL, VALID, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'
    assert not Statistic.objects.exists()


def test_create_statistic_without_permission_is_403(reader_client, source):
    response = reader_client.post(LIST_URL, VALID, format="json")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Statistic.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"value": "many"}, "value"),
        ({"value": -5}, "value"),
        ({"metric": "weight"}, "metric"),
        ({"qualifier": "roughly"}, "qualifier"),
        ({"period_start": "2022-02-31"}, "period_start"),
        ({"period_end": "2022-01-01"}, "period_end"),
        ({"value_low": 30000}, "value_low"),
        ({"value_high": 100}, "value_high"),
        ({"destination": "XX"}, "destination"),
        ({"destination": 7}, "destination"),
        ({"destination": "RU"}, "destination"),
        ({"exile_group": "nobody"}, "exile_group"),
        ({"citations": []}, "citations"),
        (
            {"citations": [{"source": "unknown", "locator": "p", "claim": "c"}]},
            "citations.0.source",
        ),
        ({"citations": [{"source": "essay", "claim": "c"}]}, "citations.0.locator"),
        ({"slug": "not a slug"}, "slug"),
        ({"is_historical": "perhaps"}, "is_historical"),
    ],
)
def test_create_statistic_with_bad_field_is_400_naming_it_and_writes_nothing(
    editor_client, source, change, field
):
    response = editor_client.post(LIST_URL, VALID | change, format="json")

    assert list(field_errors(response)) == [field]
    assert not Statistic.objects.exists()
    assert not Citation.objects.exists()


def test_create_statistic_with_duplicate_slug_is_400(editor_client, source):
    make_statistic(source, slug="georgia-arrivals")
    response = editor_client.post(LIST_URL, VALID, format="json")
    assert error_codes(response) == {"slug": ["unique"]}
    assert Statistic.objects.count() == 1


def test_create_statistic_with_malformed_json_is_400(editor_client, source):
    response = editor_client.post(LIST_URL, '{"slug": ', content_type="application/json")
    assert "JSON parse error" in detail(response, HTTPStatus.BAD_REQUEST, "parse-error")
    assert not Statistic.objects.exists()


def test_create_statistic_with_json_array_is_400(editor_client, source):
    response = editor_client.post(LIST_URL, "[1, 2]", content_type="application/json")
    assert list(field_errors(response)) == ["non_field_errors"]
    assert not Statistic.objects.exists()


def test_create_statistic_as_form_data_is_415(editor_client, source):
    response = editor_client.post(
        LIST_URL, "slug=x", content_type="application/x-www-form-urlencoded"
    )
    assert detail(response, HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type") == (
        'Unsupported media type "application/x-www-form-urlencoded" in request.'
    )
    assert not Statistic.objects.exists()


def test_create_statistic_with_oversized_body_is_413(editor_client, source, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1000
    body = json.dumps(VALID | {"notes": "x" * 2000})
    response = editor_client.post(LIST_URL, body, content_type="application/json")
    assert "too large" in detail(response, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "payload-too-large")
    assert not Statistic.objects.exists()


def test_patch_statistic_updates_fields_and_keeps_citations(editor_client, source):
    statistic = make_statistic(source)
    response = editor_client.patch(detail_url(statistic), {"value": 26000}, format="json")
    assert response.status_code == HTTPStatus.OK
    statistic.refresh_from_db()
    assert statistic.value == 26000
    assert statistic.citations.count() == 1


def test_patch_statistic_with_citations_replaces_them(editor_client, source):
    statistic = make_statistic(source)
    citations = [
        {"source": "essay", "locator": "para 3", "claim": "First."},
        {"source": "essay", "locator": "para 4", "claim": "Second."},
    ]
    response = editor_client.patch(detail_url(statistic), {"citations": citations}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert [(c.locator, c.claim) for c in statistic.citations.order_by("id")] == [
        ("para 3", "First."),
        ("para 4", "Second."),
    ]


def test_patch_statistic_breaking_range_is_400_and_changes_nothing(editor_client, source):
    statistic = make_statistic(source, value_high=30000)
    response = editor_client.patch(detail_url(statistic), {"value": 40000}, format="json")
    assert list(field_errors(response)) == ["value_high"]
    statistic.refresh_from_db()
    assert statistic.value == 25000


def test_patch_statistic_ignores_read_only_fields(editor_client, source):
    statistic = make_statistic(source)
    created_at = statistic.created_at
    response = editor_client.patch(
        detail_url(statistic),
        {"id": 12345, "created_at": "2000-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == HTTPStatus.OK
    statistic.refresh_from_db()
    assert statistic.pk != 12345
    assert statistic.created_at == created_at


def test_put_statistic_replaces_record(editor_client, source):
    statistic = make_statistic(source)
    payload = VALID | {"slug": statistic.slug, "destination": "AM", "value": 6000}
    response = editor_client.put(detail_url(statistic), payload, format="json")
    assert response.status_code == HTTPStatus.OK
    statistic.refresh_from_db()
    assert (statistic.destination_id, statistic.value) == ("AM", 6000)


def test_delete_statistic_by_reviewer_retracts_it_and_keeps_its_citations(editor_client, source):
    statistic = make_statistic(source)
    response = editor_client.delete(detail_url(statistic), {"reason": "Miscounted."}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["publication_status"] == "retracted"
    assert response.json()["retraction_reason"] == "Miscounted."
    statistic.refresh_from_db()
    assert statistic.publication_status == "retracted"
    assert Citation.objects.filter(object_id=statistic.pk).count() == 1


def test_delete_statistic_anonymously_is_401(api_client, source):
    statistic = make_statistic(source)
    assert api_client.delete(detail_url(statistic)).status_code == HTTPStatus.UNAUTHORIZED
    assert Statistic.objects.filter(pk=statistic.pk).exists()


def test_list_statistics_latest_first_open_periods_by_start_undated_last(api_client, source):
    make_statistic(source, slug="undated", period_start=None, period_end=None)
    make_statistic(
        source, slug="1922", period_start=date(1922, 1, 1), period_end=date(1922, 12, 31)
    )
    make_statistic(source, slug="open-2022", period_start=date(2022, 2, 24), period_end=None)
    make_statistic(
        source, slug="march", period_start=date(2022, 2, 24), period_end=date(2022, 3, 31)
    )

    body = api_client.get(LIST_URL).json()

    assert [row["slug"] for row in body["results"]] == ["march", "open-2022", "1922", "undated"]


def test_retrieve_statistic_renders_whole_figures_as_integers(api_client, source):
    whole = make_statistic(source, slug="whole", value=25000)
    share = make_statistic(source, slug="share", value="15.5", unit="percent", measure="share")
    assert api_client.get(detail_url(whole)).content.count(b'"value":25000,') == 1
    assert api_client.get(detail_url(share)).json()["value"] == 15.5


def test_create_statistic_citing_the_same_passage_twice_is_400_naming_citations(
    editor_client, source
):
    citation = VALID["citations"][0]
    response = editor_client.post(
        LIST_URL, VALID | {"citations": [citation, citation]}, format="json"
    )
    assert field_errors(response) == {"citations": ["The same citation appears twice."]}
    assert not Statistic.objects.exists()


def test_retrieve_statistic_ignores_list_filters_in_the_query(api_client, source):
    statistic = make_statistic(source)
    response = api_client.get(detail_url(statistic), {"destination": "AM", "q": "nothing"})
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("item", "missing"),
    [
        ({"locator": "para 2", "claim": "A claim."}, ["source"]),
        ({"source": "essay"}, ["claim", "locator"]),
    ],
)
def test_patch_with_incomplete_citation_is_400_naming_the_missing_fields(
    editor_client, source, item, missing
):
    statistic = make_statistic(source)

    response = editor_client.patch(detail_url(statistic), {"citations": [item]}, format="json")

    # A PATCH leaves out whole fields, never parts of a nested list's item: the list replaces
    # the record's citations, so each item must be complete.
    assert field_errors(response) == {
        f"citations.0.{name}": ["This field is required."] for name in missing
    }
    assert list(statistic.citations.values_list("locator", flat=True)) == ["para 1"]
