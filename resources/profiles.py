"""The country profile: what an exile needs to know about one country, in one response."""

from dataclasses import dataclass
from datetime import date

from . import querysets
from .models import Country
from .visibility import published


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


def country_profile(*, country, as_of):
    """Everything recorded about ``country``, with policies in force on ``as_of``.

    Published records only, in a constant number of queries, whatever the amount of data.
    """
    policies = published(querysets.policies()).filter(country=country)
    in_force = list(policies.in_force_on(as_of).filter(is_historical=False))
    historical = list(policies.filter(is_historical=True))
    outlets = list(published(querysets.media_outlets()).filter(country=country))
    organizations = list(published(querysets.organizations()).filter(country=country))
    statistics = list(published(querysets.statistics()).filter(destination=country))
    records = [*in_force, *historical, *outlets, *organizations, *statistics]
    return CountryProfile(
        country=country,
        as_of=as_of,
        policies_in_force=in_force,
        historical_policies=historical,
        media_outlets=outlets,
        organizations=organizations,
        statistics=statistics,
        sources=querysets.cited_sources(records),
    )
