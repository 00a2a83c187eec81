"""The express lane: a plain anonymous read of one record, answered before the generic request
handling, with the answer that handling would have given, byte for byte.

A cold read of a statistic's detail runs one prepared statement (``sql_json.record_document``)
and yet spent four times as long again in the request handling around it: some twenty
middleware, DRF's request wrapping, negotiation, authentication, permissions and response
rendering, each doing for every request what only some need. For the plainest request, the
one apps and bots send most, almost all of it has the same outcome every time, and the lane
answers that request itself:

- a GET with no query string, no cookie, no Authorization, no Origin, no conditional header
  and no body, accepting anything or JSON, of a record's detail (``retrieve``) of a resource
  whose JSON PostgreSQL builds, by its primary key, with no read replicas configured;
- what only the request can tell, the lane does as the request handling does, with the same
  code: the rate limits count it (the resource's own throttles, whose standing goes into the
  X-RateLimit-* headers), its statements run under the anonymous statement timeout, the
  record is read with its JSON (one prepared statement), rendered by the resource's JSON
  renderer, given its ETag and Last-Modified; with the read cache on, the answer is stored
  as the read cache would store it (``exile_api.read_cache``), its lookup made by the front;
- everything else in the answer, the headers every middleware and DRF add (security and
  caching headers, Vary, Allow, the language, the content security policy...), depends only
  on the request's *shape*: its route, scheme, host, Accept and Accept-Language headers and
  the settings. The lane takes them from the request handling's own answers to the first
  requests of that shape, which it lets through and learns from (``learn``): two records'
  answers, which must agree but for the record's own headers (ETag, Last-Modified,
  Content-Length) and the client's (X-RateLimit-*), which the lane then fills in.

Anything else goes through the request handling, which answers it as before: the first
requests of a shape, a missing record (the 404 problem), a refused rate limit (the 429
problem), a database error, changes made outside the app waiting to be recorded. Such a
request is counted by the throttles once: the lane hands its verdict on
(``base.THROTTLE_VERDICT``). tests/api/test_express.py compares the lane's answers with the
request handling's, header for header, over records of every kind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpResponseBase
from django.urls import Resolver404, get_resolver, set_script_prefix

from exile_api import read_cache
from exile_api.statement_timeout import statements_under

from ..models.base import CuratedModel
from ..visibility import reads_drafts
from .base import THROTTLE_VERDICT, ResourceViewSet
from .conditional import last_modified, record_etag, version_of
from .sql_json import DOCUMENTS, document_row

logger = logging.getLogger(__name__)

# Headers a request of the lane may not have: each changes the answer or who asks. (A Cookie
# header holding no cookie is as none: every middleware reads the cookies, not the header.)
NOT_PLAIN = (
    "HTTP_AUTHORIZATION",
    "HTTP_ORIGIN",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_TRANSFER_ENCODING",
)
# Accept headers whose answer is the first renderer's (StrictContentNegotiation.takes_first).
PLAIN_ACCEPTS = (None, "*/*", "application/json")
# Headers whose values are the record's or the client's, filled in for each answer. Another
# header of a record's detail that follows the record must be added here: until it is, the
# two records' answers a shape is learnt from disagree, and the lane leaves that shape alone.
RECORD_HEADERS = frozenset({"etag", "last-modified", "content-length"})
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
# In the environ of a request the lane let through to learn from: its shape's key and the
# record's primary key.
SHAPE_KEY = "exile_api.express.shape"
# Shapes held at most: Accept-Language is the client's to vary.
MOST_SHAPES = 256


@dataclass(frozen=True)
class ThrottleVerdict:
    """What the throttles said when the lane counted a request it then let through: the
    waits of those that refused it, and the standing they left for the X-RateLimit-* headers."""

    waits: list[float | None]
    standing: tuple[int, int, int] | None


@dataclass(frozen=True)
class Shape:
    """The request handling's answer to requests of one shape, but the record's and the
    client's headers: its headers in order (None where the record's or the client's value
    goes), the headers the read cache stored with it (None with the read cache off), and the
    language it was given in."""

    headers: list[tuple[str, str | None]]
    stored_headers: list[tuple[str, str | None]] | None
    language: str


# Shapes learnt: answered by the lane.
_shapes: dict[tuple[Any, ...], Shape] = {}
# Shapes seen answered once, for one record (its primary key): learnt once a second record's
# answer agrees with it.
_candidates: dict[tuple[Any, ...], tuple[int, Shape]] = {}
# Shapes whose answers to two records differed in more than the record's headers: the lane
# would give one record's to the other, so it answers none.
_refused: set[tuple[Any, ...]] = set()


def _forget_shapes(**kwargs: Any) -> None:
    # Any setting may change what a middleware answers.
    _shapes.clear()
    _candidates.clear()
    _refused.clear()


setting_changed.connect(_forget_shapes, dispatch_uid="resources.api.express.forget_shapes")


@dataclass
class Request:
    """A request the lane may answer: the Django request, its route and its shape."""

    django: WSGIRequest
    view: ResourceViewSet[Any]
    pk: int
    key: tuple[Any, ...]
    origin: str  # scheme://host, as the record's URLs begin


def plain(environ: dict[str, Any]) -> bool:
    """Whether the environ is of a request the lane may answer (before its route is known)."""
    return (
        environ.get("REQUEST_METHOD") == "GET"
        and environ.get("PATH_INFO", "").startswith("/api/")
        and not environ.get("QUERY_STRING")
        and environ.get("CONTENT_LENGTH") in (None, "", "0")
        and environ.get("HTTP_ACCEPT") in PLAIN_ACCEPTS
        and not environ.get("HTTP_COOKIE")
        and not any(name in environ for name in NOT_PLAIN)
        and not settings.DATABASE_REPLICA_URLS
    )


def express_request(environ: dict[str, Any]) -> Request | None:
    """The request, if the lane may answer it: a plain one, of a route it serves."""
    if not plain(environ):
        return None
    request = WSGIRequest(environ)
    try:
        host = request.get_host()
        # The URLconf the request handling resolves with (get_resolver(): ROOT_URLCONF, as
        # no middleware sets the request's own).
        match = get_resolver().resolve(request.path_info)
    except (DisallowedHost, Resolver404):
        return None
    view_class = getattr(match.func, "cls", None)
    actions = getattr(match.func, "actions", None) or {}
    key = match.kwargs.get("pk", "")
    if (
        not isinstance(view_class, type)
        or not issubclass(view_class, ResourceViewSet)
        or actions.get("get") != "retrieve"
        or set(match.kwargs) != {"pk"}
        or view_class.lookup_field != "pk"
        or view_class.queryset.model not in DOCUMENTS
        or not (key.isascii() and key.isdigit() and len(key) <= 18)
    ):
        return None
    # As DRF's viewset view makes its view (ViewSetMixin.as_view).
    view = view_class(**getattr(match.func, "initkwargs", {}))
    view.action_map = actions
    view.args, view.kwargs = match.args, match.kwargs
    shape = (
        match.func,
        request.scheme,
        host,
        environ.get("HTTP_ACCEPT"),
        environ.get("HTTP_ACCEPT_LANGUAGE"),
        bool(settings.READ_CACHE_SECONDS),
    )
    # build_absolute_uri("/") without its slash: a valid host is ASCII, left as it is.
    return Request(request, view, int(key), shape, f"{request.scheme}://{host}")


def answer(environ: dict[str, Any]) -> tuple[list[tuple[str, str]], bytes] | None:
    """The headers and body of the answer to a request the lane answers; else None, the
    request left to the request handling (with what it needs in the environ)."""
    express = express_request(environ)
    if express is None:
        return None
    visit = environ.get(read_cache.FRONT_VISIT)
    if settings.READ_CACHE_SECONDS and not read_cache.may_store(visit):
        return None  # the read cache's own handling: its lookup failed, or changes wait
    shape = _shapes.get(express.key)
    if shape is None:
        if express.key not in _refused:
            # Answered by the request handling, and learnt from.
            environ[SHAPE_KEY] = (express.key, express.pk)
        return None
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        return None  # never at the start of a request served (a test's transaction)
    # What every request starts with (close_old_connections): no connection past its age.
    connection.close_if_unusable_or_obsolete()
    set_script_prefix(read_cache.script_prefix(environ))  # as the request handling does
    view, request = express.view, express.django
    drf_request = view.initialize_request(request)
    # No Authorization header and no session cookie: each authenticator would find nothing,
    # and the client is DRF's unauthenticated one, as without them.
    drf_request.authenticators = ()
    view.request, view.format_kwarg = drf_request, None
    if view.is_costly_read(drf_request):
        return None
    timeout = settings.ANONYMOUS_STATEMENT_TIMEOUT_MS or None
    with statements_under(timeout):
        waits = view.throttle_waits(drf_request)
        standing = getattr(request, "rate_limit", None)
        # Counted: whatever the request handling answers from here on, it counts nothing.
        environ[THROTTLE_VERDICT] = ThrottleVerdict(waits, standing)
        if waits:
            return None  # the 429, from the request handling
        model = view.queryset.model
        public_only = issubclass(model, CuratedModel) and not reads_drafts(drf_request, model)
        try:
            row = document_row(
                model,
                express.pk,
                request,
                shape.language,
                public_only=public_only,
                origin=express.origin,
            )
        except DatabaseError:
            row = None  # the 503 problem (or the 404), from the request handling
    if row is None:
        return None
    pk, updated_at, document = row
    renderer = view.get_renderers()[0]
    rendered = renderer.render(
        orjson.loads(document), renderer.media_type, view.get_renderer_context()
    )
    content = rendered.encode() if isinstance(rendered, str) else rendered
    record_values = {
        "etag": record_etag(version_of(pk, updated_at), content),
        "last-modified": last_modified(updated_at),
        "content-length": str(len(content)),
    }
    headers = filled(shape.headers, record_values, standing)
    if headers is None:
        return None
    if shape.stored_headers is not None and visit is not None:
        stored = filled(shape.stored_headers, record_values, None)
        if stored is not None and len(content) <= settings.READ_CACHE_MAX_BYTES:
            read_cache.store_answer(visit, stored, content, headers)
    return headers, content


def filled(
    template: list[tuple[str, str | None]],
    record_values: dict[str, str],
    standing: tuple[int, int, int] | None,
) -> list[tuple[str, str]] | None:
    """A shape's headers with the record's and the client's values; None if the shape's
    rate-limit headers and the client's standing do not go together."""
    rates = dict(zip(RATE_HEADERS, map(str, standing), strict=True)) if standing else {}
    headers = []
    for name, value in template:
        if value is None:
            value = record_values.get(name.lower()) or rates.pop(name, None)
            if value is None:
                return None
        headers.append((name, value))
    return None if rates else headers


def learn(request: Any, response: HttpResponseBase) -> None:
    """Learn a shape from the request handling's answers to requests the lane let through
    for that (``SHAPE_KEY``): 200 JSON records answered as the lane would answer them, for two
    different records, whose headers must agree but for the record's own values. A header
    that followed the record (a detail's header the lane does not know of) makes them
    disagree, and the lane then never answers that shape."""
    seen = request.META.get(SHAPE_KEY)
    if seen is None:
        return
    key, pk = seen
    shape = answered_shape(key, request, response)
    if shape is None or key in _shapes or key in _refused:
        return
    candidate = _candidates.get(key)
    if candidate is None:
        if len(_candidates) >= MOST_SHAPES:
            _candidates.clear()
        _candidates[key] = (pk, shape)
        return
    if candidate[0] == pk:
        return  # the same record again: nothing to compare
    del _candidates[key]
    if candidate[1] != shape:
        logger.warning("Two records' answers differ beyond their own headers; not expressed.")
        if len(_refused) >= MOST_SHAPES:
            _refused.clear()
        _refused.add(key)
        return
    if len(_shapes) >= MOST_SHAPES:
        _shapes.clear()
    _shapes[key] = shape


def answered_shape(key: tuple[Any, ...], request: Any, response: HttpResponseBase) -> Shape | None:
    """The shape of the request handling's answer, if it is a record's 200 JSON as the lane
    gives them; None otherwise."""
    names = {name.lower() for name in response.headers}
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or response.get("Content-Type") != "application/json"
        or not names >= RECORD_HEADERS
        or not response.has_header("Content-Language")
    ):
        return None
    stored_headers = None
    if key[-1]:  # the read cache on: the entry must have been stored, with its headers
        visit = request.META.get(read_cache.FRONT_VISIT)
        entry = getattr(visit, "entry", None)
        if response.get("X-Cache") != "miss" or entry is None:
            return None
        stored_headers = template(entry[1])
    return Shape(template(response.items()), stored_headers, response["Content-Language"])


def template(headers: Any) -> list[tuple[str, str | None]]:
    """Headers with the record's and the client's values left out (None)."""
    return [
        (name, None if name.lower() in RECORD_HEADERS or name in RATE_HEADERS else value)
        for name, value in headers
    ]
