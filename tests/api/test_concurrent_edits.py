"""Safe concurrent edits: ETags on details, If-Match on PUT/PATCH/DELETE, 412 when stale."""

import threading
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from resources.models import Statistic
from tests.factories import make_source, make_statistic
from tests.problems import detail


def detail_url(statistic):
    return reverse("statistic-detail", kwargs={"pk": statistic.pk})


def test_patch_with_current_etag_succeeds_and_returns_a_new_etag(editor_client, source):
    statistic = make_statistic(source)
    etag = editor_client.get(detail_url(statistic))["ETag"]

    response = editor_client.patch(
        detail_url(statistic), {"value": 26000}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == HTTPStatus.OK
    assert response["ETag"] != etag
    statistic.refresh_from_db()
    assert statistic.value == 26000


def test_patch_with_stale_etag_is_412_and_keeps_the_other_edit(editor_client, source):
    statistic = make_statistic(source)
    url = detail_url(statistic)
    first_read = editor_client.get(url)["ETag"]
    first = editor_client.patch(url, {"value": 1}, format="json", HTTP_IF_MATCH=first_read)
    assert first.status_code == HTTPStatus.OK

    response = editor_client.patch(url, {"value": 2}, format="json", HTTP_IF_MATCH=first_read)

    assert "changed since you read it" in detail(
        response, HTTPStatus.PRECONDITION_FAILED, "precondition-failed"
    )
    statistic.refresh_from_db()
    assert statistic.value == 1


def test_delete_with_stale_etag_is_412_and_deletes_nothing(editor_client, source):
    statistic = make_statistic(source)
    url = detail_url(statistic)
    stale = editor_client.get(url)["ETag"]
    editor_client.patch(url, {"value": 1}, format="json")

    response = editor_client.delete(url, HTTP_IF_MATCH=stale)

    assert response.status_code == HTTPStatus.PRECONDITION_FAILED
    assert Statistic.objects.filter(pk=statistic.pk).exists()


def test_etag_of_any_representation_matches_for_writes(editor_client, source):
    statistic = make_statistic(source)
    url = detail_url(statistic)
    russian = editor_client.get(url, {"lang": "ru", "fields": "slug"})["ETag"]
    english = editor_client.get(url)["ETag"]
    assert russian != english  # caches must not mix the two bodies

    response = editor_client.put(
        url,
        {
            "slug": statistic.slug,
            "destination": "GE",
            "metric": "arrivals",
            "value": 3,
            "unit": "people",
            "measure": "flow",
            "citations": [{"source": "essay", "locator": "para 1", "claim": "A claim."}],
        },
        format="json",
        HTTP_IF_MATCH=russian,
    )

    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("header", [None, "*"])
def test_write_without_if_match_or_with_star_is_allowed(editor_client, source, header):
    statistic = make_statistic(source)
    extra = {"HTTP_IF_MATCH": header} if header else {}
    response = editor_client.patch(detail_url(statistic), {"value": 5}, format="json", **extra)
    assert response.status_code == HTTPStatus.OK


def test_get_with_the_etag_in_if_none_match_is_304(api_client, source):
    statistic = make_statistic(source)
    etag = api_client.get(detail_url(statistic))["ETag"]
    response = api_client.get(detail_url(statistic), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == HTTPStatus.NOT_MODIFIED


# Serialized rollback: the database is emptied after the test, and later transactional tests
# (tests/exile_api/test_read_cache.py) need back the countries and roles the migrations made.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clients_racing_with_the_same_etag_lose_no_update(editor):
    source = make_source(slug="essay")
    statistic = make_statistic(source)
    url = detail_url(statistic)
    reader = APIClient()
    reader.force_authenticate(editor)
    etag = reader.get(url)["ETag"]
    start = threading.Barrier(2)
    statuses = {}

    def write(value):
        client = APIClient()
        client.force_authenticate(editor)
        start.wait()
        response = client.patch(url, {"value": value}, format="json", HTTP_IF_MATCH=etag)
        statuses[value] = response.status_code
        connection.close()

    threads = [threading.Thread(target=write, args=(value,)) for value in (111, 222)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses.values()) == [HTTPStatus.OK, HTTPStatus.PRECONDITION_FAILED]
    [winner] = [value for value, status in statuses.items() if status == HTTPStatus.OK]
    statistic.refresh_from_db()
    assert statistic.value == winner


def test_detail_etag_changes_when_a_related_record_it_shows_changes(api_client, source):
    statistic = make_statistic(source)
    etag = api_client.get(detail_url(statistic))["ETag"]
    source.title = "A new title"
    source.save()

    response = api_client.get(detail_url(statistic), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["citations"][0]["source"]["title"] == "A new title"
