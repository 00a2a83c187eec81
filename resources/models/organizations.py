from django.contrib.postgres.indexes import GinIndex
from django.db import models

from ..choices import FigureRole, OrganizationKind
from .base import (
    NAME_COLLATION,
    CitedModel,
    ExileBody,
    curated_constraints,
    curated_indexes,
    exile_body_indexes,
    ordered_constraint,
    publish_permission,
)


class Organization(ExileBody):
    """An NGO, exile organization, university in exile, funder, committee or institute."""

    name = models.CharField(
        max_length=200,
        db_collation=NAME_COLLATION,
        help_text="Name, or a plain description if unnamed.",
    )
    kind = models.CharField(
        max_length=32, choices=OrganizationKind.choices, help_text="Kind of organization."
    )
    description = models.TextField(blank=True, help_text="What it does and for whom.")
    country = models.ForeignKey(
        "resources.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        help_text="Country it is based in now (alpha-2 code), if known.",
    )
    founded_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year it was founded, if known."
    )
    dissolved_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year it was dissolved or shut down, if it was."
    )
    website = models.URLField(max_length=500, blank=True, help_text="Website, if known.")
    exile_groups = models.ManyToManyField(
        "resources.ExileGroup",
        blank=True,
        related_name="organizations",
        help_text="Groups of exiles it serves (slugs).",
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            *curated_indexes("organization"),
            *exile_body_indexes("organization"),
        ]
        permissions = [publish_permission("organization", "organizations")]
        constraints = [
            *curated_constraints("organization"),
            ordered_constraint(
                "founded_year", "dissolved_year", "resources_organization_years_ordered"
            ),
        ]


class NotableFigure(CitedModel):
    """A public figure tied to an organization: founder, leader, patron."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notable_figures"
    )
    name = models.CharField(
        max_length=200,
        db_collation=NAME_COLLATION,
        help_text="The person's name as the source gives it.",
    )
    role = models.CharField(
        max_length=16, choices=FigureRole.choices, help_text="Their role in the organization."
    )
    description = models.TextField(blank=True, help_text="Who they are, briefly.")

    class Meta:
        ordering = ["organization_id", "name", "id"]
        indexes = [
            GinIndex(
                fields=["name"], opclasses=["gin_trgm_ops"], name="notablefigure_name_trgm_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name", "role"],
                name="resources_notablefigure_unique_role",
                violation_error_message="This person already has this role here.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"
