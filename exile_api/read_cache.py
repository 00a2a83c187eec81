"""The read cache: anonymous API reads answered from the shared cache, invalidated by every
recorded change.

A GET (or HEAD) under /api/ without credentials (no Authorization header, no session cookie)
is looked up in the shared cache (CACHES: the database cache, or Redis with REDIS_URL), which
every worker and every app server sees. The key is everything that picks the response: scheme
and host (bodies hold absolute URLs), path, the whole query string, Accept, Accept-Language,
the language cookie, and today's date (``current=true`` and the country profile depend on it).

Correctness is by version, not by deleting entries. PostgreSQL holds the current version (the one
row of resources_publicversion): a new unique value, written in the same transaction as every change
the public can see (``resources.editorial.history.record_change``; a draft's changes leave it alone)
and after every ``migrate`` (a deploy). Each entry holds the version it was computed under, read
before computing it, so a write that commits meanwhile makes it useless. As the version lives in the
database, a write never depends on the cache: with the cache down (Redis stopped), writes succeed,
reads bypass the cache, and entries stored before the outage are stale the moment a change commits,
whether the cache saw it or not. READ_CACHE_SECONDS bounds an entry's life only as a backstop; 0
turns the cache off.

Only what is the same for everyone is stored: a GET's 200, not streamed (CSV), no cookies,
marked ``public`` by ApiCacheHeadersMiddleware (so never what an authenticated client read),
varying only on what the key holds, at most READ_CACHE_MAX_BYTES. A stored response is
replayed with the headers it had (ETag, Last-Modified, Cache-Control, Vary, Content-Language,
Content-Security-Policy...); the middleware outside it (ConditionalGetMiddleware: 304 for
If-None-Match; CORS; security headers) runs on a hit as on a miss. ``X-Cache: hit`` or ``miss``
says which it was.

A hit never reaches the view, so DRF's rate limits do not count it: like a CDN in front of the
app, a hit costs one cache read, and only misses are throttled. With read replicas, a miss may
read a replica that has not yet replayed the latest write: for REPLICA_PIN_SECONDS after a
change (the time the replica pinning allows a replica to catch up), responses are not stored.
"""

import hashlib
import json
import logging
import time
import uuid
from functools import cache as memoize
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import cc_delim_re

logger = logging.getLogger(__name__)

ENTRY_PREFIX = "read-cache:entry:"
# A stored response may vary only on what the key holds, or on credentials (never cached).
KEYED_VARY = frozenset({"accept", "accept-language", "authorization", "cookie"})
NOT_SHARED = frozenset({"private", "no-cache", "no-store"})


def invalidate():
    """Make every stored read stale at once: a new version, written in the current
    transaction (kept if and only if the change that asked for it is)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("UPDATE resources_publicversion SET value = %s", [new_version()])


def current_version():
    """The version the data is at, from the primary (a replica may lag behind it)."""
    return current_state()[0]


def current_state():
    """The version, and whether changes made outside the app wait to be recorded
    (``resources.editorial.history.record_outside_changes``): one query for both."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT value FROM resources_publicversion),"
            " EXISTS (SELECT 1 FROM resources_pendingchange)"
        )
        return cursor.fetchone()


def new_version():
    """A value never used before, starting with its time for the replica rule."""
    return f"{time.time_ns()}-{uuid.uuid4().hex}"


@memoize
def never_cached_paths():
    """Paths never looked up: the health check must reach the database each time."""
    return frozenset({reverse("health")})


class Lookup(NamedTuple):
    """What the read cache found for a request, and the data's state when it looked."""

    version: str | None  # the public version
    waiting: bool  # whether changes made outside the app wait to be recorded
    entry: Any  # the stored (version, headers, content), or None
    available: bool  # False: the cache is down (Redis stopped), entry is None


def lookup(key):
    """The entry under ``key`` and the data's state: one query with the database cache
    (``exile_api.cache``), the state's query and a cache read otherwise."""
    with_state = getattr(cache, "get_with_state", None)
    found = with_state(key) if with_state is not None else None
    if found is not None:
        return Lookup(*found, available=True)
    version, waiting = current_state()
    try:
        return Lookup(version, waiting, cache.get(key), available=True)
    except Exception:  # the cache is down (Redis stopped): answer from the database
        logger.warning("Read cache unavailable; answering without it.", exc_info=True)
        return Lookup(version, waiting, None, available=False)


NOT_LOOKED_UP = object()


def request_key(request):
    """The request's cache key (``entry_key``) when the read cache is on, else None;
    computed once per request, for the middleware that looks it up and the one before it."""
    key = getattr(request, "_read_cache_key", NOT_LOOKED_UP)
    if key is NOT_LOOKED_UP:
        # Read per request, so that tests (and a settings override) can turn it on and off.
        key = entry_key(request) if settings.READ_CACHE_SECONDS else None
        request._read_cache_key = key
    return key


class ReadCacheMiddleware:
    """Answer anonymous API reads from the shared cache; see the module's docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request_key(request)
        if key is None:
            return self.get_response(request)
        # OutsideChangesMiddleware, outside, looked it up already (and recorded what waited).
        found = getattr(request, "read_cache_lookup", None) or lookup(key)
        if not found.available:
            return self.get_response(request)
        version, entry = found.version, found.entry
        if version is not None and entry is not None and entry[0] == version:
            return replay(entry)
        response = self.get_response(request)
        if version is not None and request.method == "GET" and storable(response, version):
            entry = (version, list(response.items()), response.content)
            try:
                cache.set(key, entry, settings.READ_CACHE_SECONDS)
            except Exception:
                logger.warning("Read cache unavailable; response not stored.", exc_info=True)
        response["X-Cache"] = "miss"
        return response


def entry_key(request):
    """The cache key of the response to ``request``, or None if it may not be cached."""
    if (
        request.method not in ("GET", "HEAD")
        or not request.path_info.startswith("/api/")
        or request.path_info in never_cached_paths()
        or "Authorization" in request.headers
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        # RequestLimitsMiddleware, inside, refuses oversized bodies: let it see any body.
        or request.META.get("CONTENT_LENGTH", "") not in ("", "0")
    ):
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None  # CommonMiddleware answers it
    selects = [
        request.scheme,
        host,
        request.path,
        request.META.get("QUERY_STRING", ""),
        request.headers.get("Accept", ""),
        request.headers.get("Accept-Language", ""),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""),
        timezone.localdate().isoformat(),
    ]
    return ENTRY_PREFIX + hashlib.sha256(json.dumps(selects).encode()).hexdigest()


def storable(response, version):
    """Whether ``response``, computed under ``version``, may be served to every anonymous
    client who asks the same."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    directives = {
        directive.split("=", 1)[0].strip().lower()
        for directive in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if "public" not in directives or directives & NOT_SHARED:
        return False
    vary = {name.lower() for name in cc_delim_re.split(response.get("Vary", "")) if name}
    if not vary <= KEYED_VARY:
        return False
    if settings.DATABASE_REPLICA_URLS and replica_may_lag(version):
        return False
    return len(response.content) <= settings.READ_CACHE_MAX_BYTES


def replica_may_lag(version):
    """Whether the change that set ``version`` is recent enough that a replica may lack it."""
    changed_at = int(version.split("-", 1)[0])
    return time.time_ns() - changed_at < settings.REPLICA_PIN_SECONDS * 1_000_000_000


def replay(entry):
    _version, headers, content = entry
    response = HttpResponse(content, headers=headers)
    response["X-Cache"] = "hit"
    return response
