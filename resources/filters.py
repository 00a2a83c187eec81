"""One FilterSet per resource. Invalid values are a 400 naming the parameter, never ignored."""

import django_filters as filters
from django import forms
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError

from .choices import (
    Measure,
    Metric,
    OrganizationKind,
    OutletKind,
    PolicyStatus,
    PolicyTopic,
    Qualifier,
    RecordStatus,
    SourceKind,
    Stance,
)
from .models import (
    Country,
    ExileGroup,
    HostPolicy,
    MediaOutlet,
    Organization,
    Source,
    Statistic,
)


class StrictOrderingFilter(drf_filters.OrderingFilter):
    """``ordering=`` over the view's whitelisted fields; anything else is a 400, not ignored."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            terms = [term.strip() for term in params.split(",") if term.strip()]
            allowed = {name for name, _label in self.get_valid_fields(queryset, view)}
            unknown = [term for term in terms if term.lstrip("-") not in allowed]
            if unknown:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"Unknown field(s) {', '.join(unknown)}; "
                            f"choose from {', '.join(sorted(allowed))}."
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)


class CountryCodesField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        return super().clean([code.upper() for code in value] if value else value)


class CountryCodeFilter(filters.ModelMultipleChoiceFilter):
    """Countries by alpha-2 code, case-insensitive; repeat the parameter for several."""

    field_class = CountryCodesField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Country.objects.all())
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)


class ExileGroupFilter(filters.ModelMultipleChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", ExileGroup.objects.all())
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is an error rather than 'no filter'."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError("Must be true or false.", code="invalid") from None


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class CountryFilterSet(filters.FilterSet):
    region = filters.CharFilter(
        field_name="region", lookup_expr="iexact", help_text="Continent, e.g. 'Europe'."
    )
    name = filters.CharFilter(
        field_name="name", lookup_expr="icontains", help_text="Part of the English name."
    )

    class Meta:
        model = Country
        fields = ["region", "name"]


class ExileGroupFilterSet(filters.FilterSet):
    class Meta:
        model = ExileGroup
        fields = []


class SourceFilterSet(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=SourceKind.choices, help_text="Kind of work.")
    year = filters.NumberFilter(help_text="Publication year.")

    class Meta:
        model = Source
        fields = ["kind", "year"]


class StatisticFilterSet(filters.FilterSet):
    origin = CountryCodeFilter(help_text="Origin country code(s), e.g. RU.")
    destination = CountryCodeFilter(help_text="Destination country code(s), e.g. GE.")
    exile_group = ExileGroupFilter(field_name="exile_group", help_text="Exile group slug(s).")
    metric = filters.MultipleChoiceFilter(choices=Metric.choices, help_text="Metric(s).")
    measure = filters.MultipleChoiceFilter(choices=Measure.choices, help_text="Measure(s).")
    qualifier = filters.MultipleChoiceFilter(choices=Qualifier.choices, help_text="Qualifier(s).")
    is_historical = BooleanFilter(help_text="Only historical (true) or recent (false).")

    class Meta:
        model = Statistic
        fields = [
            "origin",
            "destination",
            "exile_group",
            "metric",
            "measure",
            "qualifier",
            "is_historical",
        ]


class MediaOutletFilterSet(filters.FilterSet):
    country = CountryCodeFilter(help_text="Base country code(s).")
    city = filters.CharFilter(lookup_expr="iexact", help_text="Base city.")
    kind = filters.MultipleChoiceFilter(choices=OutletKind.choices, help_text="Kind(s).")
    status = filters.MultipleChoiceFilter(choices=RecordStatus.choices, help_text="Status(es).")

    class Meta:
        model = MediaOutlet
        fields = ["country", "city", "kind", "status"]


class OrganizationFilterSet(filters.FilterSet):
    country = CountryCodeFilter(help_text="Base country code(s).")
    city = filters.CharFilter(lookup_expr="iexact", help_text="Base city.")
    kind = filters.MultipleChoiceFilter(choices=OrganizationKind.choices, help_text="Kind(s).")
    status = filters.MultipleChoiceFilter(choices=RecordStatus.choices, help_text="Status(es).")
    exile_group = ExileGroupFilter(field_name="exile_groups", help_text="Exile group slug(s).")

    class Meta:
        model = Organization
        fields = ["country", "city", "kind", "status", "exile_group"]


class HostPolicyFilterSet(filters.FilterSet):
    country = CountryCodeFilter(help_text="Country code(s) of the policy.")
    topic = filters.MultipleChoiceFilter(choices=PolicyTopic.choices, help_text="Topic(s).")
    stance = filters.MultipleChoiceFilter(choices=Stance.choices, help_text="Stance(s).")
    status = filters.MultipleChoiceFilter(choices=PolicyStatus.choices, help_text="Status(es).")
    exile_group = ExileGroupFilter(field_name="exile_groups", help_text="Exile group slug(s).")
    is_historical = BooleanFilter(help_text="Only historical (true) or recent (false).")

    class Meta:
        model = HostPolicy
        fields = ["country", "topic", "stance", "status", "exile_group", "is_historical"]
