from http import HTTPStatus

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.models import Location, NotableFigure, Organization
from tests.factories import cite, make_exile_group, make_media_outlet, make_organization
from tests.problems import field_errors

LIST_URL = reverse("organization-list")
CITE = [{"source": "essay", "locator": "para 22", "claim": "Founded by a chess champion."}]

VALID = {
    "slug": "free-russia-forum",
    "name": "Free Russia Forum",
    "kind": "political_organization",
    "exile_groups": ["journalists"],
    "citations": CITE,
    "notable_figures": [{"name": "Garry Kasparov", "role": "founder", "citations": CITE}],
    "locations": [{"country": "US", "city": "New York", "citations": CITE}],
}


def detail_url(slug):
    return reverse("organization-detail", kwargs={"slug": slug})


def test_list_organizations_with_groups_figures_locations_and_outlets(api_client, source):
    group = make_exile_group(source, slug="journalists", name="Journalists")
    organization = make_organization(source, slug="org", name="Org", country_id="LT")
    organization.exile_groups.add(group)
    cite(organization.notable_figures.create(name="A. Person", role="leader"), source)
    cite(organization.locations.create(country_id="LT", city="Vilnius"), source)
    make_media_outlet(source, slug="outlet", name="Outlet", affiliated_organization=organization)
    make_organization(source, slug="other", name="Other")
    make_organization(source, slug="third", name="Third")

    body = api_client.get(LIST_URL).json()

    assert [row["slug"] for row in body["results"]] == ["org", "other", "third"]
    row = body["results"][0]
    assert row["country"]["code"] == "LT"
    assert [g["slug"] for g in row["exile_groups"]] == ["journalists"]
    assert [(f["name"], f["role"]) for f in row["notable_figures"]] == [("A. Person", "leader")]
    assert [(loc["country"]["code"], loc["city"]) for loc in row["locations"]] == [
        ("LT", "Vilnius")
    ]
    assert row["media_outlets"] == [
        {
            "id": row["media_outlets"][0]["id"],
            "slug": "outlet",
            "name": "Outlet",
            "url": "http://testserver/api/v1/media-outlets/outlet/",
        }
    ]


def test_list_organizations_query_count_is_independent_of_page_size(api_client, source):
    group = make_exile_group(source, slug="journalists")
    for number in range(101):
        organization = make_organization(source, slug=f"o{number}", country_id="LT")
        organization.exile_groups.add(group)
        cite(organization.notable_figures.create(name="Someone", role="founder"), source)
    counts = []
    for limit in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            assert len(api_client.get(LIST_URL, {"limit": limit}).json()["results"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_create_organization_with_figures_and_locations(editor_client, source):
    make_exile_group(source, slug="journalists")
    response = editor_client.post(LIST_URL, VALID, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()
    organization = Organization.objects.get(slug="free-russia-forum")
    assert list(organization.exile_groups.values_list("slug", flat=True)) == ["journalists"]
    assert list(organization.notable_figures.values_list("name", "role")) == [
        ("Garry Kasparov", "founder")
    ]
    assert list(organization.locations.values_list("country_id", "city")) == [("US", "New York")]


def test_create_organization_with_bad_input_is_400_and_writes_nothing(editor_client, source):
    make_exile_group(source, slug="journalists")
    for change, field in (
        ({"exile_groups": ["nobody"]}, "exile_groups"),
        ({"founded_year": 1939, "dissolved_year": 1920}, "dissolved_year"),
        (
            {"notable_figures": [{"name": "X", "role": "king", "citations": CITE}]},
            "notable_figures.0.role",
        ),
        ({"website": "ftp//nowhere"}, "website"),
        ({"kind": "club"}, "kind"),
    ):
        response = editor_client.post(LIST_URL, VALID | change, format="json")
        assert list(field_errors(response)) == [field], change
    assert not Organization.objects.exists()
    assert not NotableFigure.objects.exists()
    assert not Location.objects.exists()


def test_delete_organization_by_reviewer_retracts_it_and_keeps_nested_records(
    editor_client, source
):
    organization = make_organization(source, slug="org")
    cite(organization.notable_figures.create(name="Someone", role="founder"), source)
    response = editor_client.delete(detail_url("org"), {"reason": "Duplicate."}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["notable_figures"][0]["name"] == "Someone"
    assert NotableFigure.objects.count() == 1
