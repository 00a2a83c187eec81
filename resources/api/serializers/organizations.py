"""Organizations: NGOs and exile organizations, with their notable figures."""

from typing import Any

from ...models import NotableFigure, Organization
from ...models.base import WORKFLOW_FIELDS
from .base import (
    TIMESTAMPS,
    CitedSerializer,
    CuratedRecordSerializer,
    SelfLinkField,
    country_field,
    exile_groups_field,
    locations_field,
    refuse_duplicates,
)
from .media_outlets import MediaOutletSerializer


class NotableFigureSerializer(CitedSerializer):
    class Meta(CitedSerializer.Meta):
        model = NotableFigure
        fields = ["id", "name", "role", "description", "citations"]


class OrganizationSerializer(CuratedRecordSerializer, CitedSerializer):
    brief_fields = ("id", "slug", "name", "url")

    url = SelfLinkField()
    country = country_field(
        required=False, allow_null=True, help_text="Country it is based in (code)."
    )
    exile_groups = exile_groups_field(help_text="Groups of exiles it serves (slugs).")
    notable_figures = NotableFigureSerializer(
        many=True, required=False, help_text="Founders, leaders, patrons; a list replaces them."
    )
    locations = locations_field()
    media_outlets = MediaOutletSerializer(
        brief=True, many=True, read_only=True, help_text="Outlets affiliated with it."
    )

    def validate_notable_figures(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
            "reported_as_of",
            "contact_details",
            "internal_notes",
            *WORKFLOW_FIELDS,
            *TIMESTAMPS,
        ]
