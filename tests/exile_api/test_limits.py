"""Limits that keep one client from exhausting the service: rates, query strings, bodies."""

import json
import time
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.client import FakePayload
from django.urls import reverse

from resources.models import Change, MediaOutlet, Organization, Statistic
from tests.factories import make_media_outlet, make_statistic
from tests.problems import detail, problem, validation_errors


@pytest.fixture
def low_rates(settings, db):
    settings.API_THROTTLE_RATES = {"anon": "3/min", "user": "5/min"}
    cache.clear()
    yield
    cache.clear()


def test_anonymous_client_over_its_rate_gets_429_with_retry_after(api_client, low_rates, db):
    statuses = [api_client.get(reverse("statistic-list")).status_code for _ in range(4)]

    assert statuses == [HTTPStatus.OK] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
    response = api_client.get(reverse("statistic-list"))
    assert "throttled" in detail(response, HTTPStatus.TOO_MANY_REQUESTS, "throttled").lower()
    assert int(response["Retry-After"]) > 0


def test_authenticated_client_has_its_own_higher_rate(editor_client, low_rates, db):
    statuses = [editor_client.get(reverse("statistic-list")).status_code for _ in range(6)]
    assert statuses == [HTTPStatus.OK] * 5 + [HTTPStatus.TOO_MANY_REQUESTS]


def test_health_is_never_throttled(api_client, low_rates, db):
    statuses = {api_client.get(reverse("health")).status_code for _ in range(6)}
    assert statuses == {HTTPStatus.OK}


def test_throttle_counts_live_in_the_shared_database_cache(api_client, low_rates, db):
    api_client.get(reverse("statistic-list"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM exile_api_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert [key for key in keys if "throttle_anon_" in key] != []


def test_query_string_over_the_limit_is_414(api_client, settings, source):
    make_statistic(source)
    settings.MAX_QUERY_STRING_BYTES = 100
    response = api_client.get(reverse("statistic-list"), {"q": "x" * 120})
    assert detail(response, HTTPStatus.REQUEST_URI_TOO_LONG, "uri-too-long") == (
        "Query string too long: 122 bytes, the limit is 100."
    )


def test_filter_with_more_than_50_values_is_400(api_client, db):
    codes = ",".join(["GE"] * 51)
    response = api_client.get(reverse("statistic-list"), {"destination": codes})
    assert validation_errors(response) == [
        {"field": "destination", "code": "too_many", "detail": "At most 50 values."}
    ]


def test_anonymous_client_is_held_to_the_anonymous_rate_only(api_client, settings, db):
    settings.API_THROTTLE_RATES = {"anon": "6/min", "user": "2/min"}
    cache.clear()
    statuses = [api_client.get(reverse("statistic-list")).status_code for _ in range(6)]
    cache.clear()
    assert statuses == [HTTPStatus.OK] * 6


def test_counted_response_tells_the_client_its_limit_remaining_and_reset(api_client, low_rates, db):
    first = api_client.get(reverse("statistic-list"))
    second = api_client.get(reverse("statistic-list"))

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("3", "2")
    assert (second["X-RateLimit-Limit"], second["X-RateLimit-Remaining"]) == ("3", "1")
    assert 0 <= int(second["X-RateLimit-Reset"]) - time.time() <= 61


def test_throttled_response_says_none_remaining(api_client, low_rates, db):
    for _ in range(3):
        api_client.get(reverse("statistic-list"))

    response = api_client.get(reverse("statistic-list"))

    problem(response, HTTPStatus.TOO_MANY_REQUESTS, "throttled")
    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("3", "0")
    assert 0 <= int(response["X-RateLimit-Reset"]) - time.time() <= 61


def test_uncounted_response_has_no_rate_limit_headers(api_client, low_rates, db):
    response = api_client.get(reverse("health"))
    assert response.status_code == HTTPStatus.OK
    assert not {name for name in response.headers if name.lower().startswith("x-ratelimit")}


def test_rate_limits_off_send_no_rate_limit_headers(api_client, db):
    response = api_client.get(reverse("statistic-list"))
    assert response.status_code == HTTPStatus.OK
    assert not {name for name in response.headers if name.lower().startswith("x-ratelimit")}


# Bodies nested deeper than anything the API takes ------------------------------------------


def nested_body(field, depth):
    """A JSON object whose ``field`` holds arrays nested ``depth`` deep (the object itself is
    one more level)."""
    return f'{{"{field}": {"[" * depth}{"]" * depth}}}'


TOO_DEEP = "The JSON body is nested too deeply: at most 32 levels of arrays and objects."
# Every way of sending a body to a record or a list: (method, route, the field nested).
WRITES = [
    ("post", "statistic-list", "citations"),
    ("put", "statistic-detail", "citations"),
    ("patch", "statistic-detail", "citations"),
    ("delete", "statistic-detail", "reason"),
    ("post", "statistic-submit", "reason"),
    ("post", "statistic-return-to-draft", "reason"),
    ("post", "statistic-publish", "reason"),
    ("post", "statistic-retract", "reason"),
    ("post", "organization-list", "citations"),
    ("patch", "media-outlet-detail", "channels"),
]


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize(("method", "route", "field"), WRITES)
def test_write_with_a_deeply_nested_body_is_400_and_changes_nothing(
    editor_client, source, method, route, field, depth
):
    if route == "media-outlet-detail":
        key = {"slug": make_media_outlet(source, publication_status="in_review").slug}
    else:
        key = {"pk": make_statistic(source, publication_status="in_review").pk}
    url = reverse(route, kwargs=None if route.endswith("-list") else key)
    before = snapshot()

    send = getattr(editor_client, method)
    response = send(url, nested_body(field, depth), content_type="application/json")

    assert detail(response, HTTPStatus.BAD_REQUEST, "parse-error") == TOO_DEEP
    assert snapshot() == before


def test_body_nested_as_deep_as_the_limit_is_read_and_validated(editor_client, source):
    statistic = make_statistic(source, publication_status="in_review")
    url = reverse("statistic-submit", kwargs={"pk": statistic.pk})

    response = editor_client.post(url, nested_body("reason", 31), content_type="application/json")

    assert validation_errors(response) == [
        {"field": "reason", "code": "invalid", "detail": "Not a string."}
    ]


def test_body_nested_one_level_deeper_than_the_limit_is_400(editor_client, source):
    statistic = make_statistic(source, publication_status="in_review")
    url = reverse("statistic-submit", kwargs={"pk": statistic.pk})

    response = editor_client.post(url, nested_body("reason", 32), content_type="application/json")

    assert detail(response, HTTPStatus.BAD_REQUEST, "parse-error") == TOO_DEEP


def snapshot():
    """Every curated record's status and version, and the number of changes recorded."""
    models = (Statistic, Organization, MediaOutlet)
    records = {
        model.__name__: sorted(model.objects.values_list("pk", "publication_status", "updated_at"))
        for model in models
    }
    return records, Change.objects.count()


# Bodies of unknown length (Transfer-Encoding: chunked) --------------------------------------


def send_chunked(client, method, url, body):
    """Send ``body`` as gunicorn hands a chunked request to the app: de-chunked in
    wsgi.input, with Transfer-Encoding and without CONTENT_LENGTH."""
    return client.generic(
        method,
        url,
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": FakePayload(body.encode())},
    )


LENGTH_REQUIRED = (
    "Send the request body with a Content-Length header: a body sent with "
    "Transfer-Encoding (chunked) is not read."
)


def test_patch_with_a_chunked_body_is_411_and_changes_nothing(editor_client, source):
    statistic = make_statistic(source, publication_status="in_review", value=25000)
    url = reverse("statistic-detail", kwargs={"pk": statistic.pk})
    before = snapshot()

    response = send_chunked(editor_client, "PATCH", url, json.dumps({"value": 26000}))

    assert detail(response, HTTPStatus.LENGTH_REQUIRED, "length-required") == LENGTH_REQUIRED
    assert snapshot() == before


def test_create_with_a_chunked_body_is_411_not_a_missing_field(editor_client, source):
    body = json.dumps({"slug": "chunked", "destination": "GE", "metric": "arrivals"})

    response = send_chunked(editor_client, "POST", reverse("statistic-list"), body)

    assert detail(response, HTTPStatus.LENGTH_REQUIRED, "length-required") == LENGTH_REQUIRED
    assert not Statistic.objects.filter(slug="chunked").exists()


@pytest.mark.parametrize(
    ("method", "route"),
    [("PUT", "statistic-detail"), ("DELETE", "statistic-detail"), ("POST", "statistic-submit")],
)
def test_write_with_a_chunked_body_is_411_and_changes_nothing(editor_client, source, method, route):
    statistic = make_statistic(source, publication_status="draft")
    url = reverse(route, kwargs={"pk": statistic.pk})
    before = snapshot()

    response = send_chunked(editor_client, method, url, json.dumps({"reason": "Chunked."}))

    assert detail(response, HTTPStatus.LENGTH_REQUIRED, "length-required") == LENGTH_REQUIRED
    assert snapshot() == before


def test_chunked_body_over_the_size_limit_is_refused_unread(editor_client, source, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1000
    payload = FakePayload(json.dumps({"slug": "x" * 5000}).encode())

    response = editor_client.generic(
        "POST",
        reverse("statistic-list"),
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": payload},
    )

    assert detail(response, HTTPStatus.LENGTH_REQUIRED, "length-required") == LENGTH_REQUIRED
    assert not payload.read_started
    assert not Statistic.objects.exists()


def test_read_with_transfer_encoding_is_answered(api_client, source):
    make_statistic(source)

    response = send_chunked(api_client, "GET", reverse("statistic-list"), "")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == 1
