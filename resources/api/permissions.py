"""Who may do what through the API. ``resources.editorial.workflow`` holds the editorial rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissionsOrAnonReadOnly

from ..choices import ApiKeyScope
from ..models import ApiKey
from ..models.base import CuratedModel

if TYPE_CHECKING:  # for annotations only: DRF's settings import this module as views load
    from django.db.models import Model
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ModelPermissionsWithKeyScopes(DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads (what the workflow makes public); a write needs the user's Django model
    permission, and, when the user came with an API key, a key with the ``write`` scope.

    POST needs ``add``, PUT and PATCH ``change``. DELETE of a curated record retracts it, so
    it needs the reviewers' ``publish`` permission, not ``delete`` (hard deletion is for
    superusers, in the admin).
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        method = cast(str, request.method)  # None only on an HttpRequest made by hand
        if getattr(view, method.lower(), None) is None:
            return True  # a method the route does not offer: the view answers 405
        if method in SAFE_METHODS:
            # What DjangoModelPermissions would decide (its perms_map requires nothing of a
            # read) without building the view's queryset only to learn its model: a cold read
            # builds it once, for the records.
            return True
        if isinstance(request.auth, ApiKey) and ApiKeyScope.WRITE not in request.auth.scopes:
            return False
        return super().has_permission(request, view)

    def get_required_permissions(self, method: str, model_cls: type[Model]) -> list[str]:
        if method == "DELETE" and issubclass(model_cls, CuratedModel):
            return [f"{model_cls._meta.app_label}.publish_{model_cls._meta.model_name}"]
        return super().get_required_permissions(method, model_cls)
