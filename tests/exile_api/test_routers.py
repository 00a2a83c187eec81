"""Routes grouped by their literal prefix (exile_api/routers.py) resolve and reverse exactly as
the flat list of DRF's router does."""

import pytest
from django.urls import NoReverseMatch, Resolver404, URLResolver
from django.urls.resolvers import RoutePattern

from exile_api.routers import StartsWith, by_prefix
from resources.api.urls import router

FLAT = URLResolver(RoutePattern("api/v1/"), router.urls)
GROUPED = URLResolver(RoutePattern("api/v1/"), by_prefix(router.urls))

PATHS = [
    "api/v1/",
    "api/v1/.json",
    "api/v1/countries/",
    "api/v1/countries.json",
    "api/v1/countries/am/",
    "api/v1/countries/AM.csv",
    "api/v1/countries/am/profile/",
    "api/v1/countries/armenia/",
    "api/v1/statistics/",
    "api/v1/statistics.csv",
    "api/v1/statistics/summary/",
    "api/v1/statistics/summary.json",
    "api/v1/statistics/12/",
    "api/v1/statistics/12.json",
    "api/v1/statistics/12/history/",
    "api/v1/statistics/12/publish/",
    "api/v1/statistics/12/return/",
    "api/v1/statistics/abc/",
    "api/v1/statisticsx/",
    "api/v1/statistics",
    "api/v1/exile-groups/it-specialists/",
    "api/v1/sources/3/retract/",
    "api/v1/media-outlets/meduza/submit.json",
    "api/v1/organizations/",
    "api/v1/policies/7/",
    "api/v1/policies/7/history.json",
    "api/v1/nothing-here/",
    "api/v2/statistics/",
]


def resolved(resolver, path):
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return "404"
    return (
        match.func,
        match.args,
        match.kwargs,
        match.url_name,
        match.route,
        match.app_names,
        match.namespaces,
        match.captured_kwargs,
        match.extra_kwargs,
    )


@pytest.mark.parametrize("path", PATHS)
def test_grouped_routes_resolve_as_the_flat_ones(path):
    assert resolved(GROUPED, path) == resolved(FLAT, path)


def reversed_url(resolver, name, kwargs):
    try:
        return resolver.reverse(name, **kwargs)
    except NoReverseMatch:
        return "no match"


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("api-root", {}),
        ("country-detail", {"code": "AM"}),
        ("country-profile", {"code": "AM", "format": "json"}),
        ("statistic-list", {}),
        ("statistic-list", {"format": "csv"}),
        ("statistic-summary", {}),
        ("statistic-detail", {"pk": 12}),
        ("statistic-return-to-draft", {"pk": 12}),
        ("media-outlet-detail", {"slug": "meduza"}),
        ("policy-history", {"pk": 7}),
        ("statistic-detail", {"slug": "not-its-key"}),
    ],
)
def test_grouped_routes_reverse_as_the_flat_ones(name, kwargs):
    assert reversed_url(GROUPED, name, kwargs) == reversed_url(FLAT, name, kwargs)


def test_each_resource_is_one_group_in_the_flat_order():
    groups = by_prefix(router.urls)
    prefixes = [group.pattern.prefix for group in groups if isinstance(group, URLResolver)]
    flattened = [route for group in groups for route in getattr(group, "url_patterns", [group])]

    assert prefixes == [
        "countries",
        "exile-groups",
        "sources",
        "statistics",
        "media-outlets",
        "organizations",
        "policies",
        "subscriptions",
    ]
    assert flattened == router.urls


def test_routes_without_a_literal_start_are_left_as_they_are():
    routes = by_prefix(router.urls)
    rest = [route for route in routes if not isinstance(route.pattern, StartsWith)]

    assert [route.name for route in rest] == ["api-root", "api-root"]
