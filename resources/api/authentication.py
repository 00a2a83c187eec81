"""API keys for apps: ``Authorization: Api-Key <key>`` (or ``Bearer <key>``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from ..models import ApiKey

if TYPE_CHECKING:  # for annotations only: DRF's settings import this module as views load
    from django.contrib.auth.models import User
    from rest_framework.request import Request

KEYWORDS = ("api-key", "bearer")


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates a request as the owner of a valid key; ``request.auth`` is the key.

    No Authorization header (or another scheme): not this class's business. A malformed,
    unknown, revoked or expired key, or one whose owner is inactive: 401.
    """

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header: use 'Api-Key <key>'.")
        try:
            # ApiKey's manager finds ApiKeys; the library types it for its abstract model.
            key = cast(ApiKey, ApiKey.objects.get_from_key(parts[1].decode("latin-1")))
        except ApiKey.DoesNotExist:
            raise AuthenticationFailed("Invalid or revoked API key.") from None
        if key.has_expired:
            raise AuthenticationFailed("This API key has expired.")
        if not key.owner.is_active:
            raise AuthenticationFailed("The owner of this API key is inactive.")
        return key.owner, key

    def authenticate_header(self, request: Request) -> str:
        return 'Api-Key realm="api"'
