"""Host policies: what host countries do for, or against, exiles from Russia."""

from ...models import Country, HostPolicy
from ...models.base import WORKFLOW_FIELDS
from .base import (
    TIMESTAMPS,
    CitedSerializer,
    CuratedRecordSerializer,
    KeyRelatedField,
    SelfLinkField,
    country_field,
    exile_groups_field,
)


class HostPolicySerializer(CuratedRecordSerializer, CitedSerializer):
    brief_fields = ("id", "slug", "title", "url")

    url = SelfLinkField()
    country = country_field(help_text="Country whose policy it is (code).")
    exile_groups = exile_groups_field(help_text="Groups of exiles it concerns (slugs).")
    nationalities = KeyRelatedField(
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
            "reported_as_of",
            *WORKFLOW_FIELDS,
            *TIMESTAMPS,
        ]
