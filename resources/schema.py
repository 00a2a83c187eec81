"""OpenAPI documentation helpers: how custom fields appear, and per-action summaries."""

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from .exports import FORMAT_PARAMETER
from .serializers import ReasonSerializer


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


LANGUAGE_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["en", "ru"],
    description=(
        "Language of names, descriptions and summaries: ru gives the Russian version where a "
        "record has one, English otherwise. Overrides the Accept-Language header."
    ),
)


SHAPE_PARAMETERS = [
    OpenApiParameter(
        "fields",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description="Comma-separated fields to return (default all), e.g. slug,value,citations.",
    ),
    OpenApiParameter(
        "omit",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description="Comma-separated fields to leave out, e.g. citations.",
    ),
    OpenApiParameter(
        "brief",
        OpenApiTypes.BOOL,
        OpenApiParameter.QUERY,
        description="true: the brief form of each record (key, name, URL), as used for nesting.",
    ),
]


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "resources.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An app's API key, sent as `Api-Key <key>` (or `Bearer <key>`).",
        }


PAGE_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1},
        OpenApiParameter.QUERY,
        description="Page size: 50 by default; more than 500 is served as 500.",
    ),
    OpenApiParameter(
        "offset",
        {"type": "integer", "minimum": 0},
        OpenApiParameter.QUERY,
        description="How many to skip.",
    ),
]

REASON_PARAMETER = OpenApiParameter(
    "reason",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="Why the record is retracted (instead of a JSON body).",
)


def lookup_parameter(name, description):
    """The documented path parameter that names one record."""
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.PATH, description=description)


def crud_docs(singular, plural, *, read_only=False, lookup=None, examples=()):
    """Operation summaries for a resource's standard and workflow actions.

    ``lookup`` documents the path parameter of detail routes (slug or code); ``examples``
    are request examples for create and update.
    """
    a_singular = f"{'an' if singular[0] in 'aeiou' else 'a'} {singular}"
    detail = {"parameters": [lookup]} if lookup else {}
    key = lookup.name if lookup else "id"
    reads = [LANGUAGE_PARAMETER, *SHAPE_PARAMETERS, FORMAT_PARAMETER]
    docs = {
        "list": extend_schema(summary=f"List {plural}", parameters=reads),
        "retrieve": extend_schema(
            summary=f"Get one {singular} by {key}",
            parameters=[*detail.get("parameters", []), *reads],
        ),
    }

    def decorate(viewset):
        if not read_only:
            writes = {"examples": list(examples)} if examples else {}
            docs.update(
                create=extend_schema(summary=f"Create {a_singular} (as a draft)", **writes),
                update=extend_schema(summary=f"Replace {a_singular}", **detail, **writes),
                partial_update=extend_schema(summary=f"Update part of {a_singular}", **detail),
                destroy=extend_schema(
                    summary=f"Retract {a_singular} (DELETE never deletes)",
                    description="Retracts the record: it stays public, marked retracted with "
                    'the reason (required, as ?reason= or a JSON body {"reason": ...}) and the '
                    "date. Takes a reviewer. Answers with the retracted record.",
                    parameters=[*detail.get("parameters", []), REASON_PARAMETER],
                    request=ReasonSerializer,
                    responses={200: viewset.serializer_class},
                ),
                submit=extend_schema(summary=f"Submit {a_singular} for review", **detail),
                return_to_draft=extend_schema(
                    summary=f"Return {a_singular} in review to draft", **detail
                ),
                publish=extend_schema(summary=f"Publish {a_singular} in review", **detail),
                retract=extend_schema(summary=f"Retract a published {singular}", **detail),
                history=extend_schema(summary=f"The change history of {a_singular}", **detail),
            )
        return extend_schema_view(**docs)(viewset)

    return decorate


def responses_promise_no_fields(result, generator, request, public):
    """drf-spectacular postprocessing hook: a response component lists no required fields,
    since ``fields=``, ``omit=`` and ``brief=true`` let a client ask for any subset."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request") and component.get("type") == "object":
            component.pop("required", None)
    return result
