"""Subscriptions: every recorded change that matches a subscription, and that its owner may
read, is POSTed to the subscription's URL by a worker (``resources/tasks.py``).

- **Queued with the change.** ``queue_deliveries`` runs inside the transaction that records
  a change (``history.change_recorded``): the delivery row and its job in the task queue
  commit with the change or not at all. A rolled-back change sends nothing; a committed one
  is never lost, whatever happens to the worker.
- **What is sent.** The changes feed's entry for the change, as the owner may see it (the
  public view for owners who cannot read drafts: no drafts, no sensitive fields, no authors),
  built when the change commits and sent as the same bytes on every attempt.
- **Which changes.** A subscription's filter is in the lists' query language: ``type`` and
  ``action`` choose kinds of changes, and the other parameters are the type's list filters
  (``type=policy&country=AM,LT``), applied to the record as it is after the change. A
  deletion matches only filters without list parameters: the record is gone.
- **Signed.** ``Exile-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with
  the subscription's secret, as Stripe signs its webhooks; ``Idempotency-Key`` is the
  delivery's idempotency key (a UUID), the same on every attempt and redelivery.
- **At least once, in order.** Each subscription's deliveries run one at a time in the order
  of their changes (the jobs share a lock). A failed attempt is retried after 30 s, then
  twice as long each time, up to an hour, for a day (``WEBHOOK_RETRY_*``); later deliveries
  wait behind it. After a day the delivery has failed and the subscription is paused with
  the reason; what was still queued for it is skipped, and can be redelivered.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta
from typing import Any, cast

import orjson
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model, Q
from django.dispatch import receiver
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from exile_api import outbound

# visibility before registry (history imports it): registry's own imports need visibility whole.
from . import visibility
from .choices import ChangeAction, DeliveryStatus, PublicationStatus, SubscriptionStatus
from .editorial.history import REVIEW_ONLY_ACTIONS, change_recorded
from .models import Change, Delivery, Subscription
from .models.base import PUBLIC_STATUSES, CuratedModel
from .registry import CURATED_MODELS, RECORD_TYPES

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Exile-Signature"
EVENT_HEADER = "Exile-Event"
USER_AGENT = "ExileResourcesAPI-Webhooks/1.0"
# Parameters of a filter that are not list filters.
CHANGE_PARAMETERS = ("type", "action")
# The actions a subscriber may follow: what the changes feed shows (no review steps).
FOLLOWED_ACTIONS = [action for action in ChangeAction.values if action not in REVIEW_ONLY_ACTIONS]


class FilterError(ValueError):
    """A subscription's filter is not valid: ``errors`` is {parameter: [message, ...]}."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class TryAgain(Exception):
    """The attempt failed and another is due in ``seconds`` (the task queue retries it)."""

    def __init__(self, seconds: float, error: str) -> None:
        super().__init__(error)
        self.seconds = seconds


# The filter ---------------------------------------------------------------------------------


@functools.cache
def filtersets() -> dict[type[Model], Any]:
    """Each record type's list filterset (the API's own: the same query language)."""
    from .api.urls import VIEWSETS

    return {
        viewset.queryset.model: viewset.filterset_class
        for viewset in VIEWSETS
        if viewset.queryset.model in CURATED_MODELS
    }


def models_by_type() -> dict[str, type[CuratedModel]]:
    return {RECORD_TYPES[model]: model for model in CURATED_MODELS}


def as_request(user: AbstractBaseUser) -> HttpRequest:
    """A request of ``user``, for the filters' choices (what the user may read)."""
    request = HttpRequest()
    request.user = user  # type: ignore[assignment]
    return request


def parse_filter(text: str, owner: AbstractBaseUser) -> tuple[list[str], list[str], QueryDict]:
    """(types, actions, list filters) of filter ``text``, checked as the lists check their
    parameters, for ``owner``. Raises FilterError."""
    query = QueryDict(text.lstrip("?"), mutable=True)
    errors: dict[str, list[str]] = {}
    by_type = models_by_type()

    def values(name: str, allowed: list[str]) -> list[str]:
        given = [v.strip() for value in query.pop(name, []) for v in value.split(",") if v.strip()]
        unknown = sorted(set(given) - set(allowed))
        if unknown:
            errors[name] = [
                f"Unknown value(s) {', '.join(unknown)}; choose from {', '.join(allowed)}."
            ]
        return sorted(set(given))

    types = values("type", list(by_type))
    actions = values("action", FOLLOWED_ACTIONS)
    if query and not errors:
        if len(types) != 1:
            errors["type"] = ["List filters apply to one type: give exactly one type=."]
        else:
            filterset_class = filtersets()[by_type[types[0]]]
            allowed = set(filterset_class.base_filters)
            for name in sorted(set(query) - allowed):
                errors[name] = [
                    f"Not a filter of the {types[0]} list; its filters: "
                    + ", ".join(sorted(allowed))
                    + "."
                ]
            if not errors:
                model = by_type[types[0]]
                filterset = filterset_class(
                    data=query, queryset=model._default_manager.none(), request=as_request(owner)
                )
                if not filterset.is_valid():
                    errors.update(
                        {
                            name: [str(m) for m in messages]
                            for name, messages in filterset.errors.items()
                        }
                    )
    if errors:
        raise FilterError(errors)
    return types, actions, query


def record_matches(subscription: Subscription, model: type[CuratedModel], change: Change) -> bool:
    """Whether the record of ``change``, as it is now, passes the subscription's list filters."""
    # Checked when the subscription was saved (parse_filter); a value it named that is no
    # longer valid for its owner (a draft's slug) fails the filterset below: nothing matches.
    query = QueryDict(subscription.filter, mutable=True)
    for name in CHANGE_PARAMETERS:
        query.pop(name, None)
    if not query:
        return True
    if change.snapshot is None:
        return False  # deleted: its fields are gone
    if "publication_status" not in query:
        # The lists show published records by default; a subscriber follows the record
        # through every status it may see (visibility is the change's: may_read).
        query["publication_status"] = ",".join(PublicationStatus.values)
    filterset = filtersets()[model](
        data=query,
        queryset=model._default_manager.filter(pk=change.object_id),
        request=as_request(subscription.owner),
    )
    return bool(filterset.is_valid() and filterset.qs.exists())


def reads_drafts_of(user: AbstractBaseUser, model: type[Model]) -> bool:
    """Whether ``user`` may see ``model``'s drafts and sensitive fields."""
    return bool(user.is_active and user.has_perm(visibility.permission(model, "view")))  # type: ignore[attr-defined]


def may_read(change: Change, reads_drafts: bool) -> bool:
    """Whether a reader may see ``change`` in the changes feed."""
    if reads_drafts:
        return True
    return change.publication_status in PUBLIC_STATUSES and change.public_content


# Queueing, with the change ------------------------------------------------------------------


@receiver(change_recorded, dispatch_uid="resources.subscriptions.queue_deliveries")
def queue_deliveries(sender: Any, change: Change, **kwargs: Any) -> None:
    """Queue ``change`` for every active subscription it matches (inside its transaction)."""
    model = cast("type[CuratedModel]", change.content_type.model_class())
    type_name = RECORD_TYPES[model]
    candidates = (
        Subscription.objects.filter(status=SubscriptionStatus.ACTIVE, owner__is_active=True)
        .filter(Q(types=[]) | Q(types__contains=[type_name]))
        .filter(Q(actions=[]) | Q(actions__contains=[change.action]))
        .select_related("owner")
    )
    for subscription in candidates:
        reads_drafts = reads_drafts_of(subscription.owner, model)
        if not may_read(change, reads_drafts) or change.action in REVIEW_ONLY_ACTIONS:
            continue
        if not record_matches(subscription, model, change):
            continue
        queue(
            Delivery(
                subscription=subscription,
                change=change,
                event=f"{type_name}.{change.action}",
                body=payload(change, reads_drafts),
            )
        )


def queue(delivery: Delivery) -> Delivery:
    """Save ``delivery`` and queue its job, in the caller's transaction."""
    from .tasks import deliver

    with transaction.atomic():
        delivery.save()
        deliver.configure(lock=lock_of(delivery.subscription_id)).defer(delivery_id=delivery.pk)
    return delivery


def lock_of(subscription_id: int) -> str:
    """The task queue's lock of a subscription's jobs: they run one at a time, in order."""
    return f"subscription:{subscription_id}"


def payload(change: Change, reads_drafts: bool) -> bytes:
    """The changes feed's entry for ``change`` as such a reader sees it, as JSON."""
    from .api.changes import change_data
    from .api.serializers import ChangeSerializer

    data = change_data(change, None, reads_drafts=reads_drafts)
    if data["url"] is not None and data["url"].startswith("/"):
        data["url"] = settings.PUBLIC_BASE_URL.rstrip("/") + data["url"]
    return orjson.dumps(ChangeSerializer(data).data)


# Sending ------------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Exile-Signature`` header's value for ``body`` sent at ``timestamp``."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def headers_for(delivery: Delivery, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Idempotency-Key": str(delivery.idempotency_key),
        EVENT_HEADER: delivery.event,
        SIGNATURE_HEADER: signature(delivery.subscription.secret, timestamp, bytes(delivery.body)),
    }


def retry_wait(attempts: int) -> float:
    """Seconds before the next attempt, after ``attempts`` failed ones."""
    first, cap = settings.WEBHOOK_RETRY_FIRST_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS
    return float(min(cap, first * 2 ** max(0, attempts - 1)))


def attempt(delivery_id: int) -> None:
    """Send delivery ``delivery_id`` once, and log how it went. Raises TryAgain when another
    attempt is due; pauses the subscription when a day of attempts has failed."""
    delivery = Delivery.objects.select_related("subscription__owner").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return  # deleted with its subscription, or done (a job run again after a crash)
    subscription = delivery.subscription
    if subscription.status != SubscriptionStatus.ACTIVE:
        skip(Delivery.objects.filter(pk=delivery.pk), "The subscription was paused.")
        return
    if not subscription.owner.is_active:
        # Queued while the account could read it; an account since closed is sent nothing.
        skip(Delivery.objects.filter(pk=delivery.pk), "The owner's account is inactive.")
        return
    started = timezone.now()
    error, status = "", None
    try:
        answer = outbound.post(
            subscription.target_url, bytes(delivery.body), headers_for(delivery, int(time.time()))
        )
        status = answer.status
        if not 200 <= answer.status < 300:
            error = f"The receiver answered {answer.status}."
    except (outbound.UnsafeURL, outbound.RequestFailed) as failure:
        error = str(failure)
    except Exception:
        # A fault of ours, not the receiver's: logged, and the delivery tried again as after
        # any failure (it is never dropped, and the subscription's later ones wait for it).
        logger.exception("Delivery %s failed before an answer.", delivery.pk)
        error = "The service failed to send it; it will be tried again."
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.response_status, delivery.last_error = started, status, error
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED,
            timezone.now(),
            None,
        )
        delivery.save()
        return
    wait = retry_wait(delivery.attempts)
    give_up_at = delivery.created_at + timedelta(seconds=settings.WEBHOOK_RETRY_FOR_SECONDS)
    if started + timedelta(seconds=wait) <= give_up_at:
        delivery.next_attempt_at = started + timedelta(seconds=wait)
        delivery.save()
        raise TryAgain(wait, error)
    with transaction.atomic():
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        delivery.save()
        pause(
            subscription,
            f"Paused at {started:%Y-%m-%d %H:%M} UTC: delivery {delivery.pk} ({delivery.event}) "
            f"failed {delivery.attempts} times over "
            f"{settings.WEBHOOK_RETRY_FOR_SECONDS / 3600:g} h; last: {error}",
        )


def pause(subscription: Subscription, reason: str) -> None:
    """Pause ``subscription``: what is still queued for it is skipped (and may be redelivered)."""
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk).update(
            status=SubscriptionStatus.PAUSED, paused_reason=reason, updated_at=timezone.now()
        )
        subscription.status, subscription.paused_reason = SubscriptionStatus.PAUSED, reason
        skip(
            Delivery.objects.filter(subscription=subscription, status=DeliveryStatus.PENDING),
            "The subscription was paused before it was sent.",
        )


def skip(deliveries: Any, reason: str) -> None:
    deliveries.update(status=DeliveryStatus.SKIPPED, last_error=reason, next_attempt_at=None)


def redeliver(delivery: Delivery) -> Delivery:
    """Queue ``delivery``'s change again for its subscription, with the same body and
    idempotency key, after whatever is queued already. The subscription must be active."""
    return queue(
        Delivery(
            subscription=delivery.subscription,
            change=delivery.change,
            event=delivery.event,
            body=delivery.body,
            idempotency_key=delivery.idempotency_key,
            redelivery_of=delivery,
        )
    )


def describe_body(delivery: Delivery) -> Any:
    """The delivery's body as JSON data (for the log's readers)."""
    return json.loads(bytes(delivery.body))
