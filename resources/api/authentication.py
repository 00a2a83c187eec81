"""API keys for apps: ``Authorization: Api-Key <key>`` (or ``Bearer <key>``)."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from ..models import ApiKey

KEYWORDS = ("api-key", "bearer")


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates a request as the owner of a valid key; ``request.auth`` is the key.

    No Authorization header (or another scheme): not this class's business. A malformed,
    unknown, revoked or expired key, or one whose owner is inactive: 401.
    """

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header: use 'Api-Key <key>'.")
        try:
            key = ApiKey.objects.get_from_key(parts[1].decode("latin-1"))
        except ApiKey.DoesNotExist:
            raise AuthenticationFailed("Invalid or revoked API key.") from None
        if key.has_expired:
            raise AuthenticationFailed("This API key has expired.")
        if not key.owner.is_active:
            raise AuthenticationFailed("The owner of this API key is inactive.")
        return key.owner, key

    def authenticate_header(self, request):
        return 'Api-Key realm="api"'
