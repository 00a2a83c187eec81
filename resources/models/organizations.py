from django.contrib.postgres.indexes import GinIndex
from django.db import models

from ..choices import FigureRole, OrganizationKind, RecordStatus
from .base import (
    NAME_COLLATION,
    CitedModel,
    CuratedModel,
    curated_constraints,
    curated_indexes,
    ordered_constraint,
    publish_permission,
    search_vector,
)


class Organization(CuratedModel, CitedModel):
    """An NGO, exile organization, university in exile, funder, committee or institute."""

    name = models.CharField(
        max_length=200,
        db_collation=NAME_COLLATION,
        help_text="Name, or a plain description if unnamed.",
    )
    slug = models.SlugField(max_length=120, unique=True, help_text="Stable key used in URLs.")
    kind = models.CharField(
        max_length=32, choices=OrganizationKind.choices, help_text="Kind of organization."
    )
    name_ru = models.CharField(
        max_length=200, blank=True, db_collation=NAME_COLLATION, help_text="Name in Russian."
    )
    description = models.TextField(blank=True, help_text="What it does and for whom.")
    description_ru = models.TextField(blank=True, help_text="Description in Russian, if any.")
    country = models.ForeignKey(
        "resources.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        help_text="Country it is based in now (alpha-2 code), if known.",
    )
    city = models.CharField(max_length=100, blank=True, help_text="City it is based in, if known.")
    founded_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year it was founded, if known."
    )
    dissolved_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year it was dissolved or shut down, if it was."
    )
    status = models.CharField(
        max_length=16,
        choices=RecordStatus.choices,
        default=RecordStatus.UNKNOWN,
        help_text="Whether it operates, as of its most recent source.",
    )
    website = models.URLField(max_length=500, blank=True, help_text="Website, if known.")
    contact_details = models.TextField(
        blank=True,
        help_text="How to reach it (people, addresses, channels). Editors only: never public.",
    )
    internal_notes = models.TextField(
        blank=True, help_text="Editors' notes, e.g. on the safety of people named. Never public."
    )
    search_vector = search_vector(
        ("name", "A"),
        ("name_ru", "A"),
        ("description", "B"),
        ("description_ru", "B"),
        ("city", "B"),
    )
    exile_groups = models.ManyToManyField(
        "resources.ExileGroup",
        blank=True,
        related_name="organizations",
        help_text="Groups of exiles it serves (slugs).",
    )

    SENSITIVE_FIELDS = ("contact_details", "internal_notes")

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            *curated_indexes("organization"),
            GinIndex(fields=["search_vector"], name="organization_search_idx"),
            GinIndex(
                fields=["name"], opclasses=["gin_trgm_ops"], name="organization_name_trgm_idx"
            ),
            GinIndex(
                fields=["city"], opclasses=["gin_trgm_ops"], name="organization_city_trgm_idx"
            ),
        ]
        permissions = [publish_permission("organization", "organizations")]
        constraints = [
            *curated_constraints("organization"),
            ordered_constraint(
                "founded_year", "dissolved_year", "resources_organization_years_ordered"
            ),
        ]

    def __str__(self):
        return self.name


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
