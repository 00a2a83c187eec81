"""The country profile: one country at a glance.

The view assembles it from documents PostgreSQL builds (``resources.api.sql_json``); these
serializers describe it, in the OpenAPI description.
"""

from rest_framework import serializers

from ...profiles import PROFILE_LIMIT
from .countries import CountrySerializer
from .media_outlets import MediaOutletSerializer
from .organizations import OrganizationSerializer
from .policies import HostPolicySerializer
from .sources import SourceSerializer
from .statistics import StatisticSerializer


class CountryProfileTotalsSerializer(serializers.Serializer):
    """How many published records each list of a country profile has in all."""

    policies_in_force = serializers.IntegerField(help_text="Policies in force on as_of.")
    historical_policies = serializers.IntegerField(help_text="Historical policies.")
    media_outlets = serializers.IntegerField(help_text="Outlets based in the country.")
    organizations = serializers.IntegerField(help_text="Organizations based in the country.")
    statistics = serializers.IntegerField(help_text="Figures with the country as destination.")


class CountryProfileCompleteListsSerializer(serializers.Serializer):
    """Where each list of a country profile is given whole: the resource's own list, paginated,
    with the filters that select exactly the records counted in `totals`."""

    policies_in_force = serializers.URLField(
        help_text="The policies list filtered by country, is_historical=false and in_force_on."
    )
    historical_policies = serializers.URLField(
        help_text="The policies list filtered by country and is_historical=true."
    )
    media_outlets = serializers.URLField(help_text="The media outlets list filtered by country.")
    organizations = serializers.URLField(help_text="The organizations list filtered by country.")
    statistics = serializers.URLField(help_text="The statistics list filtered by destination.")


class CountryProfileSerializer(serializers.Serializer):
    """One country at a glance: policies in force on a date, outlets, organizations,
    figures and the sources behind them, each list capped, with totals and whole lists."""

    country = CountrySerializer(help_text="The country.")
    as_of = serializers.DateField(help_text="Date the policies in force are given for.")
    policies_in_force = HostPolicySerializer(
        many=True,
        help_text="Current (non-historical) policies in effect on as_of: the first "
        f"{PROFILE_LIMIT}, by title.",
    )
    historical_policies = HostPolicySerializer(
        many=True,
        help_text=f"Policies of earlier eras (1920s, Cold War, ...): the first {PROFILE_LIMIT}, "
        "by title.",
    )
    media_outlets = MediaOutletSerializer(
        many=True,
        help_text=f"Outlets based in the country: the first {PROFILE_LIMIT}, by name.",
    )
    organizations = OrganizationSerializer(
        many=True,
        help_text=f"Organizations based in the country: the first {PROFILE_LIMIT}, by name.",
    )
    statistics = StatisticSerializer(
        many=True,
        help_text=f"Figures with this country as destination: the latest {PROFILE_LIMIT}, "
        "latest first.",
    )
    sources = SourceSerializer(
        brief=True,
        many=True,
        help_text="Every source cited by the records shown above (and their nested records), "
        "by title; not those cited only by records beyond the lists' limit.",
    )
    totals = CountryProfileTotalsSerializer(
        help_text="How many published records each list has in all; a list holds them all "
        f"when its total is at most {PROFILE_LIMIT}."
    )
    complete_lists = CountryProfileCompleteListsSerializer(
        help_text="For each list, the URL of the whole list, paginated, in the same order (and "
        "in the same language, when lang is given)."
    )
