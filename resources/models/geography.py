from django.contrib.postgres.indexes import GinIndex
from django.db import models

from .base import NAME_COLLATION, TimestampedModel, search_vector


class Country(TimestampedModel):
    """An ISO 3166-1 country, keyed by its alpha-2 code (loaded from pycountry, never typed)."""

    code = models.CharField(
        primary_key=True, max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. 'AM'."
    )
    alpha3 = models.CharField(max_length=3, unique=True, help_text="ISO 3166-1 alpha-3 code.")
    name = models.CharField(
        max_length=100, db_collation=NAME_COLLATION, help_text="English short name (ISO 3166-1)."
    )
    name_ru = models.CharField(
        max_length=100,
        blank=True,
        db_collation=NAME_COLLATION,
        help_text="Name in Russian, if known.",
    )
    region = models.CharField(
        max_length=32, blank=True, help_text="Continent, as GeoNames assigns it (e.g. 'Europe')."
    )
    search_vector = search_vector(("name", "A"), ("name_ru", "A"), ("code", "A"))

    class Meta:
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["search_vector"], name="country_search_idx"),
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="country_name_trgm_idx"),
        ]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z]{2}$"),
                name="resources_country_code_upper_alpha2",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"
