"""Rate limits per client, counted in the shared cache so that every worker and every app
server sees the same counts (the database cache by default, Redis when REDIS_URL is set).

Rates come from settings.API_THROTTLE_RATES (environment variables THROTTLE_ANON_RATE and
THROTTLE_USER_RATE) and are read on each request, so they can be changed without a code edit.
Over the limit the API answers 429 with Retry-After.
"""

from django.conf import settings
from rest_framework import throttling


class SettingsRateMixin:
    def get_rate(self):
        # An empty rate turns the limit off (no cache access at all).
        return settings.API_THROTTLE_RATES.get(self.scope) or None


class AnonymousRateThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    """Anonymous clients, counted per IP address."""


class AuthenticatedRateThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    """Authenticated clients, counted per user; anonymous ones are the other throttle's."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
