"""What changed: one record's history and the changes feed across all resources, each change
shown as this reader may see it (``resources.editorial.history``)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..editorial.history import PUBLIC_CHANGES, public_view, visible_changes
from ..models import Change
from ..registry import CURATED_MODELS, RECORD_TYPES
from ..visibility import reads_drafts
from .pagination import large_page
from .params import choice_list_param, refuse_unknown, whole_number_param
from .routes import DETAIL_ROUTES, record_url
from .serializers import ChangesPageSerializer


def record_history(record: Model, request: Request) -> tuple[QuerySet[Change], bool]:
    """The changes of ``record`` this reader may see, oldest first, and whether they read
    its drafts."""
    model = type(record)
    changes = Change.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=record.pk
    ).select_related("content_type")
    drafts = reads_drafts(request, model)
    return visible_changes(changes, reads_drafts=drafts).order_by("id"), drafts


def change_model(change: Change) -> type[Model]:
    """The model of the record ``change`` is about: a resource's (changes are recorded only
    for them, so its content type always has its model)."""
    return cast("type[Model]", change.content_type.model_class())


def change_data(change: Change, request: Request, *, reads_drafts: bool) -> dict[str, Any]:
    """One change as ``ChangeSerializer`` shows it to this reader."""
    model = change_model(change)
    _basename, lookup = DETAIL_ROUTES[model]
    key = change.record_key if lookup == "slug" else change.object_id
    gone = change.snapshot is None
    return {
        "id": change.pk,
        "at": change.at,
        "type": RECORD_TYPES[model],
        "record_id": change.object_id,
        "record_key": change.record_key,
        "url": None if gone else record_url(model, key, request),
        "action": change.action,
        "channel": change.channel,
        "reason": change.reason,
        "publication_status": change.publication_status,
        **public_view(change, reads_drafts=reads_drafts),
    }


class ChangesView(APIView):
    """The changes feed: every creation, submission, publication, update, retraction and
    deletion across all resources, in commit order, for mirrors to sync incrementally.

    Store the `next_cursor` of each page and pass it as `since` next time: you get exactly
    the changes made since, none twice and none missed. Each change carries the record as it
    stood afterwards. A retraction is a change like any other: a mirror that applies the feed
    never keeps what was withdrawn. Clients who cannot read drafts see only the changes made
    while a record was public (from its publication on), without sensitive fields or authors.
    """

    MAX_LIMIT = 500
    permission_classes = [permissions.AllowAny]  # reads only; what each reader sees is below

    def is_costly_read(self, request: Request) -> bool:
        """A page of more than LARGE_PAGE changes (each with its record) is a costly read."""
        return large_page(request)

    @extend_schema(
        summary="The changes feed: everything that changed since a cursor",
        tags=["changes"],
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.INT,
                description="The next_cursor of your last page (default 0: from the start).",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"Most changes to return (default 100, at most {MAX_LIMIT}).",
            ),
            OpenApiParameter(
                "type",
                OpenApiTypes.STR,
                description="Comma-separated record types (default all): "
                + ", ".join(RECORD_TYPES[m] for m in CURATED_MODELS),
            ),
        ],
        responses=ChangesPageSerializer,
    )
    def get(self, request: Request) -> Response:
        refuse_unknown(request, {"since", "limit", "type", "format"})
        since = whole_number_param(request, "since", default=0, maximum=2**63 - 1)
        limit = whole_number_param(request, "limit", default=100, minimum=1, maximum=self.MAX_LIMIT)
        types = {RECORD_TYPES[m]: m for m in CURATED_MODELS}
        chosen = choice_list_param(request, "type", list(types), types)
        readable = Q(pk__in=[])
        for type_name in chosen:
            model = types[type_name]
            of_model = Q(content_type=ContentType.objects.get_for_model(model))
            if not reads_drafts(request, model):
                of_model &= PUBLIC_CHANGES
            readable |= of_model
        changes = list(
            Change.objects.filter(readable, id__gt=since)
            .select_related("content_type")
            .order_by("id")[: limit + 1]
        )
        page = changes[:limit]
        data = [
            change_data(c, request, reads_drafts=reads_drafts(request, change_model(c)))
            for c in page
        ]
        body = {
            "next_cursor": page[-1].pk if page else since,
            "has_more": len(changes) > limit,
            "results": data,
        }
        response = Response(ChangesPageSerializer(body).data)
        if body["has_more"]:
            query = request.query_params.copy()
            query["since"] = str(body["next_cursor"])
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
            response["Link"] = f'<{next_url}>; rel="next"'
        return response
