"""Conditional requests: Last-Modified and version ETags on reads, If-Match on writes.

Django's ConditionalGetMiddleware does the rest for reads: it sets an ETag from the rendered
body where a view set none, and answers 304 to a matching If-None-Match, or to an
If-Modified-Since no older than the Last-Modified set here.

Workflow actions (POST .../publish/ and the like) are writes of a record too: they honour
If-Match the same way, so that a reviewer publishes the version they reviewed or nothing.

A record's detail carries a strong ETag made of its version (its ``updated_at``) and a hash
of the body sent, so that anything that changes what the client sees (a related record's
name, the language, the fields asked for) changes the ETag. PUT, PATCH and DELETE honour
``If-Match`` against the version alone: a client that read the record in any representation
may write it, unless someone else wrote it in between, which is a 412. The record is locked
(SELECT ... FOR UPDATE) from the check to the write, so two clients racing with the same
ETag cannot both succeed.
"""

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Max, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponseBase
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from ..models.base import TimestampedModel

WRITES = {"PUT", "PATCH", "DELETE"}
# Actions whose response is the record itself, with its validators.
RECORD_ACTIONS = {"retrieve", "update", "partial_update", "destroy"} | {
    "submit",
    "return_to_draft",
    "publish",
    "retract",
}


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The record changed since you read it (If-Match does not match its current ETag). "
        "Read it again, then resend your change."
    )
    default_code = "precondition_failed"


def record_version(instance: TimestampedModel) -> str:
    """The version of a record: changes with every write."""
    return version_of(instance.pk, instance.updated_at)


def version_of(pk: Any, updated_at: datetime) -> str:
    """The version of the record ``pk`` last written at ``updated_at``."""
    return f"{pk}.{int(updated_at.timestamp() * 1_000_000)}"


def etag_version(etag: str) -> str:
    """The version part of one of our ETags (as parsed by parse_etags, quotes kept)."""
    return etag.strip('"').rsplit("-", 1)[0]


def list_version(queryset: QuerySet[Any, Any]) -> tuple[int, datetime | None]:
    """How many records a list matches, and when it last changed (its Last-Modified), in one
    pass over the matching rows."""
    # Without its ordering (by search rank, say): an aggregate has no use for it.
    queryset = queryset.order_by()
    latest: Max | Greatest = Max("updated_at")
    if hasattr(queryset.model, "retracted_at"):
        # A retracted record leaves the list, which changes it: any retraction counts.
        retractions = queryset.model.objects.filter(retracted_at__isnull=False)
        newest = retractions.order_by("-retracted_at").values("retracted_at")[:1]
        latest = Greatest(latest, Subquery(newest))  # PostgreSQL's GREATEST skips nulls
    totals = queryset.aggregate(count=Count("*"), latest=latest)
    return totals["count"], totals["latest"]


def set_validators(response: Response, record: TimestampedModel, *, written: bool) -> None:
    """A record's ETag (its version and a hash of the body sent) and Last-Modified, on a
    successful response that shows it. ``written``: the request wrote it (re-read its
    version)."""
    if response.status_code >= 300:
        return
    if written:
        record.refresh_from_db(fields=["updated_at"])
    version = record_version(record)

    def etag_from_body(rendered: Response) -> None:
        rendered["ETag"] = record_etag(version, rendered.content)

    response.add_post_render_callback(etag_from_body)
    set_last_modified(response, record.updated_at)


def record_etag(version: str, content: bytes) -> str:
    """A record's strong ETag: its version and a hash of the body sent."""
    return f'"{version}-{hashlib.sha256(content).hexdigest()[:16]}"'


# `*`, or one or more entity tags (RFC 9110, 13.1.1). Django splits a list at every comma, so
# none inside a tag (ours have none); a header that is not this is a 400, not a 412.
ETAG_LIST_PATTERN = r'^(\*|(W/)?"[^",]*"( *, *(W/)?"[^",]*")*)$'


def check_if_match(request: HttpRequest, instance: TimestampedModel) -> None:
    """412 unless If-Match is absent, ``*``, or names the record's current version."""
    header = request.META.get("HTTP_IF_MATCH")
    if header is None or header.strip() == "*":
        return
    if not re.fullmatch(ETAG_LIST_PATTERN, header.strip()):
        raise ValidationError({"If-Match": ['Give "*" or the ETag of your read, in quotes.']})
    if record_version(instance) not in {etag_version(tag) for tag in parse_etags(header)}:
        raise PreconditionFailed()


def set_last_modified(response: HttpResponseBase, moment: datetime | None) -> None:
    """Set Last-Modified to ``moment`` (an aware datetime), unless it is None."""
    if moment is not None:
        response["Last-Modified"] = last_modified(moment)


def last_modified(moment: datetime) -> str:
    """``moment`` (an aware datetime) as Last-Modified says it: what Django's http_date
    writes (email.utils.formatdate, in GMT), without its detours through a time tuple."""
    at = moment.astimezone(UTC)
    return (
        f"{WEEKDAYS[at.weekday()]}, {at.day:02d} {MONTHS[at.month - 1]} {at.year:04d} "
        f"{at.hour:02d}:{at.minute:02d}:{at.second:02d} GMT"
    )


# As email.utils writes them, whatever the locale.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
