from http import HTTPStatus

from django.urls import reverse


def test_health_reports_database_ready(api_client, db):
    response = api_client.get(reverse("health"))
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unknown_api_path_is_json_404(client, db):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_wrong_method_is_json_405(api_client, db):
    response = api_client.post(reverse("health"), {}, format="json")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json() == {"detail": 'Method "POST" not allowed.'}


def test_invalid_content_length_is_json_400(client, db):
    response = client.post(
        reverse("statistic-list"), "{}", content_type="application/json", CONTENT_LENGTH="abc"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": "Invalid Content-Length header."}


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
