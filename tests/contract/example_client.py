"""A small Python client of the API, as an app author would write it: the client that
openapi-python-client generates from the OpenAPI description (tests/contract/.generated/python).

`make contract` checks it and the generated package with ``mypy --strict``, then runs it against
a live server:

    PYTHONPATH=tests/contract/.generated/python python tests/contract/example_client.py BASE_URL

It uses no cast and no ignore comment: where the description says a field is always there, the
generated types must say so too, and the code reads it directly.
"""

import datetime
import sys
from http import HTTPStatus
from typing import TypeVar

from exile_resources_api_client import Client, errors
from exile_resources_api_client.api.countries import countries_profile
from exile_resources_api_client.api.search import search
from exile_resources_api_client.api.statistics import statistics_list, statistics_retrieve
from exile_resources_api_client.models import (
    CountryBrief,
    CountryProfile,
    PaginatedStatisticList,
    Problem,
    SearchResults,
    Statistic,
)

T = TypeVar("T")


class ContractError(Exception):
    """The API did not give what its description promises."""


def check(condition: bool, message: str) -> None:
    # Not `assert`: python -O would drop the checks.
    if not condition:
        raise ContractError(message)


def expect(value: object, kind: type[T], message: str) -> T:
    """``value`` if it is a ``kind``: the parsed body of the status the call expects."""
    check(isinstance(value, kind), message)
    assert isinstance(value, kind)  # narrows the type; check() has raised otherwise
    return value


def check_problem(problem: Problem, status: HTTPStatus, path: str) -> None:
    """An error is RFC 9457 problem details, the same shape for every status."""
    check(problem.status == status, f"problem.status is {problem.status}, not {status}")
    check(bool(problem.title), "the problem has no title")
    check(problem.instance == path, f"problem.instance is {problem.instance!r}, not {path!r}")
    check(bool(problem.type_), "the problem has no type")


def main(base_url: str) -> None:
    # No credentials: every read is public. A status the description does not list raises.
    client = Client(base_url=base_url, raise_on_unexpected_status=True)

    # 1. Statistics for Georgia, five at most.
    listed = statistics_list.sync_detailed(client=client, destination=["GE"], limit=5)
    page = expect(listed.parsed, PaginatedStatisticList, f"listing gave {listed.status_code}")
    check(len(page.results) > 0, "no statistics for destination GE")
    check(len(page.results) <= 5, f"limit=5 gave {len(page.results)} statistics")
    check(page.count >= len(page.results), "count is below the number of results")
    first = page.results[0]
    # Always present: read directly. destination is None for "abroad, all destinations", so
    # the types make the code look, and the filter promises it is GE here.
    check(len(first.origin.code) == 2, f"origin code {first.origin.code!r}")
    destination = expect(first.destination, CountryBrief, "a GE statistic has no destination")
    check(destination.code == "GE", f"a statistic of the GE filter is for {destination.code}")
    check(len(first.citations) > 0, "a statistic without citations")
    next_page: str | None = page.next_
    print(
        f"statistics: {page.count} for GE; first: {first.slug}, {first.value} {first.unit} "
        f"({first.metric}, {first.origin.code} -> {destination.code}); next page: {next_page}"
    )

    # 2. That statistic, by id.
    fetched = statistics_retrieve.sync_detailed(first.id, client=client)
    detail = expect(fetched.parsed, Statistic, f"statistic {first.id} gave {fetched.status_code}")
    check(detail.id == first.id, "the detail is another statistic")
    check(detail.slug == first.slug, "the detail's slug differs from the list's")
    updated: datetime.datetime = detail.updated_at
    print(f"statistic {detail.id}: {detail.slug}, updated {updated.isoformat()}")

    # 3. A statistic that does not exist: a 404 with problem details, typed as an error.
    missing = statistics_retrieve.sync_detailed(999999, client=client)
    check(
        missing.status_code == HTTPStatus.NOT_FOUND,
        f"statistic 999999 gave {missing.status_code}",
    )
    problem = expect(missing.parsed, Problem, "the 404 is not problem details")
    check_problem(problem, HTTPStatus.NOT_FOUND, "/api/v1/statistics/999999/")
    print(f"statistic 999999: {problem.status} {problem.title}: {problem.detail}")

    # 4. Armenia's profile at the start of 2023.
    as_of = datetime.date(2023, 1, 1)
    answered = countries_profile.sync_detailed("AM", client=client, as_of=as_of)
    profile = expect(answered.parsed, CountryProfile, f"the profile gave {answered.status_code}")
    check(profile.country.code == "AM", "the profile is of another country")
    check(profile.as_of == as_of, f"as_of is {profile.as_of}")
    print(
        f"profile of {profile.country.name}: {len(profile.policies_in_force)} policies in force, "
        f"{len(profile.statistics)} statistics, {len(profile.sources)} sources"
    )

    # 5. Search.
    found = search.sync_detailed(client=client, q="Armenia")
    results = expect(found.parsed, SearchResults, f"search gave {found.status_code}")
    check(len(results.results) > 0, "searching Armenia found nothing")
    hit = results.results[0]
    print(f"search {results.query!r}: {len(results.results)} hits; first: {hit.type_} {hit.name}")

    print("example_client.py: all five calls gave what the description promises")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: example_client.py BASE_URL")
    try:
        main(sys.argv[1])
    except (ContractError, errors.UnexpectedStatus) as error:
        sys.exit(f"example_client.py: {error}")
