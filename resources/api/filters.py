"""One FilterSet per resource. Invalid values are a 400 naming the parameter, never ignored.

Multi-valued parameters take several values either repeated (``?destination=GE&destination=AM``)
or comma-separated (``?destination=GE,AM``), at most ``MAX_FILTER_VALUES`` of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import django_filters as filters
from django import forms
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError

from ..choices import (
    Measure,
    Metric,
    OrganizationKind,
    OutletKind,
    Platform,
    PolicyStatus,
    PolicyTopic,
    PublicationStatus,
    Qualifier,
    RecordStatus,
    SourceKind,
    Stance,
)
from ..models import (
    Citation,
    Country,
    ExileGroup,
    HostPolicy,
    MediaOutlet,
    Organization,
    Source,
    Statistic,
)
from ..models.base import CuratedModel
from ..models.policies import HostPolicyQuerySet
from ..registry import CITING_TYPES
from ..visibility import published, readable_citations, visible

if TYPE_CHECKING:  # for annotations only: DRF's settings import this module as views load
    from django.http import HttpRequest
    from django.utils.datastructures import MultiValueDict
    from rest_framework.request import Request
    from rest_framework.views import APIView

    # What CappedValuesMixin is mixed into, as the type checker sees it (at run time, object).
    _FormField = forms.Field
else:
    _FormField = object

R = TypeVar("R", bound=Model)

MAX_FILTER_VALUES = 50


class StrictOrderingFilter(drf_filters.OrderingFilter):
    """``ordering=`` over the view's whitelisted fields; anything else is a 400, not ignored."""

    def get_ordering(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> Sequence[str] | None:
        params = request.query_params.get(self.ordering_param)
        if params:
            terms = [term.strip() for term in params.split(",") if term.strip()]
            allowed = {name for name, _label in self.get_valid_fields(queryset, view)}
            unknown = [term for term in terms if term.removeprefix("-") not in allowed]
            if unknown:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"Unknown field(s) {', '.join(unknown)}; "
                            f"choose from {', '.join(sorted(allowed))}."
                        ]
                    }
                )
        ordering = super().get_ordering(request, queryset, view)
        if params and ordering and not {"pk", "id", "-pk", "-id"} & set(ordering):
            # Records equal on the fields asked for in a stable order (by id): without it,
            # PostgreSQL may order ties differently from one query plan to the next, and a
            # record could show on two pages, or on none.
            ordering = [*ordering, "pk"]
        return ordering

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        [parameter] = super().get_schema_operation_parameters(view)
        fields = ", ".join(getattr(view, "ordering_fields", None) or [])
        parameter["description"] = (
            f"Order by one or more of: {fields} (comma-separated; a leading - for descending)."
        )
        return [parameter]


# Form fields: parsing and validating one parameter -----------------------------------------


class SeveralValuesWidget(forms.SelectMultiple):
    """Reads ``?p=a&p=b`` and ``?p=a,b`` alike."""

    def value_from_datadict(
        self, data: Mapping[str, Any], files: MultiValueDict[str, Any], name: str
    ) -> list[str]:
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
        return [part.strip() for value in values for part in value.split(",") if part.strip()]


class CappedValuesMixin(_FormField):
    """Refuses more than MAX_FILTER_VALUES values: a filter is not a bulk download."""

    def clean(self, value: Any) -> Any:
        if value and len(value) > MAX_FILTER_VALUES:
            raise forms.ValidationError(f"At most {MAX_FILTER_VALUES} values.", code="too_many")
        return super().clean(value)


class ChoicesField(CappedValuesMixin, forms.MultipleChoiceField):
    pass


class KeysField(CappedValuesMixin, forms.ModelMultipleChoiceField):
    def clean(self, value: Any) -> Any:
        if not value and not self.required:
            # No filter. (Django's answer, an empty queryset, is tested for truth by the
            # filter: a query compiled for nothing, a millisecond per filter per request.)
            return []
        return super().clean(value)


class CountryCodesField(KeysField):
    def clean(self, value: Any) -> Any:
        return super().clean([code.upper() for code in value] if value else value)


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is an error rather than 'no filter'."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError("Must be true or false.", code="invalid") from None


class IsoDateField(forms.DateField):
    """YYYY-MM-DD only: not the formats of the active language (01.06.2022, 06/01/2022)."""

    input_formats = ["%Y-%m-%d"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": "Enter a date as YYYY-MM-DD."})
        super().__init__(*args, **kwargs)


class DateRangeField(forms.Field):
    """``START,END`` as two ISO dates, START not after END."""

    def to_python(self, value: Any) -> tuple[date, date] | None:
        if value in (None, ""):
            return None
        parts = [part.strip() for part in str(value).split(",")]
        if len(parts) != 2:
            raise forms.ValidationError("Give two dates: START,END (YYYY-MM-DD).", code="invalid")
        start, end = (IsoDateField().clean(part) for part in parts)
        if end < start:
            raise forms.ValidationError("END must not be before START.", code="inconsistent")
        return start, end


# Filters: turning a parameter into a query -------------------------------------------------


class ChoicesFilter(filters.MultipleChoiceFilter):
    field_class = ChoicesField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", SeveralValuesWidget)
        super().__init__(*args, **kwargs)


class KeysFilter(filters.ModelMultipleChoiceFilter):
    """Related records by natural key (slug by default)."""

    field_class = KeysField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", SeveralValuesWidget)
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)

    def get_filter_predicate(self, value: Model) -> dict[str, Any]:
        # django-filter compares the relation with the natural key; compare primary keys.
        return {self.field_name: value.pk}

    def filter(self, qs: QuerySet[R], value: Any) -> QuerySet[R]:
        # Only a many-to-many relation can match one record twice: elsewhere DISTINCT would
        # only make PostgreSQL sort every match, over every column, before the page.
        relation = qs.model._meta.get_field(self.field_name.split("__")[0])
        self.distinct = relation.many_to_many or relation.one_to_many
        return super().filter(qs, value)


class CountryCodeFilter(KeysFilter):
    """Countries by alpha-2 code, case-insensitive."""

    field_class = CountryCodesField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Country.objects.all())
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class YearField(forms.IntegerField):
    """A year from 1 to 9999: what dates can hold (year=0 would fail in the database)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=9999, **kwargs)


class YearFilter(filters.NumberFilter):
    """A whole year: 2022.5 is an error, not 2022."""

    field_class = YearField


class DateFilter(filters.DateFilter):
    field_class = IsoDateField


class DateRangeFilter(filters.CharFilter):  # a string in the OpenAPI schema
    field_class = DateRangeField


def active_in_year(
    queryset: QuerySet[R], start_field: str, end_field: str, year: int
) -> QuerySet[R]:
    """Records whose start year is not after ``year`` and end year not before it; records with
    neither year count only when they are marked active."""
    started = Q(**{f"{start_field}__isnull": True}) | Q(**{f"{start_field}__lte": year})
    not_ended = Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": year})
    undated = Q(**{f"{start_field}__isnull": True, f"{end_field}__isnull": True})
    return queryset.filter(started & not_ended).exclude(undated & ~Q(status=RecordStatus.ACTIVE))


# FilterSets ----------------------------------------------------------------------------


class StrictFilterSet(filters.FilterSet):
    """A parameter that takes one value given twice is an error (which one would count?), and
    so is a parameter given without a value."""

    # Each filterset's form class for anonymous clients, built once per process: they all may
    # read the same records, so their filters' choices are the same, and building the form's
    # fields costs about 2 ms a request. Other clients' choices depend on what they may read.
    _anonymous_form_classes: ClassVar[dict[type[StrictFilterSet], type[forms.Form]]] = {}

    def get_form_class(self) -> type[forms.Form]:
        if self.request is None or self.request.user.is_authenticated:
            return super().get_form_class()
        form_class = self._anonymous_form_classes.get(type(self))
        if form_class is None:
            form_class = self._anonymous_form_classes[type(self)] = super().get_form_class()
        return form_class

    def is_valid(self) -> bool:
        valid = super().is_valid()
        # The form's fields: a filter's own (declared.field) would be built anew per request.
        for name, field in self.form.fields.items():
            several = isinstance(field.widget, SeveralValuesWidget)
            values = self.data.getlist(name)
            if not several and len(values) > 1:
                self.form.add_error(name, "Give this parameter once.")
                valid = False
            elif values and not any(value.strip(" ,") for value in values):
                # ?destination= is not "every destination": the client meant a value.
                self.form.add_error(
                    name,
                    forms.ValidationError("Give a value, or leave the parameter out.", "blank"),
                )
                valid = False
        return valid


class CuratedFilterSet(StrictFilterSet):
    """A curated resource's list: published records, unless ``publication_status`` asks for
    others (which only readers of drafts get, besides retracted ones)."""

    publication_status = ChoicesFilter(
        choices=PublicationStatus.choices,
        help_text="Editorial status(es) to list (default: published). Drafts and records in "
        "review are listed only for editors; retracted ones for everyone.",
    )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.form.cleaned_data.get("publication_status"):
            queryset = published(queryset)
        return super().filter_queryset(queryset)


def visible_to_request(
    model: type[CuratedModel],
) -> Callable[[HttpRequest | Request | None], QuerySet[Any]]:
    """A filter's choices: the records of ``model`` the client may read (a draft's slug is
    not a valid value for anyone else)."""
    # _default_manager: a model class's manager, typed (each model here has one, objects).
    return lambda request: visible(model._default_manager.all(), request)


class CountryFilterSet(StrictFilterSet):
    region = filters.CharFilter(
        field_name="region", lookup_expr="iexact", help_text="Continent, e.g. Europe."
    )
    name = filters.CharFilter(
        field_name="name", lookup_expr="icontains", help_text="Part of the English name."
    )

    class Meta:
        model = Country
        fields = ["region", "name"]


class ExileGroupFilterSet(CuratedFilterSet):
    class Meta:
        model = ExileGroup
        fields: list[str] = []


class SourceFilterSet(CuratedFilterSet):
    kind = ChoicesFilter(choices=SourceKind.choices, help_text="Kind(s) of work.")
    year = YearFilter(
        method="filter_year", help_text="Published in this year (by year or publication date)."
    )
    cited_by = filters.ChoiceFilter(
        choices=[(name, name) for name in CITING_TYPES],
        method="filter_cited_by",
        help_text="Only sources that records of this type cite.",
    )

    class Meta:
        model = Source
        fields = ["kind", "year", "cited_by"]

    def filter_year(self, queryset: QuerySet[Source], name: str, value: int) -> QuerySet[Source]:
        return queryset.filter(Q(year=value) | Q(published_on__year=value))

    def filter_cited_by(
        self, queryset: QuerySet[Source], name: str, value: str
    ) -> QuerySet[Source]:
        model = CITING_TYPES[value]
        citations = Citation.objects.filter(
            readable_citations(self.request, [model]), source=OuterRef("pk")
        )
        return queryset.filter(Exists(citations))


class StatisticFilterSet(CuratedFilterSet):
    origin = CountryCodeFilter(help_text="Origin country code(s), e.g. RU.")
    destination = CountryCodeFilter(help_text="Destination country code(s), e.g. GE,AM.")
    abroad = BooleanFilter(
        field_name="destination",
        lookup_expr="isnull",
        help_text="true: only figures for 'abroad, all destinations' (no destination country).",
    )
    exile_group = KeysFilter(
        queryset=visible_to_request(ExileGroup), help_text="Exile group slug(s)."
    )
    metric = ChoicesFilter(choices=Metric.choices, help_text="Metric(s).")
    measure = ChoicesFilter(choices=Measure.choices, help_text="Measure(s).")
    qualifier = ChoicesFilter(choices=Qualifier.choices, help_text="Qualifier(s).")
    is_historical = BooleanFilter(help_text="Only historical (true) or recent (false) figures.")
    value_min = filters.NumberFilter(
        field_name="value", lookup_expr="gte", help_text="Value at least this."
    )
    value_max = filters.NumberFilter(
        field_name="value", lookup_expr="lte", help_text="Value at most this."
    )
    period_after = DateFilter(
        field_name="period_start",
        lookup_expr="gte",
        help_text="Periods starting on or after this date (YYYY-MM-DD).",
    )
    period_before = DateFilter(
        field_name="period_end",
        lookup_expr="lte",
        help_text="Periods ending on or before this date (YYYY-MM-DD).",
    )
    period_overlaps = DateRangeFilter(
        method="filter_period_overlaps",
        help_text=(
            "START,END: periods sharing at least a day with it. An open period (no end) runs "
            "on; figures with no dates at all never match."
        ),
    )

    class Meta:
        model = Statistic
        fields = [
            "origin",
            "destination",
            "abroad",
            "exile_group",
            "metric",
            "measure",
            "qualifier",
            "is_historical",
            "value_min",
            "value_max",
            "period_after",
            "period_before",
            "period_overlaps",
        ]

    def filter_period_overlaps(
        self, queryset: QuerySet[Statistic], name: str, value: tuple[date, date]
    ) -> QuerySet[Statistic]:
        start, end = value
        dated = Q(period_start__isnull=False) | Q(period_end__isnull=False)
        starts_in_time = Q(period_start__isnull=True) | Q(period_start__lte=end)
        ends_in_time = Q(period_end__isnull=True) | Q(period_end__gte=start)
        return queryset.filter(dated & starts_in_time & ends_in_time)


class MediaOutletFilterSet(CuratedFilterSet):
    country = CountryCodeFilter(help_text="Base country code(s).")
    city = filters.CharFilter(lookup_expr="iexact", help_text="Base city, e.g. Riga.")
    kind = ChoicesFilter(choices=OutletKind.choices, help_text="Kind(s).")
    status = ChoicesFilter(choices=RecordStatus.choices, help_text="Status(es).")
    language = filters.CharFilter(
        method="filter_language", help_text="Publishes in this language (ISO 639-1, e.g. ru)."
    )
    platform = ChoicesFilter(
        field_name="channels__platform",
        choices=Platform.choices,
        distinct=True,
        help_text="Has a channel on this platform (or any of these).",
    )
    affiliated_organization = KeysFilter(
        queryset=visible_to_request(Organization),
        help_text="Slug(s) of the affiliated organization.",
    )
    active_in_year = YearFilter(
        method="filter_active_in_year",
        help_text="Active in this year (by its active years; undated ones if marked active).",
    )

    class Meta:
        model = MediaOutlet
        fields = [
            "country",
            "city",
            "kind",
            "status",
            "language",
            "platform",
            "affiliated_organization",
            "active_in_year",
        ]

    def filter_language(
        self, queryset: QuerySet[MediaOutlet], name: str, value: str
    ) -> QuerySet[MediaOutlet]:
        return queryset.filter(languages__contains=[value.lower()])

    def filter_active_in_year(
        self, queryset: QuerySet[MediaOutlet], name: str, value: int
    ) -> QuerySet[MediaOutlet]:
        return active_in_year(queryset, "active_from_year", "active_to_year", value)


class OrganizationFilterSet(CuratedFilterSet):
    country = CountryCodeFilter(help_text="Base country code(s).")
    city = filters.CharFilter(lookup_expr="iexact", help_text="Base city, e.g. Vilnius.")
    kind = ChoicesFilter(choices=OrganizationKind.choices, help_text="Kind(s).")
    status = ChoicesFilter(choices=RecordStatus.choices, help_text="Status(es).")
    exile_group = KeysFilter(
        field_name="exile_groups",
        queryset=visible_to_request(ExileGroup),
        distinct=True,
        help_text="Serves this exile group (slug, or several).",
    )
    active_in_year = YearFilter(
        method="filter_active_in_year",
        help_text="Existing in this year (founded/dissolved; undated ones if marked active).",
    )

    class Meta:
        model = Organization
        fields = ["country", "city", "kind", "status", "exile_group", "active_in_year"]

    def filter_active_in_year(
        self, queryset: QuerySet[Organization], name: str, value: int
    ) -> QuerySet[Organization]:
        return active_in_year(queryset, "founded_year", "dissolved_year", value)


class HostPolicyFilterSet(CuratedFilterSet):
    country = CountryCodeFilter(help_text="Country code(s) of the policy, e.g. AM,GE.")
    region = filters.CharFilter(
        field_name="country__region", lookup_expr="iexact", help_text="Continent, e.g. Europe."
    )
    topic = ChoicesFilter(choices=PolicyTopic.choices, help_text="Topic(s).")
    stance = ChoicesFilter(choices=Stance.choices, help_text="Stance(s).")
    status = ChoicesFilter(choices=PolicyStatus.choices, help_text="Status(es).")
    exile_group = KeysFilter(
        field_name="exile_groups",
        queryset=visible_to_request(ExileGroup),
        method="filter_exile_group",
        help_text=(
            "Concerns this exile group (slug, or several): policies naming it, and policies "
            "naming no group, which concern every group."
        ),
    )
    nationality = CountryCodeFilter(
        field_name="nationalities", distinct=True, help_text="Concerns this nationality (code)."
    )
    is_historical = BooleanFilter(help_text="Only historical (true) or recent (false) policies.")
    announced_after = DateFilter(
        field_name="announced_on", lookup_expr="gte", help_text="Announced on or after this date."
    )
    announced_before = DateFilter(
        field_name="announced_on", lookup_expr="lte", help_text="Announced on or before this date."
    )
    in_force_on = DateFilter(
        method="filter_in_force_on",
        help_text=(
            "In effect on this date (YYYY-MM-DD): effective_from on or before it and "
            "effective_to empty or after it; undated policies only when marked in force."
        ),
    )
    current = BooleanFilter(
        method="filter_current",
        help_text=(
            "true: in force as of the latest source, i.e. in effect on the last day its "
            "reported_as_of may stand for (the date, or the year's last day); false: the "
            "others, and policies whose sources are undated. Not 'today': the sources do not "
            "say what happened since (the seed's essay dates from spring 2022)."
        ),
    )

    class Meta:
        model = HostPolicy
        fields = [
            "country",
            "region",
            "topic",
            "stance",
            "status",
            "exile_group",
            "nationality",
            "is_historical",
            "announced_after",
            "announced_before",
            "in_force_on",
            "current",
        ]

    def filter_exile_group(
        self, queryset: QuerySet[HostPolicy], name: str, value: QuerySet[ExileGroup]
    ) -> QuerySet[HostPolicy]:
        if not value:
            return queryset
        naming = HostPolicy.objects.filter(exile_groups__in=value).values("pk")
        return queryset.filter(Q(pk__in=naming) | Q(exile_groups__isnull=True)).distinct()

    def filter_in_force_on(
        self, queryset: HostPolicyQuerySet, name: str, value: date
    ) -> QuerySet[HostPolicy]:
        return queryset.in_force_on(value)

    def filter_current(
        self, queryset: HostPolicyQuerySet, name: str, value: bool
    ) -> QuerySet[HostPolicy]:
        return queryset.in_force_as_reported() if value else queryset.not_in_force_as_reported()
