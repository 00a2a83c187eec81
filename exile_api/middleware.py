"""Project-wide middleware: request guards that run before any view reads the request, the
HTTP caching headers of API responses, and pinning a client's reads to the primary database
after its own writes."""

import hashlib
import logging

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.core.signals import setting_changed
from django.middleware.http import ConditionalGetMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers, set_response_etag
from django.utils.functional import SimpleLazyObject, empty

from exile_api import read_cache
from exile_api.db_routers import pinned_to_primary
from resources.api.errors import problem_response
from resources.api.throttling import client_address
from resources.editorial import history

logger = logging.getLogger(__name__)


class RequestLimitsMiddleware:
    """Refuse oversized requests before anything reads them: a body over
    MAX_REQUEST_BODY_BYTES is a 413, a query string over MAX_QUERY_STRING_BYTES a 414.

    Django's own DATA_UPLOAD_MAX_MEMORY_SIZE check answers 400 and only once a view reads the
    body; clients deserve the precise status, and the server should not read the bytes at all.

    A write whose body comes with Transfer-Encoding (chunked) is a 411: Django reads exactly
    CONTENT_LENGTH bytes of a body, and such a request has none, so its body would be taken
    for empty (a PATCH changing nothing, answered 200; a workflow action losing its reason).
    Reading it ourselves would work under one server and not another: gunicorn de-chunks
    wsgi.input, runserver hands over the raw chunks, and WSGI leaves reading past an unknown
    length to each server. Every HTTP client can send a JSON body with its length.
    """

    # The methods whose body the API reads.
    BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in self.BODY_METHODS and "HTTP_TRANSFER_ENCODING" in request.META:
            return problem_response(
                request,
                "length-required",
                detail="Send the request body with a Content-Length header: a body sent with "
                "Transfer-Encoding (chunked) is not read.",
            )
        limit = settings.MAX_REQUEST_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem_response(request, "parse-error", detail="Invalid Content-Length header.")
        if length > limit:
            return problem_response(
                request,
                "payload-too-large",
                detail=f"Request body too large: {length} bytes, the limit is {limit}.",
            )
        query_length = len(request.META.get("QUERY_STRING", ""))
        if query_length > settings.MAX_QUERY_STRING_BYTES:
            return problem_response(
                request,
                "uri-too-long",
                detail=f"Query string too long: {query_length} bytes, the limit is "
                f"{settings.MAX_QUERY_STRING_BYTES}.",
            )
        return self.get_response(request)


class ApiCacheHeadersMiddleware:
    """Cache-Control and Vary on every response under /api/, for browsers and shared caches.

    A successful read (GET or HEAD, 200 or 304) by an anonymous client is the same for everyone:
    ``public`` for API_CACHE_MAX_AGE seconds. One by an authenticated client may hold what only
    that user may see, and one that sets a cookie must not hand it to others: ``private,
    no-cache`` (stored by the browser alone, revalidated by ETag each time). Writes, errors
    and everything else: ``no-store``. A view that set its own Cache-Control keeps it. The
    response varies by what picks its format and language and by who asks. Outside /api/
    (the admin, static files) nothing is touched.
    """

    VARY = ("Accept", "Accept-Language", "Authorization", "Cookie")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith("/api/"):
            return response
        patch_vary_headers(response, self.VARY)
        if response.has_header("Cache-Control"):
            return response
        if request.method not in {"GET", "HEAD"} or response.status_code not in {200, 304}:
            patch_cache_control(response, no_store=True)
        elif is_anonymous(request) and not response.cookies:
            patch_cache_control(response, public=True, max_age=settings.API_CACHE_MAX_AGE)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response


class RateLimitHeadersMiddleware:
    """X-RateLimit-Limit, -Remaining and -Reset (a Unix time, in seconds) on every response
    the rate limits counted (resources.api.throttling leaves the figures on the request).
    X-RateLimit-* rather than the IETF draft's RateLimit fields: the draft's syntax changed
    between revisions, and these, with GitHub's meaning, are what client libraries read.

    Outside the read cache and the 304s (settings.MIDDLEWARE): a response the cache stores
    or replays carries no client's figures, and a 304 carries the asking client's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        standing = getattr(request, "rate_limit", None)
        if standing is not None:
            limit, remaining, reset = standing
            response["X-RateLimit-Limit"] = str(limit)
            response["X-RateLimit-Remaining"] = str(remaining)
            response["X-RateLimit-Reset"] = str(reset)
        return response


def is_anonymous(request):
    """Whether the request carries no credentials: no Authorization header, no session user."""
    if "Authorization" in request.headers:
        return False
    # A response cut short before AuthenticationMiddleware ran has no user; DRF sets the user
    # its own authentication found on the underlying request, so this sees that one too.
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


class ReplicaPinningMiddleware:
    """Send writes, and a client's reads for REPLICA_PIN_SECONDS after its own write, to the
    primary database; every other read goes to a replica (exile_api/db_routers.py).

    A replica lags the primary by a moment: without the pin, a client that has just created a
    record could read the list without it. The pin lives in the shared cache, so it holds
    whichever app server the load balancer picks next. A client is its Authorization header,
    else its session cookie, else its address (hashed: the cache never holds a credential).
    Without DATABASE_REPLICA_URLS there is nothing to pin and the middleware is left out.
    """

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response):
        if not settings.DATABASE_REPLICA_URLS:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        writes = request.method not in self.SAFE_METHODS
        key = pin_cache_key(request)
        pinned = writes or pin_is_set(key)
        token = pinned_to_primary.set(pinned)
        try:
            response = self.get_response(request)
        finally:
            pinned_to_primary.reset(token)
        if pinned and response.streaming:
            # A streamed body (CSV) runs its queries after this returns: keep them pinned.
            response.streaming_content = stream_with(
                response.streaming_content, pinned_to_primary, True
            )
        if writes and response.status_code < 400 and settings.REPLICA_PIN_SECONDS:
            keys = [key]
            # A login sets a new session cookie: the client's next requests carry that one.
            cookie = response.cookies.get(settings.SESSION_COOKIE_NAME)
            if cookie is not None and cookie.value:
                keys.append(client_pin_key(f"session:{cookie.value}"))
            try:
                cache.set_many(dict.fromkeys(keys, True), settings.REPLICA_PIN_SECONDS)
            except Exception:
                # The write committed: it must not become an error. The client's next reads
                # may reach a replica that lags, for a moment.
                logger.warning("Replica pin not set: the cache is unavailable.", exc_info=True)
        return response


def pin_is_set(key):
    """Whether the client is pinned to the primary; with the cache down, it is (safe)."""
    try:
        return cache.get(key) is not None
    except Exception:
        logger.warning("Replica pin unknown: the cache is unavailable.", exc_info=True)
        return True


def pin_cache_key(request):
    """The cache key that pins this request's client to the primary."""
    if "Authorization" in request.headers:
        return client_pin_key(f"authorization:{request.headers['Authorization']}")
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session:
        return client_pin_key(f"session:{session}")
    # The client address as the rate limits see it (NUM_PROXIES decides whom to believe).
    return client_pin_key(f"address:{client_address(request)}")


def client_pin_key(identity):
    return "replica-pin:" + hashlib.sha256(identity.encode()).hexdigest()


def stream_with(content, variable, value):
    """Iterate ``content`` with context ``variable`` set to ``value`` while each chunk is made:
    a streamed body (CSV) runs its queries after the middleware that set it has returned."""
    iterator = iter(content)
    while True:
        token = variable.set(value)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            variable.reset(token)
        yield chunk


class OutsideChangesMiddleware:
    """Before a request that depends on them, record the changes made in the database outside
    the app (``resources.editorial.history.record_outside_changes``): the history, the changes
    feed and the read cache's version then know of them before this request reads anything.
    HISTORY_RECORDS_OUTSIDE_CHANGES=False leaves them noted but unrecorded (the test suite's
    factories write through the ORM).

    Which requests depend on them: any read the read cache may answer (it must not replay what
    an outside change made stale), and of the others (``depends_on_recorded_changes``) writes
    (their own change follows the outside ones), the admin, a record's history and the changes
    feed. One cheap query tells whether any wait: for a read the cache may answer, the cache's
    own lookup (``read_cache.lookup``: one query with the database cache, made already if the
    read cache's front looked), which it passes on to the read cache. A read of the tables
    with the read cache off, or by a client the cache never serves, sees the outside change in
    the rows it reads and asks nothing: the cold path's one query fewer.
    """

    PATHS = ("/api/", "/admin/")
    SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        recording = settings.HISTORY_RECORDS_OUTSIDE_CHANGES
        key = read_cache.request_key(request)
        if key is not None:
            # The read cache's lookup tells whether changes wait, in the same query.
            found = request.read_cache_lookup = read_cache.request_lookup(request, key)
            if recording and found.waiting:
                history.record_outside_changes()
                request.read_cache_lookup = found._replace(version=read_cache.current_version())
        elif recording and self.depends_on_recorded_changes(request):
            _version, waiting = read_cache.current_state()
            if waiting:
                history.record_outside_changes()
        return self.get_response(request)

    def depends_on_recorded_changes(self, request):
        """Whether a request the read cache will not answer depends on them."""
        path = request.path_info
        if not path.startswith(self.PATHS) or path in read_cache.database_probe_paths():
            # The health check answers for the database itself (its own 503 body).
            return False
        if request.method not in self.SAFE_METHODS or path.startswith("/admin/"):
            return True
        return path.rstrip("/").endswith(("/history", "/changes"))


# Django's and django-csp's middleware, minus work a response does not need ---------------
#
# Each answers exactly as the original does (tests/exile_api/test_lean_middleware.py compares
# them): what they skip is work whose result is known, for every request or for this one.


class ConditionalGetOnlyIfAskedMiddleware(ConditionalGetMiddleware):
    """Django's ConditionalGetMiddleware, which parses the response's Last-Modified and the
    request's four conditional headers on every GET: a request that sent none of them gets
    its response as it was (with the ETag Django adds), without that parsing."""

    CONDITIONS = (
        "HTTP_IF_MATCH",
        "HTTP_IF_NONE_MATCH",
        "HTTP_IF_MODIFIED_SINCE",
        "HTTP_IF_UNMODIFIED_SINCE",
    )

    def process_response(self, request, response):
        meta = request.META
        if request.method != "GET" or any(meta.get(name) for name in self.CONDITIONS):
            return super().process_response(request, response)
        # What get_conditional_response answers when no condition was sent: the response.
        if self.needs_etag(response) and not response.has_header("ETag"):
            set_response_etag(response)
        return response


class LazyMessageMiddleware(MessageMiddleware):
    """Django's MessageMiddleware, whose message storage (a cookie's and a session's, with a
    signer) is made when something first uses it rather than for every request: the API
    never does. A storage nothing used has nothing to store, so its update is skipped."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)


# build_policy's answers without a view's own policy or a nonce: (report_only) -> header.
_default_policies = {}


def _forget_policies(*, setting, **kwargs):
    if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        _default_policies.clear()


setting_changed.connect(_forget_policies, dispatch_uid="exile_api.middleware.forget_policies")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, which builds the policy from the settings for every
    response: built once, for the responses that carry the settings' policy as it is (no
    view's own, through django-csp's decorators, and no nonce). The others, django-csp
    builds as before."""

    OWN_POLICY = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
    )

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in self.OWN_POLICY)
            or (response.status_code in (500, 404) and settings.DEBUG)
        ):
            return super().process_response(request, response)
        # The rest is django-csp's process_response, with the policies built once.
        for header, report_only, setting in (
            (HEADER, False, "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, True, "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            policy = _default_policies.get(report_only)
            if policy is None:
                policy = _default_policies[report_only] = build_policy(report_only=report_only)
            exempt = "_csp_exempt_ro" if report_only else "_csp_exempt"
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(tuple(prefixes or ()))
            ):
                response[header] = policy
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
