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

from django.db import transaction
from django.db.models import Count, Max, Subquery
from django.db.models.functions import Greatest
from django.utils.functional import cached_property
from django.utils.http import http_date, parse_etags
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

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


def record_version(instance):
    """The version of a record: changes with every write."""
    return f"{instance.pk}.{int(instance.updated_at.timestamp() * 1_000_000)}"


def etag_version(etag):
    """The version part of one of our ETags (as parsed by parse_etags, quotes kept)."""
    return etag.strip('"').rsplit("-", 1)[0]


class ConditionalRequestsMixin:
    """Last-Modified on lists and details, version ETags on details, If-Match on writes,
    for a viewset whose model has ``updated_at``."""

    def list(self, request, *args, **kwargs):
        # Without its ordering (by search rank, say): an aggregate has no use for it.
        queryset = self.listed.order_by()
        latest = Max("updated_at")
        if hasattr(queryset.model, "retracted_at"):
            # A retracted record leaves the list, which changes it: any retraction counts.
            retractions = queryset.model.objects.filter(retracted_at__isnull=False)
            newest = retractions.order_by("-retracted_at").values("retracted_at")[:1]
            latest = Greatest(latest, Subquery(newest))  # PostgreSQL's GREATEST skips nulls
        # One pass over the matching rows gives the page's count and the list's version.
        totals = queryset.aggregate(count=Count("*"), latest=latest)
        if self.paginator is not None:
            self.paginator.known_count = totals["count"]
        response = super().list(request, *args, **kwargs)
        set_last_modified(response, totals["latest"])
        return response

    @cached_property
    def listed(self):
        """This request's list, filtered once: filters check their values in the database."""
        return self.filter_queryset(self.get_queryset())

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return super().dispatch(request, *args, **kwargs)
        # One transaction per write: the row lock below lasts until the write commits, and
        # an error answered after part of the write (a check after saving) undoes all of it:
        # DRF turns exceptions into responses, so the block would otherwise commit.
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
            return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.action in RECORD_ACTIONS:
            self.set_validators(response)
        return response

    def writes_record(self):
        """Whether the request writes one record: PUT, PATCH, DELETE or a POST action on it.

        Not OPTIONS: DRF's metadata describes the writes a client may make by replaying them
        on a copy of the request (its method PUT), outside any transaction (``dispatch``
        opens none for OPTIONS). It writes nothing, so it takes no row lock (which outside a
        transaction is an error) and checks no If-Match."""
        if self.action == "metadata":
            return False
        method = self.request.method
        return method in WRITES or (method == "POST" and self.detail)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.detail and self.writes_record():
            # Held until the write commits: the If-Match check and the write are one step.
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    def get_object(self):
        instance = super().get_object()
        self.current_record = instance
        if self.writes_record():
            check_if_match(self.request, instance)
        return instance

    def set_validators(self, response):
        record = getattr(self, "current_record", None)
        if record is None or response.status_code >= 300:
            return
        if self.writes_record():
            record.refresh_from_db(fields=["updated_at"])
        version = record_version(record)

        def etag_from_body(rendered):
            digest = hashlib.sha256(rendered.content).hexdigest()[:16]
            rendered["ETag"] = f'"{version}-{digest}"'

        response.add_post_render_callback(etag_from_body)
        set_last_modified(response, record.updated_at)


# `*`, or one or more entity tags (RFC 9110, 13.1.1). Django splits a list at every comma, so
# none inside a tag (ours have none); a header that is not this is a 400, not a 412.
ETAG_LIST_PATTERN = r'^(\*|(W/)?"[^",]*"( *, *(W/)?"[^",]*")*)$'


def check_if_match(request, instance):
    """412 unless If-Match is absent, ``*``, or names the record's current version."""
    header = request.META.get("HTTP_IF_MATCH")
    if header is None or header.strip() == "*":
        return
    if not re.fullmatch(ETAG_LIST_PATTERN, header.strip()):
        raise ValidationError({"If-Match": ['Give "*" or the ETag of your read, in quotes.']})
    if record_version(instance) not in {etag_version(tag) for tag in parse_etags(header)}:
        raise PreconditionFailed()


def set_last_modified(response, moment):
    """Set Last-Modified to ``moment`` (an aware datetime), unless it is None."""
    if moment is not None:
        response["Last-Modified"] = http_date(moment.timestamp())
