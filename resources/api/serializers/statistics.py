"""Statistics: one reported figure per record, and the summary that compares them."""

from typing import Any

from rest_framework import serializers

from ...choices import Measure, Metric, Unit
from ...models import ExileGroup, Statistic
from ...models.base import WORKFLOW_FIELDS
from ...summaries import GROUPINGS, RELATED_GROUPINGS
from .base import (
    TIMESTAMPS,
    CitedSerializer,
    CuratedRecordSerializer,
    KeyRelatedField,
    SelfLinkField,
    country_field,
)
from .countries import CountrySerializer
from .exile_groups import ExileGroupSerializer


class StatisticSerializer(CuratedRecordSerializer, CitedSerializer):
    brief_fields = ("id", "slug", "metric", "value", "url")

    url = SelfLinkField()
    origin = country_field(required=False, help_text="Country people left (code; default RU).")
    destination = country_field(
        required=False,
        allow_null=True,
        help_text="Country people went to (code); null means abroad, all destinations.",
    )
    exile_group = KeyRelatedField(
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
            "reported_as_of",
            *WORKFLOW_FIELDS,
            *TIMESTAMPS,
        ]


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

    def to_representation(self, instance: Any) -> Any:
        # A figure whose JSON PostgreSQL built already (resources.api.sql_json, with these
        # fields) is shown as it is.
        if isinstance(instance, dict):
            return instance
        return super().to_representation(instance)


class StatisticGroupSerializer(serializers.Serializer):
    """Reports of one metric, unit and measure, historical or recent, for one grouping key;
    never summed."""

    # Present when the summary is grouped by them (group_by).
    optional_response_fields = tuple(RELATED_GROUPINGS)

    destination = CountrySerializer(
        brief=True,
        allow_null=True,
        required=False,
        help_text="Destination (when grouped by it); null means abroad, all destinations.",
    )
    exile_group = ExileGroupSerializer(
        brief=True,
        allow_null=True,
        required=False,
        help_text="Exile group (when grouped by it); null: none.",
    )
    origin = CountrySerializer(brief=True, required=False, help_text="Origin (when grouped by it).")
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

    def to_representation(self, instance: Any) -> dict[str, Any]:
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
