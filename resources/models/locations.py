from django.db import models
from django.db.models import Q

from .base import CitedModel, ordered_constraint


class Location(CitedModel):
    """Where an outlet or an organization was based, and when: the record of its moves.

    Exactly one of ``media_outlet`` and ``organization`` is set.
    """

    media_outlet = models.ForeignKey(
        "resources.MediaOutlet",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="locations",
    )
    organization = models.ForeignKey(
        "resources.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="locations",
    )
    country = models.ForeignKey(
        "resources.Country",
        on_delete=models.PROTECT,
        related_name="locations",
        help_text="Country (alpha-2 code).",
    )
    city = models.CharField(max_length=100, blank=True, help_text="City, if known.")
    start_date = models.DateField(null=True, blank=True, help_text="Moved there on, if known.")
    end_date = models.DateField(null=True, blank=True, help_text="Left on, if it has and known.")
    start_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year it moved there, when only the year is known."
    )
    end_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year it left, when only the year is known."
    )
    notes = models.TextField(blank=True, help_text="Context of the move.")

    class Meta:
        ordering = ["start_year", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(media_outlet__isnull=True, organization__isnull=False)
                | Q(media_outlet__isnull=False, organization__isnull=True),
                name="resources_location_exactly_one_owner",
                violation_error_message="A location belongs to one outlet or one organization.",
            ),
            ordered_constraint("start_date", "end_date", "resources_location_dates_ordered"),
            ordered_constraint("start_year", "end_year", "resources_location_years_ordered"),
        ]

    def __str__(self):
        place = f"{self.city}, {self.country_id}" if self.city else self.country_id
        return f"{self.media_outlet or self.organization} in {place}"
