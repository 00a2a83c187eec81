"""Subscriptions through the API: each user manages their own, reads their delivery log and
redelivers (``resources.subscriptions`` sends them).

Conditional requests work as on records (``conditional``): a subscription's ETag is its
version, and a write (PUT, PATCH, DELETE, a POST to one of its actions) honours If-Match
against it, the subscription locked from the check to the write."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from .. import subscriptions
from ..choices import ApiKeyScope, SubscriptionStatus
from ..models import ApiKey, Delivery, Subscription
from ..models.base import TimestampedModel
from ..models.subscriptions import new_secret
from .base import WritesInOneTransaction
from .conditional import check_if_match, set_validators
from .errors import Conflict
from .pagination import LimitOffsetPagination
from .params import refuse_unknown
from .schema import PAGE_PARAMETERS
from .serializers.subscriptions import (
    DeliverySerializer,
    SubscriptionSerializer,
    SubscriptionWithSecretSerializer,
)

DELIVERY_ID = OpenApiParameter(
    "delivery_id",
    {"type": "integer", "minimum": 1},
    OpenApiParameter.PATH,
    description="The delivery's id (from the subscription's delivery log).",
)
DELIVERY_ROUTE = r"deliveries/(?P<delivery_id>[0-9]+)"
# Actions whose answer is the subscription itself, with its ETag and Last-Modified.
SUBSCRIPTION_ACTIONS = frozenset({"retrieve", "update", "partial_update", "rotate_secret"})
# Query parameters of the lists (format: DRF's ?format=json); other reads take only format.
LIST_PARAMETERS = frozenset({"limit", "offset", "format"})


def versioned(subscription: Subscription) -> TimestampedModel:
    """A subscription, for its version (``conditional``: its pk and ``updated_at``, which a
    subscription has as a timestamped record does)."""
    return cast(TimestampedModel, subscription)


class OwnSubscriptions(permissions.IsAuthenticated):
    """Signed-in users (or their API keys) manage their own subscriptions; changing one
    through an API key needs its ``write`` scope."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return not isinstance(request.auth, ApiKey) or ApiKeyScope.WRITE in request.auth.scopes


@extend_schema_view(
    list=extend_schema(summary="List your subscriptions"),
    retrieve=extend_schema(summary="Get one of your subscriptions by id"),
    update=extend_schema(summary="Replace a subscription"),
    partial_update=extend_schema(
        summary="Update part of a subscription",
        description="`status: paused` stops its deliveries: what is still queued is skipped "
        "(and may be redelivered). `status: active` resumes them from the next change, and "
        "clears `paused_reason`.",
    ),
    destroy=extend_schema(
        summary="Unsubscribe",
        description="Deletes the subscription and its delivery log: nothing more is sent.",
        responses={204: OpenApiResponse(description="Deleted.")},
    ),
)
class SubscriptionViewSet(WritesInOneTransaction, viewsets.ModelViewSet[Subscription]):
    """Your subscriptions: a URL that is POSTed each change you may read that matches a filter.

    Each delivery is the changes feed's entry for the change, signed with the subscription's
    secret (`Exile-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`), with an
    `Idempotency-Key` that is the same on every attempt. Deliveries come at least once, in
    the order of the changes; failed ones are retried with exponential backoff for a day,
    after which the subscription is paused and `paused_reason` says why. Only you see your
    subscriptions (404 to others)."""

    queryset = Subscription.objects.all()
    serializer_class = SubscriptionSerializer
    permission_classes = [OwnSubscriptions]
    filter_backends: list[Any] = []
    owner_only = True  # resources.api.schema: reads need credentials

    def get_queryset(self) -> QuerySet[Subscription]:
        queryset = Subscription.objects.filter(owner=self.request.user.pk).order_by("id")
        if self.writes_subscription():
            # Locked from the If-Match check to the write: two clients sending the same
            # ETag cannot both succeed.
            queryset = queryset.select_for_update()
        return queryset

    def writes_subscription(self) -> bool:
        """Whether the request changes the subscription its URL names (not OPTIONS, whose
        metadata replays a PUT outside any transaction, writing nothing)."""
        return (
            getattr(self, "detail", False) is True
            and self.action != "metadata"
            and self.request.method not in permissions.SAFE_METHODS
        )

    def get_object(self) -> Subscription:
        subscription = super().get_object()
        if self.writes_subscription():
            check_if_match(self.request, versioned(subscription))
        self.current_subscription = subscription
        return subscription

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action in ("deliveries", "delivery", "redeliver"):
            return DeliverySerializer
        if self.action == "rotate_secret":
            return SubscriptionWithSecretSerializer
        return SubscriptionSerializer

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        subscription = getattr(self, "current_subscription", None)
        if self.action in SUBSCRIPTION_ACTIONS and subscription is not None:
            set_validators(response, versioned(subscription), written=self.writes_subscription())
        return response

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        refuse_unknown(request, LIST_PARAMETERS)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        refuse_unknown(request, {"format"})
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Subscribe",
        request=SubscriptionSerializer,
        responses={
            201: OpenApiResponse(
                SubscriptionWithSecretSerializer,
                description="Created: the subscription with its signing secret, shown only now.",
            )
        },
        description="Changes recorded from now on that match the filter, and that you may "
        "read, are POSTed to `target_url` (see the `change` webhook). The answer holds the "
        "subscription's signing secret: store it, it is never shown again.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = serializer.save(owner=request.user)
        shown = SubscriptionWithSecretSerializer(
            subscription, context=self.get_serializer_context()
        )
        data = shown.data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        # In the request's transaction (dispatch), with the subscription locked.
        was_active = serializer.instance.status == SubscriptionStatus.ACTIVE  # type: ignore[union-attr]
        subscription = serializer.save()
        if was_active and subscription.status == SubscriptionStatus.PAUSED:
            subscriptions.pause(subscription, "Paused by its owner.")
            subscription.refresh_from_db()

    @extend_schema(
        summary="Replace the signing secret",
        request=None,
        responses={
            200: OpenApiResponse(
                SubscriptionWithSecretSerializer,
                description="The subscription with its new secret, shown only now.",
            )
        },
        description="A new secret signs every delivery from now on (and the attempts still "
        "due); the old one signs nothing more. The answer holds it, shown only now.",
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        subscription = self.get_object()
        subscription.secret = new_secret()
        subscription.save(update_fields=["secret", "updated_at"])
        return Response(self.get_serializer(subscription).data)

    @extend_schema(
        summary="A subscription's delivery log",
        operation_id="subscriptions_deliveries_list",
        description="Its deliveries, newest first: each change sent (or to be sent), with its "
        "attempts and how the last one went.",
        parameters=PAGE_PARAMETERS,
        responses=DeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        refuse_unknown(request, LIST_PARAMETERS)
        subscription = self.get_object()
        deliveries = Delivery.objects.filter(subscription=subscription).order_by("-id")
        # Never None (the API's paginator always has a limit); deliveries are not records of
        # this viewset's model, which GenericAPIView.paginate_queryset is typed for.
        pages = cast(LimitOffsetPagination, self.paginator)
        page = pages.paginate_queryset(deliveries, request, self) or []
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="One delivery",
        operation_id="subscriptions_deliveries_retrieve",
        parameters=[DELIVERY_ID],
        responses=DeliverySerializer,
    )
    @action(detail=True, methods=["get"], url_path=DELIVERY_ROUTE)
    def delivery(self, request: Request, pk: str | None = None, delivery_id: str = "") -> Response:
        refuse_unknown(request, {"format"})
        return Response(self.get_serializer(self.named_delivery(delivery_id)).data)

    @extend_schema(
        summary="Send a delivery again",
        parameters=[DELIVERY_ID],
        request=None,
        responses={
            202: OpenApiResponse(
                DeliverySerializer, description="Queued: the new delivery, pending."
            )
        },
        description="Queues the delivery's change again, with the same body and "
        "Idempotency-Key, after what is queued already. The subscription must be active "
        "(409 otherwise).",
    )
    @action(detail=True, methods=["post"], url_path=rf"{DELIVERY_ROUTE}/redeliver")
    def redeliver(self, request: Request, pk: str | None = None, delivery_id: str = "") -> Response:
        delivery = self.named_delivery(delivery_id)
        if delivery.subscription.status != SubscriptionStatus.ACTIVE:
            raise Conflict("The subscription is paused: set its status to active first.")
        again = subscriptions.redeliver(delivery)
        return Response(self.get_serializer(again).data, status=status.HTTP_202_ACCEPTED)

    def named_delivery(self, delivery_id: str) -> Delivery:
        """The delivery the URL names, of the subscription it names (yours): a 404 else."""
        subscription = self.get_object()
        delivery = (
            Delivery.objects.filter(subscription=subscription, pk=int(delivery_id))
            .select_related("subscription")
            .first()
        )
        if delivery is None:
            raise NotFound(f"No delivery #{delivery_id} of this subscription.")
        return delivery
