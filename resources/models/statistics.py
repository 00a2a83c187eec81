from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Coalesce

from ..choices import CountingMethod, Measure, Metric, Unit
from .base import (
    CuratedModel,
    ReportedQuantity,
    curated_constraints,
    curated_indexes,
    ordered_constraint,
    publish_permission,
    search_vector,
)

# Latest first, by the period's end or, for open periods, its start; undated last.
LATEST_FIRST = (
    Coalesce("period_end", "period_start").desc(nulls_last=True),
    models.F("period_start").desc(nulls_last=True),
)


class Statistic(CuratedModel, ReportedQuantity):
    """One reported emigration figure, from one source, for one period.

    Reports of the same quantity by different sources stay separate records: they are
    never merged or summed, and ``measure`` says whether a number is a flow, a stock, a
    cumulative count or a rate.
    """

    slug = models.SlugField(
        max_length=120,
        unique=True,
        help_text="Stable key, e.g. 'georgia-arrivals-2022-first-weeks'.",
    )
    origin = models.ForeignKey(
        "resources.Country",
        on_delete=models.PROTECT,
        default="RU",
        related_name="statistics_as_origin",
        help_text="Country people left (alpha-2 code; defaults to RU).",
    )
    destination = models.ForeignKey(
        "resources.Country",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statistics_as_destination",
        help_text="Country people went to (alpha-2 code); empty means abroad, all destinations.",
    )
    exile_group = models.ForeignKey(
        "resources.ExileGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statistics",
        help_text="The group of exiles counted, if the figure is about one group (slug).",
    )
    metric = models.CharField(max_length=24, choices=Metric.choices, help_text="What is counted.")
    unit = models.CharField(max_length=24, choices=Unit.choices, help_text="Unit of the value.")
    measure = models.CharField(
        max_length=16,
        choices=Measure.choices,
        help_text="What the number measures: a flow, a stock, a cumulative count or a rate.",
    )
    counting_method = models.CharField(
        max_length=24,
        choices=CountingMethod.choices,
        default=CountingMethod.UNSPECIFIED,
        help_text="How the figure was arrived at, as far as the source says.",
    )
    period_start = models.DateField(
        null=True, blank=True, help_text="First day of the period the figure covers."
    )
    period_end = models.DateField(
        null=True, blank=True, help_text="Last day of the period (empty: open or not stated)."
    )
    is_historical = models.BooleanField(
        default=False, help_text="True for earlier waves of emigration (1920s, Cold War, ...)."
    )
    notes = models.TextField(blank=True, help_text="Caveats and context of the figure.")
    search_vector = search_vector(("slug", "B"), ("notes", "B"))

    class Meta(ReportedQuantity.Meta):
        ordering = [*LATEST_FIRST, "id"]
        permissions = [publish_permission("statistic", "statistics")]
        constraints = [
            *curated_constraints("statistic"),
            *ReportedQuantity.Meta.constraints,
            ordered_constraint("period_start", "period_end", "resources_statistic_period_ordered"),
        ]
        indexes = [
            *curated_indexes("statistic"),
            # Covering: a filtered list's count, Last-Modified and page of ids are read from
            # the index alone (index-only scans), without visiting every matching row.
            models.Index(
                fields=["destination", "period_start"],
                include=["id", "period_end", "publication_status", "updated_at"],
                name="statistic_dest_period_idx",
            ),
            # A destination's latest figures (the country profile, a list by destination) read
            # in order from the index, the first page without sorting every figure.
            models.Index(
                models.F("destination"), *LATEST_FIRST, "id", name="statistic_dest_latest_idx"
            ),
            models.Index(fields=["metric"], name="statistic_metric_idx"),
            GinIndex(fields=["search_vector"], name="statistic_search_idx"),
        ]

    def __str__(self):
        where = self.destination_id or "abroad"
        return f"{self.get_metric_display()} {self.origin_id}→{where}: {self.value}"

    def field_errors(self):
        errors = super().field_errors()
        if self.destination_id is not None and self.destination_id == self.origin_id:
            errors["destination"] = "Must differ from origin."
        return errors
