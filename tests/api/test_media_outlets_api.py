from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.models import AudienceFigure, Channel, Citation, Location, MediaOutlet
from tests.factories import make_media_outlet, make_organization
from tests.problems import field_errors

LIST_URL = reverse("media-outlet-list")
CITE = [{"source": "essay", "locator": "para 26", "claim": "Some channels have many subscribers."}]

VALID = {
    "slug": "exiled-journalists-channels",
    "name": "Channels of exiled journalists",
    "kind": "channel_network",
    "country": "lv",
    "city": "Riga",
    "languages": ["ru"],
    "status": "active",
    "citations": CITE,
    "channels": [
        {
            "platform": "telegram",
            "blocked_in_russia": False,
            "citations": CITE,
            "audience_figures": [
                {
                    "metric": "subscribers",
                    "value": 10000,
                    "value_low": 10000,
                    "value_high": 99999,
                    "qualifier": "order_of_magnitude",
                    "citations": CITE,
                }
            ],
        }
    ],
    "locations": [
        {"country": "RU", "city": "Moscow", "end_year": 2022, "citations": CITE},
        {"country": "LV", "city": "Riga", "start_year": 2022, "citations": CITE},
    ],
}


def detail_url(slug):
    return reverse("media-outlet-detail", kwargs={"slug": slug})


def test_list_media_outlets_shows_channels_audiences_and_locations(api_client, source):
    make_media_outlet(source, slug="b-outlet", name="B")
    make_media_outlet(source, slug="a-outlet", name="A")
    make_media_outlet(source, slug="c-outlet", name="C")

    body = api_client.get(LIST_URL).json()

    assert [row["slug"] for row in body["results"]] == ["a-outlet", "b-outlet", "c-outlet"]
    channel = body["results"][0]["channels"][0]
    assert channel["platform"] == "youtube"
    assert channel["audience_figures"][0]["metric"] == "views_per_video"
    assert channel["audience_figures"][0]["value"] == 1000000
    assert channel["audience_figures"][0]["citations"][0]["source"]["slug"] == "essay"
    assert body["results"][0]["url"] == "http://testserver/api/v1/media-outlets/a-outlet/"


def test_list_media_outlets_query_count_is_independent_of_page_size(api_client, source):
    organization = make_organization(source, slug="org")
    for number in range(101):
        make_media_outlet(source, slug=f"o{number}", affiliated_organization=organization)
    counts = []
    for limit in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            assert len(api_client.get(LIST_URL, {"limit": limit}).json()["results"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_retrieve_media_outlet_by_slug(api_client, source):
    make_media_outlet(source, slug="outlet", name="Outlet")
    response = api_client.get(detail_url("outlet"))
    assert response.status_code == HTTPStatus.OK
    assert response.json()["name"] == "Outlet"


def test_create_media_outlet_with_nested_channels_and_locations(editor_client, source):
    response = editor_client.post(LIST_URL, VALID, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()
    outlet = MediaOutlet.objects.get(slug="exiled-journalists-channels")
    assert (outlet.country_id, outlet.city, outlet.languages) == ("LV", "Riga", ["ru"])
    channel = outlet.channels.get()
    assert (channel.platform, channel.blocked_in_russia) == ("telegram", False)
    figure = channel.audience_figures.get()
    assert (figure.value, figure.value_low, figure.value_high) == (10000, 10000, 99999)
    assert figure.citations.count() == 1
    assert [(loc.country_id, loc.city) for loc in outlet.locations.order_by("id")] == [
        ("RU", "Moscow"),
        ("LV", "Riga"),
    ]
    # the outlet, its channel, the figure and two locations each cite once
    assert Citation.objects.count() == 5


def test_patch_media_outlet_channels_replaces_the_set(editor_client, source):
    make_media_outlet(source, slug="outlet")
    channels = [{"platform": "website", "citations": CITE}]
    response = editor_client.patch(detail_url("outlet"), {"channels": channels}, format="json")
    assert response.status_code == HTTPStatus.OK, response.json()
    assert list(Channel.objects.values_list("platform", flat=True)) == ["website"]
    assert not AudienceFigure.objects.exists()


def test_patch_media_outlet_without_channels_keeps_them(editor_client, source):
    make_media_outlet(source, slug="outlet")
    response = editor_client.patch(detail_url("outlet"), {"city": "Vilnius"}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert Channel.objects.count() == 1
    assert AudienceFigure.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "blog"}, "kind"),
        ({"country": "ZZ"}, "country"),
        ({"active_from_year": 2022, "active_to_year": 2020}, "active_to_year"),
        ({"affiliated_organization": "nobody"}, "affiliated_organization"),
        ({"channels": [{"platform": "myspace", "citations": CITE}]}, "channels.0.platform"),
        ({"channels": [{"platform": "telegram"}]}, "channels.0.citations"),
        (
            {
                "channels": [
                    {"platform": "telegram", "blocked_since": "2022-03-04", "citations": CITE}
                ]
            },
            "channels.0.blocked_since",
        ),
        (
            {
                "channels": [
                    {
                        "platform": "telegram",
                        "citations": CITE,
                        "audience_figures": [
                            {"metric": "subscribers", "value": 5, "value_low": 9, "citations": CITE}
                        ],
                    }
                ]
            },
            "channels.0.audience_figures.0.value_low",
        ),
        ({"locations": [{"city": "Riga", "citations": CITE}]}, "locations.0.country"),
        ({"locations": "Riga"}, "locations"),
    ],
)
def test_create_media_outlet_with_bad_nested_data_is_400_and_writes_nothing(
    editor_client, source, change, field
):
    response = editor_client.post(LIST_URL, VALID | change, format="json")

    assert list(field_errors(response)) == [field]
    assert not MediaOutlet.objects.exists()
    assert not Channel.objects.exists()
    assert not Location.objects.exists()
    assert not Citation.objects.exists()


def test_create_media_outlet_with_blocked_since_on_blocked_channel(editor_client, source):
    channel = {"platform": "twitter", "blocked_in_russia": True, "blocked_since": "2022-03-04"}
    payload = VALID | {"channels": [channel | {"citations": CITE}]}
    response = editor_client.post(LIST_URL, payload, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.json()
    assert str(Channel.objects.get().blocked_since) == "2022-03-04"


def test_delete_organization_with_affiliated_outlet_retracts_it_and_keeps_the_link(
    editor_client, source
):
    organization = make_organization(source, slug="org")
    outlet = make_media_outlet(source, slug="outlet", affiliated_organization=organization)
    url = reverse("organization-detail", kwargs={"slug": "org"})
    response = editor_client.delete(url, {"reason": "Not an organization."}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["media_outlets"][0]["slug"] == "outlet"
    outlet.refresh_from_db()
    assert outlet.affiliated_organization == organization
