"""JSON representations: a full serializer and a brief one (for nesting) per resource.

Related records are read as brief objects and written by their natural key (``"GE"``,
``"it-specialists"``). Nested lists (citations, channels, locations, notable figures) are
written as a whole: sending one replaces the record's set, leaving it out keeps it.
"""

import functools

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils import translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from ..choices import (
    ChangeAction,
    ChangeChannel,
    HealthState,
    Measure,
    Metric,
    PublicationStatus,
    Unit,
)
from ..models import (
    AudienceFigure,
    Channel,
    Citation,
    Country,
    ExileGroup,
    HostPolicy,
    Location,
    MediaOutlet,
    NotableFigure,
    Organization,
    Source,
    Statistic,
)
from ..models.base import WORKFLOW_FIELDS, CuratedModel
from ..profiles import PROFILE_LIMIT
from ..summaries import GROUPINGS, RELATED_GROUPINGS
from ..visibility import reads_drafts, visible
from .errors import as_field_errors
from .routes import detail_url

TIMESTAMPS = ("created_at", "updated_at")
SLUG_TAKEN = "This slug is taken; choose another."


class KeyRelatedField(serializers.SlugRelatedField):
    """A relation read as the related record's brief form and written by its natural key."""

    def __init__(self, brief_serializer, **kwargs):
        self.brief_serializer = brief_serializer
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.slug_field == "code":
            data = data.upper()
        return super().to_internal_value(data)

    def get_queryset(self):
        # Only what the client may read: a draft named by a client who may not see it is
        # "no such record", and never echoed back with its title.
        queryset = super().get_queryset()
        if issubclass(queryset.model, CuratedModel):
            queryset = visible(queryset, self.context.get("request"))
        return queryset

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, obj):
        return self.brief.to_representation(obj)

    @functools.cached_property
    def brief(self):
        """One brief serializer for every related record this field shows: building a
        serializer's fields costs far more than using them."""
        return self.brief_serializer(context=self.context)


class SelfLinkField(serializers.HyperlinkedIdentityField):
    """The record's own API URL, with the lookup its route uses."""

    def get_url(self, obj, view_name, request, format):
        return detail_url(obj, request)

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "API URL of this record.")
        super().__init__(view_name="self", **kwargs)


class FigureField(serializers.DecimalField):
    """A reported figure as a JSON number: 25000 rather than 25000.0, 15.5 stays 15.5."""

    def __init__(self, **kwargs):
        kwargs["coerce_to_string"] = False
        super().__init__(**kwargs)

    def to_representation(self, value):
        number = super().to_representation(value)
        return int(number) if number == number.to_integral_value() else float(number)


class LocalizedModelSerializer(serializers.ModelSerializer):
    """Shows a record's Russian texts in place of the English ones when Russian was asked for
    (``Accept-Language: ru`` or ``?lang=ru``) and the record has them; English otherwise."""

    TRANSLATED = ("name", "title", "description", "summary")

    def build_field(self, field_name, info, model_class, nested_depth):
        field_class, kwargs = super().build_field(field_name, info, model_class, nested_depth)
        if field_name == "id":
            kwargs.setdefault("help_text", "Database id of the record.")
        return field_class, kwargs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if translation.get_language() == "ru":
            for field in self.TRANSLATED:
                russian = getattr(instance, f"{field}_ru", "")
                if field in data and russian:
                    data[field] = russian
        return data


# Brief forms, for nesting -------------------------------------------------------------


class CountryBriefSerializer(LocalizedModelSerializer):
    url = SelfLinkField()

    class Meta:
        model = Country
        fields = ["code", "name", "url"]


class ExileGroupBriefSerializer(LocalizedModelSerializer):
    url = SelfLinkField()

    class Meta:
        model = ExileGroup
        fields = ["id", "slug", "name", "url"]


class SourceBriefSerializer(LocalizedModelSerializer):
    url = SelfLinkField()

    class Meta:
        model = Source
        fields = ["id", "slug", "title", "url"]


class StatisticBriefSerializer(LocalizedModelSerializer):
    url = SelfLinkField()
    value = FigureField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = Statistic
        fields = ["id", "slug", "metric", "value", "url"]


class MediaOutletBriefSerializer(LocalizedModelSerializer):
    url = SelfLinkField()

    class Meta:
        model = MediaOutlet
        fields = ["id", "slug", "name", "url"]


class OrganizationBriefSerializer(LocalizedModelSerializer):
    url = SelfLinkField()

    class Meta:
        model = Organization
        fields = ["id", "slug", "name", "url"]


class HostPolicyBriefSerializer(LocalizedModelSerializer):
    url = SelfLinkField()

    class Meta:
        model = HostPolicy
        fields = ["id", "slug", "title", "url"]


BRIEF_SERIALIZERS = {
    Country: CountryBriefSerializer,
    ExileGroup: ExileGroupBriefSerializer,
    Source: SourceBriefSerializer,
    Statistic: StatisticBriefSerializer,
    MediaOutlet: MediaOutletBriefSerializer,
    Organization: OrganizationBriefSerializer,
    HostPolicy: HostPolicyBriefSerializer,
}


def country_field(**kwargs):
    return KeyRelatedField(
        CountryBriefSerializer, slug_field="code", queryset=Country.objects.all(), **kwargs
    )


def exile_groups_field(**kwargs):
    return KeyRelatedField(
        ExileGroupBriefSerializer,
        slug_field="slug",
        queryset=ExileGroup.objects.all(),
        many=True,
        required=False,
        **kwargs,
    )


# Writing with model validation and nested lists ------------------------------------------


class StrictInputMixin:
    """Input taken as the client meant it, or a 400 naming the field:

    - a field the serializer does not know is refused: a misspelt field would otherwise be
      dropped without a word, and the write would succeed without what the client meant;
    - an item of a nested list is complete, even in a PATCH of its record (which makes DRF
      skip required fields): the list replaces the record's whole set;
    - text is a JSON string: DRF's CharField would take ``0`` or ``true`` as "0" and "True",
      which the OpenAPI description (``type: string``) does not allow.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                unknown_field = serializers.ErrorDetail("Unknown field.", "unknown_field")
                raise serializers.ValidationError({name: [unknown_field] for name in unknown})
            not_text = [
                name
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and not field.read_only
                and data.get(name) is not None
                and not isinstance(data[name], str)
            ]
            if not_text:
                raise serializers.ValidationError(
                    {
                        name: [serializers.ErrorDetail("Not a string.", "invalid")]
                        for name in not_text
                    }
                )
            if isinstance(self.parent, serializers.ListSerializer):
                missing = [
                    name
                    for name, field in self.fields.items()
                    if field.required and not field.read_only and name not in data
                ]
                if missing:
                    required = serializers.ErrorDetail("This field is required.", "required")
                    raise serializers.ValidationError({name: [required] for name in missing})
        return super().to_internal_value(data)


class ValidatedModelSerializer(StrictInputMixin, LocalizedModelSerializer):
    """Runs the model's own validation (``full_clean``) so that the API and the admin agree.

    Subclasses list their nested, writable lists in ``Meta.nested``: each is replaced as a
    whole when sent, inside the same transaction as the record itself.
    """

    serializer_field_mapping = LocalizedModelSerializer.serializer_field_mapping | {
        models.DecimalField: FigureField
    }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        own_fields = {f.name for f in model._meta.concrete_fields}
        values = {name: value for name, value in attrs.items() if name in own_fields}
        if self.instance is not None:
            candidate = model(
                **{
                    f.attname: getattr(self.instance, f.attname)
                    for f in model._meta.concrete_fields
                }
            )
            for name, value in values.items():
                setattr(candidate, name, value)
        else:
            candidate = model(**values)
        writable = {name for name, field in self.fields.items() if not field.read_only}
        exclude = [f.name for f in model._meta.concrete_fields if f.name not in writable]
        try:
            candidate.full_clean(exclude=exclude, validate_unique=False)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(as_field_errors(exc)) from exc
        return attrs

    def nested_names(self):
        return [name for name in getattr(self.Meta, "nested", ()) if name in self.fields]

    def create(self, validated_data):
        nested = {n: validated_data.pop(n) for n in self.nested_names() if n in validated_data}
        with transaction.atomic():
            instance = super().create(validated_data)
            self.write_nested(instance, nested)
        return instance

    def update(self, instance, validated_data):
        nested = {n: validated_data.pop(n) for n in self.nested_names() if n in validated_data}
        with transaction.atomic():
            instance = super().update(instance, validated_data)
            self.write_nested(instance, nested)
        return instance

    def write_nested(self, instance, nested):
        for name, items in nested.items():
            manager = getattr(instance, name)
            manager.all().delete()
            child = self.fields[name].child
            if name == "citations":
                manager.bulk_create([Citation(record=instance, **item) for item in items])
                continue
            parent_field = manager.field.name
            for item in items:
                child.create({**item, parent_field: instance})


class CuratedSerializerMixin:
    """A curated record: its workflow fields read-only, and its sensitive fields (contact
    details, internal notes) left out for clients who may not see them
    (``resources.visibility``). Without a request (the dataset, the history) they are kept;
    the OpenAPI schema documents them."""

    def get_fields(self):
        fields = super().get_fields()
        for name in WORKFLOW_FIELDS:
            if name in fields:
                fields[name].read_only = True
        for validator in getattr(fields.get("slug"), "validators", []):
            if isinstance(validator, UniqueValidator):
                # Slugs are one namespace, drafts included: the same words whoever holds it,
                # so that the answer tells nothing of a draft the client may not see.
                validator.message = SLUG_TAKEN
        schema = getattr(self.context.get("view"), "swagger_fake_view", False)
        request = self.context.get("request")
        if "request" in self.context and not schema and not reads_drafts(request, self.Meta.model):
            for name in self.Meta.model.SENSITIVE_FIELDS:
                fields.pop(name, None)
        return fields


class CitationSerializer(StrictInputMixin, serializers.ModelSerializer):
    source = KeyRelatedField(
        SourceBriefSerializer,
        slug_field="slug",
        queryset=Source.objects.all(),
        help_text="The cited source; written as its slug.",
    )

    class Meta:
        model = Citation
        fields = ["source", "locator", "claim"]


def citations_field():
    return CitationSerializer(
        many=True,
        min_length=1,
        help_text="Sources backing this record: at least one, each with locator and claim.",
    )


def refuse_duplicates(items, key, what):
    """A 400 on the list when two of its ``items`` share ``key``: the database would refuse
    the second one, and the client deserves to know which field is wrong."""
    seen = set()
    for item in items:
        if key(item) in seen:
            raise serializers.ValidationError(f"The same {what} appears twice.")
        seen.add(key(item))
    return items


class CitedSerializer(ValidatedModelSerializer):
    """A record that must cite at least one source."""

    citations = citations_field()

    def validate_citations(self, items):
        return refuse_duplicates(
            items, lambda c: (c["source"].pk, c["locator"], c["claim"]), "citation"
        )

    class Meta:
        nested = ("citations",)


# Full forms ---------------------------------------------------------------------------


class CountrySerializer(LocalizedModelSerializer):
    url = SelfLinkField()

    class Meta:
        model = Country
        fields = ["code", "alpha3", "name", "name_ru", "region", "url", *TIMESTAMPS]


class ExileGroupSerializer(CuratedSerializerMixin, CitedSerializer):
    url = SelfLinkField()

    class Meta(CitedSerializer.Meta):
        model = ExileGroup
        fields = [
            "id",
            "slug",
            "url",
            "name",
            "name_ru",
            "description",
            "description_ru",
            "citations",
            *WORKFLOW_FIELDS,
            *TIMESTAMPS,
        ]


class SourceSerializer(CuratedSerializerMixin, ValidatedModelSerializer):
    url = SelfLinkField()
    citation_count = serializers.IntegerField(
        read_only=True, help_text="How many citations of the dataset point at this source."
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "slug",
            "url",
            "title",
            "authors",
            "publisher",
            "published_on",
            "year",
            "web_url",
            "kind",
            "notes",
            "citation_count",
            *WORKFLOW_FIELDS,
            *TIMESTAMPS,
        ]


class CitingRecordSerializer(serializers.Serializer):
    """One citation of a source, seen from the source: which record, where, what claim."""

    record_type = serializers.CharField(help_text="Model of the citing record, e.g. 'channel'.")
    record_id = serializers.IntegerField(help_text="Id of the citing record.")
    record = serializers.CharField(help_text="The citing record, as text.")
    url = serializers.URLField(
        allow_null=True,
        help_text="API URL of the citing record, or of the outlet or organization it belongs to.",
    )
    locator = serializers.CharField(help_text="Where in the source, e.g. 'para 12'.")
    claim = serializers.CharField(help_text="The claim the passage supports.")


class SourceDetailSerializer(SourceSerializer):
    cited_by = serializers.SerializerMethodField(help_text="Every citation of this source.")

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "cited_by"]

    @extend_schema_field(CitingRecordSerializer(many=True))
    def get_cited_by(self, source):
        """Every citation of a record the client may read (the view prefetches only those)."""
        request = self.context.get("request")
        return [
            {
                "record_type": citation.content_type.model,
                "record_id": citation.object_id,
                "record": str(citation.record),
                "url": detail_url(citation.record, request),
                "locator": citation.locator,
                "claim": citation.claim,
            }
            for citation in source.citations.all()
            if citation.record is not None
        ]


class StatisticSerializer(CuratedSerializerMixin, CitedSerializer):
    url = SelfLinkField()
    origin = country_field(required=False, help_text="Country people left (code; default RU).")
    destination = country_field(
        required=False,
        allow_null=True,
        help_text="Country people went to (code); null means abroad, all destinations.",
    )
    exile_group = KeyRelatedField(
        ExileGroupBriefSerializer,
        slug_field="slug",
        queryset=ExileGroup.objects.all(),
        required=False,
        allow_null=True,
        help_text="The group counted (slug), if any.",
    )

    class Meta(CitedSerializer.Meta):
        model = Statistic
        fields = [
            "id",
            "slug",
            "url",
            "origin",
            "destination",
            "exile_group",
            "metric",
            "value",
            "value_low",
            "value_high",
            "qualifier",
            "unit",
            "measure",
            "counting_method",
            "period_start",
            "period_end",
            "is_historical",
            "notes",
            "citations",
            *WORKFLOW_FIELDS,
            *TIMESTAMPS,
        ]


class LocationSerializer(CitedSerializer):
    country = country_field(help_text="Country (code).")

    class Meta(CitedSerializer.Meta):
        model = Location
        fields = [
            "id",
            "country",
            "city",
            "start_date",
            "end_date",
            "start_year",
            "end_year",
            "notes",
            "citations",
        ]


def locations_field():
    return LocationSerializer(
        many=True, required=False, help_text="Where it was based over time; a list replaces them."
    )


class AudienceFigureSerializer(CitedSerializer):
    class Meta(CitedSerializer.Meta):
        model = AudienceFigure
        fields = [
            "id",
            "metric",
            "value",
            "value_low",
            "value_high",
            "qualifier",
            "as_of",
            "notes",
            "citations",
        ]


class ChannelSerializer(CitedSerializer):
    audience_figures = AudienceFigureSerializer(
        many=True, required=False, help_text="Reported audiences; sending a list replaces them."
    )

    class Meta(CitedSerializer.Meta):
        model = Channel
        nested = ("citations", "audience_figures")
        fields = [
            "id",
            "platform",
            "handle",
            "web_url",
            "blocked_in_russia",
            "blocked_since",
            "notes",
            "audience_figures",
            "citations",
        ]


class MediaOutletSerializer(CuratedSerializerMixin, CitedSerializer):
    url = SelfLinkField()
    country = country_field(
        required=False, allow_null=True, help_text="Country it is based in (code)."
    )
    affiliated_organization = KeyRelatedField(
        OrganizationBriefSerializer,
        slug_field="slug",
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        help_text="Organization it belongs to (slug), if any.",
    )
    channels = ChannelSerializer(
        many=True, required=False, help_text="Platforms it publishes on; a list replaces them."
    )
    locations = locations_field()

    class Meta(CitedSerializer.Meta):
        model = MediaOutlet
        nested = ("citations", "channels", "locations")
        fields = [
            "id",
            "slug",
            "url",
            "name",
            "name_ru",
            "kind",
            "description",
            "description_ru",
            "country",
            "city",
            "languages",
            "active_from_year",
            "active_to_year",
            "status",
            "affiliated_organization",
            "channels",
            "locations",
            "citations",
            "contact_details",
            "internal_notes",
            *WORKFLOW_FIELDS,
            *TIMESTAMPS,
        ]


class NotableFigureSerializer(CitedSerializer):
    class Meta(CitedSerializer.Meta):
        model = NotableFigure
        fields = ["id", "name", "role", "description", "citations"]


class OrganizationSerializer(CuratedSerializerMixin, CitedSerializer):
    url = SelfLinkField()
    country = country_field(
        required=False, allow_null=True, help_text="Country it is based in (code)."
    )
    exile_groups = exile_groups_field(help_text="Groups of exiles it serves (slugs).")
    notable_figures = NotableFigureSerializer(
        many=True, required=False, help_text="Founders, leaders, patrons; a list replaces them."
    )
    locations = locations_field()
    media_outlets = MediaOutletBriefSerializer(
        many=True, read_only=True, help_text="Outlets affiliated with it."
    )

    def validate_notable_figures(self, items):
        return refuse_duplicates(items, lambda f: (f["name"], f["role"]), "person in the same role")

    class Meta(CitedSerializer.Meta):
        model = Organization
        nested = ("citations", "notable_figures", "locations")
        fields = [
            "id",
            "slug",
            "url",
            "name",
            "name_ru",
            "kind",
            "description",
            "description_ru",
            "country",
            "city",
            "founded_year",
            "dissolved_year",
            "status",
            "website",
            "exile_groups",
            "notable_figures",
            "locations",
            "media_outlets",
            "citations",
            "contact_details",
            "internal_notes",
            *WORKFLOW_FIELDS,
            *TIMESTAMPS,
        ]


class HostPolicySerializer(CuratedSerializerMixin, CitedSerializer):
    url = SelfLinkField()
    country = country_field(help_text="Country whose policy it is (code).")
    exile_groups = exile_groups_field(help_text="Groups of exiles it concerns (slugs).")
    nationalities = KeyRelatedField(
        CountryBriefSerializer,
        slug_field="code",
        queryset=Country.objects.all(),
        many=True,
        required=False,
        help_text="Nationalities it concerns (codes).",
    )

    class Meta(CitedSerializer.Meta):
        model = HostPolicy
        fields = [
            "id",
            "slug",
            "url",
            "country",
            "title",
            "title_ru",
            "topic",
            "stance",
            "summary",
            "summary_ru",
            "conditions",
            "exile_groups",
            "nationalities",
            "status",
            "legal_reference",
            "announced_on",
            "effective_from",
            "effective_to",
            "is_historical",
            "citations",
            *WORKFLOW_FIELDS,
            *TIMESTAMPS,
        ]


class HealthSerializer(serializers.Serializer):
    """Whether the service and its database answer."""

    status = serializers.ChoiceField(HealthState.choices, help_text="Overall readiness.")
    database = serializers.ChoiceField(HealthState.choices, help_text="Database readiness.")


# Composite answers: country profile, statistics summary, search -------------------------


class CountryProfileTotalsSerializer(serializers.Serializer):
    """How many published records each list of a country profile has in all."""

    policies_in_force = serializers.IntegerField(help_text="Policies in force on as_of.")
    historical_policies = serializers.IntegerField(help_text="Historical policies.")
    media_outlets = serializers.IntegerField(help_text="Outlets based in the country.")
    organizations = serializers.IntegerField(help_text="Organizations based in the country.")
    statistics = serializers.IntegerField(help_text="Figures with the country as destination.")


class CountryProfileCompleteListsSerializer(serializers.Serializer):
    """Where each list of a country profile is given whole: the resource's own list, paginated,
    with the filters that select exactly the records counted in `totals`."""

    policies_in_force = serializers.URLField(
        help_text="The policies list filtered by country, is_historical=false and in_force_on."
    )
    historical_policies = serializers.URLField(
        help_text="The policies list filtered by country and is_historical=true."
    )
    media_outlets = serializers.URLField(help_text="The media outlets list filtered by country.")
    organizations = serializers.URLField(help_text="The organizations list filtered by country.")
    statistics = serializers.URLField(help_text="The statistics list filtered by destination.")


class CountryProfileSerializer(serializers.Serializer):
    """One country at a glance: policies in force on a date, outlets, organizations,
    figures and the sources behind them, each list capped, with totals and whole lists."""

    country = CountrySerializer(help_text="The country.")
    as_of = serializers.DateField(help_text="Date the policies in force are given for.")
    policies_in_force = HostPolicySerializer(
        many=True,
        help_text="Current (non-historical) policies in effect on as_of: the first "
        f"{PROFILE_LIMIT}, by title.",
    )
    historical_policies = HostPolicySerializer(
        many=True,
        help_text=f"Policies of earlier eras (1920s, Cold War, ...): the first {PROFILE_LIMIT}, "
        "by title.",
    )
    media_outlets = MediaOutletSerializer(
        many=True,
        help_text=f"Outlets based in the country: the first {PROFILE_LIMIT}, by name.",
    )
    organizations = OrganizationSerializer(
        many=True,
        help_text=f"Organizations based in the country: the first {PROFILE_LIMIT}, by name.",
    )
    statistics = StatisticSerializer(
        many=True,
        help_text=f"Figures with this country as destination: the latest {PROFILE_LIMIT}, "
        "latest first.",
    )
    sources = SourceBriefSerializer(
        many=True,
        help_text="Every source cited by the records shown above (and their nested records), "
        "by title; not those cited only by records beyond the lists' limit.",
    )
    totals = CountryProfileTotalsSerializer(
        help_text="How many published records each list has in all; a list holds them all "
        f"when its total is at most {PROFILE_LIMIT}."
    )
    complete_lists = CountryProfileCompleteListsSerializer(
        help_text="For each list, the URL of the whole list, paginated, in the same order (and "
        "in the same language, when lang is given)."
    )


class StatisticFigureSerializer(StatisticSerializer):
    """One reported figure inside a summary group."""

    class Meta(StatisticSerializer.Meta):
        fields = [
            "id",
            "slug",
            "url",
            "exile_group",
            "value",
            "value_low",
            "value_high",
            "qualifier",
            "period_start",
            "period_end",
            "is_historical",
            "citations",
        ]


class StatisticGroupSerializer(serializers.Serializer):
    """Reports of one metric, unit and measure, historical or recent, for one grouping key;
    never summed."""

    # Present when the summary is grouped by them (group_by).
    optional_response_fields = tuple(RELATED_GROUPINGS)

    destination = CountryBriefSerializer(
        allow_null=True,
        required=False,
        help_text="Destination (when grouped by it); null means abroad, all destinations.",
    )
    exile_group = ExileGroupBriefSerializer(
        allow_null=True, required=False, help_text="Exile group (when grouped by it); null: none."
    )
    origin = CountryBriefSerializer(required=False, help_text="Origin (when grouped by it).")
    metric = serializers.ChoiceField(Metric.choices, help_text="What the figures count.")
    unit = serializers.ChoiceField(Unit.choices, help_text="Unit of the figures.")
    measure = serializers.ChoiceField(Measure.choices, help_text="What kind of number they are.")
    is_historical = serializers.BooleanField(
        help_text="Whether the group holds historical figures (earlier waves) or recent ones."
    )
    reports = serializers.IntegerField(help_text="Number of reported figures in the group.")
    sources = serializers.IntegerField(help_text="Number of distinct sources behind them.")
    latest = StatisticFigureSerializer(help_text="The most recent figure, by its period.")
    lowest = StatisticFigureSerializer(help_text="The lowest figure reported.")
    highest = StatisticFigureSerializer(help_text="The highest figure reported.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        grouped = self.context.get("group_by", ())
        return {k: v for k, v in data.items() if k not in RELATED_GROUPINGS or k in grouped}


class StatisticsSummarySerializer(serializers.Serializer):
    """Reported figures grouped and compared, never added up."""

    group_by = serializers.ListField(
        child=serializers.ChoiceField(GROUPINGS), help_text="The grouping used."
    )
    note = serializers.CharField(help_text="How to read the numbers.")
    groups = StatisticGroupSerializer(many=True, help_text="One entry per group.")


class SearchHitSerializer(serializers.Serializer):
    """One record that matches a search."""

    type = serializers.CharField(help_text="Kind of record, e.g. organization.")
    id = serializers.IntegerField(
        allow_null=True, help_text="Its id; null for a country, whose key is its code."
    )
    key = serializers.CharField(help_text="Its natural key: slug, or code for a country.")
    name = serializers.CharField(help_text="Its name or title.")
    snippet = serializers.CharField(
        help_text="Matching excerpt as HTML: stored text escaped, matches in <mark> tags."
    )
    url = serializers.URLField(help_text="API URL of the record.")
    rank = serializers.FloatField(help_text="Relevance; higher is better.")


class SearchResultsSerializer(serializers.Serializer):
    """Records of every type that match a search, best first."""

    query = serializers.CharField(help_text="The query as received.")
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Number of matches per type."
    )
    results = SearchHitSerializer(many=True, help_text="Best matches first, all types mixed.")


# The workflow, history and the changes feed ---------------------------------------------


class ReasonSerializer(StrictInputMixin, serializers.Serializer):
    """The body of a workflow action: why (required to retract)."""

    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why: required to retract (shown publicly with the retracted record).",
    )


class RetractionSerializer(ReasonSerializer):
    """The body of a retraction: why the record is withdrawn."""

    reason = serializers.CharField(
        max_length=2000,
        help_text="Why the record is retracted (shown publicly with the retracted record).",
    )


class ChangeSerializer(serializers.Serializer):
    """One change to one record, as the reader may see it: without the author and sensitive
    fields for readers who cannot see drafts."""

    id = serializers.IntegerField(
        help_text="The change's number, increasing in commit order: the feed's cursor."
    )
    at = serializers.DateTimeField(help_text="When the change was made.")
    type = serializers.CharField(help_text="Kind of record, e.g. statistic, policy.")
    record_id = serializers.IntegerField(help_text="Id of the record.")
    record_key = serializers.CharField(help_text="Slug of the record.")
    url = serializers.URLField(
        allow_null=True, help_text="API URL of the record; null once it has been deleted."
    )
    action = serializers.ChoiceField(ChangeAction.choices, help_text="What the change did.")
    channel = serializers.ChoiceField(
        ChangeChannel.choices, help_text="Through what it was made: api, admin, import, command."
    )
    user = serializers.CharField(
        allow_null=True,
        help_text="Who made it; shown only to readers of drafts (editors may be at risk).",
    )
    reason = serializers.CharField(
        allow_blank=True, help_text="Why, if given: a retraction's reason, the command run, ..."
    )
    publication_status = serializers.ChoiceField(
        PublicationStatus.choices, help_text="The record's editorial status after the change."
    )
    changes = serializers.DictField(
        help_text="Every field the change touched, as {field: {old, new}} in the record's "
        "write shape. Empty on a publication for readers who never saw the draft."
    )
    record = serializers.DictField(
        allow_null=True,
        help_text="The record after the change, in its write shape (the shape the API accepts "
        "and the dataset export writes); null when the change deleted it.",
    )


class ChangesPageSerializer(serializers.Serializer):
    """A page of the changes feed: the changes after a cursor, and the next cursor."""

    next_cursor = serializers.IntegerField(
        help_text="Pass as ?since= for the next changes; the same as since when there were none."
    )
    has_more = serializers.BooleanField(help_text="Whether more changes follow right away.")
    results = ChangeSerializer(many=True, help_text="Changes after the cursor, oldest first.")


class ChangeHistorySerializer(serializers.Serializer):
    """A page of one record's change history, oldest first."""

    count = serializers.IntegerField(help_text="Number of changes the reader may see.")
    next = serializers.URLField(allow_null=True, help_text="URL of the next page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="URL of the previous page, or null.")
    results = ChangeSerializer(many=True, help_text="The changes of this page, oldest first.")


# Problems (resources.api.errors) ----------------------------------------------------------------


class ProblemErrorSerializer(serializers.Serializer):
    """One invalid field or parameter."""

    field = serializers.CharField(
        allow_null=True,
        help_text="Path of the invalid body field (`citations.0.locator`), or the name of the "
        "query parameter or header (`If-Match`); null for an error of the request as a whole.",
    )
    code = serializers.CharField(
        help_text="Stable, machine-readable: required, invalid, null, blank, max_length, "
        "min_length, max_value, min_value, max_digits, invalid_choice, unique, "
        "does_not_exist, too_many, not_a_list, empty, unknown_field, unknown_parameter, "
        "inconsistent (fields that contradict each other), unpublished_reference (a public "
        "record referring to an unpublished one), ..."
    )
    detail = serializers.CharField(help_text="What is wrong, for a person.")


class ProblemSerializer(serializers.Serializer):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    # Present only on some problems: errors on a 400, referenced_by on a 409 for a record that
    # is still cited.
    optional_response_fields = ("errors", "referenced_by")

    type = serializers.CharField(
        help_text="URI reference naming the kind of problem, e.g. "
        "`/api/problems/validation-error`; GET it for its description. Stable: branch on it."
    )
    title = serializers.CharField(help_text="Short summary of the kind of problem.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong with this request.")
    instance = serializers.CharField(help_text="The path of the request.")
    errors = ProblemErrorSerializer(
        many=True, help_text="On a 400: each invalid field or parameter."
    )
    referenced_by = serializers.ListField(
        child=serializers.CharField(),
        help_text="On a 409 for deleting a record still cited: the first records citing it.",
    )
