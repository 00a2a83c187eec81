"""Abstract building blocks shared by the concrete models."""

from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from ..choices import PublicationStatus, Qualifier, RecordStatus

# Names sort as people expect ("Åland Islands" next to "Albania"), not by byte value. The
# ICU root collation ships with the PostgreSQL builds of Debian and of the official image.
NAME_COLLATION = "und-x-icu"


def search_vector(*fields):
    """A stored full-text vector over the record's own text, kept in sync by PostgreSQL.

    ``fields`` are (field name, weight A-D); fields ending in ``_ru`` are analysed as Russian,
    the others as English (stemming: "organizations" finds "organization").
    """
    vector = None
    for name, weight in fields:
        config = "russian" if name.endswith("_ru") else "english"
        part = SearchVector(name, weight=weight, config=config)
        vector = part if vector is None else vector + part
    return models.GeneratedField(
        expression=vector, output_field=SearchVectorField(), db_persist=True
    )


class TimestampedModel(models.Model):
    """Adds created/updated timestamps, set by the database layer, never by clients."""

    created_at = models.DateTimeField(auto_now_add=True, help_text="When the record was created.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When the record was last changed.")

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        errors = self.field_errors()
        if errors:
            # "inconsistent": fields valid one by one that contradict each other.
            raise ValidationError(
                {
                    name: ValidationError(message, code="inconsistent")
                    for name, message in errors.items()
                }
            )

    def field_errors(self):
        """Cross-field checks, as {field: message}; subclasses extend the parent's dict."""
        errors = {}
        for constraint in self._meta.constraints:
            if isinstance(constraint, OrderedFieldsConstraint):
                start = getattr(self, constraint.start_field)
                end = getattr(self, constraint.end_field)
                if start is not None and end is not None and end < start:
                    errors[constraint.end_field] = (
                        f"Must not be earlier than {constraint.start_field}."
                    )
        return errors


class CuratedModel(models.Model):
    """A record editors curate: it goes draft -> in review -> published -> retracted.

    Only published and retracted records are public (``resources.editorial.workflow`` says who sees
    what and who may move a record on). Retracted records are never deleted: they stay, with
    the reason and date, so that whoever relied on them learns they were withdrawn.
    Nested records (channels, locations, citations, ...) share their parent's status.
    """

    publication_status = models.CharField(
        max_length=16,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
        help_text="Editorial status: draft, in_review, published or retracted. Changed only "
        "through the workflow actions (submit, return, publish, retract).",
    )
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When the record was first published."
    )
    retracted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the record was retracted, if it was."
    )
    retraction_reason = models.TextField(
        blank=True, help_text="Why the record was retracted, if it was."
    )

    # Fields only editors see: never in anonymous JSON, CSV, history, the changes feed or
    # the public dataset export.
    SENSITIVE_FIELDS: tuple[str, ...] = ()
    # Declared for the type checker only: each curated model has a unique slug field of its
    # own, the key the history and the dataset know a record by.
    slug: str

    class Meta:
        abstract = True

    @property
    def is_public(self) -> bool:
        return self.publication_status in PUBLIC_STATUSES


PUBLIC_STATUSES = (PublicationStatus.PUBLISHED, PublicationStatus.RETRACTED)
# A curated record's place in the workflow: shown by the API and the admin, kept by a full
# export, changed only by the workflow's actions.
WORKFLOW_FIELDS = ("publication_status", "published_at", "retracted_at", "retraction_reason")


def curated_constraints(model_name):
    """The database's guard of the workflow: a retraction always has its reason and date."""
    retracted = Q(publication_status=PublicationStatus.RETRACTED)
    return [
        models.CheckConstraint(
            condition=~retracted | (Q(retracted_at__isnull=False) & ~Q(retraction_reason="")),
            name=f"resources_{model_name}_retraction_explained",
            violation_error_message="A retracted record needs a retraction reason and date.",
        ),
        models.CheckConstraint(
            condition=Q(publication_status__in=PUBLIC_STATUSES) | Q(published_at__isnull=True),
            name=f"resources_{model_name}_unpublished_undated",
            violation_error_message="Only a published or retracted record has published_at.",
        ),
    ]


def curated_indexes(model_name):
    """The newest retraction, read by every list's Last-Modified, from an index of the few
    retracted records rather than a scan of the table."""
    return [
        models.Index(
            fields=["-retracted_at"],
            condition=Q(retracted_at__isnull=False),
            name=f"{model_name}_retracted_idx",
        )
    ]


def exile_body_indexes(model_name):
    """The indexes an outlet's or an organization's table shares (``ExileBody``): a
    country's records by name (the country profile, a list by country: the first page read in
    order, the count and Last-Modified from the index alone), full-text search, and typo
    tolerance on name and city."""
    return [
        models.Index(
            fields=["country", "name", "id"],
            include=["publication_status", "updated_at"],
            name=f"{model_name}_country_name_idx",
        ),
        GinIndex(fields=["search_vector"], name=f"{model_name}_search_idx"),
        GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name=f"{model_name}_name_trgm_idx"),
        GinIndex(fields=["city"], opclasses=["gin_trgm_ops"], name=f"{model_name}_city_trgm_idx"),
    ]


def publish_permission(model_name, plural):
    """The per-model right reviewers hold: publish, retract, and edit what is published."""
    return (f"publish_{model_name}", f"Can publish, retract and edit published {plural}")


class CitedModel(TimestampedModel):
    """A record whose facts are backed by citations of sources."""

    citations = GenericRelation("resources.Citation", related_query_name="%(class)s")

    class Meta:
        abstract = True


class ExileBody(CuratedModel, CitedModel):
    """An organization or media outlet of the exile: named in Russian too, based in a city,
    operating or not, with contact details and notes only editors see.

    Each subclass declares its own ``name``, ``kind``, ``description`` and ``country``: their
    help texts, choices and reverse names differ. The search vector reads ``name`` and
    ``description`` from there.
    """

    slug = models.SlugField(max_length=120, unique=True, help_text="Stable key used in URLs.")
    name_ru = models.CharField(
        max_length=200, blank=True, db_collation=NAME_COLLATION, help_text="Name in Russian."
    )
    description_ru = models.TextField(blank=True, help_text="Description in Russian, if any.")
    city = models.CharField(max_length=100, blank=True, help_text="City it is based in, if known.")
    status = models.CharField(
        max_length=16,
        choices=RecordStatus.choices,
        default=RecordStatus.UNKNOWN,
        help_text="Whether it operates, as of its most recent source.",
    )
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

    SENSITIVE_FIELDS = ("contact_details", "internal_notes")

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class ReportedQuantity(CitedModel):
    """A figure as a source reports it: a value, an optional range and the source's hedge.

    "At least 100,000" is value=100000, qualifier=at_least; "hundreds of thousands" is
    value=100000, value_low=100000, value_high=999999, qualifier=order_of_magnitude.
    """

    value = models.DecimalField(
        max_digits=16, decimal_places=2, help_text="The figure as reported (non-negative)."
    )
    value_low = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Lower end of the reported range, if the source gives or implies one.",
    )
    value_high = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Upper end of the reported range, if the source gives or implies one.",
    )
    qualifier = models.CharField(
        max_length=24,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        help_text="How the source hedges the figure ('at least', 'about', ...).",
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0)
                & (Q(value_low__isnull=True) | Q(value_low__gte=0))
                & (Q(value_high__isnull=True) | Q(value_high__gte=0)),
                name="%(app_label)s_%(class)s_values_non_negative",
                violation_error_message="Figures cannot be negative.",
            ),
            models.CheckConstraint(
                condition=(Q(value_low__isnull=True) | Q(value_low__lte=F("value")))
                & (Q(value_high__isnull=True) | Q(value_high__gte=F("value"))),
                name="%(app_label)s_%(class)s_value_within_range",
                violation_error_message="The value must lie between value_low and value_high.",
            ),
        ]

    def field_errors(self):
        errors = super().field_errors()
        for field in ("value", "value_low", "value_high"):
            number = getattr(self, field)
            if number is not None and number < 0:
                errors[field] = "Must not be negative."
        if self.value is not None:
            if self.value_low is not None and self.value_low > self.value:
                errors.setdefault("value_low", "Must not be greater than value.")
            if self.value_high is not None and self.value_high < self.value:
                errors.setdefault("value_high", "Must not be less than value.")
        return errors


class OrderedFieldsConstraint(models.CheckConstraint):
    """``end_field`` empty or not before ``start_field``.

    The database enforces it; ``TimestampedModel.field_errors`` repeats it with a message on
    ``end_field`` for forms and the API, so each pair is declared once, in Meta.constraints.
    """

    def __init__(self, start_field, end_field, name):
        self.start_field, self.end_field = start_field, end_field
        super().__init__(
            condition=Q(**{f"{start_field}__isnull": True})
            | Q(**{f"{end_field}__isnull": True})
            | Q(**{f"{end_field}__gte": F(start_field)}),
            name=name,
            violation_error_message=f"{end_field} must not be earlier than {start_field}.",
        )

    def clone(self):
        return OrderedFieldsConstraint(self.start_field, self.end_field, self.name)

    def deconstruct(self):
        # Migrations see the plain check constraint it is.
        _path, args, kwargs = super().deconstruct()
        return "django.db.models.CheckConstraint", args, kwargs


def ordered_constraint(start_field, end_field, name):
    return OrderedFieldsConstraint(start_field, end_field, name)
