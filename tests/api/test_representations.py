"""Choosing the shape and the language of read responses."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.factories import make_exile_group, make_statistic
from tests.problems import field_errors


def test_list_with_fields_returns_only_those_fields(api_client, source):
    make_statistic(source, slug="one")
    body = api_client.get(reverse("statistic-list"), {"fields": "slug,value"}).json()
    assert body["results"] == [{"slug": "one", "value": 25000}]


def test_detail_with_omit_leaves_fields_out(api_client, source):
    statistic = make_statistic(source, slug="one")
    url = reverse("statistic-detail", kwargs={"pk": statistic.pk})
    body = api_client.get(url, {"omit": "citations,notes"}).json()
    assert "citations" not in body
    assert "notes" not in body
    assert body["slug"] == "one"


def test_list_with_brief_returns_the_brief_form(api_client, source):
    make_exile_group(source, slug="it", name="IT specialists")
    body = api_client.get(reverse("exile-group-list"), {"brief": "true"}).json()
    assert body["results"] == [
        {
            "id": body["results"][0]["id"],
            "slug": "it",
            "name": "IT specialists",
            "url": "http://testserver/api/v1/exile-groups/it/",
        }
    ]


def test_unknown_field_or_bad_flag_is_400_naming_the_parameter(api_client, source):
    make_statistic(source)
    for params, name in (
        ({"fields": "slug,weight"}, "fields"),
        ({"omit": "weight"}, "omit"),
        ({"brief": "perhaps"}, "brief"),
        ({"lang": "de"}, "lang"),
    ):
        response = api_client.get(reverse("statistic-list"), params)
        assert list(field_errors(response)) == [name], params


def test_fields_do_not_restrict_writes(editor_client, source):
    statistic = make_statistic(source)
    url = reverse("statistic-detail", kwargs={"pk": statistic.pk})
    response = editor_client.patch(f"{url}?fields=slug", {"value": 1}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert "value" in response.json()


def test_russian_requested_gives_russian_names_where_present(api_client, source):
    make_exile_group(source, slug="it", name="IT specialists", name_ru="IT-специалисты")
    make_exile_group(source, slug="biz", name="Businesspeople")

    by_header = api_client.get(reverse("exile-group-list"), HTTP_ACCEPT_LANGUAGE="ru")
    by_param = api_client.get(reverse("exile-group-list"), {"lang": "ru"})

    for response in (by_header, by_param):
        names = {row["slug"]: row["name"] for row in response.json()["results"]}
        assert names == {"it": "IT-специалисты", "biz": "Businesspeople"}
        assert response["Content-Language"] == "ru"


def test_english_is_the_default_and_lang_overrides_the_header(api_client, source):
    make_exile_group(source, slug="it", name="IT specialists", name_ru="IT-специалисты")
    default = api_client.get(reverse("exile-group-list")).json()
    overridden = api_client.get(
        reverse("exile-group-list"), {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="ru"
    ).json()
    assert default["results"][0]["name"] == "IT specialists"
    assert overridden["results"][0]["name"] == "IT specialists"
    assert default["results"][0]["name_ru"] == "IT-специалисты"


def test_russian_country_names_come_from_pycountry(api_client, source):
    make_statistic(source)
    body = api_client.get(reverse("statistic-list"), {"lang": "ru"}).json()
    assert body["results"][0]["destination"]["name"] == "Грузия"
    assert body["results"][0]["origin"]["name"] == "Российская Федерация"


def test_unknown_query_parameter_on_a_list_is_400_naming_it(api_client, source):
    make_statistic(source)
    response = api_client.get(reverse("statistic-list"), {"destinaton": "GE"})
    assert field_errors(response) == {"destinaton": ["Unknown parameter."]}


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": "abc"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"offset": "-5"}, "offset"),
        ({"offset": "1.5"}, "offset"),
    ],
)
def test_invalid_limit_or_offset_is_400_naming_it(api_client, source, params, name):
    make_statistic(source)
    response = api_client.get(reverse("statistic-list"), params)
    assert list(field_errors(response)) == [name]


def test_unknown_field_in_a_write_is_400_naming_it(editor_client, source):
    statistic = make_statistic(source)
    url = reverse("statistic-detail", kwargs={"pk": statistic.pk})
    response = editor_client.patch(url, {"valeu": 5}, format="json")
    assert field_errors(response) == {"valeu": ["Unknown field."]}
    statistic.refresh_from_db()
    assert statistic.value == 25000


def test_brief_applies_to_sources_too(api_client, source):
    body = api_client.get(reverse("source-detail", kwargs={"pk": source.pk}), {"brief": "true"})
    assert body.json() == {
        "id": source.pk,
        "slug": "essay",
        "title": source.title,
        "url": f"http://testserver/api/v1/sources/{source.pk}/",
    }


@pytest.mark.parametrize("year", ["0", "-1", "10000", "99999999999"])
def test_year_outside_what_dates_hold_is_400(api_client, db, year):
    response = api_client.get(reverse("source-list"), {"year": year})
    assert list(field_errors(response)) == ["year"]


def test_list_page_links_the_next_and_previous_pages_in_the_link_header(api_client, source):
    for slug in ("a", "b", "c"):
        make_statistic(source, slug=slug)
    url = reverse("statistic-list")

    first = api_client.get(url, {"limit": 1})
    middle = api_client.get(url, {"limit": 1, "offset": 1})
    last = api_client.get(url, {"limit": 1, "offset": 2})
    whole = api_client.get(url)

    base = "http://testserver/api/v1/statistics/"
    assert first["Link"] == f'<{base}?limit=1&offset=1>; rel="next"'
    assert middle["Link"] == (
        f'<{base}?limit=1&offset=2>; rel="next", <{base}?limit=1>; rel="prev"'
    )
    assert last["Link"] == f'<{base}?limit=1&offset=1>; rel="prev"'
    assert first.json()["next"] == f"{base}?limit=1&offset=1"
    assert "Link" not in whole
