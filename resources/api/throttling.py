"""Rate limits per client, counted in the shared cache so that every worker and every app
server sees the same counts (the database cache by default, Redis when REDIS_URL is set).

Rates come from settings.API_THROTTLE_RATES (environment variables THROTTLE_ANON_RATE and
THROTTLE_USER_RATE) and are read on each request, so they can be changed without a code edit.
Over the limit the API answers 429 with Retry-After. Every counted response tells the client
where it stands, in X-RateLimit-Limit, -Remaining and -Reset (a Unix time), set by
exile_api.middleware.RateLimitHeadersMiddleware from what the throttle leaves on the request.

An anonymous client is its address, as ``client_address`` finds it: the one function that says
who the client is, for these limits, the costly-read cap, the replica pin and the admin's login
lockout.

Costly reads (``is_costly``: the statistics summary, search, the country profile, CSV exports,
lists searched with ``q``, pages of more than LARGE_PAGE records) cost tens to hundreds of times
a record's detail when the read cache cannot answer them, and a new filter value each time
makes sure it cannot. They are counted twice: by the general limit, and by their own, lower
one (scopes ``costly_anon`` and ``costly_user``: THROTTLE_COSTLY_ANON_RATE and
THROTTLE_COSTLY_USER_RATE). And a client may have only COSTLY_CONCURRENCY of them running at
once, whichever worker or app server serves them (exile_api.concurrency); one more is a 429
with Retry-After: 1.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework import throttling

from exile_api import concurrency

if TYPE_CHECKING:  # for annotations only: DRF's settings import this module as views load
    from django.http import HttpRequest
    from rest_framework.request import Request
    from rest_framework.views import APIView

    # What the mixins below are mixed into, as the type checker sees it (at run time, object).
    _Throttle = throttling.BaseThrottle
    _RateThrottle = throttling.SimpleRateThrottle
else:
    _Throttle = _RateThrottle = object

logger = logging.getLogger(__name__)

# Seconds a client over its cap of costly reads at once should wait: about one costly read.
COSTLY_CONCURRENCY_RETRY_AFTER = 1


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` (a Django or DRF request).

    Without proxies in front (NUM_PROXIES unset or 0), the peer of the connection: a header
    such as X-Forwarded-For is whatever the client wrote, and believing it would make every
    request a new client. Behind NUM_PROXIES proxies, each appending the address it saw to
    X-Forwarded-For, the address the outermost one saw: the NUM_PROXIES-th entry from the
    right (the first one if there are fewer, as DRF does). Entries further left are the
    client's own words. If that entry is not an IP address, the peer's address: a malformed
    header must not become a fresh identity.
    """
    meta = request.META
    peer = meta.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return peer
    entries = forwarded.split(",")
    candidate = entries[-min(proxies, len(entries))].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer


class ClientAddressMixin(_Throttle):
    def get_ident(self, request: Request) -> str:
        return client_address(request)


class SettingsRateMixin(ClientAddressMixin, _RateThrottle):
    # Every throttle here has one (DRF's anon and user, or costly_anon and costly_user).
    scope: str
    # Set by SimpleRateThrottle.__init__ from the rate (None without one, when nothing is
    # counted); the stubs leave them out.
    num_requests: int
    duration: int

    def get_rate(self) -> str | None:
        # An empty rate turns the limit off (no cache access at all).
        return settings.API_THROTTLE_RATES.get(self.scope) or None

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            allowed = super().allow_request(request, view)
        except Exception:
            # The shared cache is down (Redis stopped). Counting is impossible; refusing
            # everyone would turn a cache outage into an API outage. The costly-read cap
            # (in PostgreSQL) and the statement timeout still hold.
            logger.warning("Rate limit not counted: the cache is unavailable.", exc_info=True)
            return True
        if self.rate is not None and getattr(self, "key", None) is not None:
            record_rate_limit(request, self)
        if not allowed:
            # Refused anyway: the costly-read cap need not take a slot for it.
            # A mark for CostlyConcurrencyThrottle (HttpRequest declares no such attribute).
            request._request.rate_limited = True  # type: ignore[attr-defined]
        return allowed


def record_rate_limit(request: Request, throttle: SettingsRateMixin) -> None:
    """Leave the client's standing on the request, for the X-RateLimit-* headers; with several
    throttles, the one with the fewest requests left."""
    history = throttle.history
    remaining = max(0, throttle.num_requests - len(history))
    # When the oldest request of the window leaves it, as a Unix time (GitHub's form).
    reset = history[-1] + throttle.duration if history else throttle.now
    standing = (throttle.num_requests, remaining, math.ceil(reset))
    django_request = request._request
    current = getattr(django_request, "rate_limit", None)
    if current is None or standing[1] < current[1]:
        # Read by exile_api.middleware (HttpRequest declares no such attribute).
        django_request.rate_limit = standing  # type: ignore[attr-defined]


class AnonymousRateThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    """Anonymous clients, counted per IP address."""


class AuthenticatedRateThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    """Authenticated clients, counted per user; anonymous ones are the other throttle's."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


def is_costly(request: Request, view: APIView) -> bool:
    """Whether ``request`` is a costly read: one its view says is (``is_costly_read``)."""
    if request.method not in ("GET", "HEAD"):
        return False
    says = getattr(view, "is_costly_read", None)
    return says is not None and says(request)


def client_of(request: Request) -> str:
    """The client a request counts for: its user if authenticated, else its address."""
    user = request.user
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{client_address(request)}"


class CostlyRateMixin(_RateThrottle):
    """Counts costly reads only (``is_costly``); other requests pass untouched."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not is_costly(request, view):
            return None
        return super().get_cache_key(request, view)


class CostlyAnonymousRateThrottle(CostlyRateMixin, AnonymousRateThrottle):
    """Costly reads of anonymous clients, per address, besides the general limit."""

    scope = "costly_anon"


class CostlyAuthenticatedRateThrottle(CostlyRateMixin, AuthenticatedRateThrottle):
    """Costly reads of authenticated clients, per user, besides the general limit."""

    scope = "costly_user"


class CostlyConcurrencyThrottle(throttling.BaseThrottle):
    """At most COSTLY_CONCURRENCY["anon"] (per address) or ["user"] (per user) costly reads
    of one client running at once; 0 turns the cap off. Goes last among the throttles: a
    request a rate limit refused takes no slot."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if getattr(request._request, "rate_limited", False) or not is_costly(request, view):
            return True
        authenticated = request.user is not None and request.user.is_authenticated
        limit = settings.COSTLY_CONCURRENCY["user" if authenticated else "anon"]
        if not limit:
            return True
        return concurrency.acquire(client_of(request), limit)

    def wait(self) -> float:
        return COSTLY_CONCURRENCY_RETRY_AFTER
