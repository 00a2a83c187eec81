from http import HTTPStatus

from django.urls import reverse

from resources.models import Country
from tests.problems import detail

LIST_URL = reverse("country-list")


def test_countries_hold_every_iso_country(db):
    assert Country.objects.count() == 249
    assert Country.objects.filter(region="").count() == 0


def test_list_countries_sorted_by_name(api_client, db):
    body = api_client.get(LIST_URL, {"limit": 3}).json()
    assert body["count"] == 249
    assert [row["code"] for row in body["results"]] == ["AF", "AX", "AL"]


def test_retrieve_country_by_code_in_any_case(api_client, db):
    for code in ("AM", "am", "Am"):
        response = api_client.get(reverse("country-detail", kwargs={"code": code}))
        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert set(body) >= {"created_at", "updated_at"}
        assert {k: v for k, v in body.items() if not k.endswith("_at")} == {
            "code": "AM",
            "alpha3": "ARM",
            "name": "Armenia",
            "name_ru": "Армения",
            "region": "Asia",
            "url": "http://testserver/api/v1/countries/AM/",
        }


def test_retrieve_unknown_country_is_404(api_client, db):
    response = api_client.get("/api/v1/countries/XX/")
    assert detail(response, HTTPStatus.NOT_FOUND, "not-found") == (
        "No Country matches the given query."
    )


def test_filter_countries_by_region(api_client, db):
    body = api_client.get(LIST_URL, {"region": "europe", "name": "lith"}).json()
    assert [row["code"] for row in body["results"]] == ["LT"]


def test_write_country_is_405_even_for_an_editor(editor_client, db):
    response = editor_client.post(LIST_URL, {"code": "XX"}, format="json")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    response = editor_client.delete(reverse("country-detail", kwargs={"code": "AM"}))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert Country.objects.filter(code="AM").exists()


def test_put_or_patch_country_is_405(editor_client, db):
    url = reverse("country-detail", kwargs={"code": "AM"})
    for method in ("put", "patch"):
        response = getattr(editor_client, method)(url, {"name": "X"}, format="json")
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert Country.objects.get(code="AM").name == "Armenia"
