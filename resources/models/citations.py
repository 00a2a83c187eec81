from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import GinIndex
from django.db import models

from ..choices import SourceKind
from .base import (
    NAME_COLLATION,
    CuratedModel,
    TimestampedModel,
    curated_constraints,
    curated_indexes,
    publish_permission,
    search_vector,
)


class Source(CuratedModel, TimestampedModel):
    """A work the dataset draws on. Only what is known of it is recorded; nothing is invented."""

    slug = models.SlugField(max_length=100, unique=True, help_text="Stable key of the source.")
    title = models.CharField(
        max_length=300,
        db_collation=NAME_COLLATION,
        help_text="Title, or a plain description if untitled.",
    )
    authors = models.CharField(max_length=300, blank=True, help_text="Authors, separated by '; '.")
    publisher = models.CharField(max_length=200, blank=True, help_text="Publisher, if known.")
    published_on = models.DateField(null=True, blank=True, help_text="Publication date, if known.")
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Publication year, when the exact date is not known."
    )
    web_url = models.URLField(max_length=500, blank=True, help_text="Where to read it, if known.")
    kind = models.CharField(max_length=24, choices=SourceKind.choices, help_text="Kind of work.")
    notes = models.TextField(blank=True, help_text="What else a reader should know about it.")
    search_vector = search_vector(
        ("title", "A"), ("authors", "B"), ("publisher", "C"), ("notes", "C")
    )

    class Meta:
        ordering = ["title", "id"]
        indexes = [
            *curated_indexes("source"),
            GinIndex(fields=["search_vector"], name="source_search_idx"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="source_title_trgm_idx"),
        ]
        permissions = [publish_permission("source", "sources")]
        constraints = [
            *curated_constraints("source"),
            models.CheckConstraint(
                condition=models.Q(published_on__isnull=True)
                | models.Q(year__isnull=True)
                | models.Q(year=models.functions.ExtractYear("published_on")),
                name="resources_source_year_matches_date",
                violation_error_message="year must match the year of published_on.",
            ),
        ]

    def __str__(self):
        return self.title


class Citation(TimestampedModel):
    """One source backing one record: where in the source, and what it supports."""

    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="citations",
        help_text="The cited source.",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    locator = models.CharField(
        max_length=100, help_text="Where in the source, e.g. 'para 12' or 'p. 4'."
    )
    claim = models.TextField(help_text="The claim it supports, in the project's own words.")
    search_vector = search_vector(("claim", "B"))

    class Meta:
        ordering = ["content_type_id", "object_id", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            GinIndex(fields=["search_vector"], name="citation_search_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "source", "locator", "claim"],
                name="resources_citation_unique_per_record",
                violation_error_message="This record already cites that passage for that claim.",
            ),
        ]

    def __str__(self):
        return f"{self.source} ({self.locator})"
