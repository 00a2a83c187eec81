"""The country profile: /api/v1/countries/{code}/profile/?as_of=YYYY-MM-DD."""

from datetime import date, timedelta
from http import HTTPStatus
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resources.models import Channel
from resources.profiles import PROFILE_LIMIT
from tests.factories import (
    cite,
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)
from tests.problems import detail, field_errors

AS_OF = date(2023, 6, 1)


def profile_url(code):
    return reverse("country-profile", kwargs={"code": code})


def brief_source(source):
    return {
        "id": source.pk,
        "slug": source.slug,
        "title": source.title,
        "url": f"http://testserver/api/v1/sources/{source.pk}/",
    }


def slugs(rows):
    return [row["slug"] for row in rows]


SECTIONS = (
    "policies_in_force",
    "historical_policies",
    "media_outlets",
    "organizations",
    "statistics",
)


@pytest.fixture
def georgia(source):
    """Records of Georgia and of other countries, for a profile of Georgia on AS_OF.

    Each source but the essay is cited by one kind of record only, so that the profile's
    sources show exactly which records (and nested records) were walked.
    """
    channel_source = make_source(slug="telegram-survey", title="Survey of exile Telegram channels")
    location_source = make_source(slug="media-moves", title="Atlas of exile media moves")
    figure_source = make_source(slug="notables", title="Register of notable exiles")
    excluded_source = make_source(slug="draft-law", title="Commentary on draft laws")
    elsewhere_source = make_source(slug="armenia-report", title="Report on Armenia")

    records = SimpleNamespace(
        source=source,
        channel_source=channel_source,
        location_source=location_source,
        figure_source=figure_source,
        excluded_source=excluded_source,
        elsewhere_source=elsewhere_source,
    )
    # Policies of Georgia: three in force on AS_OF, three not, two historical.
    records.undated_current = make_policy(
        source, slug="ge-undated-current", country_id="GE", title="Residence permits for IT"
    )
    records.dated_in_force = make_policy(
        source,
        slug="ge-dated-in-force",
        country_id="GE",
        title="Visa-free stay of one year",
        effective_from=date(2022, 3, 1),
    )
    records.ends_on_as_of = make_policy(
        source,
        slug="ge-ends-on-as-of",
        country_id="GE",
        title="Humanitarian visas",
        effective_from=date(2022, 1, 1),
        effective_to=AS_OF,
    )
    records.not_yet = make_policy(
        excluded_source,
        slug="ge-not-yet-in-force",
        country_id="GE",
        title="Digital nomad visa",
        status="announced",
        effective_from=AS_OF + timedelta(days=30),
    )
    records.repealed = make_policy(
        excluded_source,
        slug="ge-repealed",
        country_id="GE",
        title="Bank account restrictions",
        topic="banking",
        stance="restrictive",
        status="repealed",
        effective_from=date(2022, 4, 1),
        effective_to=AS_OF - timedelta(days=1),
    )
    records.undated_announced = make_policy(
        excluded_source,
        slug="ge-undated-announced",
        country_id="GE",
        title="Announced tax relief",
        status="announced",
    )
    records.refuge_1920s = make_policy(
        source,
        slug="ge-refuge-1920s",
        country_id="GE",
        title="Refuge for White emigres",
        status="historical",
        is_historical=True,
        effective_from=date(1921, 1, 1),
        effective_to=date(1924, 12, 31),
    )
    # Undated and marked in force, but of an earlier era: historical, never in force.
    records.cold_war = make_policy(
        source,
        slug="ge-cold-war-stance",
        country_id="GE",
        title="Cold War asylum stance",
        is_historical=True,
    )
    make_policy(elsewhere_source, slug="am-in-force", country_id="AM")

    # Media outlets: one based in Georgia (nested records citing their own sources).
    records.outlet = make_media_outlet(
        source, slug="ge-outlet", name="Tbilisi exile TV", country_id="GE"
    )
    cite(Channel.objects.create(media_outlet=records.outlet, platform="telegram"), channel_source)
    cite(records.outlet.locations.create(country_id="LV", city="Riga"), location_source)
    armenian_outlet = make_media_outlet(elsewhere_source, slug="am-outlet", country_id="AM")
    # Moved through Georgia, but based in Armenia: not Georgia's.
    cite(armenian_outlet.locations.create(country_id="GE", city="Tbilisi"), elsewhere_source)
    make_media_outlet(elsewhere_source, slug="outlet-of-no-country")

    # Organizations.
    records.organization = make_organization(
        source, slug="ge-org", name="Emigration support centre", country_id="GE"
    )
    cite(
        records.organization.notable_figures.create(name="Someone", role="founder"),
        figure_source,
    )
    make_organization(elsewhere_source, slug="lt-org", country_id="LT")

    # Statistics with Georgia as destination (latest first: open period, autumn, first
    # weeks, undated), and others that must not be shown.
    records.first_weeks = make_statistic(source, slug="ge-first-weeks")
    records.autumn = make_statistic(
        source,
        slug="ge-autumn",
        value=70000,
        period_start=date(2022, 9, 21),
        period_end=date(2022, 10, 4),
    )
    records.open_period = make_statistic(
        source,
        slug="ge-since-2023",
        measure="stock",
        value=100000,
        period_start=date(2023, 1, 1),
        period_end=None,
    )
    records.undated = make_statistic(
        source, slug="ge-undated", period_start=None, period_end=None, value=5000
    )
    make_statistic(elsewhere_source, slug="ge-as-origin", origin_id="GE", destination_id="AM")
    make_statistic(elsewhere_source, slug="am-arrivals", destination_id="AM")
    make_statistic(elsewhere_source, slug="abroad-departures", destination=None)
    return records


def test_profile_on_as_of_returns_the_country_and_as_of(api_client, georgia):
    response = api_client.get(profile_url("GE"), {"as_of": AS_OF.isoformat()})

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert list(body) == [
        "country",
        "as_of",
        "policies_in_force",
        "historical_policies",
        "media_outlets",
        "organizations",
        "statistics",
        "sources",
        "totals",
        "complete_lists",
    ]
    assert body["as_of"] == "2023-06-01"
    country = {k: v for k, v in body["country"].items() if k not in ("created_at", "updated_at")}
    assert country == {
        "code": "GE",
        "alpha3": "GEO",
        "name": "Georgia",
        "name_ru": "Грузия",
        "region": "Asia",
        "url": "http://testserver/api/v1/countries/GE/",
    }


def test_a_profile_as_of_a_date_beyond_the_sources_says_so(api_client, georgia):
    """The fixtures' sources are of 2022: 2023-06-01, and today, are later than they say."""
    within = api_client.get(profile_url("GE"), {"as_of": "2022-06-01"})
    beyond = api_client.get(profile_url("GE"), {"as_of": AS_OF.isoformat()})
    today = api_client.get(profile_url("GE"))

    assert within["Reported-As-Of"] == beyond["Reported-As-Of"] == today["Reported-As-Of"]
    assert within["Reported-As-Of"] == "2022"
    assert "Reported-As-Of-Notice" not in within
    assert beyond["Reported-As-Of-Notice"].startswith("2023-06-01 is later than the newest")
    assert "is later than the newest source (2022)" in today["Reported-As-Of-Notice"]


def test_profile_on_as_of_lists_exactly_the_policies_in_force(api_client, georgia):
    body = api_client.get(profile_url("GE"), {"as_of": AS_OF.isoformat()}).json()

    # By title: the dated one, the undated current one, the one ending on as_of itself.
    assert slugs(body["policies_in_force"]) == [
        "ge-ends-on-as-of",
        "ge-undated-current",
        "ge-dated-in-force",
    ]


def test_profile_lists_exactly_the_historical_policies_under_historical(api_client, georgia):
    body = api_client.get(profile_url("GE"), {"as_of": AS_OF.isoformat()}).json()

    assert slugs(body["historical_policies"]) == ["ge-cold-war-stance", "ge-refuge-1920s"]


def test_profile_policies_are_shown_as_their_own_endpoint_shows_them(api_client, georgia):
    body = api_client.get(profile_url("GE"), {"as_of": AS_OF.isoformat()}).json()

    for row in [*body["policies_in_force"], *body["historical_policies"]]:
        detail = api_client.get(reverse("policy-detail", kwargs={"pk": row["id"]})).json()
        assert row == detail


def test_profile_lists_only_outlets_and_organizations_based_in_the_country(api_client, georgia):
    body = api_client.get(profile_url("GE"), {"as_of": AS_OF.isoformat()}).json()

    assert slugs(body["media_outlets"]) == ["ge-outlet"]
    assert slugs(body["organizations"]) == ["ge-org"]
    outlet = body["media_outlets"][0]
    assert [channel["platform"] for channel in outlet["channels"]] == ["telegram", "youtube"]
    assert (
        outlet
        == api_client.get(reverse("media-outlet-detail", kwargs={"slug": "ge-outlet"})).json()
    )
    assert (
        body["organizations"][0]
        == api_client.get(reverse("organization-detail", kwargs={"slug": "ge-org"})).json()
    )


def test_profile_lists_statistics_to_the_country_latest_first(api_client, georgia):
    body = api_client.get(profile_url("GE"), {"as_of": AS_OF.isoformat()}).json()

    # Ordered by period end, or start for an open period; undated last. Not the figures with
    # Georgia as origin, nor those to other destinations or abroad.
    assert slugs(body["statistics"]) == [
        "ge-since-2023",
        "ge-autumn",
        "ge-first-weeks",
        "ge-undated",
    ]
    for row in body["statistics"]:
        detail = api_client.get(reverse("statistic-detail", kwargs={"pk": row["id"]})).json()
        assert row == detail


def test_profile_sources_are_exactly_those_behind_the_shown_records(api_client, georgia):
    body = api_client.get(profile_url("GE"), {"as_of": AS_OF.isoformat()}).json()

    # The channel, location and notable-figure sources come from nested records only; the
    # draft-law commentary backs only policies not in force, the Armenia report only other
    # countries' records. Sorted by title.
    assert body["sources"] == [
        brief_source(georgia.location_source),
        brief_source(georgia.source),
        brief_source(georgia.figure_source),
        brief_source(georgia.channel_source),
    ]


def test_profile_of_a_country_without_records_has_empty_lists(api_client, georgia):
    body = api_client.get(profile_url("KZ"), {"as_of": AS_OF.isoformat()}).json()

    assert body["country"]["code"] == "KZ"
    for name in (*SECTIONS, "sources"):
        assert body[name] == [], name
    assert body["totals"] == dict.fromkeys(SECTIONS, 0)


def test_profile_totals_count_the_records_of_each_list(api_client, georgia):
    body = api_client.get(profile_url("GE"), {"as_of": AS_OF.isoformat()}).json()

    assert body["totals"] == {
        "policies_in_force": 3,
        "historical_policies": 2,
        "media_outlets": 1,
        "organizations": 1,
        "statistics": 4,
    }


def test_profile_complete_lists_are_the_lists_filtered_to_the_same_records(api_client, georgia):
    body = api_client.get(profile_url("GE"), {"as_of": AS_OF.isoformat()}).json()

    assert body["complete_lists"] == {
        "policies_in_force": "http://testserver/api/v1/policies/"
        "?country=GE&is_historical=false&in_force_on=2023-06-01",
        "historical_policies": "http://testserver/api/v1/policies/?country=GE&is_historical=true",
        "media_outlets": "http://testserver/api/v1/media-outlets/?country=GE",
        "organizations": "http://testserver/api/v1/organizations/?country=GE",
        "statistics": "http://testserver/api/v1/statistics/?destination=GE",
    }
    for name, url in body["complete_lists"].items():
        page = api_client.get(url).json()
        assert page["count"] == body["totals"][name], name
        assert page["results"] == body[name], name


AS_OF_CASES = pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # Before any dated policy: only the undated current one.
        ("2021-12-31", ["ge-undated-current"]),
        ("2022-01-01", ["ge-ends-on-as-of", "ge-undated-current"]),
        (
            "2022-04-01",
            [
                "ge-repealed",
                "ge-ends-on-as-of",
                "ge-undated-current",
                "ge-dated-in-force",
            ],
        ),
        ("2023-06-01", ["ge-ends-on-as-of", "ge-undated-current", "ge-dated-in-force"]),
        # The day after one ended, the day another started.
        ("2023-06-02", ["ge-undated-current", "ge-dated-in-force"]),
        ("2023-07-01", ["ge-not-yet-in-force", "ge-undated-current", "ge-dated-in-force"]),
    ],
)


@AS_OF_CASES
def test_profile_as_of_changes_which_dated_policies_are_in_force(
    api_client, georgia, as_of, expected
):
    body = api_client.get(profile_url("GE"), {"as_of": as_of}).json()

    assert body["as_of"] == as_of
    assert slugs(body["policies_in_force"]) == expected
    assert slugs(body["historical_policies"]) == ["ge-cold-war-stance", "ge-refuge-1920s"]


@AS_OF_CASES
def test_profile_complete_list_of_policies_in_force_is_for_the_same_as_of(
    api_client, georgia, as_of, expected
):
    body = api_client.get(profile_url("GE"), {"as_of": as_of}).json()

    url = body["complete_lists"]["policies_in_force"]
    assert parse_qs(urlsplit(url).query)["in_force_on"] == [as_of]
    page = api_client.get(url).json()
    assert page["count"] == body["totals"]["policies_in_force"] == len(expected)
    assert slugs(page["results"]) == expected


def test_profile_as_of_changes_the_sources_with_the_policies(api_client, georgia):
    body = api_client.get(profile_url("GE"), {"as_of": "2023-07-01"}).json()

    # The announced policy now in force brings its source in.
    assert brief_source(georgia.excluded_source) in body["sources"]


def test_profile_without_as_of_uses_the_local_date(api_client, source, monkeypatch):
    make_policy(source, slug="starts-today", country_id="GE", effective_from=date(2030, 1, 1))
    make_policy(source, slug="starts-tomorrow", country_id="GE", effective_from=date(2030, 1, 2))
    make_policy(source, slug="ended-yesterday", country_id="GE", effective_to=date(2029, 12, 31))
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2030, 1, 1))

    body = api_client.get(profile_url("GE")).json()

    assert body["as_of"] == "2030-01-01"
    assert slugs(body["policies_in_force"]) == ["starts-today"]


def test_profile_without_as_of_is_given_for_today(api_client, source):
    today = timezone.localdate()
    make_policy(source, slug="in-force", country_id="GE", effective_from=today)
    make_policy(source, slug="from-tomorrow", country_id="GE", effective_from=today + timedelta(1))

    body = api_client.get(profile_url("GE")).json()
    assert body["as_of"] == today.isoformat()
    assert slugs(body["policies_in_force"]) == ["in-force"]
    url = body["complete_lists"]["policies_in_force"]
    assert parse_qs(urlsplit(url).query)["in_force_on"] == [today.isoformat()]


def test_profile_with_empty_as_of_is_400_naming_as_of(api_client, georgia):
    # An empty as_of= is not "today": the client meant a date and sent none.
    response = api_client.get(profile_url("GE"), {"as_of": ""})

    assert field_errors(response) == {"as_of": ["Enter a date as YYYY-MM-DD."]}


@pytest.mark.parametrize(
    "as_of",
    [
        "2023-13-01",
        "2023-02-30",
        "yesterday",
        "2023-06",
        "20230601",
        "2023-06-01T00:00:00",
        "'; DROP TABLE x; --",
    ],
)
def test_profile_with_invalid_as_of_is_400_naming_as_of(api_client, georgia, as_of):
    response = api_client.get(profile_url("GE"), {"as_of": as_of})

    assert field_errors(response) == {"as_of": ["Enter a date as YYYY-MM-DD."]}


@pytest.mark.parametrize(
    ("as_of", "lang"),
    [("06/01/2023", "en"), ("Jun 1 2023", "en"), ("1 June 2023", "en"), ("01.06.2023", "ru")],
)
def test_profile_with_non_iso_as_of_is_400_naming_as_of(api_client, georgia, as_of, lang):
    response = api_client.get(profile_url("GE"), {"as_of": as_of, "lang": lang})

    assert field_errors(response) == {"as_of": ["Enter a date as YYYY-MM-DD."]}


def test_profile_with_lowercase_code_returns_the_country(api_client, georgia):
    upper = api_client.get(profile_url("GE"), {"as_of": AS_OF.isoformat()})
    lower = api_client.get(profile_url("ge"), {"as_of": AS_OF.isoformat()})

    assert lower.status_code == HTTPStatus.OK
    assert lower.json() == upper.json()
    assert lower.json()["country"]["code"] == "GE"


@pytest.mark.parametrize("code", ["XX", "xx", "QZ"])
def test_profile_of_unknown_code_is_404_json(api_client, db, code):
    response = api_client.get(profile_url(code))

    assert detail(response, HTTPStatus.NOT_FOUND, "not-found") == (
        "No Country matches the given query."
    )


def test_profile_with_lang_ru_gives_russian_names(api_client, source):
    make_policy(
        source,
        slug="ge-residence",
        country_id="GE",
        title="Residence permits",
        title_ru="Вид на жительство",
    )

    english = api_client.get(profile_url("GE")).json()
    russian = api_client.get(profile_url("GE"), {"lang": "ru"}).json()

    assert english["country"]["name"] == "Georgia"
    assert russian["country"]["name"] == "Грузия"
    assert english["policies_in_force"][0]["title"] == "Residence permits"
    assert russian["policies_in_force"][0]["title"] == "Вид на жительство"
    assert russian["policies_in_force"][0]["country"]["name"] == "Грузия"


def test_profile_with_lang_ru_links_the_complete_lists_in_russian(api_client, source):
    make_policy(
        source,
        slug="ge-residence",
        country_id="GE",
        title="Residence permits",
        title_ru="Вид на жительство",
    )

    body = api_client.get(profile_url("GE"), {"lang": "ru"}).json()

    for name, url in body["complete_lists"].items():
        assert parse_qs(urlsplit(url).query)["lang"] == ["ru"], name
    page = api_client.get(body["complete_lists"]["policies_in_force"]).json()
    assert page["results"] == body["policies_in_force"]
    assert page["results"][0]["title"] == "Вид на жительство"


def test_profile_with_unknown_lang_is_400_naming_lang(api_client, db):
    response = api_client.get(profile_url("GE"), {"lang": "xx"})

    assert list(field_errors(response)) == ["lang"]


def add_records_of_each_kind(source, start, count):
    """``count`` records of every kind the profile of Georgia shows, each with every relation
    and nested record its representation shows, and each with a source of its own.

    Numbered from ``start``, zero-padded (names sort as numbers do); the figures of higher
    numbers are the later ones."""
    group = make_exile_group(source, slug=f"group-{start}")
    for number in range(start, start + count):
        own = make_source(slug=f"own-{number:02}", title=f"Source {number:02}")
        policy = make_policy(own, slug=f"in-force-{number:02}", country_id="GE")
        policy.exile_groups.add(group)
        policy.nationalities.add("RU")
        historical = make_policy(
            own, slug=f"historical-{number:02}", country_id="GE", is_historical=True
        )
        historical.exile_groups.add(group)
        historical.nationalities.add("RU")
        organization = make_organization(own, slug=f"org-{number:02}", country_id="GE")
        organization.exile_groups.add(group)
        cite(organization.notable_figures.create(name="Someone", role="founder"), own)
        cite(organization.locations.create(country_id="GE", city="Tbilisi"), own)
        outlet = make_media_outlet(
            own, slug=f"outlet-{number:02}", country_id="GE", affiliated_organization=organization
        )
        cite(outlet.locations.create(country_id="LV", city="Riga"), own)
        period_start = date(2022, 3, 1) + timedelta(days=number)
        make_statistic(
            own,
            slug=f"statistic-{number:02}",
            exile_group=group,
            period_start=period_start,
            period_end=period_start + timedelta(days=6),
        )


MORE_THAN_THE_LIMIT = 2 * PROFILE_LIMIT + 1


@pytest.fixture
def crowded_georgia(source):
    """MORE_THAN_THE_LIMIT published records of each kind in Georgia's profile; a draft of
    each kind, and published records the lists leave out (not in force, not Georgia's), each
    of which would come first if it were listed."""
    add_records_of_each_kind(source, 0, MORE_THAN_THE_LIMIT)
    other = make_source(slug="unlisted", title="A source of records no list of Georgia shows")
    draft = {"publication_status": "draft"}
    make_policy(other, slug="draft-in-force", country_id="GE", title="A draft", **draft)
    make_policy(
        other, slug="draft-historical", country_id="GE", title="A", is_historical=True, **draft
    )
    make_media_outlet(other, slug="draft-outlet", name="A draft", country_id="GE", **draft)
    make_organization(other, slug="draft-org", name="A draft", country_id="GE", **draft)
    latest = {"period_start": date(2030, 1, 1), "period_end": date(2030, 1, 2)}
    make_statistic(other, slug="draft-statistic", **latest, **draft)
    make_policy(
        other,
        slug="not-yet-in-force",
        country_id="GE",
        title="A future policy",
        status="announced",
        effective_from=date(2999, 1, 1),
    )
    make_policy(other, slug="am-policy", country_id="AM", title="A")
    make_media_outlet(other, slug="am-outlet", name="A", country_id="AM")
    make_organization(other, slug="am-org", name="A", country_id="AM")
    make_statistic(other, slug="from-georgia", origin_id="GE", destination_id="AM", **latest)
    make_statistic(other, slug="abroad", destination=None, **latest)


def test_profile_lists_hold_the_first_records_up_to_the_limit(api_client, crowded_georgia):
    body = api_client.get(profile_url("GE")).json()

    first = range(PROFILE_LIMIT)
    assert slugs(body["policies_in_force"]) == [f"in-force-{n:02}" for n in first]
    assert slugs(body["historical_policies"]) == [f"historical-{n:02}" for n in first]
    assert slugs(body["media_outlets"]) == [f"outlet-{n:02}" for n in first]
    assert slugs(body["organizations"]) == [f"org-{n:02}" for n in first]
    # The latest figures: the highest numbers, latest first.
    latest = range(MORE_THAN_THE_LIMIT - 1, MORE_THAN_THE_LIMIT - 1 - PROFILE_LIMIT, -1)
    assert slugs(body["statistics"]) == [f"statistic-{n:02}" for n in latest]


def test_profile_totals_count_every_published_record_not_drafts(api_client, crowded_georgia):
    body = api_client.get(profile_url("GE")).json()

    assert body["totals"] == dict.fromkeys(SECTIONS, MORE_THAN_THE_LIMIT)


@pytest.mark.parametrize("client_fixture", ["api_client", "editor_client"])
def test_profile_complete_lists_give_the_counted_records_in_the_same_order(
    request, crowded_georgia, client_fixture
):
    client = request.getfixturevalue(client_fixture)
    body = client.get(profile_url("GE")).json()

    assert set(body["complete_lists"]) == set(SECTIONS)
    for name, url in body["complete_lists"].items():
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, name
        page = response.json()
        assert page["count"] == body["totals"][name] == MORE_THAN_THE_LIMIT, name
        assert page["results"][:PROFILE_LIMIT] == body[name], name


def test_profile_sources_are_those_of_the_shown_records_only(api_client, crowded_georgia):
    body = api_client.get(profile_url("GE")).json()

    # Record number PROFILE_LIMIT of each kind is beyond the limit (the first ones are shown,
    # and the latest figures), and alone cites its source; the essay cites the exile group.
    expected = {f"own-{n:02}" for n in range(MORE_THAN_THE_LIMIT) if n != PROFILE_LIMIT}
    assert {source["slug"] for source in body["sources"]} == expected


def test_profile_query_count_is_the_same_for_1_and_more_records_than_the_limit(api_client, source):
    counts = []
    for start, count in ((0, 1), (1, 2 * PROFILE_LIMIT)):
        add_records_of_each_kind(source, start, count)
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(profile_url("GE"))
        body = response.json()
        total = start + count
        for name in SECTIONS:
            assert len(body[name]) == min(total, PROFILE_LIMIT), name
        assert body["totals"] == dict.fromkeys(SECTIONS, total)
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_profile_of_more_records_than_the_limit_costs_at_most_32_queries(
    api_client, source, django_assert_max_num_queries
):
    add_records_of_each_kind(source, 0, MORE_THAN_THE_LIMIT)

    # The country; policies in force and historical ones, each with citations, exile groups
    # and nationalities (4 + 4); outlets with citations, channels, their citations, audience
    # figures, their citations, locations, their citations (8); organizations with
    # citations, exile groups, outlets, notable figures, their citations, locations, their
    # citations (8); statistics with citations (2); the total of each of the 5 lists (5).
    with django_assert_max_num_queries(32):
        response = api_client.get(profile_url("GE"))
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_write_to_profile_is_405_for_anonymous_and_editor(api_client, editor_client, method):
    # A method the route does not offer is a 405 for everyone, not a 401 or 403.
    for client in (api_client, editor_client):
        response = getattr(client, method)(profile_url("GE"), {}, format="json")

        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
