"""Conditional requests (ETag, Last-Modified, 304) and the Cache-Control and Vary of API responses.

The Last-Modified tests need ``LastModifiedMixin`` (resources/api/conditional.py) on the viewsets.
"""

from datetime import UTC, datetime, timedelta, timezone
from http import HTTPStatus

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.http import http_date
from rest_framework.test import APIClient

from resources.api.conditional import last_modified
from resources.models import Country, Source, Statistic
from tests.factories import (
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)

STATISTICS_URL = reverse("statistic-list")


def detail_url(statistic):
    return reverse("statistic-detail", kwargs={"pk": statistic.pk})


def touch(record, *moment):
    """Set ``record``'s updated_at to ``moment`` (UTC), past auto_now."""
    type(record).objects.filter(pk=record.pk).update(updated_at=datetime(*moment, tzinfo=UTC))


def directives(response):
    return set(response["Cache-Control"].split(", "))


def vary(response):
    return {header.strip().lower() for header in response["Vary"].split(",")}


@pytest.fixture
def three_statistics(source):
    """Two statistics for Georgia (the newer touched 2024-03-01) and a newer one for Armenia."""
    older = make_statistic(source, slug="ge-older")
    newer = make_statistic(source, slug="ge-newer")
    armenia = make_statistic(source, slug="am-newest", destination_id="AM")
    touch(older, 2024, 1, 2, 3, 4, 5)
    touch(newer, 2024, 3, 1, 12, 0, 0)
    touch(armenia, 2025, 6, 30, 23, 59, 59)
    return older, newer, armenia


# ETag and Last-Modified


def test_list_get_sets_etag_and_last_modified_of_newest_record(api_client, three_statistics):
    response = api_client.get(STATISTICS_URL)

    assert response.status_code == HTTPStatus.OK
    assert response["ETag"]
    assert response["Last-Modified"] == "Mon, 30 Jun 2025 23:59:59 GMT"


def test_list_get_filtered_sets_last_modified_of_newest_matching_record(
    api_client, three_statistics
):
    response = api_client.get(STATISTICS_URL, {"destination": "GE", "limit": 1})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == 2
    assert response["Last-Modified"] == "Fri, 01 Mar 2024 12:00:00 GMT"


def test_list_get_ranked_search_sets_last_modified_of_newest_hit(api_client, source):
    """A search orders by rank, an annotation: the aggregate must not trip over it."""
    hit = make_statistic(source, slug="tbilisi-arrivals", notes="Arrivals in Tbilisi.")
    miss = make_statistic(source, slug="yerevan-arrivals", notes="Arrivals in Yerevan.")
    touch(hit, 2024, 1, 2, 3, 4, 5)
    touch(miss, 2025, 1, 1, 0, 0, 0)

    response = api_client.get(STATISTICS_URL, {"q": "Tbilisi"})

    assert response.status_code == HTTPStatus.OK
    assert [row["slug"] for row in response.json()["results"]] == ["tbilisi-arrivals"]
    assert response["Last-Modified"] == "Tue, 02 Jan 2024 03:04:05 GMT"


def test_list_get_annotated_queryset_sets_last_modified_of_newest_record(api_client, db):
    """Sources are annotated with a citation count (GROUP BY): the aggregate still works."""
    touch(make_source(slug="old"), 2023, 5, 1, 8, 0, 0)
    touch(make_source(slug="new"), 2024, 5, 1, 8, 0, 0)

    response = api_client.get(reverse("source-list"))

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == Source.objects.count() == 2
    assert response["Last-Modified"] == "Wed, 01 May 2024 08:00:00 GMT"


@pytest.mark.parametrize(
    ("basename", "lookup", "build"),
    [
        pytest.param(
            "country", "code", lambda source: Country.objects.get(code="GE"), id="country"
        ),
        pytest.param("exile-group", "slug", make_exile_group, id="exile-group"),
        pytest.param("source", "pk", lambda source: source, id="source"),
        pytest.param("statistic", "pk", make_statistic, id="statistic"),
        pytest.param("media-outlet", "slug", make_media_outlet, id="media-outlet"),
        pytest.param("organization", "slug", make_organization, id="organization"),
        pytest.param("policy", "pk", make_policy, id="policy"),
    ],
)
def test_get_every_resource_sets_last_modified_on_list_and_detail(
    api_client, source, basename, lookup, build
):
    record = build(source)
    touch(record, 2099, 1, 1, 0, 0, 0)  # newer than anything else the database holds

    listed = api_client.get(reverse(f"{basename}-list"), {"limit": 1})
    detail = api_client.get(reverse(f"{basename}-detail", kwargs={lookup: getattr(record, lookup)}))

    assert listed.status_code == detail.status_code == HTTPStatus.OK
    assert listed["Last-Modified"] == detail["Last-Modified"] == "Thu, 01 Jan 2099 00:00:00 GMT"


def test_list_get_with_distinct_filter_sets_last_modified(api_client, source):
    """A filter across a many-to-many relation makes the query DISTINCT."""
    group = make_exile_group(source, slug="it")
    policy = make_policy(source)
    policy.exile_groups.add(group)
    touch(policy, 2024, 7, 1, 9, 30, 0)

    response = api_client.get(reverse("policy-list"), {"exile_group": "it"})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == 1
    assert response["Last-Modified"] == "Mon, 01 Jul 2024 09:30:00 GMT"


def test_list_get_empty_has_etag_and_no_last_modified(api_client, db):
    response = api_client.get(STATISTICS_URL)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == 0
    assert response["ETag"]
    assert "Last-Modified" not in response


def test_detail_get_sets_etag_and_last_modified_of_record(api_client, three_statistics):
    older = three_statistics[0]

    response = api_client.get(detail_url(older))

    assert response.status_code == HTTPStatus.OK
    assert response["ETag"]
    assert response["Last-Modified"] == "Tue, 02 Jan 2024 03:04:05 GMT"


def test_detail_get_annotated_record_sets_last_modified_of_record(api_client, db):
    source_record = make_source(slug="dated")
    touch(source_record, 2022, 2, 24, 6, 0, 0)

    response = api_client.get(reverse("source-detail", kwargs={"pk": source_record.pk}))

    assert response.status_code == HTTPStatus.OK
    assert response["Last-Modified"] == "Thu, 24 Feb 2022 06:00:00 GMT"


@pytest.mark.parametrize("url_of", [lambda _: STATISTICS_URL, detail_url], ids=["list", "detail"])
def test_get_with_matching_if_none_match_returns_304_with_empty_body(
    api_client, three_statistics, url_of
):
    url = url_of(three_statistics[0])
    first = api_client.get(url)

    second = api_client.get(url, headers={"If-None-Match": first["ETag"]})

    assert second.status_code == HTTPStatus.NOT_MODIFIED
    assert second.content == b""
    assert second["ETag"] == first["ETag"]
    assert directives(second) == {"public", "max-age=60"}
    assert {"accept", "accept-language", "authorization", "cookie"} <= vary(second)


def test_get_after_editor_patch_with_old_if_none_match_returns_200_with_new_etag(
    api_client, editor_client, three_statistics
):
    statistic = three_statistics[0]
    before = api_client.get(detail_url(statistic))
    list_before = api_client.get(STATISTICS_URL)

    patched = editor_client.patch(detail_url(statistic), {"value": 26000}, format="json")
    assert patched.status_code == HTTPStatus.OK

    after = api_client.get(detail_url(statistic), headers={"If-None-Match": before["ETag"]})
    assert after.status_code == HTTPStatus.OK
    assert after.json()["value"] == 26000
    assert after["ETag"] != before["ETag"]
    list_after = api_client.get(STATISTICS_URL, headers={"If-None-Match": list_before["ETag"]})
    assert list_after.status_code == HTTPStatus.OK
    assert list_after["ETag"] != list_before["ETag"]


def test_get_after_editor_patch_sets_newer_last_modified(
    api_client, editor_client, three_statistics
):
    statistic = three_statistics[0]

    editor_client.patch(detail_url(statistic), {"value": 26000}, format="json")

    statistic.refresh_from_db()
    response = api_client.get(detail_url(statistic))
    assert response["Last-Modified"] == http_date(statistic.updated_at.timestamp())
    assert statistic.updated_at > datetime(2025, 6, 30, 23, 59, 59, tzinfo=UTC)
    listed = api_client.get(STATISTICS_URL)
    assert listed["Last-Modified"] == response["Last-Modified"]


def test_get_with_if_modified_since_equal_to_last_modified_returns_304(
    api_client, three_statistics
):
    url = detail_url(three_statistics[0])
    first = api_client.get(url)

    second = api_client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})

    assert second.status_code == HTTPStatus.NOT_MODIFIED
    assert second.content == b""
    assert second["Last-Modified"] == first["Last-Modified"] == "Tue, 02 Jan 2024 03:04:05 GMT"


def test_get_with_if_modified_since_before_last_modified_returns_200(api_client, three_statistics):
    response = api_client.get(
        detail_url(three_statistics[0]),
        headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"},
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json()["slug"] == "ge-older"


def test_get_with_stale_if_none_match_and_current_if_modified_since_returns_200(
    api_client, three_statistics
):
    """If-None-Match decides when both are sent (RFC 9110): the content changed, the date not."""
    url = detail_url(three_statistics[0])
    first = api_client.get(url)

    response = api_client.get(
        url,
        headers={"If-None-Match": '"stale"', "If-Modified-Since": first["Last-Modified"]},
    )

    assert response.status_code == HTTPStatus.OK


# Cache-Control and Vary


def test_get_anonymous_is_public_for_max_age_60(api_client, three_statistics):
    response = api_client.get(STATISTICS_URL)

    assert response.status_code == HTTPStatus.OK
    assert directives(response) == {"public", "max-age=60"}


def test_get_anonymous_uses_api_cache_max_age_setting(api_client, three_statistics, settings):
    settings.API_CACHE_MAX_AGE = 300

    response = api_client.get(detail_url(three_statistics[0]))

    assert directives(response) == {"public", "max-age=300"}


def test_head_anonymous_is_public_for_max_age_60(api_client, three_statistics):
    response = api_client.head(STATISTICS_URL)

    assert response.status_code == HTTPStatus.OK
    assert directives(response) == {"public", "max-age=60"}


def test_get_authenticated_is_private_and_revalidated(editor_client, three_statistics):
    response = editor_client.get(STATISTICS_URL)

    assert response.status_code == HTTPStatus.OK
    assert directives(response) == {"private", "no-cache"}


def test_get_with_session_user_is_private_and_revalidated(three_statistics):
    client = APIClient()
    client.force_login(User.objects.create_user("session-user", password="unused-pw-4d2e"))

    response = client.get(STATISTICS_URL)

    assert response.status_code == HTTPStatus.OK
    assert directives(response) == {"private", "no-cache"}


def test_get_with_authorization_header_is_private_and_revalidated(api_client, three_statistics):
    """Whatever scheme the header uses: it is never answered from a shared cache."""
    response = api_client.get(STATISTICS_URL, headers={"Authorization": "Token some-key"})

    assert response.status_code == HTTPStatus.OK
    assert directives(response) == {"private", "no-cache"}


def test_get_anonymous_response_setting_a_cookie_is_private(api_client, db):
    """The browsable API hands out a CSRF cookie: a shared cache must not pass it on."""
    response = api_client.get(reverse("api-root"), headers={"Accept": "text/html"})

    assert response.status_code == HTTPStatus.OK
    assert "csrftoken" in response.cookies
    assert directives(response) == {"private", "no-cache"}


def test_post_response_is_no_store_without_etag(editor_client, source):
    payload = {
        "slug": "georgia-arrivals",
        "destination": "GE",
        "metric": "arrivals",
        "value": 25000,
        "qualifier": "exact",
        "unit": "people",
        "measure": "flow",
        "period_start": "2022-02-24",
        "period_end": "2022-03-10",
        "citations": [{"source": "essay", "locator": "para 1", "claim": "Georgia took 25,000."}],
    }

    response = editor_client.post(STATISTICS_URL, payload, format="json")

    assert response.status_code == HTTPStatus.CREATED
    assert Statistic.objects.filter(slug="georgia-arrivals").exists()
    assert directives(response) == {"no-store"}
    assert "ETag" not in response
    assert "Last-Modified" not in response


@pytest.mark.parametrize(
    ("method", "body", "status"),
    [
        ("patch", {"value": 1}, HTTPStatus.OK),
        ("put", {"value": 1}, HTTPStatus.BAD_REQUEST),  # a PUT of one field misses the others
        ("delete", {"reason": "Miscounted."}, HTTPStatus.OK),  # a retraction
    ],
)
def test_write_response_is_no_store(editor_client, three_statistics, method, body, status):
    response = getattr(editor_client, method)(detail_url(three_statistics[0]), body, format="json")

    assert response.status_code == status
    assert directives(response) == {"no-store"}


def test_get_not_found_is_no_store(api_client, db):
    response = api_client.get(reverse("statistic-detail", kwargs={"pk": 999999}))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert directives(response) == {"no-store"}
    assert "ETag" not in response


def test_get_bad_filter_is_no_store(api_client, db):
    response = api_client.get(STATISTICS_URL, {"metric": "no-such-metric"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert directives(response) == {"no-store"}


def test_get_varies_by_format_language_and_credentials(api_client, three_statistics):
    response = api_client.get(STATISTICS_URL)

    assert {"accept", "accept-language", "authorization", "cookie"} <= vary(response)


def test_admin_response_keeps_its_own_cache_headers(client, db):
    response = client.get(reverse("admin:login"))

    assert response.status_code == HTTPStatus.OK
    assert directives(response) == {
        "max-age=0",
        "no-cache",
        "no-store",
        "must-revalidate",
        "private",
    }
    assert "authorization" not in vary(response)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2024, 1, 1, 2, 46, 40, 4000, tzinfo=UTC),
        datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 11, 29, 0, 0, 0, 1, tzinfo=UTC),
        datetime(2025, 3, 30, 1, 30, tzinfo=timezone(timedelta(hours=3))),
        datetime(2025, 10, 26, 23, 59, 59, 500000, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_last_modified_is_written_as_djangos_http_date(moment):
    assert last_modified(moment) == http_date(moment.timestamp())


def test_last_modified_over_a_year_of_seconds_is_written_as_djangos_http_date():
    start = datetime(2023, 12, 31, 22, 0, 0, 123456, tzinfo=UTC)
    moments = [start + timedelta(seconds=3_607 * n, microseconds=n * 7) for n in range(9000)]

    assert [last_modified(m) for m in moments] == [http_date(m.timestamp()) for m in moments]
