"""Limits that keep one client from exhausting the service: rates, query strings, bodies."""

import time
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from tests.factories import make_statistic
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
