from django.db import models

from .base import NAME_COLLATION, CitedModel


class ExileGroup(CitedModel):
    """One of the groups of exiles the sources distinguish (IT specialists, journalists, ...)."""

    slug = models.SlugField(
        max_length=100, unique=True, help_text="Stable key, e.g. 'it-specialists'."
    )
    name = models.CharField(
        max_length=200, db_collation=NAME_COLLATION, unique=True, help_text="Name of the group."
    )
    description = models.TextField(blank=True, help_text="Who belongs to it and why they left.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
