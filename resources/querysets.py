"""The read querysets: each resource with everything its representation shows, fetched in a
constant number of queries (no N+1). Views, the country profile and the statistics summary
all read through these."""

from typing import Any, TypeVar

from django.db.models import Prefetch, QuerySet

# As a module: visibility needs the registry, which lists these querysets.
from . import visibility
from .models import (
    AudienceFigure,
    Channel,
    Citation,
    ExileGroup,
    HostPolicy,
    Location,
    MediaOutlet,
    NotableFigure,
    Organization,
    Statistic,
)

AnyQuerySet = TypeVar("AnyQuerySet", bound=QuerySet[Any])


def with_citations(queryset: AnyQuerySet) -> AnyQuerySet:
    """``queryset`` with its citations and their sources (one more query)."""
    return queryset.prefetch_related(
        Prefetch("citations", queryset=Citation.objects.select_related("source"))
    )


# Quoted: Prefetch is generic to the type checker only, not at run time.
def _locations() -> "Prefetch[str, QuerySet[Location], str]":
    return Prefetch(
        "locations", queryset=with_citations(Location.objects.select_related("country"))
    )


def exile_groups() -> QuerySet[ExileGroup]:
    return with_citations(ExileGroup.objects.all())


def statistics() -> QuerySet[Statistic]:
    return with_citations(Statistic.objects.select_related("origin", "destination", "exile_group"))


def media_outlets() -> QuerySet[MediaOutlet]:
    channels = with_citations(Channel.objects.all()).prefetch_related(
        Prefetch("audience_figures", queryset=with_citations(AudienceFigure.objects.all()))
    )
    return with_citations(
        MediaOutlet.objects.select_related("country", "affiliated_organization")
    ).prefetch_related(Prefetch("channels", queryset=channels), _locations())


def organizations() -> QuerySet[Organization]:
    # Its affiliated outlets: the public ones, for every reader (editors find drafts in lists).
    outlets = visibility.public(MediaOutlet.objects.all())
    return with_citations(Organization.objects.select_related("country")).prefetch_related(
        "exile_groups",
        Prefetch("media_outlets", queryset=outlets),
        Prefetch("notable_figures", queryset=with_citations(NotableFigure.objects.all())),
        _locations(),
    )


def policies() -> QuerySet[HostPolicy]:
    return with_citations(HostPolicy.objects.select_related("country")).prefetch_related(
        "exile_groups", "nationalities"
    )
