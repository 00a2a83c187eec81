"""Sources: the works the dataset cites, and what cites them."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...models import Source
from ...models.base import WORKFLOW_FIELDS
from ..routes import detail_url
from .base import TIMESTAMPS, CuratedRecordSerializer, SelfLinkField, ValidatedModelSerializer


class SourceSerializer(CuratedRecordSerializer, ValidatedModelSerializer):
    brief_fields = ("id", "slug", "title", "url")

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
    def get_cited_by(self, source: Source) -> list[dict[str, Any]]:
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
