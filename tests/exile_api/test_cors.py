"""CORS: browser apps on any origin may read the API; writes and the admin stay same-origin."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from resources.models import Source
from tests.factories import make_statistic
from tests.problems import detail

ORIGIN = "https://example.org"
STATISTICS_URL = reverse("statistic-list")


def preflight(client, url, method):
    return client.options(
        url,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )


def allowed_methods(response):
    return {method.strip() for method in response["Access-Control-Allow-Methods"].split(",")}


def test_get_from_other_origin_allows_any_origin_without_credentials(api_client, source):
    make_statistic(source, slug="ge")

    response = api_client.get(STATISTICS_URL, headers={"Origin": ORIGIN})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == 1
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Expose-Headers"] == (
        "ETag, Last-Modified, Link, Reported-As-Of, Reported-As-Of-Notice, Retry-After, X-Cache, "
        "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
    )
    assert "Access-Control-Allow-Credentials" not in response
    assert "origin" in response["Vary"].lower()


def test_get_without_origin_has_no_cors_headers_but_varies_by_origin(api_client, db):
    response = api_client.get(STATISTICS_URL)

    assert response.status_code == HTTPStatus.OK
    assert "Access-Control-Allow-Origin" not in response
    assert "origin" in response["Vary"].lower()


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_preflight_for_read_allows_it(api_client, db, method):
    response = preflight(api_client, STATISTICS_URL, method)

    assert response.status_code == HTTPStatus.OK
    assert response["Access-Control-Allow-Origin"] == "*"
    assert allowed_methods(response) == {"GET", "HEAD", "OPTIONS"}
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize(
    ("method", "detail"),
    [("POST", False), ("PUT", True), ("PATCH", True), ("DELETE", True)],
)
def test_preflight_for_write_does_not_allow_it(api_client, source, method, detail):
    statistic = make_statistic(source, slug="ge")
    url = reverse("statistic-detail", kwargs={"pk": statistic.pk}) if detail else STATISTICS_URL

    response = preflight(api_client, url, method)

    assert method not in allowed_methods(response)
    assert allowed_methods(response) == {"GET", "HEAD", "OPTIONS"}
    assert "Access-Control-Allow-Credentials" not in response


def test_post_from_other_origin_with_session_cookie_is_refused_by_csrf(source):
    """What a preflight-free (form-like) cross-site POST would meet: no write, 403."""
    user = User.objects.create_user("cookie-holder", password="unused-pw-81fa")
    user.is_superuser = True
    user.save()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(
        reverse("source-list"),
        {"slug": "planted", "title": "Planted", "year": 2024, "kind": "essay"},
        format="json",
        headers={"Origin": ORIGIN},
    )

    assert detail(response, HTTPStatus.FORBIDDEN, "permission-denied").startswith("CSRF Failed")
    assert not Source.objects.filter(slug="planted").exists()
    assert "Access-Control-Allow-Credentials" not in response


def test_admin_response_has_no_cors_headers(client, db):
    response = client.get(reverse("admin:login"), headers={"Origin": ORIGIN})

    assert response.status_code == HTTPStatus.OK
    assert not [name for name in response.headers if name.lower().startswith("access-control-")]


def test_admin_preflight_is_not_answered_with_cors_headers(client, db):
    response = preflight(client, reverse("admin:login"), "POST")

    assert not [name for name in response.headers if name.lower().startswith("access-control-")]
