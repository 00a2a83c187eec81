from django.contrib.postgres.fields import ArrayField
from django.db import models

from ..choices import AudienceMetric, OutletKind, Platform
from .base import (
    NAME_COLLATION,
    CitedModel,
    ExileBody,
    ReportedQuantity,
    curated_constraints,
    curated_indexes,
    exile_body_indexes,
    ordered_constraint,
    publish_permission,
)


class MediaOutlet(ExileBody):
    """An exile media outlet, or a kind of channel exiles publish on that the sources describe."""

    name = models.CharField(
        max_length=200,
        db_collation=NAME_COLLATION,
        help_text="Name of the outlet, or a plain description.",
    )
    kind = models.CharField(max_length=24, choices=OutletKind.choices, help_text="Kind of outlet.")
    description = models.TextField(blank=True, help_text="What it publishes and for whom.")
    country = models.ForeignKey(
        "resources.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="media_outlets",
        help_text="Country it is based in now (alpha-2 code), if known.",
    )
    languages = ArrayField(
        models.CharField(max_length=8),
        default=list,
        blank=True,
        help_text="Languages it publishes in, as ISO 639-1 codes (e.g. ['ru']).",
    )
    active_from_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year it started, if known."
    )
    active_to_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year it stopped, if it has."
    )
    affiliated_organization = models.ForeignKey(
        "resources.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="media_outlets",
        help_text="Organization it belongs to or was set up by (slug), if any.",
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            *curated_indexes("mediaoutlet"),
            *exile_body_indexes("mediaoutlet"),
        ]
        permissions = [publish_permission("mediaoutlet", "media outlets")]
        constraints = [
            *curated_constraints("mediaoutlet"),
            ordered_constraint(
                "active_from_year", "active_to_year", "resources_mediaoutlet_years_ordered"
            ),
        ]


class Channel(CitedModel):
    """A platform an outlet publishes on (its YouTube channel, its website, its radio band)."""

    media_outlet = models.ForeignKey(MediaOutlet, on_delete=models.CASCADE, related_name="channels")
    platform = models.CharField(max_length=24, choices=Platform.choices, help_text="Platform.")
    handle = models.CharField(max_length=200, blank=True, help_text="Handle on it, if known.")
    web_url = models.URLField(max_length=500, blank=True, help_text="Address of it, if known.")
    blocked_in_russia = models.BooleanField(
        null=True, blank=True, help_text="Whether it is blocked in Russia (empty: not known)."
    )
    blocked_since = models.DateField(
        null=True, blank=True, help_text="Date it was blocked in Russia, if known."
    )
    notes = models.TextField(blank=True, help_text="Context, e.g. how it is reached from Russia.")

    class Meta:
        ordering = ["media_outlet_id", "platform", "id"]
        constraints = [
            models.CheckConstraint(
                # Spelled out so that an unknown (NULL) blocked_in_russia fails the check too.
                condition=models.Q(blocked_since__isnull=True)
                | models.Q(blocked_in_russia__isnull=False, blocked_in_russia=True),
                name="resources_channel_blocked_since_needs_blocked",
                violation_error_message="blocked_since is only for channels blocked in Russia.",
            ),
        ]

    def __str__(self):
        return f"{self.media_outlet} on {self.get_platform_display()}"

    def field_errors(self):
        errors = super().field_errors()
        if self.blocked_since is not None and self.blocked_in_russia is not True:
            errors["blocked_since"] = (
                "Only for channels blocked in Russia (blocked_in_russia=true)."
            )
        return errors


class AudienceFigure(ReportedQuantity):
    """A reported audience of a channel: subscribers, views, people reached."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="audience_figures")
    metric = models.CharField(
        max_length=24, choices=AudienceMetric.choices, help_text="What is counted."
    )
    as_of = models.DateField(null=True, blank=True, help_text="Date of the figure, if known.")
    notes = models.TextField(blank=True, help_text="Caveats and context of the figure.")

    class Meta(ReportedQuantity.Meta):
        ordering = ["channel_id", "metric", "id"]

    def __str__(self):
        return f"{self.get_metric_display()}: {self.value}"
