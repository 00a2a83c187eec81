"""Subscriptions (``models.Subscription``) and their delivery log, as their owners see them."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from exile_api import outbound

from ...choices import SubscriptionStatus
from ...models import Delivery, Subscription
from ...subscriptions import FilterError, describe_body, parse_filter
from .base import StrictInputMixin
from .changes import ChangeSerializer


class SubscriptionSerializer(StrictInputMixin, serializers.ModelSerializer[Subscription]):
    """A subscription: where its changes go, which ones, and whether they are sent."""

    url = serializers.SerializerMethodField(help_text="This subscription's API URL.")
    deliveries_url = serializers.SerializerMethodField(help_text="Its delivery log.")
    target_url = serializers.URLField(
        max_length=2000,
        help_text="Where each change is POSTed: HTTPS in production, never an address of a "
        "private, loopback or link-local network.",
    )
    filter = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Which changes, in the lists' query language: `type` (record types), "
        "`action` (what the change did) and, with one type, that list's filters, e.g. "
        "`type=policy&country=AM,LT` or `type=statistic&destination=GE&action=retracted`. "
        "Empty: every change you may read.",
    )
    status = serializers.ChoiceField(
        SubscriptionStatus.choices,
        required=False,
        help_text="`paused`: nothing is sent. Set `active` to resume; what changed while it "
        "was paused is not sent (read it from the changes feed, or redeliver).",
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "url",
            "target_url",
            "filter",
            "description",
            "status",
            "paused_reason",
            "created_at",
            "updated_at",
            "deliveries_url",
        ]
        read_only_fields = ["id", "paused_reason", "created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": "The subscription's id."},
            "description": {"help_text": "Your note of what it is for (not sent)."},
            "created_at": {"help_text": "When it was made."},
            "updated_at": {"help_text": "When it last changed (its secret replaced, too)."},
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, subscription: Subscription) -> str:
        return reverse(
            "subscription-detail", kwargs={"pk": subscription.pk}, request=self.context["request"]
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_deliveries_url(self, subscription: Subscription) -> str:
        return reverse(
            "subscription-deliveries",
            kwargs={"pk": subscription.pk},
            request=self.context["request"],
        )

    def validate_target_url(self, value: str) -> str:
        try:
            outbound.check_url(value)
        except outbound.UnsafeURL as refusal:
            raise serializers.ValidationError(str(refusal), code="unsafe_url") from refusal
        return value

    def validate_filter(self, value: str) -> str:
        text = value.lstrip("?")
        try:
            types, actions, _query = parse_filter(text, self.context["request"].user)
        except FilterError as invalid:
            raise serializers.ValidationError(
                [
                    serializers.ErrorDetail(f"{name}: {message}", code="invalid_filter")
                    for name, messages in invalid.errors.items()
                    for message in messages
                ]
            ) from invalid
        # The filter's type= and action=, stored beside it (validate): the columns that pick
        # a change's candidate subscriptions.
        self.filter_columns = {"types": types, "actions": actions}
        return text

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "filter" in attrs:
            attrs.update(self.filter_columns)
        if attrs.get("status") == SubscriptionStatus.ACTIVE:
            attrs["paused_reason"] = ""
        return attrs


class SubscriptionWithSecretSerializer(SubscriptionSerializer):
    """A subscription with its signing secret: shown this once (when it is made, or its
    secret replaced). Keep it: it cannot be read again."""

    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every delivery (Exile-Signature: HMAC-SHA256). Shown only now.",
    )

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    """One change sent (or to be sent) to a subscription: how it went."""

    change = serializers.IntegerField(
        source="change_id", read_only=True, help_text="The change's id in the changes feed."
    )
    redelivery_of = serializers.IntegerField(
        source="redelivery_of_id",
        read_only=True,
        allow_null=True,
        help_text="The delivery this one sends again, if it is a redelivery.",
    )
    payload = serializers.SerializerMethodField(
        help_text="The JSON body sent: the changes feed's entry for the change."
    )

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "change",
            "idempotency_key",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "redelivery_of",
            "payload",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "The delivery's id."},
            "status": {
                "help_text": "`pending`: queued, or waiting for its next attempt; `delivered`: "
                "the receiver answered 2xx; `failed`: a day of attempts failed (the "
                "subscription was paused); `skipped`: not sent, the subscription was paused "
                "first."
            },
            "attempts": {"help_text": "How many times it was sent."},
            "last_error": {"help_text": "Why the last attempt failed; empty if it did not."},
            "created_at": {"help_text": "When it was queued (with its change)."},
            "last_attempt_at": {"help_text": "When it was last sent; null before the first."},
            "next_attempt_at": {"help_text": "When it is sent again; null unless it waits."},
            "delivered_at": {"help_text": "When the receiver took it; null until then."},
        }

    @extend_schema_field(ChangeSerializer)
    def get_payload(self, delivery: Delivery) -> Any:
        return describe_body(delivery)
