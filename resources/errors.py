"""One JSON error shape for every failure: DRF's, with field names where there are fields."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the data."
    default_code = "conflict"


def exception_handler(exc, context):
    """DRF's handler, plus the database's refusals turned into client errors.

    A model ValidationError (from ``full_clean`` in a serializer or service) is a 400 with
    field-level messages; deleting a record that others still cite (PROTECT) and any
    remaining integrity violation are a 409, never a 500.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_field_errors(exc))
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        blocking = getattr(exc, "protected_objects", None) or exc.restricted_objects
        blockers = sorted({f"{obj._meta.verbose_name}: {obj}" for obj in blocking})
        exc = Conflict(
            {
                "detail": "This record is still referenced by other records; "
                "remove those references first.",
                "referenced_by": blockers[:20],
            }
        )
    elif isinstance(exc, IntegrityError):
        exc = Conflict({"detail": "The change violates a data constraint and was not saved."})
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """JSON 404 for URLs no route matches."""
    return JsonResponse({"detail": "Not found."}, status=404)


def as_field_errors(exc):
    """A Django ValidationError as DRF's error dict, cross-field errors under non_field_errors."""
    detail = as_serializer_error(exc)
    if NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return detail
