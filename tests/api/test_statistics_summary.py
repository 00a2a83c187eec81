"""The statistics summary: /api/v1/statistics/summary/?group_by=... (figures never summed)."""

import itertools
from datetime import date
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.models import Country
from tests.factories import cite, make_exile_group, make_source, make_statistic
from tests.problems import field_errors

SUMMARY_URL = reverse("statistic-summary")
FIGURE_KEYS = (
    "metric",
    "unit",
    "measure",
    "is_historical",
    "reports",
    "sources",
    "latest",
    "lowest",
    "highest",
)


def brief_country(code):
    if code is None:
        return None
    return {
        "code": code,
        "name": Country.objects.get(code=code).name,
        "url": f"http://testserver/api/v1/countries/{code}/",
    }


def brief_group(group):
    if group is None:
        return None
    return {
        "id": group.pk,
        "slug": group.slug,
        "name": group.name,
        "url": f"http://testserver/api/v1/exile-groups/{group.slug}/",
    }


def figure(statistic):
    """A statistic as a summary group shows it (latest, lowest, highest)."""
    return {
        "id": statistic.pk,
        "slug": statistic.slug,
        "url": f"http://testserver/api/v1/statistics/{statistic.pk}/",
        "exile_group": brief_group(statistic.exile_group),
        "value": statistic.value,
        "value_low": statistic.value_low,
        "value_high": statistic.value_high,
        "qualifier": statistic.qualifier,
        "period_start": statistic.period_start and statistic.period_start.isoformat(),
        "period_end": statistic.period_end and statistic.period_end.isoformat(),
        "is_historical": statistic.is_historical,
        "citations": [
            {
                "source": {
                    "id": citation.source.pk,
                    "slug": citation.source.slug,
                    "title": citation.source.title,
                    "url": f"http://testserver/api/v1/sources/{citation.source.pk}/",
                },
                "locator": citation.locator,
                "claim": citation.claim,
            }
            for citation in statistic.citations.order_by("id")
        ],
    }


def group(
    *, reports, sources, latest, lowest, highest, metric="arrivals", is_historical=False, **keys
):
    return {
        **keys,
        "metric": metric,
        "unit": latest.unit,
        "measure": latest.measure,
        "is_historical": is_historical,
        "reports": reports,
        "sources": sources,
        "latest": figure(latest),
        "lowest": figure(lowest),
        "highest": figure(highest),
    }


def in_order(data):
    """``data`` with every dict turned into its list of items, so that key order counts."""
    if isinstance(data, dict):
        return [(key, in_order(value)) for key, value in data.items()]
    if isinstance(data, list):
        return [in_order(value) for value in data]
    return data


def assert_exactly(actual, expected):
    """Equal, and with the keys of every dict in the same order."""
    assert actual == expected
    assert in_order(actual) == in_order(expected)


def summary(api_client, **params):
    response = api_client.get(SUMMARY_URL, params)
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()


def outline(body, *keys):
    """Each group as (its grouping keys..., metric, measure, is_historical, reports, lowest,
    highest, latest slugs)."""
    rows = []
    for row in body["groups"]:
        grouped = [(row[k] or {}).get("code") or (row[k] or {}).get("slug") for k in keys]
        rows.append(
            (
                *grouped,
                row["metric"],
                row["measure"],
                row["is_historical"],
                row["reports"],
                row["lowest"]["slug"],
                row["highest"]["slug"],
                row["latest"]["slug"],
            )
        )
    return rows


def numbers_in(data):
    """Every number anywhere in ``data`` (nested dicts and lists)."""
    if isinstance(data, dict):
        for value in data.values():
            yield from numbers_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from numbers_in(value)
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield data


# Grouping by destination (the default) -------------------------------------------------


def test_summary_by_default_groups_by_destination_with_exact_groups(api_client, source):
    border = make_source(slug="border-report", title="Border service report")
    first_weeks = make_statistic(source, slug="ge-first-weeks", value=25000)
    # A second passage of the same source: still one source, still one report.
    cite(first_weeks, source, locator="para 2")
    march = make_statistic(
        source,
        slug="ge-march",
        value=30000,
        period_start=date(2022, 3, 11),
        period_end=date(2022, 3, 31),
    )
    cite(march, border)
    # An open period counts by its start: later than March's end, so the latest.
    since_april = make_statistic(
        border, slug="ge-since-april", value=27000, period_start=date(2022, 4, 1), period_end=None
    )
    cumulative = make_statistic(
        source, slug="ge-cumulative", measure="cumulative", value=100000, qualifier="about"
    )
    armenia = make_statistic(source, slug="am-first-weeks", destination_id="AM", value=40000)
    abroad = make_statistic(
        border,
        slug="abroad-departures",
        destination=None,
        metric="departures",
        value=500000,
        qualifier="at_least",
        value_low=500000,
        value_high=700000,
        period_start=date(2022, 1, 1),
        period_end=date(2022, 12, 31),
    )

    body = summary(api_client)

    assert body["group_by"] == ["destination"]
    # By destination code (abroad last), then metric, unit and measure.
    expected = [
        group(
            destination=brief_country("AM"),
            reports=1,
            sources=1,
            latest=armenia,
            lowest=armenia,
            highest=armenia,
        ),
        group(
            destination=brief_country("GE"),
            reports=1,
            sources=1,
            latest=cumulative,
            lowest=cumulative,
            highest=cumulative,
        ),
        group(
            destination=brief_country("GE"),
            reports=3,
            sources=2,
            latest=since_april,
            lowest=first_weeks,
            highest=march,
        ),
        group(
            destination=None,
            metric="departures",
            reports=1,
            sources=1,
            latest=abroad,
            lowest=abroad,
            highest=abroad,
        ),
    ]
    assert_exactly(body["groups"], expected)


def test_summary_latest_is_by_period_end_then_start_and_undated_never_latest(api_client, source):
    make_statistic(source, slug="undated", period_start=None, period_end=None, value=1)
    make_statistic(
        source,
        slug="ended-in-june",
        period_start=date(2022, 1, 1),
        period_end=date(2022, 6, 30),
        value=2,
    )
    make_statistic(
        source, slug="open-since-may", period_start=date(2022, 5, 1), period_end=None, value=3
    )

    body = summary(api_client)

    assert outline(body, "destination") == [
        ("GE", "arrivals", "flow", False, 3, "undated", "open-since-may", "ended-in-june")
    ]


def test_summary_keeps_metric_unit_and_measure_apart_for_one_destination(api_client, source):
    flow = make_statistic(source, slug="arrivals-flow", value=25000)
    cumulative = make_statistic(
        source, slug="arrivals-cumulative", measure="cumulative", value=100000
    )
    daily = make_statistic(
        source, slug="arrivals-per-day", unit="people_per_day", measure="flow", value=2000
    )
    departures = make_statistic(source, slug="departures-flow", metric="departures", value=9000)

    body = summary(api_client, group_by="destination")

    georgia = brief_country("GE")
    expected = [
        group(
            destination=georgia,
            reports=1,
            sources=1,
            latest=cumulative,
            lowest=cumulative,
            highest=cumulative,
        ),
        group(
            destination=georgia,
            reports=1,
            sources=1,
            latest=flow,
            lowest=flow,
            highest=flow,
        ),
        group(
            destination=georgia,
            reports=1,
            sources=1,
            latest=daily,
            lowest=daily,
            highest=daily,
        ),
        group(
            destination=georgia,
            metric="departures",
            reports=1,
            sources=1,
            latest=departures,
            lowest=departures,
            highest=departures,
        ),
    ]
    assert_exactly(body["groups"], expected)


def test_summary_figures_show_their_exile_group(api_client, source):
    it = make_exile_group(source, slug="it-specialists", name="IT specialists")
    it_specialists = make_statistic(source, slug="ge-it", exile_group=it, value=25000)
    everyone = make_statistic(
        source,
        slug="ge-everyone",
        value=60000,
        period_start=date(2022, 9, 21),
        period_end=date(2022, 10, 4),
    )

    body = summary(api_client)

    expected = [
        group(
            destination=brief_country("GE"),
            reports=2,
            sources=1,
            latest=everyone,
            lowest=it_specialists,
            highest=everyone,
        )
    ]
    assert_exactly(body["groups"], expected)
    row = body["groups"][0]
    assert row["lowest"]["exile_group"] == {
        "id": it.pk,
        "slug": "it-specialists",
        "name": "IT specialists",
        "url": "http://testserver/api/v1/exile-groups/it-specialists/",
    }
    assert row["highest"]["exile_group"] is None
    assert row["latest"]["exile_group"] is None
    # Shown on the figures only: the group is not grouped by exile group.
    assert "exile_group" not in row
    assert list(row["lowest"]) == [
        "id",
        "slug",
        "url",
        "exile_group",
        "value",
        "value_low",
        "value_high",
        "qualifier",
        "period_start",
        "period_end",
        "is_historical",
        "citations",
    ]


# Historical and recent figures --------------------------------------------------------


def test_summary_keeps_historical_and_recent_figures_in_two_groups(api_client, source):
    recent_low = make_statistic(source, slug="ge-2022", value=25000)
    recent_high = make_statistic(
        source,
        slug="ge-2023",
        value=60000,
        period_start=date(2023, 1, 1),
        period_end=date(2023, 3, 31),
    )
    # Historical figures lower and higher than every recent one: never their lowest or highest.
    historical_high = make_statistic(
        source,
        slug="ge-1921",
        value=900000,
        is_historical=True,
        period_start=date(1921, 1, 1),
        period_end=date(1921, 12, 31),
    )
    historical_low = make_statistic(
        source,
        slug="ge-1922",
        value=3000,
        is_historical=True,
        period_start=date(1922, 1, 1),
        period_end=date(1922, 12, 31),
    )

    body = summary(api_client)

    georgia = brief_country("GE")
    # Same destination, metric, unit and measure: recent first, then historical.
    expected = [
        group(
            destination=georgia,
            reports=2,
            sources=1,
            latest=recent_high,
            lowest=recent_low,
            highest=recent_high,
        ),
        group(
            destination=georgia,
            is_historical=True,
            reports=2,
            sources=1,
            latest=historical_low,
            lowest=historical_low,
            highest=historical_high,
        ),
    ]
    assert_exactly(body["groups"], expected)


@pytest.mark.parametrize(
    "group_by",
    ["destination", "exile_group", "origin", "metric", "destination,exile_group,origin,metric"],
)
def test_summary_never_compares_historical_with_recent_figures(api_client, source, group_by):
    it = make_exile_group(source, slug="it-specialists", name="IT specialists")
    make_statistic(source, slug="recent", exile_group=it, value=25000)
    make_statistic(
        source,
        slug="historical-low",
        exile_group=it,
        value=3000,
        is_historical=True,
        period_start=date(1922, 1, 1),
        period_end=date(1922, 12, 31),
    )
    make_statistic(
        source,
        slug="historical-high",
        exile_group=it,
        value=900000,
        is_historical=True,
        period_start=date(1921, 1, 1),
        period_end=date(1921, 12, 31),
    )

    body = summary(api_client, group_by=group_by)

    assert [
        (
            row["is_historical"],
            row["reports"],
            row["lowest"]["slug"],
            row["highest"]["slug"],
            row["latest"]["slug"],
        )
        for row in body["groups"]
    ] == [
        (False, 1, "recent", "recent", "recent"),
        (True, 2, "historical-low", "historical-high", "historical-low"),
    ]
    for row in body["groups"]:
        for name in ("latest", "lowest", "highest"):
            assert row[name]["is_historical"] is row["is_historical"]


# Other groupings ----------------------------------------------------------------------


@pytest.fixture
def grouped_statistics(source):
    """Figures for two destinations, two exile groups (and none), two origins."""
    it = make_exile_group(source, slug="it-specialists", name="IT specialists")
    journalists = make_exile_group(source, slug="journalists", name="Journalists")
    make_statistic(source, slug="ge-it", exile_group=it, value=25000)
    make_statistic(source, slug="am-it", exile_group=it, destination_id="AM", value=40000)
    make_statistic(source, slug="ge-journalists", exile_group=journalists, value=500)
    make_statistic(
        source,
        slug="ge-everyone",
        value=60000,
        period_start=date(2022, 9, 21),
        period_end=date(2022, 10, 4),
    )
    make_statistic(source, slug="by-to-ge", origin_id="BY", value=7000)
    return it, journalists


@pytest.mark.parametrize(
    ("group_by", "present", "expected"),
    [
        (
            "exile_group",
            ["exile_group"],
            [
                ("it-specialists", "arrivals", "flow", False, 2, "ge-it", "am-it", "ge-it"),
                (
                    "journalists",
                    "arrivals",
                    "flow",
                    False,
                    1,
                    "ge-journalists",
                    "ge-journalists",
                    "ge-journalists",
                ),
                (None, "arrivals", "flow", False, 2, "by-to-ge", "ge-everyone", "ge-everyone"),
            ],
        ),
        (
            "destination,exile_group",
            ["destination", "exile_group"],
            [
                ("AM", "it-specialists", "arrivals", "flow", False, 1, "am-it", "am-it", "am-it"),
                ("GE", "it-specialists", "arrivals", "flow", False, 1, "ge-it", "ge-it", "ge-it"),
                (
                    "GE",
                    "journalists",
                    "arrivals",
                    "flow",
                    False,
                    1,
                    "ge-journalists",
                    "ge-journalists",
                    "ge-journalists",
                ),
                (
                    "GE",
                    None,
                    "arrivals",
                    "flow",
                    False,
                    2,
                    "by-to-ge",
                    "ge-everyone",
                    "ge-everyone",
                ),
            ],
        ),
        (
            "origin",
            ["origin"],
            [
                ("BY", "arrivals", "flow", False, 1, "by-to-ge", "by-to-ge", "by-to-ge"),
                (
                    "RU",
                    "arrivals",
                    "flow",
                    False,
                    4,
                    "ge-journalists",
                    "ge-everyone",
                    "ge-everyone",
                ),
            ],
        ),
    ],
)
def test_summary_group_by_shows_exactly_the_grouped_keys(
    api_client, grouped_statistics, group_by, present, expected
):
    body = summary(api_client, group_by=group_by)

    assert body["group_by"] == present
    for row in body["groups"]:
        assert list(row) == [*present, *FIGURE_KEYS]
        for absent in {"destination", "exile_group", "origin"} - set(present):
            assert absent not in row
    assert outline(body, *present) == expected


def test_summary_group_by_exile_group_shows_the_groups_as_brief_objects(
    api_client, grouped_statistics
):
    it, journalists = grouped_statistics

    body = summary(api_client, group_by="exile_group")

    assert [row["exile_group"] for row in body["groups"]] == [
        brief_group(it),
        brief_group(journalists),
        None,
    ]


def test_summary_group_by_origin_shows_the_origins_as_brief_objects(api_client, grouped_statistics):
    body = summary(api_client, group_by="origin")

    assert [row["origin"] for row in body["groups"]] == [brief_country("BY"), brief_country("RU")]


@pytest.fixture
def georgia_statistics(source):
    """Figures for Georgia only: two metrics, two measures, recent and historical."""
    make_statistic(source, slug="ge-arrivals", value=25000)
    make_statistic(
        source,
        slug="ge-arrivals-march",
        value=30000,
        period_start=date(2022, 3, 11),
        period_end=date(2022, 3, 31),
    )
    make_statistic(source, slug="ge-cumulative", measure="cumulative", value=100000)
    make_statistic(source, slug="ge-departures", metric="departures", value=9000)
    make_statistic(
        source,
        slug="ge-1920s",
        value=3000,
        is_historical=True,
        period_start=date(1921, 1, 1),
        period_end=date(1922, 12, 31),
    )


def test_summary_group_by_metric_is_accepted_and_changes_no_group(api_client, georgia_statistics):
    default = summary(api_client)
    with_metric = summary(api_client, group_by="destination,metric")
    by_metric = summary(api_client, group_by="metric")

    assert outline(default, "destination") == [
        (
            "GE",
            "arrivals",
            "cumulative",
            False,
            1,
            "ge-cumulative",
            "ge-cumulative",
            "ge-cumulative",
        ),
        (
            "GE",
            "arrivals",
            "flow",
            False,
            2,
            "ge-arrivals",
            "ge-arrivals-march",
            "ge-arrivals-march",
        ),
        ("GE", "arrivals", "flow", True, 1, "ge-1920s", "ge-1920s", "ge-1920s"),
        ("GE", "departures", "flow", False, 1, "ge-departures", "ge-departures", "ge-departures"),
    ]
    assert with_metric["group_by"] == ["destination", "metric"]
    assert_exactly(with_metric["groups"], default["groups"])
    # Metric alone: no destination key, and with one destination the very same groups.
    assert by_metric["group_by"] == ["metric"]
    without_destination = [
        {key: value for key, value in row.items() if key != "destination"}
        for row in default["groups"]
    ]
    assert_exactly(by_metric["groups"], without_destination)
    for row in by_metric["groups"]:
        assert list(row) == list(FIGURE_KEYS)


def test_summary_group_by_metric_alone_compares_figures_of_all_destinations(
    api_client, grouped_statistics
):
    body = summary(api_client, group_by="metric")

    assert outline(body) == [
        ("arrivals", "flow", False, 5, "ge-journalists", "ge-everyone", "ge-everyone")
    ]


def test_summary_group_by_repeated_name_groups_once(api_client, grouped_statistics):
    once = summary(api_client, group_by="destination")
    twice = summary(api_client, group_by="destination,destination")

    assert twice == once
    assert summary(api_client, group_by="metric,metric") == summary(api_client, group_by="metric")


# Never summed -------------------------------------------------------------------------


def test_summary_of_two_reports_for_georgia_never_sums_them(api_client, source):
    first = make_statistic(source, slug="ge-first-weeks", value=25000)
    second = make_statistic(
        source,
        slug="ge-march",
        value=30000,
        period_start=date(2022, 3, 11),
        period_end=date(2022, 3, 31),
    )

    response = api_client.get(SUMMARY_URL)

    body = response.json()
    expected = [
        group(
            destination=brief_country("GE"),
            reports=2,
            sources=1,
            latest=second,
            lowest=first,
            highest=second,
        )
    ]
    assert_exactly(body["groups"], expected)
    assert "55000" not in response.content.decode()
    assert 55000 not in list(numbers_in(body))


@pytest.mark.parametrize("group_by", ["destination", "exile_group", "origin", "metric"])
def test_summary_no_number_is_the_sum_of_two_reported_values(api_client, source, group_by):
    values = [25000, 30000, 40000, 12000, 7000]
    for number, value in enumerate(values):
        make_statistic(
            source,
            slug=f"s{number}",
            value=value,
            destination_id="GE" if number < 3 else "AM",
        )
    sums = {a + b for a, b in itertools.combinations(values, 2)}

    response = api_client.get(SUMMARY_URL, {"group_by": group_by})

    assert response.status_code == HTTPStatus.OK
    assert not sums & set(numbers_in(response.json()))
    text = response.content.decode()
    for total in sums:
        assert str(total) not in text


def test_summary_note_says_figures_are_never_added_up(api_client, source):
    make_statistic(source)

    body = summary(api_client)

    assert "never added up" in body["note"]
    assert "'reports' counts figures, not people" in body["note"]
    assert "all historical or all recent" in body["note"]


def test_summary_of_no_statistics_has_no_groups(api_client, db):
    body = summary(api_client)

    assert body["groups"] == []
    assert body["group_by"] == ["destination"]


def test_summary_with_lang_ru_gives_russian_country_names(api_client, source):
    make_statistic(source)

    body = summary(api_client, lang="ru")

    assert body["groups"][0]["destination"]["name"] == "Грузия"


# Filters and search -------------------------------------------------------------------


@pytest.fixture
def filterable_statistics(source):
    make_statistic(source, slug="ge-2022", value=25000, notes="Counted at Upper Lars.")
    make_statistic(
        source,
        slug="ge-2023",
        value=60000,
        period_start=date(2023, 1, 1),
        period_end=date(2023, 3, 31),
    )
    make_statistic(
        source,
        slug="ge-1920s",
        value=3000,
        is_historical=True,
        period_start=date(1921, 1, 1),
        period_end=date(1922, 12, 31),
    )
    make_statistic(source, slug="am-2022", destination_id="AM", value=40000)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {},
            [
                ("AM", "arrivals", "flow", False, 1, "am-2022", "am-2022", "am-2022"),
                ("GE", "arrivals", "flow", False, 2, "ge-2022", "ge-2023", "ge-2023"),
                ("GE", "arrivals", "flow", True, 1, "ge-1920s", "ge-1920s", "ge-1920s"),
            ],
        ),
        (
            {"destination": "GE"},
            [
                ("GE", "arrivals", "flow", False, 2, "ge-2022", "ge-2023", "ge-2023"),
                ("GE", "arrivals", "flow", True, 1, "ge-1920s", "ge-1920s", "ge-1920s"),
            ],
        ),
        (
            {"destination": "am"},
            [("AM", "arrivals", "flow", False, 1, "am-2022", "am-2022", "am-2022")],
        ),
        (
            {"is_historical": "false"},
            [
                ("AM", "arrivals", "flow", False, 1, "am-2022", "am-2022", "am-2022"),
                ("GE", "arrivals", "flow", False, 2, "ge-2022", "ge-2023", "ge-2023"),
            ],
        ),
        (
            {"is_historical": "true"},
            [("GE", "arrivals", "flow", True, 1, "ge-1920s", "ge-1920s", "ge-1920s")],
        ),
        (
            {"period_overlaps": "2022-01-01,2022-12-31"},
            [
                ("AM", "arrivals", "flow", False, 1, "am-2022", "am-2022", "am-2022"),
                ("GE", "arrivals", "flow", False, 1, "ge-2022", "ge-2022", "ge-2022"),
            ],
        ),
        (
            {"destination": "GE", "is_historical": "false", "value_min": "30000"},
            [("GE", "arrivals", "flow", False, 1, "ge-2023", "ge-2023", "ge-2023")],
        ),
        (
            {"q": "Lars"},
            [("GE", "arrivals", "flow", False, 1, "ge-2022", "ge-2022", "ge-2022")],
        ),
        ({"destination": "KZ"}, []),
    ],
)
def test_summary_honours_filters_and_search(api_client, filterable_statistics, params, expected):
    body = summary(api_client, **params)

    assert outline(body, "destination") == expected


def test_summary_with_search_and_grouping_counts_each_figure_once(api_client, source):
    it = make_exile_group(source, slug="it-specialists", name="IT specialists")
    other = make_source(slug="border-report", title="Border service report")
    for number in range(3):
        statistic = make_statistic(
            source, slug=f"ge-it-{number}", exile_group=it, value=1000 * (number + 1)
        )
        cite(statistic, other, claim="Arrivals counted at Upper Lars.")
    make_statistic(source, slug="ge-unrelated", exile_group=it, value=99)

    body = summary(api_client, q="Lars", group_by="destination,exile_group")

    assert outline(body, "destination", "exile_group") == [
        ("GE", "it-specialists", "arrivals", "flow", False, 3, "ge-it-0", "ge-it-2", "ge-it-0")
    ]
    assert body["groups"][0]["sources"] == 2


# Bad input ----------------------------------------------------------------------------


def test_summary_with_empty_group_by_uses_the_default_grouping(api_client, source):
    make_statistic(source)
    empty = api_client.get(SUMMARY_URL, {"group_by": ""}).json()
    assert empty["group_by"] == ["destination"]


@pytest.mark.parametrize(
    "group_by",
    [
        "country",
        "destination,country",
        "Metric",
        "unit",
        "measure",
        "is_historical",
        "destination,unit",
        "Destination",
        ",",
        " ",
    ],
)
def test_summary_with_invalid_group_by_is_400_naming_group_by(api_client, source, group_by):
    make_statistic(source)

    response = api_client.get(SUMMARY_URL, {"group_by": group_by})

    assert field_errors(response) == {
        "group_by": ["Choose from destination, exile_group, origin, metric."]
    }


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"destination": "XX"}, "destination"),
        ({"origin": "russia"}, "origin"),
        ({"exile_group": "no-such-group"}, "exile_group"),
        ({"metric": "weight"}, "metric"),
        ({"measure": "total"}, "measure"),
        ({"is_historical": "maybe"}, "is_historical"),
        ({"value_min": "lots"}, "value_min"),
        ({"period_overlaps": "2022-01-01"}, "period_overlaps"),
        ({"period_overlaps": "2022-12-31,2022-01-01"}, "period_overlaps"),
        ({"period_overlaps": "2022-01-01,soon"}, "period_overlaps"),
        ({"q": "x" * 201}, "q"),
        ({"lang": "xx"}, "lang"),
    ],
)
def test_summary_with_invalid_filter_is_400_naming_it(api_client, source, params, name):
    make_statistic(source)

    response = api_client.get(SUMMARY_URL, params)

    assert list(field_errors(response)) == [name]


# Query counts -------------------------------------------------------------------------

DESTINATIONS = ["AM", "GE", "KZ", "TR", "RS", "AE", "IL", "LV", "LT", "DE"]


def add_statistics(source, other, group, *, destinations, numbers):
    """Figures numbered ``numbers`` to each of ``destinations``, each citing two sources."""
    for code in destinations:
        for number in numbers:
            statistic = make_statistic(
                source,
                slug=f"{code.lower()}-{number}",
                destination_id=code,
                exile_group=group,
                value=1000 + number,
            )
            cite(statistic, other)


@pytest.mark.parametrize(
    "group_by", ["destination", "destination,exile_group,origin", "destination,metric"]
)
def test_summary_query_count_is_the_same_for_2_and_40_statistics(api_client, source, group_by):
    other = make_source(slug="border-report", title="Border service report")
    group = make_exile_group(source, slug="it-specialists", name="IT specialists")
    counts = []

    add_statistics(source, other, group, destinations=DESTINATIONS[:2], numbers=range(1))
    with CaptureQueriesContext(connection) as queries:
        body = summary(api_client, group_by=group_by)
    assert [row["reports"] for row in body["groups"]] == [1, 1]
    counts.append(len(queries))

    add_statistics(source, other, group, destinations=DESTINATIONS[:2], numbers=range(1, 4))
    add_statistics(source, other, group, destinations=DESTINATIONS[2:], numbers=range(4))
    with CaptureQueriesContext(connection) as queries:
        body = summary(api_client, group_by=group_by)
    assert [row["reports"] for row in body["groups"]] == [4] * 10
    counts.append(len(queries))

    assert counts[0] == counts[1]


def test_summary_of_40_statistics_in_10_groups_costs_at_most_7_queries(
    api_client, source, django_assert_max_num_queries
):
    other = make_source(slug="border-report", title="Border service report")
    group = make_exile_group(source, slug="it-specialists", name="IT specialists")
    add_statistics(source, other, group, destinations=DESTINATIONS, numbers=range(4))

    # The group totals; then latest, lowest and highest, each one DISTINCT ON query with
    # its citations and their sources.
    with django_assert_max_num_queries(7):
        body = summary(api_client, group_by="destination,exile_group,origin")
    assert len(body["groups"]) == 10
