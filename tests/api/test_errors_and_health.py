from http import HTTPStatus

import pytest
from django.db import OperationalError
from django.urls import reverse
from rest_framework.test import APIClient

from resources.api.views import StatisticViewSet
from resources.models import ExileGroup, Source
from tests.problems import detail, field_errors, problem, validation_errors


def test_health_reports_database_ready(api_client, db):
    response = api_client.get(reverse("health"))
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unknown_api_path_is_a_not_found_problem(client, db):
    response = client.get("/api/v1/nothing-here/")
    body = problem(response, HTTPStatus.NOT_FOUND, "not-found")
    assert body == {
        "type": "/api/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No route matches this URL.",
        "instance": "/api/v1/nothing-here/",
    }


def test_retrieve_unknown_slug_is_a_not_found_problem(api_client, db):
    url = reverse("exile-group-detail", kwargs={"slug": "nobody"})
    response = api_client.get(url)
    body = problem(response, HTTPStatus.NOT_FOUND, "not-found")
    assert body == {
        "type": "/api/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No ExileGroup matches the given query.",
        "instance": url,
    }


def test_wrong_method_is_a_method_not_allowed_problem(api_client, db):
    response = api_client.post(reverse("health"), {}, format="json")
    assert detail(response, HTTPStatus.METHOD_NOT_ALLOWED, "method-not-allowed") == (
        'Method "POST" not allowed.'
    )
    assert "GET" in {method.strip() for method in response["Allow"].split(",")}


def test_invalid_content_length_is_a_parse_error_problem(client, db):
    response = client.post(
        reverse("statistic-list"), "{}", content_type="application/json", CONTENT_LENGTH="abc"
    )
    assert detail(response, HTTPStatus.BAD_REQUEST, "parse-error") == (
        "Invalid Content-Length header."
    )


def test_create_with_two_bad_nested_fields_lists_each_by_dotted_path_and_code(
    editor_client, source
):
    payload = {
        "slug": "it",
        "name": "IT specialists",
        "citations": [
            {"source": "essay", "locator": "", "claim": "A claim."},
            {"source": "no-such-source", "locator": "para 2", "claim": "A claim."},
        ],
    }
    response = editor_client.post(reverse("exile-group-list"), payload, format="json")
    errors = validation_errors(response)
    assert errors == [
        {"field": "citations.0.locator", "code": "blank", "detail": "This field may not be blank."},
        {
            "field": "citations.1.source",
            "code": "does_not_exist",
            "detail": "Object with slug=no-such-source does not exist.",
        },
    ]
    assert response.json()["detail"] == "2 errors: see `errors`."
    assert not ExileGroup.objects.exists()


def test_one_error_is_summarized_in_detail_with_its_field(editor_client, source):
    payload = {"slug": "it", "name": "IT specialists"}
    response = editor_client.post(reverse("exile-group-list"), payload, format="json")
    assert validation_errors(response) == [
        {"field": "citations", "code": "required", "detail": "This field is required."}
    ]
    assert response.json()["detail"] == "citations: This field is required."
    assert not ExileGroup.objects.exists()


def test_error_of_the_whole_body_has_null_field_and_bare_detail(editor_client, source):
    payload = {"slug": "new", "title": "T", "kind": "report", "year": 2023}
    response = editor_client.post(
        reverse("source-list"), payload | {"published_on": "2022-05-01"}, format="json"
    )
    errors = validation_errors(response)
    assert errors == [
        {
            "field": None,
            "code": "inconsistent",
            "detail": "year must match the year of published_on.",
        }
    ]
    assert response.json()["detail"] == "year must match the year of published_on."
    assert not Source.objects.filter(slug="new").exists()


def test_unknown_api_key_is_an_authentication_failed_problem(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key nonsense.key")
    response = client.get(reverse("statistic-list"))
    problem(response, HTTPStatus.UNAUTHORIZED, "authentication-failed")
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'


def test_write_without_credentials_is_a_not_authenticated_problem(api_client, source):
    response = api_client.post(reverse("exile-group-list"), {}, format="json")
    problem(response, HTTPStatus.UNAUTHORIZED, "not-authenticated")
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'
    assert not ExileGroup.objects.exists()


def test_write_without_permission_is_a_permission_denied_problem(reader_client, source):
    payload = {"slug": "it", "name": "IT specialists"}
    response = reader_client.post(reverse("exile-group-list"), payload, format="json")
    problem(response, HTTPStatus.FORBIDDEN, "permission-denied")
    assert not ExileGroup.objects.exists()


def test_accept_of_a_type_never_served_is_a_not_acceptable_problem(api_client, db):
    response = api_client.get(reverse("statistic-list"), HTTP_ACCEPT="application/xml")
    assert detail(response, HTTPStatus.NOT_ACCEPTABLE, "not-acceptable") == (
        "Could not satisfy the request Accept header."
    )


def test_body_that_is_not_json_is_an_unsupported_media_type_problem(editor_client, source):
    response = editor_client.post(reverse("exile-group-list"), "slug=it", content_type="text/plain")
    assert detail(response, HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type") == (
        'Unsupported media type "text/plain" in request.'
    )
    assert not ExileGroup.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/nothing-here/",
        reverse("exile-group-detail", kwargs={"slug": "nobody"}),
        reverse("statistic-list") + "?destination=ZZ",
    ],
)
def test_client_accepting_only_json_gets_the_same_problem(api_client, db, url):
    default = api_client.get(url)
    json_only = api_client.get(url, HTTP_ACCEPT="application/json")
    assert json_only.status_code == default.status_code
    assert json_only["Content-Type"] == "application/problem+json"
    assert json_only.json() == default.json()
    problem(json_only, default.status_code)


def test_csv_list_with_bad_filter_is_a_json_validation_problem(api_client, db):
    response = api_client.get(reverse("statistic-list"), {"format": "csv", "destination": "ZZ"})
    assert list(field_errors(response)) == ["destination"]
    assert response.json()["instance"] == reverse("statistic-list")


def test_problem_type_uri_describes_the_problem(api_client, db):
    response = api_client.get(reverse("exile-group-detail", kwargs={"slug": "nobody"}))
    described = api_client.get(problem(response, HTTPStatus.NOT_FOUND)["type"], follow=True)
    assert described.redirect_chain == [("/api/problems/not-found/", HTTPStatus.MOVED_PERMANENTLY)]
    assert described.status_code == HTTPStatus.OK
    assert described.json() == {
        "type": "/api/problems/not-found",
        "title": "Not found",
        "status": 404,
        "description": "No such record or URL, or none you may see.",
    }


def test_unexpected_error_is_a_server_error_problem_without_internals(db, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(StatisticViewSet, "list", fail)
    response = APIClient(raise_request_exception=False).get(reverse("statistic-list"))

    assert detail(response, HTTPStatus.INTERNAL_SERVER_ERROR, "server-error") == (
        "An unexpected error occurred; it has been logged."
    )
    assert b"must not leak" not in response.content


def test_lost_database_connection_is_an_unavailable_problem_with_retry_after(db, monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(StatisticViewSet, "list", fail)
    response = APIClient(raise_request_exception=False).get(reverse("statistic-list"))

    assert detail(response, HTTPStatus.SERVICE_UNAVAILABLE, "unavailable") == (
        "The database is unavailable. Retry shortly."
    )
    assert response["Retry-After"] == "5"
    assert b"connection refused" not in response.content


def test_api_root_lists_every_resource(api_client, db):
    body = api_client.get("/api/v1/").json()
    assert set(body) == {
        "countries",
        "exile-groups",
        "sources",
        "statistics",
        "media-outlets",
        "organizations",
        "policies",
        "subscriptions",
    }


def test_html_in_text_is_returned_as_data_not_markup(editor_client, source):
    payload = {
        "slug": "x",
        "name": "<b>bold</b>",
        "citations": [{"source": "essay", "locator": "para 1", "claim": "<script>x</script>"}],
    }
    response = editor_client.post(reverse("exile-group-list"), payload, format="json")
    assert response.status_code == HTTPStatus.CREATED
    body = editor_client.get(reverse("exile-group-detail", kwargs={"slug": "x"})).json()
    assert body["name"] == "<b>bold</b>"
    assert body["citations"][0]["claim"] == "<script>x</script>"
