"""Every list costs the same number of queries for a page of 1 and a page of 100 (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.api.base import ResourceViewSet
from tests.factories import (
    cite,
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)


def build_full_records(source, count):
    """``count`` records of every resource, each with every relation its list shows."""
    group = make_exile_group(source, slug="group-0")
    for number in range(1, count):
        make_exile_group(source, slug=f"group-{number}")
        make_source(slug=f"source-{number}")
    for number in range(count):
        make_statistic(source, slug=f"s{number}", exile_group=group)
        organization = make_organization(source, slug=f"org{number}", country_id="LT")
        organization.exile_groups.add(group)
        cite(organization.notable_figures.create(name="Someone", role="founder"), source)
        cite(organization.locations.create(country_id="LT", city="Vilnius"), source)
        outlet = make_media_outlet(
            source, slug=f"outlet{number}", affiliated_organization=organization
        )
        cite(outlet.locations.create(country_id="LV", city="Riga"), source)
        policy = make_policy(source, slug=f"p{number}")
        policy.exile_groups.add(group)
        policy.nationalities.add("RU")


@pytest.fixture
def full_dataset(source):
    build_full_records(source, 101)


@pytest.mark.parametrize(
    ("route", "max_queries"),
    [
        ("country-list", 3),
        ("exile-group-list", 4),
        ("source-list", 3),
        ("statistic-list", 4),
        ("media-outlet-list", 10),
        ("organization-list", 10),
        ("policy-list", 6),
    ],
)
def test_list_page_of_100_costs_the_queries_of_a_page_of_1(
    api_client, full_dataset, django_assert_max_num_queries, route, max_queries
):
    counts = []
    for limit in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(reverse(route), {"limit": limit})
        assert len(response.json()["results"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(max_queries):
        api_client.get(reverse(route), {"limit": 100})


@pytest.mark.django_db
@pytest.mark.parametrize(("detail", "builds"), [(False, 1), (True, 0)], ids=["list", "detail"])
def test_a_read_builds_its_queryset_once(api_client, source, monkeypatch, detail, builds):
    """The permission check of a read does not build the view's queryset (with its
    visibility filter and SQL-built JSON) only to learn its model. A statistic's detail
    builds none: it runs its prepared statement (sql_json.record_document)."""
    statistic = make_statistic(source)
    built = []
    original = ResourceViewSet.get_queryset

    def counting(self):
        built.append(self.action)
        return original(self)

    monkeypatch.setattr(ResourceViewSet, "get_queryset", counting)
    url = (
        reverse("statistic-detail", kwargs={"pk": statistic.pk})
        if detail
        else reverse("statistic-list")
    )

    assert api_client.get(url).status_code == 200
    assert len(built) == builds
