from django.contrib.postgres.indexes import GinIndex
from django.db import models

from .base import (
    NAME_COLLATION,
    CitedModel,
    CuratedModel,
    curated_constraints,
    curated_indexes,
    publish_permission,
    search_vector,
)


class ExileGroup(CuratedModel, CitedModel):
    """One of the groups of exiles the sources distinguish (IT specialists, journalists, ...)."""

    slug = models.SlugField(
        max_length=100, unique=True, help_text="Stable key, e.g. 'it-specialists'."
    )
    name = models.CharField(
        max_length=200, db_collation=NAME_COLLATION, unique=True, help_text="Name of the group."
    )
    name_ru = models.CharField(
        max_length=200, blank=True, db_collation=NAME_COLLATION, help_text="Name in Russian."
    )
    description = models.TextField(blank=True, help_text="Who belongs to it and why they left.")
    description_ru = models.TextField(blank=True, help_text="Description in Russian, if any.")
    search_vector = search_vector(
        ("name", "A"), ("name_ru", "A"), ("description", "B"), ("description_ru", "B")
    )

    class Meta:
        permissions = [publish_permission("exilegroup", "exile groups")]
        constraints = curated_constraints("exilegroup")
        ordering = ["name"]
        indexes = [
            *curated_indexes("exilegroup"),
            GinIndex(fields=["search_vector"], name="exilegroup_search_idx"),
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="exilegroup_name_trgm_idx"),
        ]

    def __str__(self):
        return self.name
