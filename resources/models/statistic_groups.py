from django.contrib.postgres.fields import ArrayField
from django.db import models

# The columns a finest group is keyed by, in the order the summary sorts groups by.
GROUP_KEY_COLUMNS = (
    "destination_id",
    "exile_group_id",
    "origin_id",
    "metric",
    "unit",
    "measure",
    "is_historical",
)


class StatisticGroup(models.Model):
    """The published statistics of one finest summary group, maintained by PostgreSQL.

    One row per (destination, exile group, origin, metric, unit, measure, historical or not)
    that has published statistics. Triggers on the statistics and citations tables
    (migration 0015) recompute the groups a statement touches, in the same transaction, so
    that every write path (API, admin, imports, reverts, raw SQL) keeps it exact. Never
    written by the application; ``resources.summaries`` reads it.

    A row holds what coarser groupings need to be computed exactly from it: the number of
    reports, the distinct cited sources (ids, to count distinct across rows), and each
    winning record (latest, lowest, highest) with its sort key.
    """

    origin = models.ForeignKey(
        "resources.Country",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text="Origin country of the group's statistics.",
    )
    destination = models.ForeignKey(
        "resources.Country",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        help_text="Destination country; null: abroad, all destinations.",
    )
    exile_group = models.ForeignKey(
        "resources.ExileGroup",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        help_text="Exile group; null: none.",
    )
    metric = models.CharField(max_length=24, help_text="What is counted.")
    unit = models.CharField(max_length=24, help_text="Unit of the values.")
    measure = models.CharField(max_length=16, help_text="Flow, stock, cumulative, rate, share.")
    is_historical = models.BooleanField(help_text="Historical or recent figures.")
    reports = models.PositiveIntegerField(help_text="How many published statistics.")
    source_ids = ArrayField(
        models.BigIntegerField(), help_text="The distinct sources their citations cite."
    )
    latest_id = models.BigIntegerField(help_text="The latest statistic (Statistic's ordering).")
    latest_end = models.DateField(null=True, help_text="Its period's end, or start if open.")
    latest_start = models.DateField(null=True, help_text="Its period's start.")
    lowest_id = models.BigIntegerField(help_text="The lowest value's statistic (lowest id).")
    lowest_value = models.DecimalField(max_digits=16, decimal_places=2, help_text="Its value.")
    highest_id = models.BigIntegerField(help_text="The highest value's statistic (lowest id).")
    highest_value = models.DecimalField(max_digits=16, decimal_places=2, help_text="Its value.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=[name.removesuffix("_id") for name in GROUP_KEY_COLUMNS],
                nulls_distinct=False,
                name="statistic_group_key_unique",
            )
        ]

    def __str__(self):
        where = self.destination_id or "abroad"
        return f"{self.metric} {self.origin_id}→{where}: {self.reports} reports"
