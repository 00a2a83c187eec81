"""The lists and details of statistics, policies, media outlets and organizations, and the
country profile, whose JSON PostgreSQL builds (resources/api/sql_json.py), say exactly what
their serializers say: every key, every value, in the same order.

``fields=`` with every field sends the same request through the serializer, so each test
compares the two answers to one question; the profile is compared with the profile its
serializers build from model instances.
"""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from resources.api import views
from resources.api.serializers import (
    HostPolicySerializer,
    MediaOutletSerializer,
    OrganizationSerializer,
    StatisticSerializer,
    serializer_for,
)
from resources.api.sql_json import JSONAgg
from resources.models import (
    Channel,
    Citation,
    Country,
    ExileGroup,
    HostPolicy,
    MediaOutlet,
    Organization,
    Source,
    Statistic,
)
from resources.profiles import PROFILE_LIMIT, profile_records
from tests.factories import (
    cite,
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)

ALL_FIELDS = ",".join(StatisticSerializer.Meta.fields)
ALL_POLICY_FIELDS = ",".join(HostPolicySerializer.Meta.fields)
SENSITIVE = MediaOutlet.SENSITIVE_FIELDS
assert SENSITIVE == Organization.SENSITIVE_FIELDS


def both_ways(client, url, fields=ALL_FIELDS, **headers):
    """The parsed answers of the database-built path and of the serializer (asked for
    every field by name)."""
    separator = "&" if "?" in url else "?"
    built = client.get(url, **headers)
    serialized = client.get(f"{url}{separator}fields={fields}", **headers)
    assert built.status_code == serialized.status_code == 200, built.content
    return built.json(), serialized.json()


def assert_same_document(built, serialized):
    if "results" in built:  # a page: its links differ by the fields= parameter alone
        assert built["count"] == serialized["count"]
        built, serialized = built["results"], serialized["results"]
    assert built == serialized
    # Same keys in the same order, nested objects included.
    assert json.dumps(built) == json.dumps(serialized)


@pytest.fixture
def varied(source):
    """Statistics with every kind of value the representation has to get right."""
    group = make_exile_group(source, slug="it-specialists", name="IT", name_ru="Айтишники")
    second = make_source(slug="second", title="Second source")
    abroad = make_statistic(source, slug="abroad", destination=None, exile_group=group)
    cite(abroad, second, locator="p. 2", claim='Another claim, with "quotes" and ü.')
    make_statistic(
        source,
        slug="range",
        value=Decimal("15.50"),
        value_low=Decimal("10.25"),
        value_high=Decimal("20"),
        qualifier="range",
        period_end=None,
        notes="Line one\nline two\ttab \\ backslash",
    )
    make_statistic(source, slug="big", value=Decimal("12345678901234.56"))
    retracted = make_statistic(source, slug="retracted", destination_id="AM")
    retracted.publication_status = "retracted"
    retracted.retracted_at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    retracted.retraction_reason = "Withdrawn by the source."
    retracted.save()
    whole_second = make_statistic(source, slug="whole-second", destination_id="LT")
    Statistic.objects.filter(pk=whole_second.pk).update(
        published_at=datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC)
    )
    return Statistic.objects.all()


def test_list_equals_the_serializer(api_client, varied):
    built, serialized = both_ways(
        api_client, "/api/v1/statistics/?publication_status=published,retracted"
    )
    assert built["count"] == 5
    assert_same_document(built, serialized)


def test_every_detail_equals_the_serializer(api_client, varied):
    for statistic in varied:
        built, serialized = both_ways(api_client, f"/api/v1/statistics/{statistic.pk}/")
        assert_same_document(built, serialized)


def test_russian_names_equal_the_serializer(api_client, varied):
    Country.objects.filter(code="GE").update(name_ru="Грузия")
    for url in (
        "/api/v1/statistics/?lang=ru",
        f"/api/v1/statistics/{varied.get(slug='abroad').pk}/",
    ):
        built, serialized = both_ways(api_client, url, HTTP_ACCEPT_LANGUAGE="ru")
        assert_same_document(built, serialized)
    assert built["exile_group"]["name"] == "Айтишники"


def test_an_empty_russian_name_falls_back_to_english(api_client, source):
    group = make_exile_group(source, slug="journalists", name="Journalists", name_ru="")
    statistic = make_statistic(source, exile_group=group)
    built, serialized = both_ways(api_client, f"/api/v1/statistics/{statistic.pk}/?lang=ru")
    assert_same_document(built, serialized)
    assert built["exile_group"]["name"] == "Journalists"


def test_citations_are_aggregated_in_their_model_order_not_the_rows_physical_order():
    # Which order a plan hands json_agg its rows in depends on the plan and on where updates
    # left them: only an ORDER BY inside the aggregate makes the array the serializer's.
    aggregated = Citation.objects.values("object_id").annotate(
        items=JSONAgg("locator", order_by=Citation._meta.ordering)
    )

    sql = str(aggregated.values("items").query)

    assert 'JSON_AGG("resources_citation"."locator" ORDER BY' in sql


def test_the_whole_seed_equals_the_serializer(api_client, db):
    call_command("load_seed", verbosity=0)
    built, serialized = both_ways(api_client, "/api/v1/statistics/?limit=500")
    assert built["count"] == Statistic.objects.filter(publication_status="published").count() > 0
    assert_same_document(built, serialized)
    for language in ("en", "ru"):
        built, serialized = both_ways(
            api_client, f"/api/v1/policies/?limit=500&lang={language}", ALL_POLICY_FIELDS
        )
        assert built["count"] == HostPolicy.objects.filter(publication_status="published").count()
        assert_same_document(built, serialized)


def test_drafts_stay_hidden_and_editors_see_them_built_the_same(api_client, editor_client, source):
    draft = make_statistic(source, slug="draft", publication_status="draft", published_at=None)
    assert api_client.get(f"/api/v1/statistics/{draft.pk}/").status_code == 404
    assert api_client.get("/api/v1/statistics/?publication_status=draft").json()["count"] == 0
    built, serialized = both_ways(editor_client, f"/api/v1/statistics/{draft.pk}/")
    assert_same_document(built, serialized)
    assert built["publication_status"] == "draft"


def test_pages_keep_the_list_order_and_links(api_client, source):
    for day in range(1, 8):
        make_statistic(
            source,
            slug=f"day-{day}",
            period_start=None,
            period_end=timezone.datetime(2022, 3, day).date(),
        )
    built, serialized = both_ways(api_client, "/api/v1/statistics/?limit=3&offset=2")
    assert_same_document(built, serialized)
    assert [s["slug"] for s in built["results"]] == ["day-5", "day-4", "day-3"]
    assert built["next"].endswith("limit=3&offset=5")


def test_a_change_to_a_related_record_shows_at_once(api_client, source):
    statistic = make_statistic(source, destination_id="AM")
    Country.objects.filter(code="AM").update(name="Armenia (renamed)")
    Source.objects.filter(pk=source.pk).update(title="Retitled")
    document = api_client.get(f"/api/v1/statistics/{statistic.pk}/").json()
    assert document["destination"]["name"] == "Armenia (renamed)"
    assert document["citations"][0]["source"]["title"] == "Retitled"


@pytest.mark.parametrize("limit", [1, 100])
def test_list_queries_do_not_grow_with_the_page(
    api_client, source, django_assert_max_num_queries, limit
):
    for number in range(100):
        make_statistic(source, slug=f"s{number}")
    # The destination filter's check, the count with Last-Modified, the page's ids, their JSON.
    with django_assert_max_num_queries(4):
        response = api_client.get(f"/api/v1/statistics/?destination=GE&limit={limit}")
    assert len(response.json()["results"]) == limit


def test_detail_is_one_query(api_client, source, django_assert_max_num_queries):
    statistic = make_statistic(source)
    with django_assert_max_num_queries(1):
        response = api_client.get(f"/api/v1/statistics/{statistic.pk}/")
    assert response.status_code == 200
    assert response["ETag"]
    assert response["Last-Modified"]


# Policies ----------------------------------------------------------------------------------


@pytest.fixture
def policies(source):
    """Policies with every kind of value their representation has to get right."""
    it = make_exile_group(source, slug="it-specialists", name="IT", name_ru="Айтишники")
    media = make_exile_group(source, slug="journalists", name="Journalists")
    full = make_policy(
        source,
        slug="full",
        title_ru="Регистрация компаний",
        summary_ru="Помогает.",
        conditions="Line one\nline two",
        legal_reference='Law "42"',
        announced_on="2022-03-01",
        effective_from="2022-03-15",
        effective_to="2024-12-31",
    )
    full.exile_groups.add(media, it)  # shown by name: IT, then Journalists
    full.nationalities.add("UA", "BY", "RU")
    cite(full, make_source(slug="second"), locator="p. 2", claim="Another claim.")
    make_policy(source, slug="bare", country_id="LT", is_historical=True)
    retracted = make_policy(source, slug="retracted")
    retracted.publication_status = "retracted"
    retracted.retracted_at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    retracted.retraction_reason = "Withdrawn."
    retracted.save()
    return HostPolicy.objects.all()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_policies_list_and_details_equal_the_serializer(api_client, policies, language):
    url = f"/api/v1/policies/?publication_status=published,retracted&lang={language}"
    built, serialized = both_ways(api_client, url, ALL_POLICY_FIELDS)
    assert built["count"] == 3
    assert_same_document(built, serialized)
    for policy in policies:
        url = f"/api/v1/policies/{policy.pk}/?lang={language}"
        assert_same_document(*both_ways(api_client, url, ALL_POLICY_FIELDS))


def test_policies_list_queries_do_not_grow_with_the_page(
    api_client, source, django_assert_max_num_queries
):
    for number in range(5):
        make_policy(source, slug=f"p{number}").nationalities.add("RU")
    with django_assert_max_num_queries(3):
        assert len(api_client.get("/api/v1/policies/?limit=1").json()["results"]) == 1
    with django_assert_max_num_queries(3):
        assert len(api_client.get("/api/v1/policies/?limit=100").json()["results"]) == 5


# Media outlets and organizations ----------------------------------------------------------


def every_field(serializer, *, reads_drafts):
    """``fields=`` naming each field the reader may see (asking for a hidden one is a 403)."""
    return ",".join(
        name for name in serializer.Meta.fields if reads_drafts or name not in SENSITIVE
    )


@pytest.fixture
def exile_bodies(source):
    """Outlets and organizations with every kind of value their representations show:
    nested lists full, partial and empty, Russian texts and none, nulls, sensitive fields,
    affiliated outlets of each status."""
    second = make_source(slug="second", title="Second source")
    it = make_exile_group(source, slug="it-specialists", name="IT", name_ru="Айтишники")
    media = make_exile_group(source, slug="journalists", name="Journalists")
    sensitive = {"contact_details": "+7 999 000", "internal_notes": "Line one\nline two"}
    full_org = make_organization(
        source,
        slug="full-org",
        name="Centre for exiles",
        name_ru="Центр для эмигрантов",
        description='Helps "exiles" \\ everywhere.',
        description_ru="Помогает.",
        kind="university_in_exile",
        country_id="GE",
        city="Tbilisi",
        founded_year=2022,
        dissolved_year=2024,
        status="closed",
        website="https://example.org/ü",
        **sensitive,
    )
    cite(full_org, second, locator="p. 2", claim="Another claim, with ü.")
    full_org.exile_groups.add(media, it)  # shown by name: IT, then Journalists
    cite(full_org.notable_figures.create(name="Zoya", role="leader", description="Head."), second)
    full_org.notable_figures.create(name="Anna", role="founder")  # no citation of its own
    cite(full_org.locations.create(country_id="LT", city="Vilnius", start_year=2023), source)
    full_org.locations.create(
        country_id="GE", start_date=date(2022, 3, 1), end_date=date(2023, 1, 1), notes="First."
    )
    make_organization(source, slug="bare-org", country_id="GE", name="Bare organization")
    make_organization(source, slug="org-of-no-country", country=None)

    full_outlet = make_media_outlet(
        source,
        slug="full-outlet",
        name="Free TV",
        name_ru="Свободное телевидение",
        description="News.",
        kind="tv",
        country_id="GE",
        city="Tbilisi",
        languages=["ru", "en"],
        active_from_year=2022,
        active_to_year=2025,
        status="active",
        affiliated_organization=full_org,
        **sensitive,
    )
    channel = Channel.objects.create(
        media_outlet=full_outlet,
        platform="telegram",
        handle="@free_tv",
        web_url="https://t.me/free_tv",
        blocked_in_russia=True,
        blocked_since=date(2022, 3, 4),
        notes="Reached through a VPN.",
    )
    cite(channel, second, locator="p. 9", claim="Blocked in March.")
    cite(
        channel.audience_figures.create(
            metric="subscribers",
            value=Decimal("15.50"),
            value_low=Decimal("10.25"),
            value_high=Decimal("20"),
            qualifier="range",
            as_of=date(2024, 1, 1),
            notes="Tab\there.",
        ),
        source,
    )
    channel.audience_figures.create(metric="monthly_visitors", value=Decimal("12345678901234.56"))
    Channel.objects.create(media_outlet=full_outlet, platform="website", blocked_in_russia=False)
    cite(full_outlet.locations.create(country_id="LV", city="Riga", end_year=2023), source)
    # The organization's affiliated outlets: the public ones, by name; never a draft.
    make_media_outlet(
        source,
        slug="draft-outlet",
        name="A draft",
        affiliated_organization=full_org,
        publication_status="draft",
    )
    make_media_outlet(
        source,
        slug="retracted-outlet",
        name="Withdrawn radio",
        name_ru="Отозванное радио",
        affiliated_organization=full_org,
        country_id="GE",
        publication_status="retracted",
        retracted_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    )
    make_media_outlet(source, slug="outlet-of-no-country", country=None, languages=[])
    return SimpleNamespace(organization=full_org, outlet=full_outlet)


BODIES = [
    pytest.param("/api/v1/media-outlets/", MediaOutletSerializer, id="media-outlets"),
    pytest.param("/api/v1/organizations/", OrganizationSerializer, id="organizations"),
]
READERS = [("api_client", False), ("editor_client", True)]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize(("client_fixture", "reads_drafts"), READERS)
@pytest.mark.parametrize(("list_url", "serializer"), BODIES)
def test_outlets_and_organizations_equal_the_serializer(
    request, exile_bodies, client_fixture, reads_drafts, list_url, serializer, language
):
    client = request.getfixturevalue(client_fixture)
    fields = every_field(serializer, reads_drafts=reads_drafts)
    statuses = "publication_status=published,retracted,draft"
    built, serialized = both_ways(client, f"{list_url}?{statuses}&lang={language}", fields)
    assert_same_document(built, serialized)
    model = serializer.Meta.model
    shown = ("published", "retracted", "draft") if reads_drafts else ("published", "retracted")
    assert built["count"] == model.objects.filter(publication_status__in=shown).count() >= 3
    for record in built["results"]:
        url = f"{list_url}{record['slug']}/?lang={language}"
        assert_same_document(*both_ways(client, url, fields))
        # Sensitive fields for readers of drafts only, as the serializer has them.
        assert all((name in record) == reads_drafts for name in SENSITIVE)


def test_outlets_and_organizations_show_their_nested_records_built(api_client, exile_bodies):
    outlet = api_client.get("/api/v1/media-outlets/full-outlet/?lang=ru").json()
    organization = api_client.get("/api/v1/organizations/full-org/").json()

    assert outlet["name"] == "Свободное телевидение"
    assert outlet["description"] == "News."  # no Russian text: English
    assert [channel["platform"] for channel in outlet["channels"]] == [
        "telegram",
        "website",
        "youtube",
    ]
    assert [f["value"] for f in outlet["channels"][0]["audience_figures"]] == [
        12345678901234.56,
        15.5,
    ]
    assert [f["slug"] for f in organization["media_outlets"]] == [
        "full-outlet",
        "retracted-outlet",
    ]
    assert [g["slug"] for g in organization["exile_groups"]] == ["it-specialists", "journalists"]
    assert [f["name"] for f in organization["notable_figures"]] == ["Anna", "Zoya"]
    assert organization["notable_figures"][0]["citations"] == []
    assert [place["city"] for place in organization["locations"]] == ["Vilnius", ""]


@pytest.mark.parametrize(("list_url", "serializer"), BODIES)
def test_outlets_and_organizations_pages_cost_the_same(
    api_client, exile_bodies, django_assert_max_num_queries, list_url, serializer
):
    published = serializer.Meta.model.objects.filter(publication_status="published").count()
    # The count with Last-Modified, the page's ids, their JSON.
    for limit in (1, 100):
        with django_assert_max_num_queries(3):
            response = api_client.get(f"{list_url}?limit={limit}")
        assert len(response.json()["results"]) == min(limit, published)


# The country profile ------------------------------------------------------------------------


def serialized_lists(*, country, as_of, request, language):
    """The profile's lists as their serializers show model instances: the reference
    ``profile_json`` (PostgreSQL's documents) must equal."""
    context = {"request": request, "language": language}
    shown, totals = {}, {}
    for name, records in profile_records(country=country, as_of=as_of).items():
        serializer = serializer_for(records.model)
        shown[name] = serializer(records[:PROFILE_LIMIT], many=True, context=context).data
        totals[name] = records.count()
    return shown, totals


def assert_profile_equals_the_serializers(client, monkeypatch, url, **headers):
    built = client.get(url, **headers)
    with monkeypatch.context() as patched:
        patched.setattr(views, "profile_json", serialized_lists)
        serialized = client.get(url, **headers)
    assert built.status_code == serialized.status_code == 200, built.content
    assert built.content == serialized.content
    return built.json()


@pytest.fixture
def profiled(exile_bodies, source):
    """Records of every kind in Georgia's profile (the outlets and organizations above,
    policies in force, ended and historical, statistics), and in others'."""
    group = ExileGroup.objects.get(slug="it-specialists")
    in_force = make_policy(
        source,
        slug="ge-in-force",
        country_id="GE",
        title_ru="Визы",
        summary_ru="Помогает.",
        effective_from=date(2022, 3, 1),
    )
    in_force.exile_groups.add(group)
    in_force.nationalities.add("RU", "BY")
    make_policy(source, slug="ge-ended", country_id="GE", effective_to=date(2022, 12, 31))
    make_policy(source, slug="ge-historical", country_id="GE", is_historical=True)
    make_policy(source, slug="lt-in-force", country_id="LT")
    make_statistic(source, slug="ge-figure", exile_group=group, value=Decimal("15.50"))
    make_statistic(source, slug="ge-undated", period_start=None, period_end=None)
    make_statistic(source, slug="lt-figure", destination_id="LT")


@pytest.mark.parametrize("client_fixture", ["api_client", "editor_client"])
@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {}),
        ("?lang=ru", {}),
        ("", {"HTTP_ACCEPT_LANGUAGE": "ru"}),
        ("?as_of=2023-01-01&lang=en", {"HTTP_ACCEPT_LANGUAGE": "ru"}),
    ],
)
def test_profile_equals_the_serializers(
    request, monkeypatch, profiled, client_fixture, query, headers
):
    client = request.getfixturevalue(client_fixture)
    for code in ("GE", "LT", "AM", "KZ"):
        body = assert_profile_equals_the_serializers(
            client, monkeypatch, f"/api/v1/countries/{code}/profile/{query}", **headers
        )
    assert body["media_outlets"] == body["organizations"] == []  # KZ: nothing


def test_profile_shows_sensitive_fields_to_readers_of_drafts_only(
    api_client, editor_client, profiled
):
    for client, shown in ((api_client, False), (editor_client, True)):
        body = client.get("/api/v1/countries/GE/profile/").json()
        for name in ("media_outlets", "organizations"):
            assert body[name]
            for record in body[name]:
                assert all((field in record) == shown for field in SENSITIVE), name


def test_profile_of_the_seed_equals_the_serializers(api_client, editor_client, monkeypatch, db):
    call_command("load_seed", verbosity=0)
    codes = {
        *MediaOutlet.objects.values_list("country", flat=True),
        *Organization.objects.values_list("country", flat=True),
        *HostPolicy.objects.values_list("country", flat=True),
    } - {None}
    assert len(codes) > 3
    for code in sorted(codes):
        for client, language in ((api_client, "en"), (api_client, "ru"), (editor_client, "en")):
            url = f"/api/v1/countries/{code}/profile/?lang={language}"
            assert_profile_equals_the_serializers(client, monkeypatch, url)


def instance_sources(records):
    """The sources cited by ``records`` (model instances) and by their nested records, in
    their brief form, by title: what the profile's sources must be."""
    found = {}

    def visit(record):
        for citation in record.citations.all():
            found[citation.source_id] = citation.source
        for name in ("channels", "audience_figures", "locations", "notable_figures"):
            for child in getattr(record, name).all() if hasattr(record, name) else ():
                visit(child)

    for record in records:
        visit(record)
    return [
        {
            "id": source.pk,
            "slug": source.slug,
            "title": source.title,
            "url": f"http://testserver/api/v1/sources/{source.pk}/",
        }
        for source in sorted(found.values(), key=lambda source: (source.title, source.pk))
    ]


def test_profile_sources_are_those_its_records_cite(api_client, db):
    call_command("load_seed", verbosity=0)
    as_of = date(2024, 1, 1)
    for code in ("GE", "LT", "AM", "DE", "LV"):
        body = api_client.get(f"/api/v1/countries/{code}/profile/?as_of={as_of}").json()
        lists = profile_records(country=code, as_of=as_of).values()
        shown = [record for records in lists for record in records[:PROFILE_LIMIT]]
        assert body["sources"] == instance_sources(shown), code
    assert body["sources"]


@pytest.mark.parametrize("records", [1, 2 * PROFILE_LIMIT + 1])
def test_profile_is_three_queries_whatever_the_number_of_records(
    api_client, source, django_assert_num_queries, records
):
    for number in range(records):
        make_policy(source, slug=f"p{number}", country_id="GE").nationalities.add("RU")
        make_media_outlet(source, slug=f"o{number}", country_id="GE")
        make_organization(source, slug=f"g{number}", country_id="GE")
        make_statistic(source, slug=f"s{number}")
    # Compiled once per process (the first request may also read content types).
    api_client.get("/api/v1/countries/GE/profile/")
    # The country, then every list and its total in one statement, then the newest source
    # (the Reported-As-Of header).
    with django_assert_num_queries(3):
        body = api_client.get("/api/v1/countries/GE/profile/").json()
    assert body["totals"]["media_outlets"] == records
    assert len(body["media_outlets"]) == min(records, PROFILE_LIMIT)
