"""The country profile: what an exile needs to know about one country, in one response.

Each list holds at most ``PROFILE_LIMIT`` records, with the number of records it has in all
and the URL of the resource's own list that gives all of them, paginated: a country with
thousands of figures must not cost megabytes and seconds to look up.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Expression, QuerySet
from rest_framework.request import Request
from rest_framework.reverse import reverse

from . import querysets
from .visibility import published

# Enough to show every list of every country in the curated dataset whole (a handful of
# records each), few enough that the profile stays a summary: with their nested channels,
# locations and citations, 5 lists of 20 records weigh under 100 kB, not megabytes.
PROFILE_LIMIT = 20

# The lists nested in a record's representation whose items cite sources of their own.
NESTED_LISTS = ("channels", "audience_figures", "locations", "notable_figures")


def profile_records(
    *, country: str | Expression, as_of: date | Expression
) -> dict[str, QuerySet[Any]]:
    """Each list of the profile of the country whose code is ``country``, by name: its
    published records, in the order its own endpoint lists them, with the policies in force
    on ``as_of``. ``country`` and ``as_of`` may be expressions (parameters of a statement
    compiled once: ``resources.api.sql_json.profile_json``).

    The querysets prefetch what their representations show."""
    policies = published(querysets.policies()).filter(country_id=country)
    return {
        "policies_in_force": policies.in_force_on(as_of).filter(is_historical=False),
        "historical_policies": policies.filter(is_historical=True),
        "media_outlets": published(querysets.media_outlets()).filter(country_id=country),
        "organizations": published(querysets.organizations()).filter(country_id=country),
        "statistics": published(querysets.statistics()).filter(destination_id=country),
    }


def complete_list_urls(*, country: str, as_of: date, request: Request) -> dict[str, str]:
    """For each list of ``profile_records``, the URL of the resource's own list filtered to
    exactly the same records (published ones: the endpoints' default), in the language the
    profile was asked for, if it was asked by name."""
    lists = {
        "policies_in_force": (
            "policy-list",
            {"country": country, "is_historical": "false", "in_force_on": as_of.isoformat()},
        ),
        "historical_policies": ("policy-list", {"country": country, "is_historical": "true"}),
        "media_outlets": ("media-outlet-list", {"country": country}),
        "organizations": ("organization-list", {"country": country}),
        "statistics": ("statistic-list", {"destination": country}),
    }
    language = request.query_params.get("lang")
    urls = {}
    for name, (route, params) in lists.items():
        if language:
            params = {**params, "lang": language}
        urls[name] = f"{reverse(route, request=request)}?{urlencode(params)}"
    return urls


def cited_sources(lists: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The distinct sources cited by the records of ``lists`` (their JSON documents) and by
    their nested records, in the brief form their citations show them, by title."""
    sources: dict[int, dict[str, Any]] = {}

    def visit(document: dict[str, Any]) -> None:
        for citation in document["citations"]:
            sources[citation["source"]["id"]] = citation["source"]
        for name in NESTED_LISTS:
            for child in document.get(name, ()):
                visit(child)

    for documents in lists:
        for document in documents:
            visit(document)
    return sorted(sources.values(), key=lambda source: (source["title"], source["id"]))
