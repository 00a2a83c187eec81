"""The resource registry: one ``ResourceSpec`` per resource, the single list a new resource type
joins (as NetBox keeps one ``registry``). Every per-type table elsewhere (detail routes, type
names, search, the dataset's sections, what may be cited) is derived from it; the nested
records (channels, locations, ...) a resource shows within itself are listed here too.

Adding a resource type: its model, its spec below, its serializer, its filterset and its
viewset; ``tests/test_registry.py`` fails while a spec is incomplete.
"""

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from . import querysets
from .models import (
    AudienceFigure,
    Channel,
    Country,
    ExileGroup,
    HostPolicy,
    Location,
    MediaOutlet,
    NotableFigure,
    Organization,
    Source,
    Statistic,
)
from .models.base import CuratedModel


@dataclass(frozen=True)
class SearchSpec:
    """What a model's search covers beyond its stored vector."""

    label: str  # field shown as a hit's name (its ``_ru`` field in Russian, if any)
    snippet: str  # text field a hit's snippet is cut from
    fuzzy: tuple[str, ...] = ()  # fields matched with typo tolerance (pg_trgm)
    cited: bool = True  # whether citation claims are searched too


@dataclass(frozen=True)
class ResourceSpec:
    """One resource: how the API names, routes, searches, exports and cites its records."""

    model: type[models.Model]
    type_name: str  # in search hits, the change history and the feed's ?type=
    prefix: str  # its path under /api/v1/
    basename: str  # of its routes: "<basename>-list", "<basename>-detail"
    lookup: str  # field of its detail route: pk, slug or code
    search: SearchSpec
    # Its records as the API, the history's snapshots and the dataset export read them,
    # relations prefetched (resources.querysets); default: every record, nothing prefetched.
    read_queryset: Callable[[], models.QuerySet[Any]] | None = None
    # Curated resources only: its section in a dataset file (the history's snapshots and the
    # export use the same write shape), and its place in loading order (a record may refer
    # only to records of earlier sections).
    dataset_section: str | None = None
    load_order: int | None = None
    # Whether its records cite sources and may be asked for with a source's ?cited_by=, and
    # its place in that parameter's choices.
    cited_by_order: int | None = None

    def records(self) -> models.QuerySet[Any]:
        """A fresh queryset of its records, relations prefetched."""
        if self.read_queryset is None:
            return self.model._default_manager.all()
        return self.read_queryset()

    @property
    def curated(self) -> bool:
        return issubclass(self.model, CuratedModel)


@dataclass(frozen=True)
class NestedSpec:
    """A record shown within a resource's record (an outlet's channels): the paths to that
    record, tried in turn (a location belongs to an outlet or to an organization)."""

    model: type[models.Model]
    owners: tuple[str, ...]

    @property
    def owner_models(self) -> tuple[type[models.Model], ...]:
        """The model at the end of each path in ``owners``."""
        found = []
        for path in self.owners:
            model = self.model
            for name in path.split("."):
                related = model._meta.get_field(name).related_model
                if related is None:
                    raise ImproperlyConfigured(
                        f"{self.model.__name__}.{path}: {name} is not a relation."
                    )
                model = related
            found.append(model)
        return tuple(found)


RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        model=Country,
        type_name="country",
        prefix="countries",
        basename="country",
        lookup="code",
        search=SearchSpec("name", "name", fuzzy=("name", "name_ru"), cited=False),
    ),
    ResourceSpec(
        model=ExileGroup,
        type_name="exile_group",
        prefix="exile-groups",
        basename="exile-group",
        lookup="slug",
        search=SearchSpec("name", "description", fuzzy=("name",)),
        read_queryset=querysets.exile_groups,
        dataset_section="exile_groups",
        load_order=1,
        cited_by_order=4,
    ),
    ResourceSpec(
        model=Source,
        type_name="source",
        prefix="sources",
        basename="source",
        lookup="pk",
        search=SearchSpec("title", "notes", fuzzy=("title",), cited=False),
        dataset_section="sources",
        load_order=0,
    ),
    ResourceSpec(
        model=Statistic,
        type_name="statistic",
        prefix="statistics",
        basename="statistic",
        lookup="pk",
        search=SearchSpec("slug", "notes"),
        read_queryset=querysets.statistics,
        dataset_section="statistics",
        load_order=4,
        cited_by_order=0,
    ),
    ResourceSpec(
        model=MediaOutlet,
        type_name="media_outlet",
        prefix="media-outlets",
        basename="media-outlet",
        lookup="slug",
        search=SearchSpec("name", "description", fuzzy=("name", "city")),
        read_queryset=querysets.media_outlets,
        dataset_section="media_outlets",
        load_order=3,
        cited_by_order=1,
    ),
    ResourceSpec(
        model=Organization,
        type_name="organization",
        prefix="organizations",
        basename="organization",
        lookup="slug",
        search=SearchSpec("name", "description", fuzzy=("name", "city")),
        read_queryset=querysets.organizations,
        dataset_section="organizations",
        load_order=2,
        cited_by_order=2,
    ),
    ResourceSpec(
        model=HostPolicy,
        type_name="policy",
        prefix="policies",
        basename="policy",
        lookup="pk",
        search=SearchSpec("title", "summary", fuzzy=("title",)),
        read_queryset=querysets.policies,
        dataset_section="policies",
        load_order=5,
        cited_by_order=3,
    ),
)

NESTED: tuple[NestedSpec, ...] = (
    NestedSpec(Channel, ("media_outlet",)),
    NestedSpec(AudienceFigure, ("channel.media_outlet",)),
    NestedSpec(Location, ("media_outlet", "organization")),
    NestedSpec(NotableFigure, ("organization",)),
)

SPECS: dict[type[models.Model], ResourceSpec] = {spec.model: spec for spec in RESOURCES}
NESTED_SPECS: dict[type[models.Model], NestedSpec] = {spec.model: spec for spec in NESTED}
# The curated resources, in the dataset's loading order.
CURATED: tuple[ResourceSpec, ...] = tuple(
    sorted((spec for spec in RESOURCES if spec.curated), key=attrgetter("load_order"))
)
# ``spec.curated`` checked each of them (issubclass), which the type of ``spec.model`` cannot say.
CURATED_MODELS: tuple[type[CuratedModel], ...] = tuple(
    cast("type[CuratedModel]", spec.model) for spec in CURATED
)
# What ?cited_by= offers: type name -> model.
CITING_TYPES: dict[str, type[models.Model]] = {
    spec.type_name: spec.model
    for spec in sorted(
        (spec for spec in RESOURCES if spec.cited_by_order is not None),
        key=attrgetter("cited_by_order"),
    )
}
# model -> type name, and back.
RECORD_TYPES: dict[type[models.Model], str] = {spec.model: spec.type_name for spec in RESOURCES}


def owning_record(obj: models.Model) -> models.Model | None:
    """The resource's record a nested one (channel, location, ...) is shown within; a
    resource's record is its own."""
    nested = NESTED_SPECS.get(type(obj))
    if nested is None:
        return obj
    for path in nested.owners:
        owner: models.Model | None = attrgetter(path)(obj)
        if owner is not None:
            return owner
    return None


def citable_querysets() -> list[models.QuerySet[models.Model]]:
    """One queryset per model whose records cite sources, with what ``owning_record`` walks
    already joined: for a GenericPrefetch of citations' records without a query per record."""
    # _default_manager: the generic way to a model's manager (each of these has one, objects).
    curated = [
        spec.model._default_manager.all() for spec in RESOURCES if spec.cited_by_order is not None
    ]
    nested = [
        spec.model._default_manager.select_related(
            *(path.replace(".", "__") for path in spec.owners)
        )
        for spec in NESTED
    ]
    return curated + nested


def citing_owners() -> dict[type[models.Model], list[tuple[str, type[models.Model]]]]:
    """Each model whose records cite sources -> the resource records it is shown within, as
    (ORM path to it, ending in "__"; "" for itself, its model)."""
    owners: dict[type[models.Model], list[tuple[str, type[models.Model]]]] = {
        spec.model: [("", spec.model)] for spec in RESOURCES if spec.cited_by_order is not None
    }
    for spec in NESTED:
        owners[spec.model] = [
            (path.replace(".", "__") + "__", model)
            for path, model in zip(spec.owners, spec.owner_models, strict=True)
        ]
    return owners
