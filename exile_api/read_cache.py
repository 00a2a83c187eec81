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
says which it was. Under gunicorn, a plain GET (no Origin, no conditional header) is answered
before any of that, by the front (``front``, below), from the same entry: the
answer as the whole request handling sent it.

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
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpResponse
from django.urls import reverse, set_script_prefix
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


def current_state(cursor=None):
    """The version, and whether changes made outside the app wait to be recorded
    (``resources.editorial.history.record_outside_changes``): one query for both
    (``cursor``: one of the primary's, else a new one)."""
    if cursor is None:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            return current_state(cursor)
    cursor.execute(
        "SELECT (SELECT value FROM resources_publicversion),"
        " EXISTS (SELECT 1 FROM resources_pendingchange)"
    )
    return cursor.fetchone()


def new_version():
    """A value never used before, starting with its time for the replica rule."""
    return f"{time.time_ns()}-{uuid.uuid4().hex}"


@memoize
def database_probe_paths():
    """Paths that answer for the database itself (the health check): never looked up in the
    read cache, and no middleware reads the database or sets its session up for them, so
    that the view alone reaches it and reports what it finds, in its own body."""
    return frozenset({reverse("health")})


class Lookup(NamedTuple):
    """What the read cache found for a request, and the data's state when it looked."""

    version: str | None  # the public version
    waiting: bool  # whether changes made outside the app wait to be recorded
    entry: Any  # the stored (version, headers, content), or None
    available: bool  # False: the cache is down (Redis stopped), entry is None


def lookup(key, cursor=None, connection=None):
    """The entry under ``key`` and the data's state: one query with the database cache
    (``exile_api.cache``), the state's query and a cache read otherwise (``cursor``: one of
    the primary's ``connection``, else a new one)."""
    with_state = getattr(cache, "get_with_state", None)
    found = with_state(key, cursor, connection) if with_state is not None else None
    if found is not None:
        return Lookup(*found, available=True)
    version, waiting = current_state(cursor)
    try:
        return Lookup(version, waiting, cache.get(key), available=True)
    except Exception:  # the cache is down (Redis stopped): answer from the database
        logger.warning("Read cache unavailable; answering without it.", exc_info=True)
        return Lookup(version, waiting, None, available=False)


def request_lookup(request, key):
    """``lookup(key)`` for ``request``: the one the front made (``front``) if it made it."""
    visit = request.META.get(FRONT_VISIT)
    if visit is not None and visit.key == key:
        return visit.lookup
    return lookup(key)


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
        visit = request.META.get(FRONT_VISIT)
        if version is not None and entry is not None and entry[0] == version:
            if visit is not None and front_form(entry) is None:
                visit.entry, visit.replayed = entry[:3], True  # the front adds its form
            return replay(entry)
        response = self.get_response(request)
        if version is not None and request.method == "GET" and storable(response, version):
            entry = (version, list(response.items()), response.content)
            if visit is not None:
                visit.entry = entry  # the front stores it, with the form it may answer from
            else:
                store(key, (*entry, None))
        response["X-Cache"] = "miss"
        return response


def entry_key(request):
    """The cache key of the response to ``request``, or None if it may not be cached."""
    if (
        request.method not in ("GET", "HEAD")
        or not request.path_info.startswith("/api/")
        or request.path_info in database_probe_paths()
        # The headers as the WSGI environ names them: request.headers would build a mapping
        # of every header, per request, to read three.
        or "HTTP_AUTHORIZATION" in request.META
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
        request.META.get("HTTP_ACCEPT", ""),
        request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
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


def store(key, entry):
    try:
        cache.set(key, entry, settings.READ_CACHE_SECONDS)
    except Exception:
        logger.warning("Read cache unavailable; response not stored.", exc_info=True)


def replay(entry):
    _version, headers, content = entry[:3]
    response = HttpResponse(content, headers=headers)
    response["X-Cache"] = "hit"
    return response


def front_form(entry):
    """The headers the front answers an entry with (None: it may not), from an entry of
    (version, headers, content[, front headers])."""
    return entry[3] if len(entry) > 3 else None


# The front ------------------------------------------------------------------------------
#
# A hit costs one query, and yet, answered by the middleware, it also paid for the request
# handling around that query: the request object, Django's signals (and the database health
# check the first query of a request makes), the middleware outside the read cache. The front
# answers it before any of that (``front``, which exile_api.handler.Handler, the WSGI
# application, asks first), from a second form of the entry: the headers of the whole
# answer as the request handling sent them, after the middleware outside the read cache had
# added theirs (security headers, CORS's Vary, a list's ETag), so that nothing of theirs is
# redone or imitated.
#
# That form is the same for every plain request with the entry's key: a GET with none of
# the headers the middleware outside the read cache answer differently for (Origin, for
# CORS; If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since, for the 304s and
# 412s), every other input of theirs being in the key (scheme, host, path). Other requests,
# HEAD among them, go through the whole handling, where the middleware answers them from the
# same entry. The front form drops the X-RateLimit-* headers (a hit is not counted, and
# carries none) and says ``X-Cache: hit``. A middleware added outside the read cache must
# keep to that: answer a plain GET according to the key alone, or be added to FRONT_SKIPS.
#
# The front's lookup is the middleware's (``lookup``: one query), made on the thread's open
# connection to the primary; when it has none, or the query fails, the request simply goes
# through the whole handling, whose own connection handling reconnects. Whatever it found,
# the front hands on in the environ (``FrontVisit``), so that a miss costs no second lookup,
# and a miss's response is stored by the front, once, with both forms. An entry stored
# without a front form (by the middleware alone: under an ASGI server, or by the test client)
# gets one the first time a plain GET is answered from it.

# The front's visit, in the environ of a request it did not answer.
FRONT_VISIT = "exile_api.read_cache.front_visit"
# Request headers that make an answer differ from an entry's front form.
FRONT_SKIPS = (
    "HTTP_ORIGIN",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# Headers the front form leaves out: a hit is not counted, and carries no client's standing.
UNCOUNTED = "x-ratelimit-"


class FrontVisit:
    """What the front learnt of a request it did not answer: its key and lookup, and, once
    the request handling has been through, the entry to store (``entry``: version, headers,
    content) with the front form of its answer; ``replayed``: the entry was a hit, stored
    already (without a front form)."""

    __slots__ = ("entry", "key", "lookup", "replayed")

    def __init__(self, key, found):
        self.key, self.lookup, self.entry, self.replayed = key, found, None, False


def front(environ):
    """The front form (headers) and content of the answer to a plain anonymous GET whose
    entry holds one; else None, with a ``FrontVisit`` in ``environ`` if the read cache may
    answer or store the request."""
    if (
        not settings.READ_CACHE_SECONDS
        or environ.get("REQUEST_METHOD") != "GET"
        or not environ.get("PATH_INFO", "").startswith("/api/")
        or any(name in environ for name in FRONT_SKIPS)
    ):
        return None
    if not database_probe_paths.cache_info().currsize:
        # The one reverse() of the front, memoized: with the prefix as the handler sets it.
        set_script_prefix(get_script_name(environ))
    key = entry_key(WSGIRequest(environ))
    if key is None:
        return None
    found = front_lookup(key)
    if found is None:
        return None
    entry, version = found.entry, found.version
    # Changes made outside the app wait: OutsideChangesMiddleware records them first.
    waits = found.waiting and settings.HISTORY_RECORDS_OUTSIDE_CHANGES
    if not waits and version is not None and entry is not None and entry[0] == version:
        headers = front_form(entry)
        if headers is not None:
            return headers, entry[2]
    environ[FRONT_VISIT] = FrontVisit(key, found)
    return None


def front_lookup(key):
    """``lookup(key)`` on the thread's open connection to the primary; None without one or
    when the query fails (the request handling then reconnects: its health check)."""
    connection = connections[DEFAULT_DB_ALIAS]
    # What every request starts with (close_old_connections): no connection past its age,
    # none left by an error it may not have survived.
    connection.close_if_unusable_or_obsolete()
    if connection.connection is None or connection.in_atomic_block:
        return None
    try:
        with connection.wrap_database_errors, connection.connection.cursor() as cursor:
            return lookup(key, cursor, connection)
    except DatabaseError:
        return None


def store_front_form(visit, response):
    """Store the entry the request handling left in ``visit`` with the front form of
    ``response``, its answer as sent, if that is the entry's content answered as a hit."""
    version, headers, content = visit.entry
    answered = (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and response.get("X-Cache") in ("hit", "miss")
        and response.content == content
    )
    if answered:
        store(visit.key, (version, headers, content, sent_form(response.items())))
    elif not visit.replayed:
        store(visit.key, (version, headers, content, None))


def sent_form(headers):
    """The front form of an answer's headers: as sent, but counted by no rate limit, and a
    hit."""
    return [
        (name, "hit" if name == "X-Cache" else value)
        for name, value in headers
        if not name.lower().startswith(UNCOUNTED)
    ]


def may_store(visit):
    """Whether an answer to the request of ``visit`` (the front's, or None) may be stored
    under its key: the front looked it up, with the cache available and the version known,
    and no change made outside the app waits to be recorded (OutsideChangesMiddleware)."""
    if visit is None:
        return False
    found = visit.lookup
    waits = found.waiting and settings.HISTORY_RECORDS_OUTSIDE_CHANGES
    return found.available and found.version is not None and not waits


def store_answer(visit, headers, content, sent):
    """Store an answer given without the request handling (the express lane) as the read
    cache stores the request handling's: the headers it stores (``headers``), the content,
    and the front form of the headers sent (``sent``)."""
    store(visit.key, (visit.lookup.version, headers, content, sent_form(sent)))


def script_prefix(environ):
    """The request's script prefix, as Django's handler sets it (reverse() reads it)."""
    return get_script_name(environ)
