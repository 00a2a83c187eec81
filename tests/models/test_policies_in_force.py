"""Which policies are in force on a day: the period expression the GiST index holds gives
exactly what the rule says, for every combination of dates, status and era."""

import itertools
from datetime import date

import pytest
from django.db import connection
from django.db.models import Q

from resources.choices import PolicyStatus
from resources.models import Country, HostPolicy, MediaOutlet, Statistic

START, END = date(2023, 1, 10), date(2023, 1, 20)
DAYS = [date(2023, 1, 9), START, date(2023, 1, 15), END, date(2023, 1, 21)]


def by_the_rule(day):
    """The rule as the filter wrote it before the index, an OR over the nullable dates."""
    open_ended = Q(effective_to__isnull=True) & ~Q(
        status__in=[PolicyStatus.REPEALED, PolicyStatus.SUSPENDED]
    )
    not_ended = open_ended | Q(effective_to__gte=day)
    dated = Q(effective_from__lte=day)
    undated = Q(effective_from__isnull=True, status=PolicyStatus.IN_FORCE, is_historical=False)
    return not_ended & (dated | undated)


@pytest.fixture
def every_kind_of_policy(db):
    """One policy for each start (none, START), end (none, END), status and era."""
    armenia = Country.objects.get(code="AM")
    combinations = itertools.product((None, START), (None, END), PolicyStatus.values, (False, True))
    HostPolicy.objects.bulk_create(
        HostPolicy(
            slug=f"policy-{number}",
            country=armenia,
            title=f"Policy {number}",
            topic="residence",
            stance="neutral",
            summary="A policy.",
            status=status,
            effective_from=start,
            effective_to=end,
            is_historical=historical,
        )
        for number, (start, end, status, historical) in enumerate(combinations)
    )


@pytest.mark.parametrize("day", DAYS)
def test_in_force_on_day_returns_exactly_the_policies_the_rule_gives(every_kind_of_policy, day):
    expected = set(HostPolicy.objects.filter(by_the_rule(day)).values_list("slug", flat=True))

    found = set(HostPolicy.objects.in_force_on(day).values_list("slug", flat=True))

    assert expected  # the combinations hold policies in force on every day tested
    assert found == expected


@pytest.mark.parametrize("day", DAYS)
def test_not_in_force_on_day_returns_exactly_the_others(every_kind_of_policy, day):
    every = set(HostPolicy.objects.values_list("slug", flat=True))
    expected = every - set(
        HostPolicy.objects.filter(by_the_rule(day)).values_list("slug", flat=True)
    )

    found = set(HostPolicy.objects.not_in_force_on(day).values_list("slug", flat=True))

    assert expected
    assert found == expected


def plan(queryset):
    """The plan of ``queryset`` with sequential scans and sorts priced out: whether an index
    answers its filter and order, whatever the (nearly empty) test tables make cheapest."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_in_force_on_of_a_country_is_answered_by_the_in_force_index(db):
    # Unordered: no index orders policies by title; a country's few in force are sorted.
    policies = HostPolicy.objects.filter(country="GE").in_force_on(START).order_by()

    assert "hostpolicy_in_force_idx" in plan(policies)


def test_latest_statistics_of_a_destination_are_read_in_order_from_their_index(db):
    latest = Statistic.objects.filter(destination="GE")[:20]

    assert "statistic_dest_latest_idx" in plan(latest)
    assert "Sort" not in plan(latest)


def test_outlets_of_a_country_are_read_by_name_from_their_index(db):
    first = MediaOutlet.objects.filter(country="GE")[:20]

    assert "mediaoutlet_country_name_idx" in plan(first)
    assert "Sort" not in plan(first)
