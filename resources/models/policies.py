from django.contrib.postgres.fields import DateRangeField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.db import models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.functions import Cast

from ..choices import PolicyStatus, PolicyTopic, Stance
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


def in_force_period():
    """The days a policy is in force, as a ``daterange`` (both ends included): the one
    expression both ``in_force_on`` and the GiST index ``hostpolicy_in_force_idx`` use, so
    that the filter is answered by the index (a containment test, not an OR over nullable
    dates).

    A dated policy counts from ``effective_from`` until ``effective_to`` (open if empty,
    unless the policy is marked repealed or suspended: when it stopped is unknown, so it is
    not claimed to be in force on any day). A policy without a start counts only when it is
    marked in force and is not historical: the sources describe it as current without saying
    since when. A null bound of a range is infinite.
    """
    never = Cast(Value("empty"), output_field=DateRangeField())
    return Case(
        When(
            Q(effective_from__isnull=True) & ~Q(status=PolicyStatus.IN_FORCE, is_historical=False),
            then=never,
        ),
        When(
            Q(effective_to__isnull=True)
            & Q(status__in=[PolicyStatus.REPEALED, PolicyStatus.SUSPENDED]),
            then=never,
        ),
        default=Func(
            F("effective_from"),
            F("effective_to"),
            Value("[]"),
            function="daterange",
            output_field=DateRangeField(),
        ),
        output_field=DateRangeField(),
    )


class HostPolicyQuerySet(models.QuerySet):
    def in_force_on(self, day):
        """Policies in effect on ``day`` (see ``in_force_period``)."""
        return self.alias(in_force_period=in_force_period()).filter(in_force_period__contains=day)

    def not_in_force_on(self, day):
        """Policies not in effect on ``day``: the others (a policy's period is never null)."""
        return self.alias(in_force_period=in_force_period()).exclude(in_force_period__contains=day)

    def in_force_as_reported(self):
        """Policies in effect as of the latest source each cites (``resources.reported``): on
        the last day its newest source may stand for. Not "today": the sources do not say
        what happened since. A policy citing no dated source is not."""
        return self._as_reported().filter(in_force_period__contains=F("last_day_reported"))

    def not_in_force_as_reported(self):
        """The others: not in effect as of the latest source, or with no dated source."""
        return self._as_reported().filter(
            Q(last_day_reported__isnull=True) | ~Q(in_force_period__contains=F("last_day_reported"))
        )

    def _as_reported(self):
        from ..reported import last_day_reported_sql  # the module imports the models

        return self.alias(
            in_force_period=in_force_period(),
            last_day_reported=last_day_reported_sql(HostPolicy),
        )


class HostPolicy(CuratedModel, CitedModel):
    """A country's policy or stance towards exiles from Russia, with its dates and status."""

    slug = models.SlugField(
        max_length=120, unique=True, help_text="Stable key, e.g. 'armenia-it-company-registration'."
    )
    country = models.ForeignKey(
        "resources.Country",
        on_delete=models.PROTECT,
        related_name="policies",
        help_text="Country whose policy it is (alpha-2 code).",
    )
    title = models.CharField(
        max_length=200, db_collation=NAME_COLLATION, help_text="Short title of the policy."
    )
    topic = models.CharField(
        max_length=32, choices=PolicyTopic.choices, help_text="What the policy is about."
    )
    stance = models.CharField(
        max_length=16, choices=Stance.choices, help_text="Its stance towards exiles."
    )
    title_ru = models.CharField(
        max_length=200, blank=True, db_collation=NAME_COLLATION, help_text="Title in Russian."
    )
    summary = models.TextField(help_text="What it does, in plain words.")
    summary_ru = models.TextField(blank=True, help_text="Summary in Russian, if any.")
    conditions = models.TextField(
        blank=True, help_text="Conditions attached, e.g. a duty to hire local staff."
    )
    exile_groups = models.ManyToManyField(
        "resources.ExileGroup",
        blank=True,
        related_name="policies",
        help_text="Groups of exiles it concerns (slugs); empty means all.",
    )
    nationalities = models.ManyToManyField(
        "resources.Country",
        blank=True,
        related_name="policies_concerning",
        help_text="Nationalities it concerns (alpha-2 codes).",
    )
    status = models.CharField(
        max_length=16, choices=PolicyStatus.choices, help_text="Where the policy stands."
    )
    legal_reference = models.CharField(
        max_length=300, blank=True, help_text="Law or decree, if known."
    )
    announced_on = models.DateField(null=True, blank=True, help_text="Date announced, if known.")
    effective_from = models.DateField(
        null=True, blank=True, help_text="Date it took effect, if known."
    )
    effective_to = models.DateField(
        null=True, blank=True, help_text="Date it ended (empty: still in force, or not known)."
    )
    search_vector = search_vector(
        ("title", "A"),
        ("title_ru", "A"),
        ("summary", "B"),
        ("summary_ru", "B"),
        ("conditions", "C"),
    )
    is_historical = models.BooleanField(
        default=False, help_text="True for policies of earlier eras (1920s, Cold War, ...)."
    )

    objects = HostPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["country_id", "title", "id"]
        indexes = [
            *curated_indexes("hostpolicy"),
            GinIndex(fields=["search_vector"], name="hostpolicy_search_idx"),
            GinIndex(
                fields=["title"], opclasses=["gin_trgm_ops"], name="hostpolicy_title_trgm_idx"
            ),
            # in_force_on, with or without a country (btree_gist puts the country's equality
            # in the same GiST index as the period's containment).
            GistIndex(F("country"), in_force_period(), name="hostpolicy_in_force_idx"),
        ]
        verbose_name = "host policy"
        verbose_name_plural = "host policies"
        permissions = [publish_permission("hostpolicy", "host policies")]
        constraints = [
            *curated_constraints("hostpolicy"),
            ordered_constraint(
                "effective_from", "effective_to", "resources_hostpolicy_effective_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.country_id}: {self.title}"
