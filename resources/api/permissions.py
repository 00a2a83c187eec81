"""Who may do what through the API. ``resources.editorial.workflow`` holds the editorial rules."""

from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissionsOrAnonReadOnly

from ..choices import ApiKeyScope
from ..models import ApiKey
from ..models.base import CuratedModel


class ModelPermissionsWithKeyScopes(DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads (what the workflow makes public); a write needs the user's Django model
    permission, and, when the user came with an API key, a key with the ``write`` scope.

    POST needs ``add``, PUT and PATCH ``change``. DELETE of a curated record retracts it, so
    it needs the reviewers' ``publish`` permission, not ``delete`` (hard deletion is for
    superusers, in the admin).
    """

    def has_permission(self, request, view):
        if getattr(view, request.method.lower(), None) is None:
            return True  # a method the route does not offer: the view answers 405
        if (
            request.method not in SAFE_METHODS
            and isinstance(request.auth, ApiKey)
            and ApiKeyScope.WRITE not in request.auth.scopes
        ):
            return False
        return super().has_permission(request, view)

    def get_required_permissions(self, method, model_cls):
        if method == "DELETE" and issubclass(model_cls, CuratedModel):
            return [f"{model_cls._meta.app_label}.publish_{model_cls._meta.model_name}"]
        return super().get_required_permissions(method, model_cls)
