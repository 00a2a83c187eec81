"""Rate limits per client, counted in the shared cache so that every worker and every app
server sees the same counts (the database cache by default, Redis when REDIS_URL is set).

Rates come from settings.API_THROTTLE_RATES (environment variables THROTTLE_ANON_RATE and
THROTTLE_USER_RATE) and are read on each request, so they can be changed without a code edit.
Over the limit the API answers 429 with Retry-After. Every counted response tells the client
where it stands, in X-RateLimit-Limit, -Remaining and -Reset (a Unix time), set by
exile_api.middleware.RateLimitHeadersMiddleware from what the throttle leaves on the request.

An anonymous client is its address, as ``client_address`` finds it: the one function that says
who the client is, for these limits, the replica pin and the admin's login lockout.
"""

import ipaddress
import math

from django.conf import settings
from rest_framework import throttling


def client_address(request):
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


class ClientAddressMixin:
    def get_ident(self, request):
        return client_address(request)


class SettingsRateMixin(ClientAddressMixin):
    def get_rate(self):
        # An empty rate turns the limit off (no cache access at all).
        return settings.API_THROTTLE_RATES.get(self.scope) or None

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate is not None and getattr(self, "key", None) is not None:
            record_rate_limit(request, self)
        return allowed


def record_rate_limit(request, throttle):
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
        django_request.rate_limit = standing


class AnonymousRateThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    """Anonymous clients, counted per IP address."""


class AuthenticatedRateThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    """Authenticated clients, counted per user; anonymous ones are the other throttle's."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
