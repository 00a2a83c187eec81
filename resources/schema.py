"""OpenAPI documentation helpers: how custom fields appear, and per-action summaries."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view


class KeyRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """Responses show the brief object; requests take the natural key (a string)."""

    target_class = "resources.serializers.KeyRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            brief = self.target.brief_serializer
            return auto_schema.resolve_serializer(brief, direction).ref
        schema = build_basic_type(OpenApiTypes.STR)
        schema["description"] = f"{self.target.slug_field} of the related record"
        return schema


def crud_docs(singular, plural, *, read_only=False, detail_key="id"):
    """Operation summaries for a resource's standard actions."""
    docs = {
        "list": extend_schema(summary=f"List {plural}"),
        "retrieve": extend_schema(summary=f"Get one {singular} by {detail_key}"),
    }
    if not read_only:
        docs |= {
            "create": extend_schema(summary=f"Create a {singular}"),
            "update": extend_schema(summary=f"Replace a {singular}"),
            "partial_update": extend_schema(summary=f"Update part of a {singular}"),
            "destroy": extend_schema(summary=f"Delete a {singular}"),
        }
    return extend_schema_view(**docs)
