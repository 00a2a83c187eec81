"""What the OpenAPI description promises about input, the server holds to: a value the schema
does not allow is refused with a problem naming it, and one it allows is not refused for a
reason the schema could have stated."""

import json
from http import HTTPStatus

import pytest
from django.db import OperationalError
from django.urls import reverse
from rest_framework.test import APIClient, APIRequestFactory

from resources.api.errors import server_error
from resources.api.views import StatisticViewSet
from resources.models import Statistic
from tests.factories import make_organization, make_statistic
from tests.problems import error_codes, field_errors, problem


@pytest.mark.parametrize(
    "query",
    ["destination=", "period_after=", "value_min=", "period_overlaps=", "is_historical="],
)
def test_list_with_an_empty_filter_value_is_400_naming_it(api_client, source, query):
    make_statistic(source)
    response = api_client.get(reverse("statistic-list") + "?" + query)
    assert error_codes(response) == {query.rstrip("="): ["blank"]}


@pytest.mark.parametrize("param", ["format", "fields", "omit"])
def test_detail_with_an_empty_shape_parameter_is_400_naming_it(api_client, source, param):
    statistic = make_statistic(source)
    response = api_client.get(reverse("statistic-detail", args=[statistic.pk]) + f"?{param}=")
    assert list(field_errors(response)) == [param]


@pytest.mark.parametrize("query", ["limit=null", "offset=-1"])
def test_csv_export_with_a_malformed_page_parameter_is_400_naming_it(api_client, source, query):
    make_statistic(source)
    response = api_client.get(reverse("statistic-list") + f"?format=csv&{query}")
    assert list(field_errors(response)) == [query.split("=")[0]]


def test_unknown_format_is_400_naming_format_not_404(api_client, source):
    statistic = make_statistic(source)
    response = api_client.get(reverse("statistic-detail", args=[statistic.pk]) + "?format=xml")
    assert list(field_errors(response)) == ["format"]


def test_method_not_offered_is_405_whatever_the_format(api_client, db):
    response = api_client.generic("TRACE", reverse("country-list") + "?format=csv")
    problem(response, HTTPStatus.METHOD_NOT_ALLOWED, "method-not-allowed")


def test_brief_with_fields_gives_the_brief_fields_asked_for(api_client, source):
    statistic = make_statistic(source)
    url = reverse("statistic-detail", args=[statistic.pk])
    response = api_client.get(url + "?brief=true&fields=slug,updated_at")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"slug": statistic.slug}


def test_brief_with_omit_of_a_full_form_field_is_the_brief_form(api_client, source):
    statistic = make_statistic(source)
    url = reverse("statistic-detail", args=[statistic.pk])
    response = api_client.get(url + "?brief=true&omit=updated_at")
    assert response.status_code == HTTPStatus.OK
    assert set(response.json()) == {"id", "slug", "metric", "value", "url"}


def test_asking_for_a_sensitive_field_without_read_drafts_is_403(api_client, source):
    organization = make_organization(source)
    url = reverse("organization-detail", args=[organization.slug])
    response = api_client.get(url + "?fields=slug,internal_notes")
    assert "internal_notes" in problem(response, HTTPStatus.FORBIDDEN)["detail"]


def test_omitting_a_sensitive_field_without_read_drafts_is_200_without_it(api_client, source):
    organization = make_organization(source, internal_notes="Call first.")
    url = reverse("organization-detail", args=[organization.slug])
    response = api_client.get(url + "?omit=internal_notes,description")
    assert response.status_code == HTTPStatus.OK
    assert {"internal_notes", "contact_details", "description"} & set(response.json()) == set()


def test_naming_a_sensitive_field_as_editor_is_200(editor_client, source):
    organization = make_organization(source, internal_notes="Call first.")
    url = reverse("organization-detail", args=[organization.slug])
    response = editor_client.get(url + "?fields=internal_notes")
    assert response.json() == {"internal_notes": "Call first."}


def test_malformed_if_match_is_400_and_changes_nothing(editor_client, source):
    statistic = make_statistic(source, publication_status="draft")
    url = reverse("statistic-detail", args=[statistic.pk])
    response = editor_client.patch(url, {"value": 2}, format="json", HTTP_IF_MATCH="no quotes")
    assert list(field_errors(response)) == ["If-Match"]
    statistic.refresh_from_db()
    assert statistic.value == 25000


@pytest.mark.parametrize("body", ["null", "[]", '"why"'])
def test_workflow_action_with_a_body_that_is_not_an_object_is_400(editor_client, source, body):
    statistic = make_statistic(source, publication_status="draft")
    url = reverse("statistic-submit", args=[statistic.pk])
    response = editor_client.post(url, body, content_type="application/json")
    assert list(field_errors(response)) == ["non_field_errors"]
    statistic.refresh_from_db()
    assert statistic.publication_status == "draft"


def test_retract_with_a_number_as_reason_is_400_and_stays_published(editor_client, source):
    statistic = make_statistic(source)
    url = reverse("statistic-retract", args=[statistic.pk])
    response = editor_client.post(url, {"reason": 0}, format="json")
    assert error_codes(response) == {"reason": ["invalid"]}
    statistic.refresh_from_db()
    assert statistic.publication_status == "published"


def test_create_citing_a_source_by_number_is_400_and_writes_nothing(editor_client, source):
    body = {
        "slug": "georgia-arrivals",
        "destination": "GE",
        "metric": "arrivals",
        "value": 25000,
        "unit": "people",
        "measure": "flow",
        "citations": [{"source": 1, "locator": "para 1", "claim": "Georgia received them."}],
    }
    response = editor_client.post(reverse("statistic-list"), body, format="json")
    assert list(field_errors(response)) == ["citations.0.source"]
    assert not Statistic.objects.filter(slug="georgia-arrivals").exists()


def test_cross_field_rule_is_400_with_code_inconsistent(editor_client, source):
    statistic = make_statistic(source, publication_status="draft")
    url = reverse("statistic-detail", args=[statistic.pk])
    response = editor_client.patch(url, {"value_low": 30000}, format="json")
    assert error_codes(response) == {"value_low": ["inconsistent"]}


def test_profile_with_empty_as_of_is_400_naming_it(api_client, db):
    response = api_client.get(reverse("country-profile", args=["AM"]) + "?as_of=")
    assert list(field_errors(response)) == ["as_of"]


def test_summary_with_an_unknown_parameter_is_400_naming_it(api_client, db):
    response = api_client.get(reverse("statistic-summary") + "?destinaton=GE")
    assert list(field_errors(response)) == ["destinaton"]


class DeadlockDetected(Exception):
    """What psycopg2 raises for SQLSTATE 40P01 (Django's OperationalError wraps it)."""

    pgcode = "40P01"


def test_failed_query_with_the_database_up_is_500_not_a_retryable_503(db, monkeypatch):
    def fail(*args, **kwargs):
        error = OperationalError("deadlock detected")
        raise error from DeadlockDetected()

    monkeypatch.setattr(StatisticViewSet, "list", fail)
    response = APIClient(raise_request_exception=False).get(reverse("statistic-list"))
    problem(response, HTTPStatus.INTERNAL_SERVER_ERROR, "server-error")
    assert not response.has_header("Retry-After")


def test_lost_connection_outside_a_view_is_503_problem_with_retry_after(db):
    request = APIRequestFactory().get("/api/v1/statistics/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)  # Django calls it while handling the exception
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    assert json.loads(response.content)["type"] == "/api/problems/unavailable"


def test_delete_with_the_reason_in_the_query_string_is_400_and_stays_published(
    editor_client, source
):
    statistic = make_statistic(source)
    url = reverse("statistic-detail", args=[statistic.pk])
    response = editor_client.delete(url + "?reason=Wrong", {"reason": "Wrong"}, format="json")
    assert error_codes(response) == {"reason": ["unknown_parameter"]}
    statistic.refresh_from_db()
    assert statistic.publication_status == "published"
