"""``reported_as_of``: the newest of a record's cited sources, the same in Python and in SQL."""

from datetime import date

import pytest

from resources.models import Statistic
from resources.reported import (
    last_day_reported,
    last_day_reported_sql,
    reported_as_of,
    reported_as_of_sql,
)
from tests.factories import cite, make_source, make_statistic

# Each case: the cited sources' (published_on, year), and the expected reported_as_of.
CASES = {
    "one year-only source": ([(None, 2022)], "2022"),
    "one dated source": ([(date(2022, 5, 3), 2022)], "2022-05-03"),
    "the newer of two dates": ([(date(2022, 5, 3), 2022), (date(2023, 1, 9), 2023)], "2023-01-09"),
    "a newer year beats an older date": ([(date(2022, 5, 3), 2022), (None, 2023)], "2023"),
    "a newer date beats an older year": ([(None, 2021), (date(2022, 5, 3), 2022)], "2022-05-03"),
    # A year-only source may be of the year's last day: no day is claimed.
    "a year-only source beats a date of its year": (
        [(date(2022, 5, 3), 2022), (None, 2022)],
        "2022",
    ),
    "undated sources are ignored": ([(None, None), (None, 2021)], "2021"),
    "no dated source": ([(None, None)], None),
}


@pytest.mark.parametrize(("sources", "expected"), CASES.values(), ids=CASES.keys())
def test_reported_as_of_is_the_newest_cited_source_in_python_and_in_sql(db, sources, expected):
    first, *others = [make_source(published_on=day, year=year) for day, year in sources]
    statistic = make_statistic(first)
    for source in others:
        cite(statistic, source)
    record = Statistic.objects.prefetch_related("citations__source").get(pk=statistic.pk)

    in_python = reported_as_of(citation.source for citation in record.citations.all())
    in_sql = (
        Statistic.objects.filter(pk=statistic.pk)
        .annotate(reported=reported_as_of_sql(Statistic), last_day=last_day_reported_sql(Statistic))
        .values_list("reported", "last_day")
        .get()
    )

    assert in_python == expected
    assert in_sql == (expected, last_day_reported(expected))


def test_the_last_day_reported_is_the_date_or_the_years_last_day():
    assert last_day_reported("2022-05-03") == date(2022, 5, 3)
    assert last_day_reported("2022") == date(2022, 12, 31)
    assert last_day_reported(None) is None
