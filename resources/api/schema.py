"""The OpenAPI description: how custom fields appear, per-action summaries, and the
AutoSchema that documents every operation's errors, headers and security."""

from __future__ import annotations

import copy
import functools
import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django_filters.rest_framework import NumberFilter
from drf_spectacular import openapi
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.plumbing import ResolvedComponent, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    Direction,
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    OpenApiWebhook,
    extend_schema,
    extend_schema_view,
)
from rest_framework.serializers import (
    CharField,
    DecimalField,
    ListSerializer,
    Serializer,
    URLField,
)

from ..models.base import CuratedModel
from ..search import MAX_QUERY_LENGTH
from .conditional import ETAG_LIST_PATTERN
from .errors import PROBLEM_TYPES, problem
from .exports import FORMAT_PARAMETER
from .filters import MAX_FILTER_VALUES, CountryCodeFilter, YearFilter
from .serializers import (
    ChangeSerializer,
    ProblemSerializer,
    RetractionSerializer,
    StrictInputMixin,
)
from .serializers.revisions import correction_serializer_for

if TYPE_CHECKING:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.plumbing import ComponentRegistry
    from rest_framework.request import Request

# An OpenAPI object (a schema, an operation, a response, ...), as drf-spectacular builds it.
Schema = dict[str, Any]
# A viewset class (crud_docs reads its serializer_class, a generic class's attribute).
ViewSetT = TypeVar("ViewSetT", bound="type[Any]")

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
# What Python's str.strip() (and so DRF's trimming) counts as white space, spelt out: ECMA
# 262's \s differs (it lacks \x1c-\x1f and \x85, and has \ufeff).
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# What Django's URLValidator accepts, in a regular expression both JSON Schema (ECMA 262) and
# Python read: an http(s) or ftp(s) URL whose host is an ASCII domain name (labels of at most
# 63 characters, no hyphen at either end) with its top-level domain. Django also takes
# localhost, IP addresses and internationalized names; the schema does not offer them (an IRI
# is not a `uri` either: write the name in punycode, xn--...).
_LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_TLD = "(?:[a-zA-Z][a-zA-Z-]{0,61}[a-zA-Z]|xn--[a-zA-Z0-9]{1,59})"
URL_PATTERN = (
    f"^(?:https?|ftps?)://(?:{_LABEL}\\.){{1,3}}{_TLD}\\.?(?::[0-9]{{1,5}})?(?:[/?#][^{_SPACE}]*)?$"
)
KEY_PATTERNS = {"code": r"^[A-Za-z]{2}$", "slug": SLUG_PATTERN}
TEXT_PATTERN = r"^[^\x00]*$"
NON_BLANK_TEXT_PATTERN = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"


class KeyRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """Responses show the brief object; requests take the natural key (a string)."""

    target_class = "resources.api.serializers.base.KeyRelatedField"

    def map_serializer_field(self, auto_schema: openapi.AutoSchema, direction: Direction) -> Schema:
        if direction == "response":
            brief = self.target.brief_serializer()
            return auto_schema.resolve_serializer(brief, direction).ref
        schema = cast(Schema, build_basic_type(OpenApiTypes.STR))  # a string's: never None
        schema["description"] = f"{self.target.slug_field} of the related record"
        schema["pattern"] = KEY_PATTERNS.get(self.target.slug_field, SLUG_PATTERN)
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
    target_class = "resources.api.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema: openapi.AutoSchema) -> Schema:
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


def lookup_parameter(name: str, description: str) -> OpenApiParameter:
    """The documented path parameter that names one record."""
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.PATH, description=description)


def crud_docs(
    singular: str,
    plural: str,
    *,
    read_only: bool = False,
    lookup: OpenApiParameter | None = None,
    examples: Sequence[OpenApiExample] = (),
) -> Callable[[ViewSetT], ViewSetT]:
    """Operation summaries for a resource's standard and workflow actions.

    ``lookup`` documents the path parameter of detail routes (slug or code); ``examples``
    are request examples for create and update.
    """
    a_singular = f"{'an' if singular[0] in 'aeiou' else 'a'} {singular}"
    detail: dict[str, Any] = {"parameters": [lookup]} if lookup else {}
    key = lookup.name if lookup else "id"
    reads = [LANGUAGE_PARAMETER, *SHAPE_PARAMETERS, FORMAT_PARAMETER]
    docs: dict[str, Any] = {
        "list": extend_schema(summary=f"List {plural}", parameters=reads),
        "retrieve": extend_schema(
            summary=f"Get one {singular} by {key}",
            parameters=[*detail.get("parameters", []), *reads],
        ),
    }

    def decorate(viewset: ViewSetT) -> ViewSetT:
        # For the operations extend_schema_view cannot reach (AutoSchema.documented_lookup).
        viewset.documented_lookup = lookup
        if not read_only:
            writes: dict[str, Any] = {"examples": list(examples)} if examples else {}
            docs.update(
                create=extend_schema(summary=f"Create {a_singular} (as a draft)", **writes),
                update=extend_schema(summary=f"Replace {a_singular}", **detail, **writes),
                partial_update=extend_schema(summary=f"Update part of {a_singular}", **detail),
                destroy=extend_schema(
                    summary=f"Retract {a_singular} (DELETE never deletes)",
                    description="Retracts the record: it stays public, marked retracted with "
                    'the reason (required, in the body: {"reason": ...}) and the date. Takes '
                    "a reviewer. Answers with the retracted record.",
                    parameters=detail.get("parameters", []),
                    request=RetractionSerializer,
                    responses={200: viewset.serializer_class},
                ),
                submit=extend_schema(summary=f"Submit {a_singular} for review", **detail),
                return_to_draft=extend_schema(
                    summary=f"Return {a_singular} in review to draft", **detail
                ),
                publish=extend_schema(summary=f"Publish {a_singular} in review", **detail),
                retract=extend_schema(
                    summary=f"Retract a published {singular}",
                    request=RetractionSerializer,
                    **detail,
                ),
                history=extend_schema(summary=f"The change history of {a_singular}", **detail),
                corrections=extend_schema(
                    summary=f"The corrections proposed for {a_singular}", **detail
                ),
                submit_correction=extend_schema(
                    summary=f"Submit a correction of {a_singular} for review", **detail
                ),
                withdraw_correction=extend_schema(
                    summary=f"Withdraw a correction of {a_singular}", **detail
                ),
                publish_correction=extend_schema(
                    summary=f"Publish a correction of {a_singular} over it", **detail
                ),
            )
        return extend_schema_view(**docs)(viewset)

    return decorate


# The contract: errors, headers, security and names on every operation ---------------------

# Response examples: the API's answers on the seed (manage.py schema_examples writes them).
EXAMPLES_FILE = Path(__file__).resolve().parents[1] / "data" / "openapi_examples.json"
EXAMPLE_HOST = "api.example.org"


@functools.cache
def response_examples() -> dict[str, Any]:
    """The seed's answer per operationId; none if the file is missing."""
    try:
        return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


# The most a whole-number parameter may be (pagination.whole_number reads 18 digits at most).
WHOLE_NUMBER_MAXIMUM = 10**18 - 1
PARAMETER_MAXIMUMS = {
    ("SearchView", "limit"): 100,
    ("ChangesView", "limit"): 500,
    ("ChangesView", "since"): 2**63 - 1,
}


def comma_separated(parameter: Schema, items: Schema) -> None:
    """Document ``parameter`` as a comma-separated list of ``items`` (``?fields=a,b``)."""
    parameter["schema"] = {"type": "array", "items": items}
    parameter["style"] = "form"
    parameter["explode"] = False


PROBLEM_MEDIA_TYPE = "application/problem+json"
READ_DRAFTS_NOTE = (
    "\n\nPublic: no credentials needed. With an API key that has the `read-drafts` scope (or "
    "an editor's session), drafts and sensitive fields the key's owner may see are included."
)
PUBLIC_NOTE = "\n\nPublic: no credentials needed."
# Reads of what only editors see (a record's proposed corrections): no public access.
EDITORS_ONLY_READS = frozenset({"corrections"})
EDITORS_ONLY_NOTE = (
    "\n\nEditors and reviewers only: an API key with the `read-drafts` scope, or an editor's "
    "session (401 without credentials, 404 to others)."
)
OWNER_ONLY_NOTE = (
    "\n\nYour own only: an API key or a session (401 without credentials, 404 for another user's)."
)
COSTLY_NOTE = (
    "\n\nA costly read: counted against the lower rate limit of costly reads as well as the "
    "general one, and only one or two of a client's costly reads run at once (429 beyond)."
)
COSTLY_WHEN_NOTE = (
    "\n\nSearching with `q`, a CSV export, or a page of more than {large_page} records "
    "is a costly read: counted against the lower rate limit of costly reads as well as the "
    "general one, and only one or two of a client's costly reads run at once (429 beyond)."
)
SHAPE_NOTE = (
    " `fields=` and `omit=` narrow each record to the fields named; `brief=true` gives each "
    "record's brief form (key, name, URL) instead. Without them, every field listed as "
    "required is present."
)


def header(description: str, schema: Schema | None = None) -> Schema:
    return {"description": description, "schema": schema or {"type": "string"}}


RATE_LIMIT_HEADERS = {
    # X-RateLimit-* rather than the IETF draft's RateLimit/RateLimit-Policy fields: the draft's
    # syntax changed between revisions, while X-RateLimit-* is what GitHub and most client
    # libraries already read.
    "X-RateLimit-Limit": header(
        "Requests allowed in the current window (per client).", {"type": "integer"}
    ),
    "X-RateLimit-Remaining": header("Requests left in the current window.", {"type": "integer"}),
    "X-RateLimit-Reset": header(
        "When the window frees a request, as a Unix time in seconds.", {"type": "integer"}
    ),
}
READ_HEADERS = {
    "ETag": header("The representation's version: send it back in If-None-Match (or If-Match)."),
    "Last-Modified": header("When the record, or the newest record of the list, last changed."),
    "Cache-Control": header(
        "`public, max-age=N` for anonymous reads; `private, no-cache` with credentials; "
        "`no-store` for the health check."
    ),
    "X-Cache": header(
        "`hit` or `miss`: whether the shared read cache answered (anonymous reads, when on)."
    ),
}
# Answers about a date (a view's ``dated_actions``): how old the facts behind them are.
REPORTED_HEADERS = {
    "Reported-As-Of": header(
        "The newest source in the dataset (YYYY-MM-DD, or YYYY when only its year is known): "
        "nothing here is known beyond it. Sent with answers about a date (`in_force_on`, "
        "`current`, a profile's `as_of`).",
        {"type": "string", "pattern": r"^\d{4}(-\d{2}-\d{2})?$"},
    ),
    "Reported-As-Of-Notice": header(
        "Present when the date asked about is later than `Reported-As-Of`: the answer is as "
        "the sources reported it then, and what changed since is not known."
    ),
}
LIST_HEADERS = {
    "Link": header(
        'The next and previous pages, as `<url>; rel="next", <url>; rel="prev"` (RFC 8288).'
    ),
}
WRITE_HEADERS = {"ETag": READ_HEADERS["ETag"], "Last-Modified": READ_HEADERS["Last-Modified"]}
RETRY_AFTER = {"Retry-After": header("Seconds to wait before retrying.", {"type": "integer"})}
AUTHENTICATE = {"WWW-Authenticate": header('How to authenticate: `Api-Key realm="api"`.')}

CONDITIONAL_READ_PARAMETERS = [
    {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "ETags you hold: a 304 with no body when one still matches.",
    },
    {
        "name": "If-Modified-Since",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "An HTTP date: a 304 with no body when nothing changed since.",
    },
]
IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": ETAG_LIST_PATTERN},
    "description": "The ETag of the version you read: if the record changed since, nothing "
    "is written (412). `*` or no header: write whatever the current version.",
}

SUCCESS = {
    "200": "OK",
    "201": "Created, as a draft: the record as stored.",
}

# Each error status an operation may document: its shared response (components/responses),
# its kind of problem and the example's detail.
ERROR_RESPONSES = {
    400: ("BadRequest", "validation-error", "limit: A whole number, at least 1."),
    401: ("Unauthorized", "authentication-failed", "Invalid or revoked API key."),
    403: ("Forbidden", "permission-denied", "You do not have permission to perform this action."),
    404: ("NotFound", "not-found", "No Statistic matches the given query."),
    406: ("NotAcceptable", "not-acceptable", "Could not satisfy the request Accept header."),
    409: ("Conflict", "conflict", "Only a record in review can be published; this one is draft."),
    411: (
        "LengthRequired",
        "length-required",
        "Send the request body with a Content-Length header: a body sent with "
        "Transfer-Encoding (chunked) is not read.",
    ),
    412: ("PreconditionFailed", "precondition-failed", "The record changed since you read it."),
    413: (
        "ContentTooLarge",
        "payload-too-large",
        "Request body too large: 2000000 bytes, the limit is 1048576.",
    ),
    414: ("URITooLong", "uri-too-long", "Query string too long: 5000 bytes, the limit is 4096."),
    415: (
        "UnsupportedMediaType",
        "unsupported-media-type",
        'Unsupported media type "text/plain" in request.',
    ),
    429: (
        "TooManyRequests",
        "throttled",
        "Request was throttled. Expected available in 12 seconds.",
    ),
    503: ("ServiceUnavailable", "unavailable", "The database is unavailable. Retry shortly."),
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, made exact for generated clients.

    Every operation documents each error it can answer (as RFC 9457 problems), the headers it
    sends and honours, and its security: none on public reads. Response fields always present
    are required; request bodies refuse unknown fields. Extra actions are named for what they
    return (``statistics_history_list``, ``countries_profile``).
    """

    def get_request_serializer(self) -> Any:
        # A correction's body: its data described as this resource's PUT body, not any object.
        if getattr(self.view, "action", None) == "propose_correction":
            return correction_serializer_for(self.view.queryset.model)  # type: ignore[attr-defined]
        return super().get_request_serializer()

    def get_serializer_name(self, serializer: Serializer[Any], direction: Direction) -> str:
        """A resource serializer in its brief form is its own component: ``CountryBrief``."""
        name = super().get_serializer_name(serializer, direction)
        if getattr(serializer, "brief", False):
            return name.removesuffix("Serializer") + "Brief"
        return name

    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: ComponentRegistry,
    ) -> Schema | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        reads = self.method in ("GET", "HEAD")
        if reads and getattr(self.view, "owner_only", False):
            operation["description"] = (operation.get("description") or "") + OWNER_ONLY_NOTE
        elif reads and getattr(self.view, "action", None) in EDITORS_ONLY_READS:
            operation["description"] = (operation.get("description") or "") + EDITORS_ONLY_NOTE
        elif reads:
            # Anyone may read: no security requirement, so generated clients need no key.
            operation["security"] = []
            note = READ_DRAFTS_NOTE if self._reads_curated_records() else PUBLIC_NOTE
            operation["description"] = (operation.get("description") or "") + note
            if self._is_list_view() or "fields" in self._parameter_names(operation):
                operation["description"] += SHAPE_NOTE
            operation["description"] += self._costly_note(operation)
        self._tighten_parameters(operation)
        self._require_retraction_reason(operation)
        errors = self._error_statuses(operation, reads=reads)
        self._add_headers(operation, reads=reads)
        for code, response in operation["responses"].items():
            response["description"] = response.get("description") or SUCCESS.get(code, "OK")
        for code in errors:
            operation["responses"][str(code)] = self._problem_response(code)
        if reads and getattr(self.view, "conditional", True):
            operation["responses"]["304"] = self._component(
                ResolvedComponent.RESPONSE,
                "NotModified",
                {
                    "description": "Not modified: the ETag or date you sent still matches.",
                    "headers": self._headers(WRITE_HEADERS),
                },
            )
        self._describe_csv(operation)
        example = response_examples().get(operation["operationId"])
        if example is not None:
            content = operation["responses"]["200"]["content"]["application/json"]
            content["examples"] = {
                "seed": {"summary": "From the seed data", "value": example},
            }
        return operation

    def _reads_curated_records(self) -> bool:
        """Whether the answer holds curated records (which have drafts), unlike the health
        check and the countries' own list and detail."""
        if not self.view.get_authenticators():
            return False
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        own_read = getattr(self.view, "action", None) in ("list", "retrieve")
        return not (own_read and model is not None and not issubclass(model, CuratedModel))

    def _costly_note(self, operation: Schema) -> str:
        """What makes this read costly (resources.api.throttling.is_costly), if anything can."""
        from .pagination import LARGE_PAGE

        action = getattr(self.view, "action", None)
        if action in getattr(self.view, "costly_actions", ()) or self._view_name() == "SearchView":
            return COSTLY_NOTE
        if "limit" in self._parameter_names(operation) and hasattr(self.view, "is_costly_read"):
            note = COSTLY_WHEN_NOTE.format(large_page=LARGE_PAGE)
            return (
                note
                if self._is_list_view()
                else note.replace("Searching with `q`, a CSV export, or a", "A")
            )
        return ""

    def get_override_parameters(self) -> list[Any]:
        """A second method of an action's route (``corrections.mapping.post``) is beyond
        extend_schema_view's reach: it gets the lookup documented by ``crud_docs`` here."""
        parameters = list(super().get_override_parameters())
        lookup = getattr(self.view, "documented_lookup", None)
        named = {p.name for p in parameters if isinstance(p, OpenApiParameter)}
        if lookup is not None and f"{{{lookup.name}}}" in self.path and lookup.name not in named:
            parameters.insert(0, lookup)
        return parameters

    def get_operation_id(self) -> str:
        action = getattr(self.view, "action", None)
        if action in ("list", "retrieve", "create", "update", "partial_update", "destroy"):
            return super().get_operation_id()
        name = "_".join(token.replace("-", "_") for token in self._tokenize_path())
        if name.endswith("_corrections") and self.method == "POST":
            return f"{name}_create"  # a correction proposed; GET lists them
        # Lists that are not a viewset's own list: a record's history and corrections, the
        # changes feed.
        if name.endswith(("_history", "changes", "_corrections")):
            return f"{name}_list"
        return name

    def _map_basic_serializer(self, serializer: Any, direction: Direction) -> Schema:
        schema = super()._map_basic_serializer(serializer, direction)
        serializer = openapi.force_instance(serializer)
        for field_schema in schema["properties"].values():
            branches = field_schema.get("oneOf", [])
            if any(branch.get("maxLength") == 0 for branch in branches):
                # A blank URL or text allowed beside a format: "" matches both branches, which
                # oneOf forbids; anyOf says what is meant.
                field_schema["anyOf"] = field_schema.pop("oneOf")
        if direction == "response":
            model = getattr(getattr(serializer, "Meta", None), "model", None)
            optional = {
                *getattr(model, "SENSITIVE_FIELDS", ()),
                *getattr(serializer, "optional_response_fields", ()),
            }
            required = [name for name in schema["properties"] if name not in optional]
            schema["required"] = required
        else:
            if isinstance(serializer, StrictInputMixin):
                schema["additionalProperties"] = False
            for name, field in serializer.fields.items():
                field_schema = schema["properties"].get(name, {})
                if isinstance(field, URLField):
                    for branch in [field_schema, *field_schema.get("anyOf", [])]:
                        if branch.get("format") == "uri":
                            branch["pattern"] = URL_PATTERN
                types = field_schema.get("type", [])
                if (
                    isinstance(field, CharField)
                    and "string" in (types if isinstance(types, list) else [types])
                    and "pattern" not in field_schema
                ):
                    # DRF refuses NUL characters; and spaces alone are trimmed to nothing,
                    # which a text that may not be blank refuses.
                    blank = field.allow_blank or not field.trim_whitespace
                    field_schema["pattern"] = TEXT_PATTERN if blank else NON_BLANK_TEXT_PATTERN
                if isinstance(field, DecimalField) and field.decimal_places is not None:
                    # Django refuses more decimal places than the column keeps.
                    field_schema["multipleOf"] = 10**-field.decimal_places
                if isinstance(field, ListSerializer) and name in schema["properties"]:
                    # DRF's ListSerializer has them; the stubs leave them out.
                    min_length = field.min_length  # type: ignore[attr-defined]
                    max_length = field.max_length  # type: ignore[attr-defined]
                    if min_length is not None:
                        schema["properties"][name]["minItems"] = min_length
                    if max_length is not None:
                        schema["properties"][name]["maxItems"] = max_length
                    if name == "citations":  # the same source, locator and claim twice: a 400
                        schema["properties"][name]["uniqueItems"] = True
        schema.pop("description", None)
        description = component_description(serializer)
        if description:
            schema["description"] = description
        return schema

    # Errors -------------------------------------------------------------------------------

    def _error_statuses(self, operation: Schema, *, reads: bool) -> list[int]:
        statuses = {406, 414, 503}
        has_input = bool(operation.get("parameters")) or "requestBody" in operation
        if has_input or not reads:
            statuses.add(400)
        if self.view.get_authenticators():
            statuses.add(401)
        if self.view.get_throttles():
            statuses.add(429)
        if "{" in self.path:
            statuses.add(404)
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        sensitive: Sequence[str] = getattr(model, "SENSITIVE_FIELDS", ())
        if reads and sensitive and "fields" in self._parameter_names(operation):
            statuses.add(403)  # fields= or omit= naming a sensitive field, without read-drafts
        if not reads:
            statuses |= {403, 409, 411, 413}
            if "requestBody" in operation:
                statuses.add(415)
            if "{" in self.path:
                statuses.add(412)
        return sorted(statuses - {int(code) for code in operation["responses"]})

    def _problem_response(self, code: int) -> Schema:
        """A reference to the shared response of error ``code`` (components/responses)."""
        component, name, detail = ERROR_RESPONSES[code]
        example = problem(name, detail=detail, instance="/api/v1/statistics/1/")
        if code == 400:
            message = detail.split(": ", 1)[1]
            example["errors"] = [{"field": "limit", "code": "invalid", "detail": message}]
        response = {
            "description": PROBLEM_TYPES[name][2],
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": self.resolve_serializer(ProblemSerializer, "response").ref,
                    "examples": {name: {"value": example}},
                }
            },
        }
        # Any answer may come from the read cache's side (X-Cache: miss) and count against the
        # rate limits; a 429 and a 503 say when to retry, a 401 how to authenticate.
        headers = {**RATE_LIMIT_HEADERS, "X-Cache": READ_HEADERS["X-Cache"]}
        if code in (429, 503):
            headers |= RETRY_AFTER
        if code == 401:
            headers |= AUTHENTICATE
        response["headers"] = self._headers(headers)
        return self._component(ResolvedComponent.RESPONSE, component, response)

    def _component(self, kind: str, name: str, schema: Schema) -> Schema:
        """Register ``schema`` as component ``name`` of ``kind``; a reference to it."""
        component = ResolvedComponent(name=name, type=kind, schema=schema, object=name)
        self.registry.register_on_missing(component)
        return {"$ref": f"#/components/{kind}/{name}"}

    def _headers(self, headers: Mapping[str, Schema]) -> dict[str, Schema]:
        """References to shared header components, by header name."""
        return {
            name: self._component(ResolvedComponent.HEADER, name, definition)
            for name, definition in headers.items()
        }

    # Headers ------------------------------------------------------------------------------

    def _add_headers(self, operation: Schema, *, reads: bool) -> None:
        parameters = operation.setdefault("parameters", [])
        throttled = bool(self.view.get_throttles())
        for code, response in operation["responses"].items():
            if code == "503" and "$ref" not in response:
                # The health check's own 503 body: Retry-After, as every 503 has.
                response.setdefault("headers", {}).update(self._headers(RETRY_AFTER))
            if not code.startswith("2"):
                continue
            headers = response.setdefault("headers", {})
            if reads and not getattr(self.view, "conditional", True):
                headers.update(self._headers({"Cache-Control": READ_HEADERS["Cache-Control"]}))
            elif reads:
                headers.update(self._headers(READ_HEADERS))
                if self._is_list_view() or operation["operationId"].endswith("_list"):
                    headers.update(self._headers(LIST_HEADERS))
            elif "{" in self.path and code not in ("202", "204"):
                # A write's answer carries the record's new version; not one queued for later
                # (202) or with no body (204).
                headers.update(self._headers(WRITE_HEADERS))
            if reads and getattr(self.view, "action", None) in getattr(
                self.view, "dated_actions", ()
            ):
                headers.update(self._headers(REPORTED_HEADERS))
            if throttled:
                headers.update(self._headers(RATE_LIMIT_HEADERS))
        if reads and getattr(self.view, "conditional", True):
            parameters.extend(CONDITIONAL_READ_PARAMETERS)
        elif "{" in self.path:
            parameters.append(IF_MATCH_PARAMETER)
        if not parameters:
            operation.pop("parameters")

    # CSV ----------------------------------------------------------------------------------

    def _describe_csv(self, operation: Schema) -> None:
        """CSV is text: a string schema, its columns described, never the JSON page."""
        for response in operation["responses"].values():
            content = response.get("content", {})
            if "text/csv" not in content:
                continue
            json_schema = content.get("application/json", {}).get("schema", {})
            columns = self._csv_columns(json_schema)
            listing = "every record matching the filters" if self._is_list_view() else "one row"
            content["text/csv"] = {
                "schema": {
                    "type": "string",
                    "description": f"CSV (RFC 4180) with a header line, then {listing}. "
                    + (f"Columns: {', '.join(columns)}. " if columns else "")
                    + "Cells are flattened as the `format` parameter describes.",
                }
            }

    def _csv_columns(self, schema: Schema) -> list[str]:
        """The property names of the record schema behind a JSON response schema."""
        schema = self._component_schema(schema)
        if "properties" in schema and "results" in schema["properties"]:
            schema = schema["properties"]["results"].get("items", {})
        return list(self._component_schema(schema).get("properties", {}))

    def _component_schema(self, schema: Schema) -> Schema:
        """The component a ``$ref`` schema names (as registered so far), or the schema."""
        ref = schema.get("$ref")
        if ref is None:
            return schema
        component = self.registry._components.get((ref.rsplit("/", 1)[-1], "schemas"))
        return component.schema if component is not None else {}

    def _require_retraction_reason(self, operation: Schema) -> None:
        """A retraction (DELETE, or POST .../retract/) takes a body with its reason: DRF
        documents no body for DELETE, and an optional one for the action."""
        if self.method == "DELETE" or getattr(self.view, "action", None) == "retract":
            body = self.resolve_serializer(RetractionSerializer, "request").ref
            operation["requestBody"] = {
                "content": {"application/json": {"schema": body}},
                "required": True,
            }

    # Parameters ---------------------------------------------------------------------------

    def _tighten_parameters(self, operation: Schema) -> None:
        """Each query parameter's schema says what the server accepts, no more and no less."""
        if "parameters" in operation and not self._is_list_view():
            # The summary takes the list's filters, but a summary has no order.
            operation["parameters"] = [
                p for p in operation["parameters"] if p["name"] != "ordering"
            ]
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            name, schema = parameter["name"], parameter["schema"]
            if name in ("fields", "omit"):
                choices = self._response_field_names()
                if choices:
                    comma_separated(parameter, {"type": "string", "enum": choices})
                    parameter["schema"]["minItems"] = 1  # ?fields= names none: a 400
            elif name == "ordering":
                fields = getattr(self.view, "ordering_fields", None) or []
                terms = [term for field in fields for term in (field, f"-{field}")]
                comma_separated(parameter, {"type": "string", "enum": terms})
            elif name in ("type", "group_by") and "enum" not in schema:
                comma_separated(parameter, {"type": "string", "enum": self._choices_of(name)})
            elif name == "q":
                schema.update(maxLength=MAX_QUERY_LENGTH, pattern=TEXT_PATTERN)
                if parameter.get("required"):
                    schema.update(minLength=1, pattern=NON_BLANK_TEXT_PATTERN)
            elif name in ("limit", "offset", "since"):
                schema.update(type="integer", minimum=0 if name != "limit" else 1)
                schema.setdefault("maximum", PARAMETER_MAXIMUMS.get((self._view_name(), name)))
                if schema["maximum"] is None:
                    schema["maximum"] = WHOLE_NUMBER_MAXIMUM
            elif schema.get("type") == "array" and "maxItems" not in schema:
                schema["maxItems"] = MAX_FILTER_VALUES
                items = schema.get("items", {})
                if "enum" not in items and isinstance(self._filter(name), CountryCodeFilter):
                    items["pattern"] = KEY_PATTERNS["code"]
                elif "enum" not in items:
                    items["pattern"] = SLUG_PATTERN
            elif isinstance(self._filter(name), YearFilter):
                schema.update(type="integer", minimum=1, maximum=9999)
            elif isinstance(self._filter(name), NumberFilter):
                # django-filter's own bound on numbers (beyond it, a 400).
                schema["maximum"] = self._filter(name).get_max_validator().limit_value
            elif name == "period_overlaps":
                date = {"type": "string", "format": "date"}
                comma_separated(parameter, date)
                parameter["schema"].update(minItems=2, maxItems=2)
            elif schema.get("type") == "string" and self._filter(name) is not None:
                schema.setdefault("minLength", 1)  # ?name= is refused: give a value or none
            elif name == "reason":
                schema["minLength"] = 1

    def _filter(self, name: str) -> Any:
        """The view's django-filter filter of query parameter ``name``, if any."""
        filterset = getattr(self.view, "filterset_class", None)
        return filterset.base_filters.get(name) if filterset is not None else None

    def _response_field_names(self) -> list[str]:
        serializer = self._get_serializer()
        fields = getattr(serializer, "fields", None)
        return list(fields) if fields else []

    def _choices_of(self, name: str) -> list[str]:
        from ..registry import CURATED_MODELS, RECORD_TYPES
        from ..search import TYPES
        from ..summaries import GROUPINGS

        if name == "group_by":
            return list(GROUPINGS)
        if self._view_name() == "SearchView":
            return list(TYPES)
        return [RECORD_TYPES[model] for model in CURATED_MODELS]

    def _view_name(self) -> str:
        return type(self.view).__name__

    @staticmethod
    def _parameter_names(operation: Schema) -> set[str]:
        return {p["name"] for p in operation.get("parameters", [])}


def component_description(serializer: Any) -> str:
    """A component's public description: the serializer's own docstring, else its model's.

    Inherited docstrings of mixins and base classes are notes for developers, not users."""
    own = type(serializer).__dict__.get("__doc__")
    if own:
        return inspect.cleandoc(own)
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is not None and model.__dict__.get("__doc__"):
        return inspect.cleandoc(model.__doc__)
    return ""


def typed_changes(
    result: Schema, generator: SchemaGenerator, request: Request | None, public: bool
) -> Schema:
    """drf-spectacular postprocessing hook: a change is one of a union of per-type changes,
    told apart by ``type``, whose ``record`` is that resource's write shape (with its workflow
    status) and whose ``changes`` map each field to its old and new value."""
    # Imported here: the registry of record types imports the serializers, which import this
    # module's neighbours.
    from ..editorial.snapshots import SERIALIZERS, SNAPSHOT_WORKFLOW_FIELDS
    from ..registry import RECORD_TYPES

    schemas = result["components"]["schemas"]
    change = schemas.get("Change")
    if change is None:
        return result
    field_change = {
        "type": "object",
        "description": "One field's value before and after the change, in the write shape.",
        "properties": {
            "old": {"description": "The value before; null for a new record."},
            "new": {"description": "The value after."},
        },
        "required": ["old", "new"],
    }
    variants: dict[str, str] = {}
    for model, serializer in SERIALIZERS.items():
        name = serializer.__name__.removesuffix("Serializer")
        write_shape = schemas.get(f"{name}Request")
        if write_shape is None:
            continue
        properties = {
            **write_shape["properties"],
            "publication_status": {"$ref": "#/components/schemas/PublicationStatusEnum"},
            "retraction_reason": {
                "type": "string",
                "description": "Why it was retracted; empty unless retracted.",
            },
        }
        curated = cast("type[CuratedModel]", model)  # the snapshots are of curated records
        optional = set(curated.SENSITIVE_FIELDS)
        verbose_name = str(model._meta.verbose_name)
        a_name = f"{'an' if verbose_name[0] in 'aeiou' else 'a'} {verbose_name}"
        schemas[f"{name}Snapshot"] = {
            "type": "object",
            "description": f"{a_name.capitalize()} in its write shape, with its "
            f"workflow fields ({', '.join(SNAPSHOT_WORKFLOW_FIELDS)}). Sensitive fields only "
            "for readers of drafts.",
            "properties": properties,
            "required": [field for field in properties if field not in optional],
            "additionalProperties": False,
        }
        type_name = RECORD_TYPES[model]
        variant = copy.deepcopy(change)
        variant["description"] = f"A change to {a_name}."
        variant["properties"]["type"] = {
            "type": "string",
            "enum": [type_name],
            "description": "Kind of record.",
        }
        variant["properties"]["record"] = {
            "oneOf": [{"$ref": f"#/components/schemas/{name}Snapshot"}, {"type": "null"}],
            "description": change["properties"]["record"].get("description", ""),
        }
        variant["properties"]["changes"] = {
            "type": "object",
            "additionalProperties": {"$ref": "#/components/schemas/FieldChange"},
            "description": change["properties"]["changes"].get("description", ""),
        }
        schemas[f"{name}Change"] = variant
        variants[type_name] = f"#/components/schemas/{name}Change"
    schemas["FieldChange"] = field_change
    schemas["Change"] = {
        "description": change.get("description", ""),
        "oneOf": [{"$ref": ref} for ref in variants.values()],
        "discriminator": {"propertyName": "type", "mapping": variants},
    }
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result


def drop_unused_components(
    result: Schema, generator: SchemaGenerator, request: Request | None, public: bool
) -> Schema:
    """drf-spectacular postprocessing hook: no schema component that nothing refers to (a
    read-only nested list still registers a request form of its serializer)."""
    schemas = result["components"]["schemas"]
    while True:
        # default=str: a lazy translation (drf-spectacular's own descriptions) is text too.
        text = json.dumps(
            {**result, "components": {**result["components"], "schemas": {}}}, default=str
        )
        text += json.dumps(list(schemas.values()), default=str)
        unused = [name for name in schemas if f'"#/components/schemas/{name}"' not in text]
        if not unused:
            return result
        for name in unused:
            del schemas[name]


# Subscriptions' deliveries (resources.subscriptions), as OpenAPI 3.1 webhooks: what a
# subscriber's endpoint receives (SPECTACULAR_SETTINGS["WEBHOOKS"]).
WEBHOOK_HEADERS = [
    {
        "name": "Exile-Signature",
        "in": "header",
        "required": True,
        "description": '`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the '
        "subscription's secret.",
        "schema": {"type": "string", "pattern": "^t=[0-9]+,v1=[0-9a-f]{64}$"},
    },
    {
        "name": "Exile-Event",
        "in": "header",
        "required": True,
        "description": "`<type>.<action>`, e.g. `policy.published`.",
        "schema": {"type": "string"},
    },
    {
        "name": "Idempotency-Key",
        "in": "header",
        "required": True,
        "description": "A UUID naming the delivery: the same on every attempt and redelivery.",
        "schema": {"type": "string", "format": "uuid"},
    },
]


def webhook_headers(
    result: Schema, generator: SchemaGenerator, request: Request | None, public: bool
) -> Schema:
    """drf-spectacular postprocessing hook: the headers every delivery carries, which
    drf-spectacular leaves out of a webhook built from ``extend_schema``."""
    for path_item in result.get("webhooks", {}).values():
        for operation in path_item.values():
            operation["parameters"] = copy.deepcopy(WEBHOOK_HEADERS)
    return result


CHANGE_WEBHOOK = OpenApiWebhook(
    name="change",
    decorator=extend_schema(
        summary="A change you subscribed to",
        description=(
            "POSTed to a subscription's `target_url` for each recorded change that matches its "
            "filter and that its owner may read: the changes feed's entry for the change "
            "(the public view for owners who cannot read drafts).\n\n"
            "Verify `Exile-Signature` before trusting the body: it is "
            '`t=<unix time>,v1=<hex>`, where `<hex>` is the HMAC-SHA256 of `"<t>.<body>"` '
            "(the raw bytes) with the subscription's secret; refuse a `t` more than five "
            "minutes old. Deliveries come at least once and in order per subscription: use "
            "`Idempotency-Key` to ignore one you have processed. Any 2xx answer is success; "
            "anything else (or no answer within 5 s) is retried with exponential backoff "
            "for a day, after which the subscription is paused."
        ),
        request={"application/json": ChangeSerializer},
        responses={
            200: OpenApiResponse(description="Any 2xx: received."),
            500: OpenApiResponse(description="Anything else: retried later."),
        },
    ),
)
