"""Every failure as RFC 9457 problem details (``application/problem+json``), in one shape.

The one place that maps an error to its HTTP answer: DRF's exceptions (through
``exception_handler``), the database's refusals, Django's own 404 and 500 pages for URLs
under /api/, and the early refusals of the request guards (``problem_response``).

A problem is ``{"type", "title", "status", "detail", "instance"}``, plus ``errors`` on a 400:
one entry per invalid field or parameter, with its path (``citations.0.locator``; null for
an error of the request as a whole), a stable machine-readable ``code`` and a message. A
client that accepts only ``application/json`` gets the same body.

drf-standardized-errors was weighed and not taken: its body is not RFC 9457 (no ``title``,
``status`` or ``instance``; ``type`` is a category, not a URI), and its schema generator
documents that body, so both its formatter and its schema would have to be overridden.
"""

import logging
import sys
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, cast

import orjson
import psycopg2
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    connections,
)
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from ..editorial.errors import EditorialError, NotAllowed, WrongStatus

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Where the problem types are described (resources.api.views.ProblemTypeView); ``type`` is this
# prefix and the type's name, a URI reference relative to the API's host.
PROBLEM_TYPE_PREFIX = "/api/problems/"
# Seconds a client should wait before retrying when the database is unavailable.
UNAVAILABLE_RETRY_AFTER = 5
UNAVAILABLE_HEADERS = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}
# Methods that change nothing: a lost connection cannot have left a change half-known.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# name: (status, title, what it means). The names are stable: clients may branch on them.
PROBLEM_TYPES: dict[str, tuple[int, str, str]] = {
    "validation-error": (
        400,
        "Invalid input",
        "A parameter or a body field is invalid: `errors` lists each, with its path and code.",
    ),
    "parse-error": (400, "Malformed request", "The body or a header could not be read."),
    "not-authenticated": (
        401,
        "Authentication required",
        "This operation needs credentials: an API key (`Authorization: Api-Key <key>`) or a "
        "session.",
    ),
    "authentication-failed": (
        401,
        "Invalid credentials",
        "The API key is malformed, unknown, revoked or expired, or its owner is inactive.",
    ),
    "permission-denied": (
        403,
        "Not allowed",
        "The credentials are valid but lack the permission or the key scope this needs.",
    ),
    "not-found": (404, "Not found", "No such record or URL, or none you may see."),
    "method-not-allowed": (
        405,
        "Method not allowed",
        "The URL does not offer this method; the Allow header lists those it does.",
    ),
    "not-acceptable": (
        406,
        "Not acceptable",
        "None of the media types in Accept can be served: ask for application/json (or "
        "text/csv where a list offers it).",
    ),
    "conflict": (
        409,
        "Conflict",
        "The record's state does not allow this (a workflow step from the wrong status, an "
        "edit of a retracted record, a record still referenced, a duplicate key).",
    ),
    "precondition-failed": (
        412,
        "Precondition failed",
        "The record changed since you read it: If-Match does not match its current ETag.",
    ),
    "length-required": (
        411,
        "Length required",
        "A body sent without its length (Transfer-Encoding: chunked) is not read: send it "
        "with a Content-Length header.",
    ),
    "payload-too-large": (413, "Request body too large", "The body is over the size limit."),
    "uri-too-long": (414, "Query string too long", "The query string is over the size limit."),
    "unsupported-media-type": (
        415,
        "Unsupported media type",
        "Send request bodies as application/json.",
    ),
    "throttled": (
        429,
        "Too many requests",
        "Over a rate limit (costly reads, such as summaries, searches, profiles, CSV exports "
        "and large pages, have their own, lower one), or too many costly reads at once: wait "
        "the seconds Retry-After gives, then retry.",
    ),
    "server-error": (500, "Internal server error", "An unexpected error; it has been logged."),
    "unavailable": (
        503,
        "Service unavailable",
        "The database cannot be reached for now, or the request took too long and was "
        "stopped (anonymous reads have a time limit): retry after the seconds Retry-After "
        "gives. A write answered so may have been saved all the same (the connection can be "
        "lost while the database commits it): read the record before sending it again.",
    ),
}

# DRF's exception codes, and the problem type of each.
TYPE_OF_CODE = {
    "parse_error": "parse-error",
    "not_authenticated": "not-authenticated",
    "authentication_failed": "authentication-failed",
    "permission_denied": "permission-denied",
    "not_found": "not-found",
    "method_not_allowed": "method-not-allowed",
    "not_acceptable": "not-acceptable",
    "conflict": "conflict",
    "precondition_failed": "precondition-failed",
    "unsupported_media_type": "unsupported-media-type",
    "throttled": "throttled",
}
TYPE_OF_STATUS = {status: name for name, (status, _title, _about) in PROBLEM_TYPES.items()}
TYPE_OF_STATUS[400] = "validation-error"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the data."
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable. Retry shortly."
    default_code = "unavailable"


# A write's outcome is unknown when the connection is lost: it may have gone while the
# database committed it.
UNAVAILABLE_WRITE_DETAIL = (
    "The database became unavailable during this write: it may have been saved or not. "
    "Read the record before retrying."
)


def unavailable_detail(request: HttpRequest) -> str:
    """What a 503 for a lost database tells the client who sent ``request``."""
    if request.method in SAFE_METHODS:
        return ServiceUnavailable.default_detail
    return UNAVAILABLE_WRITE_DETAIL


def problem(
    name: str,
    *,
    detail: str,
    instance: str,
    errors: list[dict[str, Any]] | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """The body of a problem of type ``name`` (a key of PROBLEM_TYPES)."""
    status_code, title, _about = PROBLEM_TYPES[name]
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + name,
        "title": title,
        "status": status_code,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    return body | extensions


def problem_response(
    request: HttpRequest, name: str, *, detail: str, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """A problem as a plain Django response: for middleware and Django's error handlers,
    which run outside DRF's content negotiation."""
    body = problem(name, detail=detail, instance=request.path)
    response = HttpResponse(
        orjson.dumps(body), status=body["status"], content_type=PROBLEM_CONTENT_TYPE
    )
    for header, value in (headers or {}).items():
        response[header] = value
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse | None:
    """DRF's handler with every error answered as a problem, and the database's refusals
    turned into client errors.

    A model ValidationError (from ``full_clean`` in a serializer or service) is a 400 with
    field-level errors; deleting a record that others still cite (PROTECT) and any remaining
    integrity violation are a 409, never a 500; a lost database connection is a 503 with
    Retry-After.
    """
    extensions: dict[str, Any] = {}
    if isinstance(exc, EditorialError):
        exc = editorial_problem(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_field_errors(exc))
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        blocking = (
            exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        )
        extensions["referenced_by"] = sorted(
            {f"{obj._meta.verbose_name}: {obj}" for obj in blocking}
        )[:20]
        exc = Conflict(
            "This record is still referenced by other records; remove those references first."
        )
    elif isinstance(exc, IntegrityError):
        exc = Conflict("The change violates a data constraint and was not saved.")
    elif connection_lost(exc):
        logger.warning("Database unavailable: %s", exc, exc_info=exc)
        exc = ServiceUnavailable(unavailable_detail(context["request"]))
    elif statement_cancelled(exc):
        logger.warning("Statement cancelled: %s", exc)
        exc = ServiceUnavailable(STATEMENT_CANCELLED_DETAIL)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handler answers (server_error below)
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    request = context["request"]
    # DRF answers only its own exceptions (Django's 404 and 403 are turned into them above).
    body = problem_body(cast(exceptions.APIException, exc), instance=request.path, **extensions)
    answer = HttpResponse(
        orjson.dumps(body), status=response.status_code, content_type=PROBLEM_CONTENT_TYPE
    )
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if response.has_header(header):
            answer[header] = response[header]
    return answer


def editorial_problem(exc: EditorialError) -> exceptions.APIException:
    """The DRF exception an editorial refusal is answered as (403, 409 or 400)."""
    # A message or {field: [message, ...]}, as DRF's exceptions take; the domain types a lazy
    # message as any Promise, DRF's stubs as a lazy string only.
    detail: Any = exc.detail
    if isinstance(exc, NotAllowed):
        return exceptions.PermissionDenied(detail)
    if isinstance(exc, WrongStatus):
        return Conflict(detail)
    return exceptions.ValidationError(detail)


# Errors of one query (its data, its SQL), Django's and psycopg2's: never a lost connection.
QUERY_ERRORS = (
    IntegrityError,
    DataError,
    ProgrammingError,
    NotSupportedError,
    psycopg2.IntegrityError,
    psycopg2.DataError,
    psycopg2.ProgrammingError,
    psycopg2.NotSupportedError,
)


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (retrying later may succeed), not
    that one query failed (a deadlock, a timeout, a full disk: those are 500s, logged).

    Django wraps the driver's errors in its own (the SQLSTATE is then on ``__cause__``), but
    not all of them: closing a cursor, for one, is not wrapped, and the browsable API's filter
    form closes one while the response renders. psycopg2's own errors count too."""
    if isinstance(exc, (InterfaceError, psycopg2.InterfaceError)):
        return True
    if isinstance(exc, (OperationalError, psycopg2.OperationalError)):
        code = getattr(exc, "pgcode", None) or getattr(exc.__cause__, "pgcode", None)
        # No SQLSTATE: the client could not connect or lost the connection. Class 08:
        # connection exceptions; 57P01-57P03: the server is shutting down or cannot accept
        # connections yet.
        return code is None or code.startswith("08") or code in {"57P01", "57P02", "57P03"}
    if isinstance(exc, (DatabaseError, psycopg2.DatabaseError)) and not isinstance(
        exc, QUERY_ERRORS
    ):
        # psycopg2 raises a bare DatabaseError for some losses mid-result ("error with
        # status PGRES_TUPLES_OK and no message from the libpq"): the connection it leaves
        # is marked broken.
        return any(connection_broken(wrapper) for wrapper in connections.all(initialized_only=True))
    return False


def connection_broken(wrapper: BaseDatabaseWrapper) -> bool:
    """Whether psycopg2 found the connection of Django's ``wrapper`` dead (``closed`` is 2
    once libpq reports it bad; 0 while it is open)."""
    raw = wrapper.connection
    return raw is not None and getattr(raw, "closed", 0) != 0


STATEMENT_CANCELLED_DETAIL = (
    "The request took too long and was stopped. Retry later, or narrow it down."
)


def statement_cancelled(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL cancelling a statement (query_canceled, 57014): the
    statement timeout of anonymous reads (exile_api/statement_timeout.py), or an operator's
    pg_cancel_backend. The server is busy, not broken: a 503, retried later."""
    if isinstance(exc, psycopg2.OperationalError):
        return exc.pgcode == "57014"
    return isinstance(exc, OperationalError) and getattr(exc.__cause__, "pgcode", None) == "57014"


def problem_body(
    exc: exceptions.APIException, *, instance: str, **extensions: Any
) -> dict[str, Any]:
    """The problem that DRF exception ``exc`` stands for."""
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.get_full_details())
        count = len(errors)
        if count == 1:
            field = errors[0]["field"]
            detail = f"{field}: {errors[0]['detail']}" if field else errors[0]["detail"]
        else:
            detail = f"{count} errors: see `errors`."
        return problem(
            "validation-error", detail=detail, instance=instance, errors=errors, **extensions
        )
    name = TYPE_OF_CODE.get(exc.default_code) or TYPE_OF_STATUS.get(exc.status_code)
    if name is None:
        # A status with no kind of its own: RFC 9457's "about:blank", titled by the status.
        return {
            "type": "about:blank",
            "title": HTTPStatus(exc.status_code).phrase,
            "status": exc.status_code,
            "detail": plain_text(exc.detail),
            "instance": instance,
        } | extensions
    body = problem(name, detail=plain_text(exc.detail), instance=instance, **extensions)
    body["status"] = exc.status_code
    return body


def flatten_errors(details: Any, path: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """DRF's nested error details as a flat list: ``{"field", "code", "detail"}`` each, the
    field a dotted path (``citations.0.locator``), null for errors of the whole request."""
    if isinstance(details, dict) and set(details) == {"message", "code"}:
        field = ".".join(path) or None
        code = details["code"] or "invalid"
        return [{"field": field, "code": code, "detail": str(details["message"])}]
    if isinstance(details, dict):
        flat: list[dict[str, Any]] = []
        for key, value in details.items():
            whole = str(key) in (api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS)
            flat += flatten_errors(value, path if whole else (*path, str(key)))
        return flat
    if isinstance(details, list):
        # A list of messages for one field, or one entry per item of a list field.
        if all(isinstance(item, dict) and set(item) == {"message", "code"} for item in details):
            return [error for item in details for error in flatten_errors(item, path)]
        return [
            error
            for index, item in enumerate(details)
            for error in flatten_errors(item, (*path, str(index)))
        ]
    return [{"field": ".".join(path) or None, "code": "invalid", "detail": str(details)}]


def plain_text(detail: Any) -> str:
    """One message from an exception's detail (a string, or DRF's list or dict of them)."""
    if isinstance(detail, dict):
        detail = detail.get("detail") or next(iter(detail.values()), "")
    if isinstance(detail, list):
        detail = " ".join(str(item) for item in detail)
    return str(detail)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The problem for URLs no route matches."""
    return problem_response(request, "not-found", detail="No route matches this URL.")


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The problem for an unexpected error: no traceback, no internals. A lost database
    connection outside a DRF view (in a middleware, say) is a 503 here too."""
    error = sys.exc_info()[1]
    if error is not None and connection_lost(error):
        return problem_response(
            request, "unavailable", detail=unavailable_detail(request), headers=UNAVAILABLE_HEADERS
        )
    if error is not None and statement_cancelled(error):
        return problem_response(
            request, "unavailable", detail=STATEMENT_CANCELLED_DETAIL, headers=UNAVAILABLE_HEADERS
        )
    return problem_response(
        request, "server-error", detail="An unexpected error occurred; it has been logged."
    )


def bad_request(
    request: HttpRequest, exception: Exception, *args: Any, **kwargs: Any
) -> HttpResponse:
    """The problem for a request Django itself refused (a malformed header, say)."""
    return problem_response(request, "parse-error", detail="The request could not be read.")


def as_field_errors(exc: DjangoValidationError) -> dict[str, Any]:
    """A Django ValidationError as DRF's error dict, cross-field errors under non_field_errors."""
    detail = as_serializer_error(exc)
    if NON_FIELD_ERRORS in detail:
        # A model's own checks and constraints over several fields: "inconsistent", unless
        # they said otherwise.
        detail[api_settings.NON_FIELD_ERRORS_KEY] = [
            error if error.code not in (None, "invalid") else ErrorDetail(error, "inconsistent")
            for error in detail.pop(NON_FIELD_ERRORS)
        ]
    return detail
