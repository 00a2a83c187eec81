"""Who may do what through the API."""

from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissionsOrAnonReadOnly

from .choices import ApiKeyScope
from .models import ApiKey


class ModelPermissionsWithKeyScopes(DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads; a write needs the Django model permission (add, change, delete) of the
    user, and, when the user came with an API key, a key with the ``write`` scope."""

    def has_permission(self, request, view):
        if (
            request.method not in SAFE_METHODS
            and isinstance(request.auth, ApiKey)
            and ApiKeyScope.WRITE not in request.auth.scopes
        ):
            return False
        return super().has_permission(request, view)
