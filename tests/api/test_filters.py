"""Every filter parameter of every list endpoint keeps exactly the records it should, ordering
follows the whitelisted fields, and every malformed value is a 400 naming its parameter."""

from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.models import (
    Channel,
    Country,
    ExileGroup,
    HostPolicy,
    MediaOutlet,
    Organization,
    Source,
    Statistic,
)
from tests.factories import (
    cite,
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)
from tests.problems import error_codes, field_errors

STATISTICS = reverse("statistic-list")
POLICIES = reverse("policy-list")
MEDIA_OUTLETS = reverse("media-outlet-list")
ORGANIZATIONS = reverse("organization-list")
SOURCES = reverse("source-list")
COUNTRIES = reverse("country-list")
EXILE_GROUPS = reverse("exile-group-list")


def country(code):
    return Country.objects.get(code=code)


def keys(client, url, params=None, key="slug"):
    """The natural keys of the records a list request returns, in the order returned."""
    response = client.get(url, params or {})
    assert response.status_code == HTTPStatus.OK, response.json()
    body = response.json()
    assert body["count"] == len(body["results"]), "expected everything on one page"
    return [row[key] for row in body["results"]]


def assert_bad_request(client, url, params, param):
    """The messages of the 400 problem that ``params`` get, asserted to name ``param`` alone."""
    response = client.get(url, params)
    errors = field_errors(response)
    assert list(errors) == [param]
    return errors[param]


# Statistics ------------------------------------------------------------------------------


def test_filter_statistics_by_origin_keeps_matching_origins(api_client, source):
    make_statistic(source, slug="from-ru")
    make_statistic(source, slug="from-ua", origin=country("UA"))
    make_statistic(source, slug="from-by", origin=country("BY"))

    assert keys(api_client, STATISTICS, {"origin": "ua"}) == ["from-ua"]
    assert keys(api_client, STATISTICS, {"origin": "UA,by"}) == ["from-ua", "from-by"]


def test_filter_statistics_by_destination_case_insensitive_keeps_matching(api_client, source):
    make_statistic(source, slug="to-ge", destination=country("GE"))
    make_statistic(source, slug="to-am", destination=country("AM"))
    make_statistic(source, slug="to-kz", destination=country("KZ"))
    make_statistic(source, slug="abroad", destination=None)

    assert keys(api_client, STATISTICS, {"destination": "ge"}) == ["to-ge"]
    assert keys(api_client, STATISTICS, {"destination": "Am"}) == ["to-am"]


def test_filter_statistics_by_several_destinations_comma_or_repeated_keeps_union(
    api_client, source
):
    make_statistic(source, slug="to-ge", destination=country("GE"))
    make_statistic(source, slug="to-am", destination=country("AM"))
    make_statistic(source, slug="to-kz", destination=country("KZ"))
    make_statistic(source, slug="abroad", destination=None)

    expected = ["to-ge", "to-am"]
    assert keys(api_client, STATISTICS, {"destination": "ge,AM"}) == expected
    assert keys(api_client, STATISTICS, {"destination": ["GE", "am"]}) == expected
    assert keys(api_client, STATISTICS, {"destination": ["ge, am,", "GE"]}) == expected
    assert keys(api_client, STATISTICS, {"destination": ["ge,kz", "am"]}) == [
        "to-ge",
        "to-am",
        "to-kz",
    ]


def test_filter_statistics_by_abroad_keeps_figures_without_destination(api_client, source):
    make_statistic(source, slug="to-ge", destination=country("GE"))
    make_statistic(source, slug="abroad-1", destination=None)
    make_statistic(source, slug="to-am", destination=country("AM"))
    make_statistic(source, slug="abroad-2", destination=None)

    assert keys(api_client, STATISTICS, {"abroad": "true"}) == ["abroad-1", "abroad-2"]
    assert keys(api_client, STATISTICS, {"abroad": "false"}) == ["to-ge", "to-am"]


def test_filter_statistics_by_exile_group_keeps_that_groups_figures(api_client, source):
    it = make_exile_group(source, slug="it-specialists")
    journalists = make_exile_group(source, slug="journalists")
    make_statistic(source, slug="it", exile_group=it)
    make_statistic(source, slug="journalists", exile_group=journalists)
    make_statistic(source, slug="everyone")

    assert keys(api_client, STATISTICS, {"exile_group": "it-specialists"}) == ["it"]
    assert keys(api_client, STATISTICS, {"exile_group": "journalists,it-specialists"}) == [
        "it",
        "journalists",
    ]


def test_a_draft_groups_slug_is_a_filter_value_only_for_its_readers(
    api_client, editor_client, source
):
    """Anonymous clients share one form class per filterset (built once, for speed): it must
    still refuse what they may not read, before and after an editor's request is answered."""
    draft = make_exile_group(source, slug="draft-group", publication_status="draft")
    make_statistic(source, slug="of-the-draft-group", exile_group=draft)
    params = {"exile_group": "draft-group", "publication_status": "published,draft"}

    assert_bad_request(api_client, STATISTICS, {"exile_group": "draft-group"}, "exile_group")
    assert keys(editor_client, STATISTICS, params) == ["of-the-draft-group"]
    assert_bad_request(api_client, STATISTICS, {"exile_group": "draft-group"}, "exile_group")
    assert keys(editor_client, STATISTICS, params) == ["of-the-draft-group"]


def test_filter_statistics_by_metric_keeps_matching_metrics(api_client, source):
    make_statistic(source, slug="arrivals", metric="arrivals")
    make_statistic(source, slug="departures", metric="departures")
    make_statistic(source, slug="returns", metric="returns")

    assert keys(api_client, STATISTICS, {"metric": "departures"}) == ["departures"]
    assert keys(api_client, STATISTICS, {"metric": ["returns", "arrivals"]}) == [
        "arrivals",
        "returns",
    ]


def test_filter_statistics_by_measure_keeps_matching_measures(api_client, source):
    make_statistic(source, slug="flow", measure="flow")
    make_statistic(source, slug="stock", measure="stock")
    make_statistic(source, slug="cumulative", measure="cumulative")

    assert keys(api_client, STATISTICS, {"measure": "stock"}) == ["stock"]
    assert keys(api_client, STATISTICS, {"measure": "stock,cumulative"}) == [
        "stock",
        "cumulative",
    ]


def test_filter_statistics_by_qualifier_keeps_matching_qualifiers(api_client, source):
    make_statistic(source, slug="exact", qualifier="exact")
    make_statistic(source, slug="about", qualifier="about")
    make_statistic(source, slug="at-least", qualifier="at_least")

    assert keys(api_client, STATISTICS, {"qualifier": "at_least"}) == ["at-least"]
    assert keys(api_client, STATISTICS, {"qualifier": "exact,about"}) == ["exact", "about"]


def test_filter_statistics_by_is_historical_keeps_matching_era(api_client, source):
    make_statistic(source, slug="recent")
    make_statistic(source, slug="1920s", is_historical=True)
    make_statistic(source, slug="recent-too")

    assert keys(api_client, STATISTICS, {"is_historical": "true"}) == ["1920s"]
    assert keys(api_client, STATISTICS, {"is_historical": "false"}) == ["recent", "recent-too"]
    assert keys(api_client, STATISTICS, {"is_historical": "1"}) == ["1920s"]
    assert keys(api_client, STATISTICS, {"is_historical": "0"}) == ["recent", "recent-too"]


def test_filter_statistics_by_value_range_is_inclusive(api_client, source):
    make_statistic(source, slug="hundred", value=100)
    make_statistic(source, slug="thousand", value=1000)
    make_statistic(source, slug="million", value=1000000)

    assert keys(api_client, STATISTICS, {"value_min": 1000}) == ["thousand", "million"]
    assert keys(api_client, STATISTICS, {"value_max": 1000}) == ["hundred", "thousand"]
    assert keys(api_client, STATISTICS, {"value_min": 100.5, "value_max": 1000}) == ["thousand"]


def test_filter_statistics_by_period_after_keeps_periods_starting_on_or_after(api_client, source):
    make_statistic(source, slug="feb", period_start=date(2022, 2, 24), period_end=None)
    make_statistic(source, slug="mar", period_start=date(2022, 3, 1), period_end=None)
    make_statistic(source, slug="apr", period_start=date(2022, 4, 1), period_end=None)
    make_statistic(source, slug="undated", period_start=None, period_end=None)

    assert keys(api_client, STATISTICS, {"period_after": "2022-03-01"}) == ["apr", "mar"]


def test_filter_statistics_by_period_before_keeps_periods_ending_on_or_before(api_client, source):
    make_statistic(source, slug="feb", period_start=None, period_end=date(2022, 2, 28))
    make_statistic(source, slug="mar", period_start=None, period_end=date(2022, 3, 31))
    make_statistic(source, slug="apr", period_start=None, period_end=date(2022, 4, 30))
    make_statistic(source, slug="open", period_start=date(2022, 1, 1), period_end=None)

    assert keys(api_client, STATISTICS, {"period_before": "2022-03-31"}) == ["mar", "feb"]
    assert (
        keys(api_client, STATISTICS, {"period_after": "2022-01-01", "period_before": "2022-12-31"})
        == []
    )


def test_filter_statistics_by_period_overlaps_keeps_periods_sharing_a_day(api_client, source):
    def period(slug, start, end):
        make_statistic(source, slug=slug, period_start=start, period_end=end)

    period("before", date(2022, 1, 1), date(2022, 5, 31))
    period("ends-on-start", date(2022, 1, 1), date(2022, 6, 1))
    period("inside", date(2022, 6, 10), date(2022, 6, 20))
    period("covering", date(2022, 1, 1), date(2022, 12, 31))
    period("starts-on-end", date(2022, 6, 30), date(2022, 12, 30))
    period("after", date(2022, 7, 1), date(2022, 12, 29))
    period("open-since-march", date(2022, 3, 1), None)
    period("open-since-july", date(2022, 7, 1), None)
    period("start-unknown", None, date(2022, 6, 15))
    period("undated", None, None)

    assert keys(api_client, STATISTICS, {"period_overlaps": "2022-06-01,2022-06-30"}) == [
        "covering",
        "starts-on-end",
        "inside",
        "start-unknown",
        "ends-on-start",
        "open-since-march",
    ]


def test_filter_statistics_by_period_overlaps_open_period_matches_later_range(api_client, source):
    make_statistic(source, slug="open", period_start=date(2022, 3, 1), period_end=None)
    make_statistic(
        source, slug="closed", period_start=date(2022, 3, 1), period_end=date(2022, 9, 1)
    )
    make_statistic(source, slug="undated", period_start=None, period_end=None)
    make_statistic(source, slug="starts-later", period_start=date(2025, 1, 1), period_end=None)

    assert keys(api_client, STATISTICS, {"period_overlaps": "2024-01-01,2024-12-31"}) == ["open"]
    assert keys(api_client, STATISTICS, {"period_overlaps": "2022-09-01,2022-09-01"}) == [
        "closed",
        "open",
    ]


def test_filter_statistics_combined_filters_keep_intersection(api_client, source):
    make_statistic(source, slug="match", destination=country("GE"), value=50000)
    make_statistic(source, slug="too-small", destination=country("GE"), value=10)
    make_statistic(source, slug="wrong-metric", metric="departures", value=50000)
    make_statistic(source, slug="wrong-place", destination=country("AM"), value=50000)

    params = {"destination": "ge", "metric": "arrivals", "value_min": 1000}
    assert keys(api_client, STATISTICS, params) == ["match"]


# Policies --------------------------------------------------------------------------------


def test_filter_policies_by_several_countries_keeps_their_policies(api_client, source):
    make_policy(source, slug="am", country=country("AM"))
    make_policy(source, slug="ge", country=country("GE"))
    make_policy(source, slug="lt", country=country("LT"))

    assert keys(api_client, POLICIES, {"country": "ge"}) == ["ge"]
    assert keys(api_client, POLICIES, {"country": "lt,am"}) == ["am", "lt"]
    assert keys(api_client, POLICIES, {"country": ["LT", "ge"]}) == ["ge", "lt"]


def test_filter_policies_by_region_keeps_countries_of_that_continent(api_client, source):
    make_policy(source, slug="am", country=country("AM"))
    make_policy(source, slug="de", country=country("DE"))
    make_policy(source, slug="lt", country=country("LT"))

    assert keys(api_client, POLICIES, {"region": "europe"}) == ["de", "lt"]
    assert keys(api_client, POLICIES, {"region": "Asia"}) == ["am"]


def test_filter_policies_by_topic_keeps_matching_topics(api_client, source):
    make_policy(source, slug="banks", topic="banking")
    make_policy(source, slug="visas", topic="entry_and_visas")
    make_policy(source, slug="firms", topic="company_registration")

    assert keys(api_client, POLICIES, {"topic": "banking"}) == ["banks"]
    assert keys(api_client, POLICIES, {"topic": "entry_and_visas,banking"}) == ["banks", "visas"]


def test_filter_policies_by_stance_keeps_matching_stances(api_client, source):
    make_policy(source, slug="welcoming", stance="welcoming")
    make_policy(source, slug="hostile", stance="hostile")
    make_policy(source, slug="neutral", stance="neutral")

    assert keys(api_client, POLICIES, {"stance": "hostile"}) == ["hostile"]
    assert keys(api_client, POLICIES, {"stance": ["neutral", "welcoming"]}) == [
        "welcoming",
        "neutral",
    ]


def test_filter_policies_by_status_keeps_matching_statuses(api_client, source):
    make_policy(source, slug="in-force", status="in_force")
    make_policy(source, slug="repealed", status="repealed")
    make_policy(source, slug="announced", status="announced")

    assert keys(api_client, POLICIES, {"status": "repealed"}) == ["repealed"]
    assert keys(api_client, POLICIES, {"status": "announced,in_force"}) == [
        "in-force",
        "announced",
    ]


def test_filter_policies_by_exile_group_keeps_concerned_policies_once(api_client, source):
    it = make_exile_group(source, slug="it-specialists")
    journalists = make_exile_group(source, slug="journalists")
    make_policy(source, slug="for-it").exile_groups.set([it])
    make_policy(source, slug="for-both").exile_groups.set([it, journalists])
    make_policy(source, slug="for-all")

    # A policy naming no group concerns every group.
    assert keys(api_client, POLICIES, {"exile_group": "journalists"}) == ["for-both", "for-all"]
    assert keys(api_client, POLICIES, {"exile_group": "it-specialists,journalists"}) == [
        "for-it",
        "for-both",
        "for-all",
    ]


def test_filter_policies_by_nationality_keeps_concerned_policies_once(api_client, source):
    make_policy(source, slug="russians").nationalities.set([country("RU")])
    make_policy(source, slug="both").nationalities.set([country("RU"), country("BY")])
    make_policy(source, slug="unspecified")

    assert keys(api_client, POLICIES, {"nationality": "by"}) == ["both"]
    assert keys(api_client, POLICIES, {"nationality": "ru,BY"}) == ["russians", "both"]


def test_filter_policies_by_is_historical_keeps_matching_era(api_client, source):
    make_policy(source, slug="recent")
    make_policy(source, slug="cold-war", is_historical=True, status="historical")
    make_policy(source, slug="recent-too")

    assert keys(api_client, POLICIES, {"is_historical": "true"}) == ["cold-war"]
    assert keys(api_client, POLICIES, {"is_historical": "false"}) == ["recent", "recent-too"]


def test_filter_policies_by_announcement_dates_is_inclusive(api_client, source):
    make_policy(source, slug="march", announced_on=date(2022, 3, 1))
    make_policy(source, slug="june", announced_on=date(2022, 6, 1))
    make_policy(source, slug="september", announced_on=date(2022, 9, 1))
    make_policy(source, slug="undated", announced_on=None)

    assert keys(api_client, POLICIES, {"announced_after": "2022-06-01"}) == ["june", "september"]
    assert keys(api_client, POLICIES, {"announced_before": "2022-06-01"}) == ["march", "june"]
    both = {"announced_after": "2022-03-02", "announced_before": "2022-08-31"}
    assert keys(api_client, POLICIES, both) == ["june"]


def test_filter_policies_in_force_on_keeps_policies_in_effect_that_day(api_client, source):
    def policy(slug, start=None, end=None, **fields):
        make_policy(source, slug=slug, effective_from=start, effective_to=end, **fields)

    policy("open-ended", date(2023, 1, 1))
    policy("starts-that-day", date(2023, 6, 1))
    policy("ends-that-day", date(2022, 1, 1), date(2023, 6, 1))
    policy("ended-day-before", date(2022, 1, 1), date(2023, 5, 31))
    policy("starts-day-after", date(2023, 6, 2))
    policy("undated-in-force")
    policy("undated-historical-in-force", is_historical=True)
    policy("undated-historical", status="historical", is_historical=True)
    policy("undated-repealed", status="repealed")
    policy("undated-announced", status="announced")
    policy("undated-start-ended", None, date(2023, 5, 31))
    policy("repealed-end-unknown", date(2022, 1, 1), status="repealed")
    policy("suspended-end-unknown", date(2022, 1, 1), status="suspended")
    policy("repealed-after-that-day", date(2022, 1, 1), date(2023, 12, 31), status="repealed")

    assert keys(api_client, POLICIES, {"in_force_on": "2023-06-01"}) == [
        "open-ended",
        "starts-that-day",
        "ends-that-day",
        "undated-in-force",
        "repealed-after-that-day",
    ]


def test_filter_policies_current_means_in_force_as_of_the_latest_source(api_client, source):
    """``source`` is known by its year, 2022: as of its last day, 2022-12-31, whatever today
    is. A policy citing a newer source is judged on that source's date."""
    make_policy(source, slug="ongoing", effective_from=date(2022, 3, 1))
    make_policy(
        source,
        slug="ended-mid-2022",
        effective_from=date(2022, 3, 1),
        effective_to=date(2022, 6, 30),
    )
    # Ended long before today, but after what its source can say: in force as reported.
    make_policy(
        source, slug="ends-2023", effective_from=date(2022, 3, 1), effective_to=date(2023, 3, 1)
    )
    make_policy(source, slug="starts-2023", effective_from=date(2023, 1, 1), status="announced")
    make_policy(source, slug="undated-in-force")
    make_policy(source, slug="undated-repealed", status="repealed")
    newer = make_source(slug="newer", published_on=date(2024, 2, 1), year=2024)
    make_policy(
        newer,
        slug="ended-before-its-2024-source",
        effective_from=date(2022, 3, 1),
        effective_to=date(2023, 3, 1),
    )
    undated = make_source(slug="undated", year=None)
    make_policy(undated, slug="source-undated", effective_from=date(2022, 3, 1))

    assert keys(api_client, POLICIES, {"current": "true"}) == [
        "ongoing",
        "ends-2023",
        "undated-in-force",
    ]
    assert keys(api_client, POLICIES, {"current": "false"}) == [
        "ended-mid-2022",
        "starts-2023",
        "undated-repealed",
        "ended-before-its-2024-source",
        "source-undated",
    ]


def test_a_policy_question_about_a_date_says_how_old_the_sources_are(api_client, source):
    make_policy(source, slug="ongoing", effective_from=date(2022, 3, 1))
    make_source(slug="unpublished-newer", year=2025, publication_status="draft")

    within = api_client.get(POLICIES, {"in_force_on": "2022-06-01"})
    beyond = api_client.get(POLICIES, {"in_force_on": "2026-01-01"})
    current = api_client.get(POLICIES, {"current": "true"})
    plain = api_client.get(POLICIES)

    # The newest published source: a draft one is not part of what the dataset says.
    assert within["Reported-As-Of"] == beyond["Reported-As-Of"] == "2022"
    assert "Reported-As-Of-Notice" not in within
    assert beyond["Reported-As-Of-Notice"] == (
        "2026-01-01 is later than the newest source (2022): the answer is as the sources "
        "reported it then; what changed since is not known."
    )
    assert [p["slug"] for p in beyond.json()["results"]] == ["ongoing"]
    assert current["Reported-As-Of"] == "2022"
    assert "Reported-As-Of-Notice" not in current
    assert "Reported-As-Of" not in plain


# Media outlets ----------------------------------------------------------------------------


def test_filter_media_outlets_by_country_keeps_outlets_based_there(api_client, source):
    make_media_outlet(source, slug="alpha", country=country("LV"))
    make_media_outlet(source, slug="bravo", country=country("LT"))
    make_media_outlet(source, slug="charlie", country=country("GE"))
    make_media_outlet(source, slug="delta")

    assert keys(api_client, MEDIA_OUTLETS, {"country": "lv"}) == ["alpha"]
    assert keys(api_client, MEDIA_OUTLETS, {"country": "GE,lt"}) == ["bravo", "charlie"]


def test_filter_media_outlets_by_city_is_case_insensitive_and_exact(api_client, source):
    make_media_outlet(source, slug="alpha", city="Riga")
    make_media_outlet(source, slug="bravo", city="Vilnius")
    make_media_outlet(source, slug="charlie", city="RIGA")
    make_media_outlet(source, slug="delta", city="Rigas apkaime")

    assert keys(api_client, MEDIA_OUTLETS, {"city": "riga"}) == ["alpha", "charlie"]


def test_filter_media_outlets_by_kind_keeps_matching_kinds(api_client, source):
    make_media_outlet(source, slug="alpha", kind="tv")
    make_media_outlet(source, slug="bravo", kind="radio")
    make_media_outlet(source, slug="charlie", kind="news_site")

    assert keys(api_client, MEDIA_OUTLETS, {"kind": "radio"}) == ["bravo"]
    assert keys(api_client, MEDIA_OUTLETS, {"kind": ["news_site", "tv"]}) == ["alpha", "charlie"]


def test_filter_media_outlets_by_status_keeps_matching_statuses(api_client, source):
    make_media_outlet(source, slug="alpha", status="active")
    make_media_outlet(source, slug="bravo", status="closed")
    make_media_outlet(source, slug="charlie", status="unknown")

    assert keys(api_client, MEDIA_OUTLETS, {"status": "closed"}) == ["bravo"]
    assert keys(api_client, MEDIA_OUTLETS, {"status": "active,unknown"}) == ["alpha", "charlie"]


def test_filter_media_outlets_by_language_keeps_outlets_publishing_in_it(api_client, source):
    make_media_outlet(source, slug="alpha", languages=["ru"])
    make_media_outlet(source, slug="bravo", languages=["en", "ru"])
    make_media_outlet(source, slug="charlie", languages=["en"])
    make_media_outlet(source, slug="delta", languages=[])

    assert keys(api_client, MEDIA_OUTLETS, {"language": "ru"}) == ["alpha", "bravo"]
    assert keys(api_client, MEDIA_OUTLETS, {"language": "EN"}) == ["bravo", "charlie"]


def test_filter_media_outlets_by_platform_keeps_each_outlet_once(api_client, source):
    alpha = make_media_outlet(source, slug="alpha")
    alpha.channels.update(platform="website")
    bravo = make_media_outlet(source, slug="bravo")  # youtube, from the factory
    cite(Channel.objects.create(media_outlet=bravo, platform="telegram"), source)
    charlie = make_media_outlet(source, slug="charlie")
    charlie.channels.update(platform="telegram")
    delta = make_media_outlet(source, slug="delta")
    delta.channels.update(platform="print")

    assert keys(api_client, MEDIA_OUTLETS, {"platform": "website"}) == ["alpha"]
    assert keys(api_client, MEDIA_OUTLETS, {"platform": "youtube,telegram"}) == [
        "bravo",
        "charlie",
    ]
    assert keys(api_client, MEDIA_OUTLETS, {"platform": ["telegram", "youtube"]}) == [
        "bravo",
        "charlie",
    ]


def test_filter_media_outlets_by_affiliated_organization_keeps_its_outlets(api_client, source):
    forum = make_organization(source, slug="forum")
    fund = make_organization(source, slug="fund")
    make_media_outlet(source, slug="alpha", affiliated_organization=forum)
    make_media_outlet(source, slug="bravo", affiliated_organization=fund)
    make_media_outlet(source, slug="charlie")
    make_media_outlet(source, slug="delta", affiliated_organization=forum)

    assert keys(api_client, MEDIA_OUTLETS, {"affiliated_organization": "forum"}) == [
        "alpha",
        "delta",
    ]
    assert keys(api_client, MEDIA_OUTLETS, {"affiliated_organization": "fund,forum"}) == [
        "alpha",
        "bravo",
        "delta",
    ]


def test_filter_media_outlets_active_in_year_uses_years_and_status_of_undated(api_client, source):
    def outlet(slug, start, end, status="unknown"):
        make_media_outlet(
            source, slug=slug, active_from_year=start, active_to_year=end, status=status
        )

    outlet("a-ended-before", 2015, 2019, "closed")
    outlet("b-ended-that-year", 2015, 2020, "closed")
    outlet("c-started-that-year", 2020, None)
    outlet("d-started-after", 2021, None, "active")
    outlet("e-start-unknown", None, 2022, "closed")
    outlet("f-undated-active", None, None, "active")
    outlet("g-undated-closed", None, None, "closed")
    outlet("h-undated-unknown", None, None)

    assert keys(api_client, MEDIA_OUTLETS, {"active_in_year": 2020}) == [
        "b-ended-that-year",
        "c-started-that-year",
        "e-start-unknown",
        "f-undated-active",
    ]


# Organizations ---------------------------------------------------------------------------


def test_filter_organizations_by_country_keeps_organizations_based_there(api_client, source):
    make_organization(source, slug="alpha", country=country("LT"))
    make_organization(source, slug="bravo", country=country("DE"))
    make_organization(source, slug="charlie", country=country("GE"))
    make_organization(source, slug="delta")

    assert keys(api_client, ORGANIZATIONS, {"country": "de"}) == ["bravo"]
    assert keys(api_client, ORGANIZATIONS, {"country": ["lt", "GE"]}) == ["alpha", "charlie"]


def test_filter_organizations_by_city_is_case_insensitive_and_exact(api_client, source):
    make_organization(source, slug="alpha", city="Vilnius")
    make_organization(source, slug="bravo", city="Berlin")
    make_organization(source, slug="charlie", city="vilnius")
    make_organization(source, slug="delta", city="Vilnius district")

    assert keys(api_client, ORGANIZATIONS, {"city": "VILNIUS"}) == ["alpha", "charlie"]


def test_filter_organizations_by_kind_keeps_matching_kinds(api_client, source):
    make_organization(source, slug="alpha", kind="ngo")
    make_organization(source, slug="bravo", kind="funder")
    make_organization(source, slug="charlie", kind="university_in_exile")

    assert keys(api_client, ORGANIZATIONS, {"kind": "funder"}) == ["bravo"]
    assert keys(api_client, ORGANIZATIONS, {"kind": "university_in_exile,ngo"}) == [
        "alpha",
        "charlie",
    ]


def test_filter_organizations_by_status_keeps_matching_statuses(api_client, source):
    make_organization(source, slug="alpha", status="active")
    make_organization(source, slug="bravo", status="historical")
    make_organization(source, slug="charlie", status="closed")

    assert keys(api_client, ORGANIZATIONS, {"status": "historical"}) == ["bravo"]
    assert keys(api_client, ORGANIZATIONS, {"status": ["closed", "active"]}) == [
        "alpha",
        "charlie",
    ]


def test_filter_organizations_by_exile_group_keeps_each_organization_once(api_client, source):
    it = make_exile_group(source, slug="it-specialists")
    journalists = make_exile_group(source, slug="journalists")
    make_organization(source, slug="alpha").exile_groups.set([it, journalists])
    make_organization(source, slug="bravo").exile_groups.set([journalists])
    make_organization(source, slug="charlie")

    assert keys(api_client, ORGANIZATIONS, {"exile_group": "it-specialists"}) == ["alpha"]
    assert keys(api_client, ORGANIZATIONS, {"exile_group": "it-specialists,journalists"}) == [
        "alpha",
        "bravo",
    ]


def test_filter_organizations_active_in_year_uses_founding_and_dissolution(api_client, source):
    def organization(slug, founded, dissolved, status="unknown"):
        make_organization(
            source, slug=slug, founded_year=founded, dissolved_year=dissolved, status=status
        )

    organization("a-dissolved-before", 2000, 2019, "closed")
    organization("b-dissolved-that-year", 2000, 2020, "closed")
    organization("c-founded-that-year", 2020, None, "active")
    organization("d-founded-after", 2021, None, "active")
    organization("e-founding-unknown", None, 2021, "closed")
    organization("f-undated-active", None, None, "active")
    organization("g-undated-historical", None, None, "historical")

    assert keys(api_client, ORGANIZATIONS, {"active_in_year": 2020}) == [
        "b-dissolved-that-year",
        "c-founded-that-year",
        "e-founding-unknown",
        "f-undated-active",
    ]


# Sources ---------------------------------------------------------------------------------


def test_filter_sources_by_kind_keeps_matching_kinds(api_client, db):
    make_source(slug="an-essay", title="A", kind="essay")
    make_source(slug="a-report", title="B", kind="report")
    make_source(slug="a-dataset", title="C", kind="dataset")

    assert keys(api_client, SOURCES, {"kind": "report"}) == ["a-report"]
    assert keys(api_client, SOURCES, {"kind": "dataset,essay"}) == ["an-essay", "a-dataset"]


def test_filter_sources_by_year_keeps_that_years_works(api_client, db):
    make_source(slug="y2021", title="A", year=2021)
    make_source(slug="y2022", title="B", year=2022)
    make_source(slug="y2022-dated", title="C", year=2022, published_on=date(2022, 5, 1))
    make_source(slug="undated", title="D", year=None)

    assert keys(api_client, SOURCES, {"year": 2022}) == ["y2022", "y2022-dated"]


@pytest.mark.parametrize(
    ("cited_by", "expected"),
    [
        ("statistic", ["for-statistic"]),
        ("media_outlet", ["for-media-outlet"]),
        ("organization", ["for-organization"]),
        ("policy", ["for-policy"]),
        ("exile_group", ["for-exile-group"]),
    ],
)
def test_filter_sources_by_cited_by_keeps_sources_that_type_cites(
    api_client, db, cited_by, expected
):
    builders = {
        "statistic": make_statistic,
        "media-outlet": make_media_outlet,
        "organization": make_organization,
        "policy": make_policy,
        "exile-group": make_exile_group,
    }
    for index, (name, build) in enumerate(builders.items()):
        build(make_source(slug=f"for-{name}", title=f"Source {index}"))
    make_source(slug="uncited", title="Source 9")

    assert keys(api_client, SOURCES, {"cited_by": cited_by}) == expected


# Countries -------------------------------------------------------------------------------


def test_filter_countries_by_region_keeps_that_continent(api_client, db):
    assert keys(api_client, COUNTRIES, {"region": "antarctica"}, key="code") == [
        "AQ",
        "BV",
        "TF",
        "HM",
        "GS",
    ]


def test_filter_countries_by_name_keeps_names_containing_it(api_client, db):
    assert keys(api_client, COUNTRIES, {"name": "GUINEA"}, key="code") == [
        "GQ",
        "GN",
        "GW",
        "PG",
    ]
    assert keys(api_client, COUNTRIES, {"name": "guinea", "region": "oceania"}, key="code") == [
        "PG"
    ]


# Ordering --------------------------------------------------------------------------------

STAMPED_AT = datetime(2024, 1, 1, tzinfo=UTC)


def stamp(model, created, updated):
    """Set created_at/updated_at so that their orders are ``created`` and ``updated``."""
    for field, order in (("created_at", created), ("updated_at", updated)):
        for minutes, slug in enumerate(order):
            model.objects.filter(slug=slug).update(
                **{field: STAMPED_AT + timedelta(minutes=minutes)}
            )


def build_exile_groups():
    source = make_source()
    make_exile_group(source, slug="g-c", name="Alpha group")
    make_exile_group(source, slug="g-a", name="Charlie group")
    make_exile_group(source, slug="g-b", name="Bravo group")
    stamp(ExileGroup, created=["g-b", "g-c", "g-a"], updated=["g-a", "g-c", "g-b"])


def build_sources():
    make_source(slug="src-1", title="Bravo report", year=2021, published_on=date(2021, 3, 1))
    make_source(slug="src-2", title="Alpha report", year=2023, published_on=date(2023, 1, 1))
    make_source(slug="src-3", title="Charlie report", year=2019, published_on=date(2019, 12, 31))
    stamp(Source, created=["src-2", "src-3", "src-1"], updated=["src-3", "src-1", "src-2"])


def build_statistics():
    source = make_source()
    make_statistic(
        source, slug="s1", value=300, period_start=date(2022, 3, 1), period_end=date(2022, 12, 31)
    )
    make_statistic(
        source, slug="s2", value=100, period_start=date(2022, 1, 1), period_end=date(2023, 6, 30)
    )
    make_statistic(
        source, slug="s3", value=200, period_start=date(2022, 6, 1), period_end=date(2022, 7, 31)
    )
    stamp(Statistic, created=["s2", "s3", "s1"], updated=["s3", "s1", "s2"])


def build_media_outlets():
    source = make_source()
    make_media_outlet(source, slug="bravo", active_from_year=2005)
    make_media_outlet(source, slug="alpha", active_from_year=2010)
    make_media_outlet(source, slug="charlie", active_from_year=2020)
    stamp(MediaOutlet, created=["charlie", "alpha", "bravo"], updated=["alpha", "charlie", "bravo"])


def build_organizations():
    source = make_source()
    make_organization(source, slug="bravo", founded_year=2005)
    make_organization(source, slug="alpha", founded_year=2010)
    make_organization(source, slug="charlie", founded_year=2020)
    stamp(
        Organization, created=["charlie", "alpha", "bravo"], updated=["alpha", "charlie", "bravo"]
    )


def build_policies():
    source = make_source()
    make_policy(
        source,
        slug="p1",
        title="Bravo",
        announced_on=date(2022, 5, 1),
        effective_from=date(2022, 1, 1),
    )
    make_policy(
        source,
        slug="p2",
        title="Alpha",
        announced_on=date(2022, 9, 1),
        effective_from=date(2022, 10, 1),
    )
    make_policy(
        source,
        slug="p3",
        title="Charlie",
        announced_on=date(2022, 1, 1),
        effective_from=date(2022, 6, 1),
    )
    stamp(HostPolicy, created=["p2", "p3", "p1"], updated=["p3", "p1", "p2"])


# resource list url, records' key, builder, {ordering field: keys in ascending order}
ORDERINGS = {
    "exile-groups": (
        EXILE_GROUPS,
        "slug",
        build_exile_groups,
        {
            "name": ["g-c", "g-b", "g-a"],
            "slug": ["g-a", "g-b", "g-c"],
            "created_at": ["g-b", "g-c", "g-a"],
            "updated_at": ["g-a", "g-c", "g-b"],
        },
    ),
    "sources": (
        SOURCES,
        "slug",
        build_sources,
        {
            "title": ["src-2", "src-1", "src-3"],
            "year": ["src-3", "src-1", "src-2"],
            "published_on": ["src-3", "src-1", "src-2"],
            "created_at": ["src-2", "src-3", "src-1"],
            "updated_at": ["src-3", "src-1", "src-2"],
        },
    ),
    "statistics": (
        STATISTICS,
        "slug",
        build_statistics,
        {
            "value": ["s2", "s3", "s1"],
            "period_start": ["s2", "s1", "s3"],
            "period_end": ["s3", "s1", "s2"],
            "created_at": ["s2", "s3", "s1"],
            "updated_at": ["s3", "s1", "s2"],
        },
    ),
    "media-outlets": (
        MEDIA_OUTLETS,
        "slug",
        build_media_outlets,
        {
            "name": ["alpha", "bravo", "charlie"],
            "active_from_year": ["bravo", "alpha", "charlie"],
            "created_at": ["charlie", "alpha", "bravo"],
            "updated_at": ["alpha", "charlie", "bravo"],
        },
    ),
    "organizations": (
        ORGANIZATIONS,
        "slug",
        build_organizations,
        {
            "name": ["alpha", "bravo", "charlie"],
            "founded_year": ["bravo", "alpha", "charlie"],
            "created_at": ["charlie", "alpha", "bravo"],
            "updated_at": ["alpha", "charlie", "bravo"],
        },
    ),
    "policies": (
        POLICIES,
        "slug",
        build_policies,
        {
            "title": ["p2", "p1", "p3"],
            "announced_on": ["p3", "p1", "p2"],
            "effective_from": ["p1", "p3", "p2"],
            "created_at": ["p2", "p3", "p1"],
            "updated_at": ["p3", "p1", "p2"],
        },
    ),
}


@pytest.mark.parametrize(
    ("resource", "field"),
    [(resource, field) for resource, case in ORDERINGS.items() for field in case[3]],
)
def test_list_ordered_by_whitelisted_field_returns_exact_order_both_ways(
    api_client, db, resource, field
):
    url, key, build, expected = ORDERINGS[resource]
    build()

    ascending = expected[field]
    assert keys(api_client, url, {"ordering": field}, key=key) == ascending
    assert keys(api_client, url, {"ordering": f"-{field}"}, key=key) == ascending[::-1]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("code", ["AF", "KG", "KZ", "PK", "SH", "TJ", "TM", "UZ"]),
        ("-code", ["UZ", "TM", "TJ", "SH", "PK", "KZ", "KG", "AF"]),
        ("name", ["AF", "KZ", "KG", "PK", "SH", "TJ", "TM", "UZ"]),
        ("-name", ["UZ", "TM", "TJ", "SH", "PK", "KG", "KZ", "AF"]),
        ("region,-code", ["SH", "UZ", "TM", "TJ", "PK", "KZ", "KG", "AF"]),
        ("-region,code", ["AF", "KG", "KZ", "PK", "TJ", "TM", "UZ", "SH"]),
    ],
)
def test_list_countries_ordered_by_whitelisted_field_returns_exact_order(
    api_client, db, ordering, expected
):
    params = {"name": "stan", "ordering": ordering}
    assert keys(api_client, COUNTRIES, params, key="code") == expected


def test_list_statistics_ordered_by_two_fields_breaks_ties_by_second(api_client, source):
    make_statistic(source, slug="a", value=10, period_start=date(2022, 1, 1))
    make_statistic(source, slug="b", value=20, period_start=date(2022, 1, 1))
    make_statistic(source, slug="c", value=5, period_start=date(2022, 2, 1))

    params = {"ordering": "period_start,-value"}
    assert keys(api_client, STATISTICS, params) == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("url", "ordering"),
    [
        (COUNTRIES, "created_at"),
        (COUNTRIES, "alpha3"),
        (EXILE_GROUPS, "description"),
        (SOURCES, "-authors"),
        (STATISTICS, "slug"),
        (STATISTICS, "value,nonsense"),
        (MEDIA_OUTLETS, "city"),
        (ORGANIZATIONS, "-dissolved_year"),
        (POLICIES, "effective_to"),
        (POLICIES, "country__name"),
    ],
)
def test_list_ordered_by_unknown_field_is_400_naming_ordering(api_client, db, url, ordering):
    messages = assert_bad_request(api_client, url, {"ordering": ordering}, "ordering")
    assert ordering.split(",")[-1].lstrip("-") in messages[0]


@pytest.mark.parametrize("ordering", ["value", "-value", "period_start,-value"])
def test_records_equal_on_the_ordering_come_in_a_stable_order_by_id(api_client, source, ordering):
    """Ties are ordered by id: PostgreSQL may order them differently from one plan to the
    next (the statistics CSV's two paths did), and pages could overlap."""
    ids = [make_statistic(source, value=500).pk for _ in range(3)]

    with CaptureQueriesContext(connection) as queries:
        listed = keys(api_client, STATISTICS, {"ordering": ordering}, key="id")

    assert listed == ids
    # The page's query: ordered by the fields asked for, then by id (selected first: "1").
    [page_ordering] = [
        query["sql"].split("ORDER BY")[-1]
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "resources_statistic"."id" AS "pk"')
        and query["sql"].endswith("LIMIT 50")
    ]
    assert page_ordering.rstrip().endswith(", 1 ASC LIMIT 50"), page_ordering


# Invalid values --------------------------------------------------------------------------

FIFTY_ONE_CODES = ",".join(["GE"] * 51)
FIFTY_ONE_SLUGS = ",".join(f"group-{number}" for number in range(51))


@pytest.mark.parametrize(
    ("url", "param", "value"),
    [
        (STATISTICS, "origin", "XX"),
        (STATISTICS, "destination", "ge,zz"),
        (STATISTICS, "destination", "Georgia"),
        (STATISTICS, "destination", FIFTY_ONE_CODES),
        (STATISTICS, "abroad", "maybe"),
        (STATISTICS, "exile_group", "no-such-group"),
        (STATISTICS, "exile_group", FIFTY_ONE_SLUGS),
        (STATISTICS, "metric", "height"),
        (STATISTICS, "metric", ",".join(["arrivals"] * 51)),
        (STATISTICS, "measure", "flow,volume"),
        (STATISTICS, "qualifier", "roughly"),
        (STATISTICS, "is_historical", "yes"),
        (STATISTICS, "value_min", "many"),
        (STATISTICS, "value_max", "1e"),
        (STATISTICS, "value_min", "NaN"),
        (STATISTICS, "period_after", "2022-13-01"),
        (STATISTICS, "period_before", "yesterday"),
        (STATISTICS, "period_overlaps", "2022-01-01"),
        (STATISTICS, "period_overlaps", "2022-01-01,"),
        (STATISTICS, "period_overlaps", "2022-02-01,2022-01-31"),
        (STATISTICS, "period_overlaps", "2022-01-01,2022-02-30"),
        (STATISTICS, "period_overlaps", "2022-01-01,2022-02-01,2022-03-01"),
        (POLICIES, "country", "XX"),
        (POLICIES, "topic", "taxes"),
        (POLICIES, "stance", "friendly"),
        (POLICIES, "status", "expired"),
        (POLICIES, "exile_group", "nobody"),
        (POLICIES, "nationality", "SU"),
        (POLICIES, "is_historical", "maybe"),
        (POLICIES, "announced_after", "2022-03"),
        (POLICIES, "announced_before", "2022-02-30"),
        (POLICIES, "in_force_on", "today"),
        (POLICIES, "current", "yes"),
        (MEDIA_OUTLETS, "country", "ZZ"),
        (MEDIA_OUTLETS, "kind", "blog"),
        (MEDIA_OUTLETS, "status", "paused"),
        (MEDIA_OUTLETS, "platform", "tiktok"),
        (MEDIA_OUTLETS, "platform", ",".join(["youtube"] * 51)),
        (MEDIA_OUTLETS, "affiliated_organization", "no-such-organization"),
        (MEDIA_OUTLETS, "active_in_year", "last-year"),
        (ORGANIZATIONS, "country", "Lithuania"),
        (ORGANIZATIONS, "kind", "club"),
        (ORGANIZATIONS, "status", "dormant"),
        (ORGANIZATIONS, "exile_group", "nobody"),
        (ORGANIZATIONS, "active_in_year", "20x0"),
        (SOURCES, "kind", "book"),
        (SOURCES, "year", "MMXXII"),
        (SOURCES, "cited_by", "channel"),
    ],
)
def test_list_filtered_by_invalid_value_is_400_naming_the_parameter(
    api_client, source, url, param, value
):
    assert_bad_request(api_client, url, {param: value}, param)


@pytest.mark.parametrize(
    ("url", "param", "value"),
    [
        (STATISTICS, "destination", FIFTY_ONE_CODES),
        (STATISTICS, "metric", ["arrivals"] * 51),
        (MEDIA_OUTLETS, "platform", ["youtube"] * 29 + ["website,telegram"] * 11),
        (ORGANIZATIONS, "exile_group", FIFTY_ONE_SLUGS),
    ],
)
def test_list_filtered_by_fifty_one_values_is_400_saying_at_most_fifty(
    api_client, source, url, param, value
):
    assert assert_bad_request(api_client, url, {param: value}, param) == ["At most 50 values."]
    assert error_codes(api_client.get(url, {param: value})) == {param: ["too_many"]}


def test_list_filtered_by_fifty_values_is_accepted(api_client, source):
    make_statistic(source, slug="to-ge")
    make_statistic(source, slug="to-am", destination=country("AM"))
    make_statistic(source, slug="to-lt", destination=country("LT"))

    params = {"destination": ",".join(["GE"] * 49 + ["am"])}
    assert keys(api_client, STATISTICS, params) == ["to-ge", "to-am"]


@pytest.mark.parametrize(
    ("url", "params", "param"),
    [
        (STATISTICS, {"period_after": "03/01/2022"}, "period_after"),
        (STATISTICS, {"period_before": "01.03.2022", "lang": "ru"}, "period_before"),
        (STATISTICS, {"period_overlaps": "03/01/2022,03/31/2022"}, "period_overlaps"),
        (POLICIES, {"in_force_on": "06/01/2023"}, "in_force_on"),
        (POLICIES, {"announced_after": "01.06.2023", "lang": "ru"}, "announced_after"),
    ],
)
def test_list_filtered_by_localized_date_is_400_asking_for_iso(api_client, db, url, params, param):
    assert assert_bad_request(api_client, url, params, param) == ["Enter a date as YYYY-MM-DD."]


def test_list_filtered_by_invalid_values_names_each_bad_parameter(api_client, source):
    response = api_client.get(
        STATISTICS, {"metric": "height", "period_after": "soon", "destination": "ge"}
    )

    assert sorted(field_errors(response)) == ["metric", "period_after"]
