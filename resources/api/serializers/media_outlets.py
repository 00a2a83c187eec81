"""Media outlets: their channels with audience figures, and where they were based."""

from ...models import AudienceFigure, Channel, MediaOutlet, Organization
from ...models.base import WORKFLOW_FIELDS
from .base import (
    TIMESTAMPS,
    CitedSerializer,
    CuratedRecordSerializer,
    KeyRelatedField,
    SelfLinkField,
    country_field,
    locations_field,
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


class MediaOutletSerializer(CuratedRecordSerializer, CitedSerializer):
    brief_fields = ("id", "slug", "name", "url")

    url = SelfLinkField()
    country = country_field(
        required=False, allow_null=True, help_text="Country it is based in (code)."
    )
    affiliated_organization = KeyRelatedField(
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
            "reported_as_of",
            "contact_details",
            "internal_notes",
            *WORKFLOW_FIELDS,
            *TIMESTAMPS,
        ]
