from http import HTTPStatus

from django.urls import reverse

from resources.models import ExileGroup
from tests.factories import make_exile_group, make_statistic
from tests.problems import field_errors

LIST_URL = reverse("exile-group-list")
CITE = [{"source": "essay", "locator": "para 5", "claim": "The largest group."}]


def test_list_exile_groups_sorted_by_name(api_client, source):
    for slug, name in (("it", "IT specialists"), ("biz", "Businesspeople"), ("j", "Journalists")):
        make_exile_group(source, slug=slug, name=name)
    body = api_client.get(LIST_URL).json()
    assert [row["name"] for row in body["results"]] == [
        "Businesspeople",
        "IT specialists",
        "Journalists",
    ]
    assert body["results"][0]["url"] == "http://testserver/api/v1/exile-groups/biz/"


def test_create_exile_group_needs_citations(editor_client, source):
    payload = {"slug": "it", "name": "IT specialists"}
    response = editor_client.post(LIST_URL, payload, format="json")
    assert field_errors(response) == {"citations": ["This field is required."]}
    response = editor_client.post(LIST_URL, payload | {"citations": CITE}, format="json")
    assert response.status_code == HTTPStatus.CREATED
    assert ExileGroup.objects.get().citations.get().locator == "para 5"


def test_delete_exile_group_counted_by_a_statistic_retracts_it_and_keeps_the_link(
    editor_client, source
):
    group = make_exile_group(source, slug="it")
    statistic = make_statistic(source, exile_group=group)
    url = reverse("exile-group-detail", kwargs={"slug": "it"})
    response = editor_client.delete(url, {"reason": "Merged into another group."}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert ExileGroup.objects.get(slug="it").publication_status == "retracted"
    statistic.refresh_from_db()
    assert statistic.exile_group == group
