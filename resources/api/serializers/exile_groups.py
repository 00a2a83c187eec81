"""Exile groups: the groups of exiles the sources distinguish."""

from ...models import ExileGroup
from ...models.base import WORKFLOW_FIELDS
from .base import TIMESTAMPS, CitedSerializer, CuratedRecordSerializer, SelfLinkField


class ExileGroupSerializer(CuratedRecordSerializer, CitedSerializer):
    brief_fields = ("id", "slug", "name", "url")

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
            "reported_as_of",
            *WORKFLOW_FIELDS,
            *TIMESTAMPS,
        ]
