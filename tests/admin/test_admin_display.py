"""How the admin writes figures, periods and years (resources/admin_display.py): as the API
gives numbers (no trailing zeros), with thousands separators and the source's hedge."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils.html import strip_tags

from resources import admin_display
from resources.models import AudienceFigure, Statistic


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1000000.00"), "1,000,000"),
        (Decimal("25000.00"), "25,000"),
        (Decimal("12.50"), "12.5"),
        (Decimal("0.25"), "0.25"),
        (Decimal("1234567.89"), "1,234,567.89"),
        (Decimal("0.00"), "0"),
        (7, "7"),
        (None, ""),
    ],
)
def test_number_drops_trailing_zeros_and_separates_thousands(value, expected):
    assert admin_display.number(value) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"value": Decimal("25000.00")}, "25,000"),
        ({"value": Decimal("1000000.00"), "qualifier": "at_least"}, "at least 1,000,000"),
        (
            {"value": Decimal("100000"), "value_low": Decimal("100000"), "value_high": 150000},
            "100,000\u2013150,000",
        ),
        (
            {"value": Decimal("120000"), "value_low": Decimal("100000"), "value_high": 150000},
            "120,000 (100,000\u2013150,000)",
        ),
        (
            {
                "value": Decimal("100000"),
                "value_low": Decimal("100000"),
                "value_high": Decimal("999999"),
                "qualifier": "order_of_magnitude",
            },
            "order of magnitude 100,000\u2013999,999",
        ),
        ({"value": 5000, "value_low": 3000}, "5,000 (from 3,000)"),
        (
            {"value": 1000000, "value_low": 1000000, "qualifier": "order_of_magnitude"},
            "order of magnitude 1,000,000 or more",
        ),
        ({"value": 1000, "value_high": 1000}, "1,000 or less"),
        ({"value": 5000, "value_high": 8000, "qualifier": "about"}, "about 5,000 (up to 8,000)"),
        ({"value": Decimal("15.00"), "unit": "percent", "qualifier": "at_least"}, "at least 15%"),
        ({"value": 6000, "unit": "people_per_day", "qualifier": "about"}, "about 6,000 a day"),
    ],
)
def test_figure_of_a_statistic_reads_as_the_source_hedges_it(fields, expected):
    statistic = Statistic(**{"unit": "people", "qualifier": "exact"} | fields)

    assert strip_tags(admin_display.figure(statistic)) == expected


def test_figure_keeps_the_numbers_on_one_line_and_escapes_nothing_it_should_not():
    statistic = Statistic(value=1000000, qualifier="at_least", unit="people")

    assert admin_display.figure(statistic) == 'at least <span class="nowrap">1,000,000</span>'


def test_figure_wraps_between_the_value_and_its_range_never_inside_them():
    statistic = Statistic(value=120000, value_low=100000, value_high=150000, unit="people")

    assert admin_display.figure(statistic) == (
        '<span class="nowrap">120,000</span> <span class="nowrap">(100,000\u2013150,000)</span>'
    )


def test_figure_of_an_audience_figure_has_no_unit():
    figure = AudienceFigure(value=Decimal("1000000.00"), qualifier="exact")

    assert strip_tags(admin_display.figure(figure)) == "1,000,000"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2022, 2, 24), date(2022, 3, 10), "2022-02-24 \u2013 2022-03-10"),
        (date(2022, 2, 24), None, "from 2022-02-24"),
        (None, date(2022, 3, 10), "until 2022-03-10"),
        (date(2022, 2, 24), date(2022, 2, 24), "2022-02-24"),
        (None, None, "not stated"),
    ],
)
def test_period_is_one_phrase(start, end, expected):
    assert strip_tags(admin_display.period(start, end)) == expected


def test_period_breaks_after_the_dash_never_inside_a_date():
    assert admin_display.period(date(2022, 2, 24), date(2022, 3, 10)) == (
        '<span class="nowrap">2022-02-24 \u2013</span> <span class="nowrap">2022-03-10</span>'
    )


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (1951, 1995, "1951\u20131995"),
        (2019, None, "since 2019"),
        (None, 1995, "until 1995"),
        (1922, 1922, "1922"),
        (None, None, "not stated"),
    ],
)
def test_years_are_one_phrase(start, end, expected):
    assert admin_display.years(start, end) == expected
