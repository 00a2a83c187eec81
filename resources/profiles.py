"""The country profile: what an exile needs to know about one country, in one response.

Each list holds at most ``PROFILE_LIMIT`` records, with the number of records it has in all
and the URL of the resource's own list that gives all of them, paginated: a country with
thousands of figures must not cost megabytes and seconds to look up.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from rest_framework.reverse import reverse

from . import querysets
from .models import Country
from .visibility import published

# Enough to show every list of every country in the curated dataset whole (a handful of
# records each), few enough that the profile stays a summary: with their nested channels,
# locations and citations, 5 lists of 20 records weigh under 100 kB, not megabytes.
PROFILE_LIMIT = 20


@dataclass
class CountryProfile:
    country: Country
    as_of: date
    policies_in_force: list
    historical_policies: list
    media_outlets: list
    organizations: list
    statistics: list
    sources: list
    totals: dict
    complete_lists: dict


def country_profile(*, country, as_of, request):
    """The published records of ``country``, with policies in force on ``as_of``: the first
    ``PROFILE_LIMIT`` of each list (in the order its own endpoint lists them), how many each
    has in all, and the URL of each whole list.

    Two queries per list (its first records, its total) besides the prefetches of what the
    records show: a constant number, whatever the amount of data.
    """
    code = country.code
    policies = published(querysets.policies()).filter(country=country)
    # Each list, and the list endpoint with the filters that give exactly the same records
    # (published ones: the endpoints' default).
    sections = {
        "policies_in_force": (
            policies.in_force_on(as_of).filter(is_historical=False),
            "policy-list",
            {"country": code, "is_historical": "false", "in_force_on": as_of.isoformat()},
        ),
        "historical_policies": (
            policies.filter(is_historical=True),
            "policy-list",
            {"country": code, "is_historical": "true"},
        ),
        "media_outlets": (
            published(querysets.media_outlets()).filter(country=country),
            "media-outlet-list",
            {"country": code},
        ),
        "organizations": (
            published(querysets.organizations()).filter(country=country),
            "organization-list",
            {"country": code},
        ),
        "statistics": (
            published(querysets.statistics()).filter(destination=country),
            "statistic-list",
            {"destination": code},
        ),
    }
    # The complete lists in the language the profile was asked for, if it was asked by name.
    language = request.query_params.get("lang")
    shown = {}
    totals = {}
    complete_lists = {}
    for name, (queryset, route, params) in sections.items():
        shown[name] = list(queryset[:PROFILE_LIMIT])
        totals[name] = queryset.count()
        if language:
            params = {**params, "lang": language}
        complete_lists[name] = f"{reverse(route, request=request)}?{urlencode(params)}"
    return CountryProfile(
        country=country,
        as_of=as_of,
        **shown,
        sources=querysets.cited_sources([record for rows in shown.values() for record in rows]),
        totals=totals,
        complete_lists=complete_lists,
    )
