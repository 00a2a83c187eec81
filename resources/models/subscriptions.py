import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from ..choices import ChangeAction, DeliveryStatus, SubscriptionStatus
from .changes import Change

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A subscription's signing secret: 32 random bytes, URL-safe."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class Subscription(models.Model):
    """An app's standing request to be told, by an HTTP POST to ``target_url``, of every
    recorded change that matches ``filter`` and that its owner may read
    (``resources.subscriptions``).

    The secret signs each delivery (HMAC-SHA256); it is shown to the owner once, when the
    subscription is made or its secret is replaced, and kept to sign with."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        help_text="Who it belongs to: only what this user may read is sent.",
    )
    target_url = models.URLField(max_length=2000, help_text="Where the changes are POSTed.")
    filter = models.CharField(
        max_length=2000,
        blank=True,
        help_text="Which changes, in the lists' query language: type=policy&country=AM,LT; "
        "type=statistic&destination=GE&action=retracted. Empty: every change.",
    )
    # The filter's type= and action=, for the query that picks candidates per change.
    types = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    actions = ArrayField(
        models.CharField(max_length=24, choices=ChangeAction.choices), default=list, blank=True
    )
    description = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=8, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    paused_reason = models.TextField(
        blank=True, help_text="Why it was paused (by its owner, or after failed deliveries)."
    )
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status"], name="subscription_status_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.target_url}"


class Delivery(models.Model):
    """One change sent (or to be sent) to one subscription: its log entry.

    The body is built when the change commits, in its transaction, and sent as it is on
    every attempt: the same bytes, the same idempotency key. Each attempt is signed anew
    (its timestamp is part of the signature)."""

    id = models.BigAutoField(primary_key=True)
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text="Sent as Idempotency-Key: the same on every attempt and redelivery.",
    )
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="redeliveries"
    )
    event = models.CharField(max_length=64, help_text="type.action, e.g. policy.published.")
    body = models.BinaryField(help_text="The JSON POSTed: the changes feed's entry.")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The HTTP status of the last attempt's answer."
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["subscription", "id"], name="delivery_subscription_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.event} to subscription {self.subscription_id}"
