from http import HTTPStatus

from django.urls import reverse

from resources.models import Source
from tests.factories import (
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)
from tests.problems import field_errors

LIST_URL = reverse("source-list")


def detail_url(source):
    return reverse("source-detail", kwargs={"pk": source.pk})


def test_list_sources_counts_citations(api_client, source):
    make_source(slug="unused", title="A report nobody cites", kind="report")
    make_statistic(source)
    make_policy(source)
    make_source(slug="other", title="Zeta", kind="article")

    body = api_client.get(LIST_URL).json()

    assert [(row["slug"], row["citation_count"]) for row in body["results"]] == [
        ("unused", 0),
        ("essay", 2),
        ("other", 0),
    ]
    assert "cited_by" not in body["results"][0]


def test_retrieve_source_lists_every_record_citing_it(api_client, source):
    statistic = make_statistic(source, slug="stat")
    make_media_outlet(source, slug="outlet", name="Outlet")

    body = api_client.get(detail_url(source)).json()

    cited = {(row["record_type"], row["url"]) for row in body["cited_by"]}
    outlet_url = "http://testserver/api/v1/media-outlets/outlet/"
    assert cited == {
        ("statistic", f"http://testserver/api/v1/statistics/{statistic.pk}/"),
        ("mediaoutlet", outlet_url),
        ("channel", outlet_url),
        ("audiencefigure", outlet_url),
    }
    assert body["citation_count"] == 4
    assert all(row["locator"] == "para 1" for row in body["cited_by"])


def test_retrieve_source_query_count_is_independent_of_citations(
    api_client, source, django_assert_max_num_queries
):
    for number in range(20):
        make_statistic(source, slug=f"s{number}")
        make_media_outlet(source, slug=f"o{number}")
        make_organization(source, slug=f"g{number}")
        make_exile_group(source, slug=f"e{number}")
    with django_assert_max_num_queries(10):
        body = api_client.get(detail_url(source)).json()
    assert len(body["cited_by"]) == 20 * 6


def test_create_source_by_editor(editor_client, db):
    payload = {"slug": "new", "title": "A report", "kind": "report", "year": 2023}
    response = editor_client.post(LIST_URL, payload, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.json()
    assert Source.objects.get(slug="new").year == 2023


def test_create_source_with_year_not_matching_date_is_400(editor_client, db):
    payload = {"slug": "new", "title": "T", "kind": "report", "year": 2023}
    response = editor_client.post(LIST_URL, payload | {"published_on": "2022-05-01"}, format="json")
    assert field_errors(response) == {
        "non_field_errors": ["year must match the year of published_on."]
    }
    assert not Source.objects.filter(slug="new").exists()


def test_create_source_with_bad_url_or_kind_is_400(editor_client, db):
    base = {"slug": "new", "title": "T", "kind": "report"}
    for change, field in (({"web_url": "not a url"}, "web_url"), ({"kind": "tweet"}, "kind")):
        response = editor_client.post(LIST_URL, base | change, format="json")
        assert list(field_errors(response)) == [field]
    assert not Source.objects.filter(slug="new").exists()


def test_delete_cited_source_retracts_it_and_keeps_its_citations(editor_client, source):
    make_statistic(source)
    response = editor_client.delete(detail_url(source), {"reason": "A forgery."}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["publication_status"] == "retracted"
    assert response.json()["citation_count"] == 1
    assert Source.objects.get(pk=source.pk).retraction_reason == "A forgery."
