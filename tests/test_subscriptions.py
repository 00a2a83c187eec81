"""Subscriptions (resources/subscriptions.py): what is queued with a change, what is sent,
signed how, retried when, and never to whom. Attempts run here in the test's transaction
(``attempt``); tests/test_webhook_worker.py runs the real worker."""

import hashlib
import hmac
import time
from datetime import timedelta

import orjson
import pytest
from django.contrib.auth.models import User
from django.db import transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from resources import subscriptions
from resources.choices import ChangeAction, ChangeChannel, DeliveryStatus, SubscriptionStatus
from resources.editorial.history import record_change
from resources.models import Country, Delivery, Subscription
from tests.factories import make_organization, make_policy
from tests.receiver import Receiver


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_REQUIRE_HTTPS = False
    settings.PUBLIC_BASE_URL = "http://testserver"
    settings.WEBHOOK_TIMEOUT_SECONDS = 2


@pytest.fixture
def public_owner(db):
    return User.objects.create_user("app", password="not-used-in-tests-1d4e")


def subscribe(owner, url, filter_text=""):
    types, actions, _query = subscriptions.parse_filter(filter_text, owner)
    return Subscription.objects.create(
        owner=owner, target_url=url, filter=filter_text, types=types, actions=actions
    )


def record(record_, action=ChangeAction.CREATED, user=None):
    return record_change(record_, action=action, channel=ChangeChannel.API, user=user)


def verify(secret, headers, body, tolerance=300):
    """The README's recipe: the signature over "<t>.<body>", and a recent t."""
    parts = dict(item.split("=", 1) for item in headers["Exile-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return (
        hmac.compare_digest(expected, parts["v1"])
        and abs(time.time() - int(parts["t"])) < tolerance
    )


def test_a_matching_change_is_sent_as_the_feed_entry_signed(
    source, public_owner, receiver, api_client
):
    subscription = subscribe(public_owner, receiver.url, "type=policy&country=AM")
    change = record(make_policy(source))

    (delivery,) = Delivery.objects.all()
    subscriptions.attempt(delivery.pk)

    (request,) = receiver.wait_for(1)
    feed = api_client.get("/api/v1/changes/").json()["results"]
    assert orjson.loads(request.body) == next(entry for entry in feed if entry["id"] == change.pk)
    assert verify(subscription.secret, request.headers, request.body)
    assert not verify("whsec_another", request.headers, request.body)
    assert request.headers["Exile-Event"] == "policy.created"
    assert request.headers["Idempotency-Key"] == str(delivery.idempotency_key)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 200)


def test_the_filter_chooses_by_the_record_after_the_change(source, public_owner, receiver):
    subscribe(public_owner, receiver.url, "type=policy&country=AM&action=published")
    record(make_policy(source, country=Country.objects.get(code="LT")), ChangeAction.PUBLISHED)
    record(make_policy(source), ChangeAction.CREATED)
    assert not Delivery.objects.exists()
    record(make_policy(source), ChangeAction.PUBLISHED)
    assert Delivery.objects.get().event == "policy.published"


def test_drafts_go_only_to_owners_who_read_drafts(source, public_owner, editor, receiver):
    public = subscribe(public_owner, receiver.url, "type=policy")
    editors = subscribe(editor, receiver.url, "type=policy")
    record(make_policy(source, publication_status="draft"))
    assert [d.subscription for d in Delivery.objects.all()] == [editors]
    assert not Delivery.objects.filter(subscription=public).exists()


def test_sensitive_fields_are_never_sent_to_the_public(source, public_owner, editor, receiver):
    public = subscribe(public_owner, receiver.url, "type=organization")
    editors = subscribe(editor, receiver.url, "type=organization")
    organization = make_organization(source, contact_details="+374 secret line")
    record(organization)
    public_body = bytes(Delivery.objects.get(subscription=public).body)
    assert b"secret line" not in public_body
    assert b"contact_details" not in public_body
    assert b"secret line" in bytes(Delivery.objects.get(subscription=editors).body)

    organization.internal_notes = "Named people are at risk."
    organization.save()
    record(organization, ChangeAction.UPDATED)  # sensitive fields alone: nothing public
    assert Delivery.objects.filter(subscription=public).count() == 1
    assert Delivery.objects.filter(subscription=editors).count() == 2


def test_a_rolled_back_change_queues_nothing(source, public_owner, receiver):
    subscribe(public_owner, receiver.url)
    jobs = ProcrastinateJob.objects.count()
    queued_inside = []

    def write_that_fails():
        with transaction.atomic():
            record(make_policy(source))
            queued_inside.append(Delivery.objects.count())
            raise RuntimeError("the write fails after its change was recorded")

    with pytest.raises(RuntimeError):
        write_that_fails()
    assert queued_inside == [1]
    assert not Delivery.objects.exists()
    assert ProcrastinateJob.objects.count() == jobs


def test_each_delivery_is_a_job_under_its_subscriptions_lock(source, public_owner, receiver):
    subscription = subscribe(public_owner, receiver.url)
    record(make_policy(source))
    record(make_policy(source))
    jobs = list(ProcrastinateJob.objects.filter(task_name="deliver").order_by("id"))
    deliveries = list(Delivery.objects.order_by("id"))
    assert [job.args["delivery_id"] for job in jobs] == [d.pk for d in deliveries]
    assert {job.lock for job in jobs} == {f"subscription:{subscription.pk}"}
    assert {job.queue_name for job in jobs} == {"webhooks"}


def test_a_failed_attempt_is_retried_later_each_wait_twice_the_last(
    settings, source, public_owner, receiver
):
    settings.WEBHOOK_RETRY_FIRST_SECONDS = 30
    receiver.answer = lambda n: (500, b"down", 0.0)
    subscribe(public_owner, receiver.url)
    record(make_policy(source))
    delivery = Delivery.objects.get()

    waits = []
    for _ in range(3):
        with pytest.raises(subscriptions.TryAgain) as again:
            subscriptions.attempt(delivery.pk)
        waits.append(again.value.seconds)

    assert waits == [30, 60, 120]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 3, 500)
    assert "answered 500" in delivery.last_error
    assert delivery.next_attempt_at is not None


def test_after_a_day_of_failures_the_subscription_is_paused_and_says_why(
    source, public_owner, receiver
):
    receiver.answer = lambda n: (503, b"", 0.0)
    subscription = subscribe(public_owner, receiver.url)
    record(make_policy(source))
    record(make_policy(source))
    first, second = Delivery.objects.order_by("id")
    Delivery.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(days=1))

    subscriptions.attempt(first.pk)  # the last attempt: no TryAgain

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    assert "answered 503" in subscription.paused_reason
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses == {first.pk: DeliveryStatus.FAILED, second.pk: DeliveryStatus.SKIPPED}
    subscriptions.attempt(second.pk)  # its job still runs: it sends nothing
    assert len(receiver.received) == 1


def test_a_paused_subscription_is_sent_nothing_new(source, public_owner, receiver):
    subscription = subscribe(public_owner, receiver.url)
    subscriptions.pause(subscription, "Paused by its owner.")
    record(make_policy(source))
    assert not Delivery.objects.exists()


def test_a_url_that_now_resolves_to_a_private_address_is_not_requested(
    settings, source, public_owner, receiver
):
    subscribe(public_owner, receiver.url)
    record(make_policy(source))
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(subscriptions.TryAgain):
        subscriptions.attempt(Delivery.objects.get().pk)
    assert "loopback" in Delivery.objects.get().last_error
    assert receiver.received == []


def test_a_slow_receiver_times_out_and_a_large_answer_is_cut(settings, source, public_owner):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 1000
    slow = Receiver(answer=lambda n: (200, b"late", 3.0)).start()
    large = Receiver(answer=lambda n: (200, b"x" * 10_000_000, 0.0)).start()
    try:
        subscribe(public_owner, slow.url)
        subscribe(public_owner, large.url)
        record(make_policy(source))
        to_slow, to_large = Delivery.objects.order_by("id")
        started = time.monotonic()
        with pytest.raises(subscriptions.TryAgain, match="Timed out"):
            subscriptions.attempt(to_slow.pk)
        assert time.monotonic() - started < 2
        subscriptions.attempt(to_large.pk)
        assert Delivery.objects.get(pk=to_large.pk).status == DeliveryStatus.DELIVERED
    finally:
        slow.stop()
        large.stop()


def test_a_redelivery_sends_the_same_body_and_key_again(source, public_owner, receiver):
    subscribe(public_owner, receiver.url)
    record(make_policy(source))
    delivery = Delivery.objects.get()
    subscriptions.attempt(delivery.pk)

    again = subscriptions.redeliver(delivery)
    subscriptions.attempt(again.pk)

    first, second = receiver.wait_for(2)
    assert first.body == second.body
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert again.redelivery_of == delivery


@pytest.mark.parametrize(
    ("text", "parameter"),
    [
        ("type=polcy", "type"),
        ("action=corrected", "action"),
        ("country=AM", "type"),
        ("type=policy,statistic&country=AM", "type"),
        ("type=policy&destination=GE", "destination"),
        ("type=policy&country=XX", "country"),
    ],
)
def test_an_invalid_filter_names_its_parameter(public_owner, text, parameter):
    with pytest.raises(subscriptions.FilterError) as invalid:
        subscriptions.parse_filter(text, public_owner)
    assert parameter in invalid.value.errors


def test_a_fault_of_ours_while_sending_is_logged_and_tried_again(
    source, public_owner, receiver, monkeypatch, caplog
):
    subscribe(public_owner, receiver.url)
    record(make_policy(source))

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(subscriptions.outbound, "post", broken)
    with pytest.raises(subscriptions.TryAgain):
        subscriptions.attempt(Delivery.objects.get().pk)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "tried again" in delivery.last_error
    assert "failed before an answer" in caplog.text


def test_a_url_with_a_non_ascii_path_is_sent_percent_encoded(source, public_owner, receiver):
    subscription = subscribe(public_owner, receiver.url)
    record(make_policy(source))
    # Django's URL validation takes an IRI; HTTP wants its path percent-encoded.
    Subscription.objects.filter(pk=subscription.pk).update(target_url=receiver.url + "/é")
    subscriptions.attempt(Delivery.objects.get().pk)
    (request,) = receiver.wait_for(1)
    assert request.path == "/hook/%C3%A9"
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_an_owner_whose_account_closed_is_sent_nothing_more(source, public_owner, receiver):
    subscribe(public_owner, receiver.url)
    record(make_policy(source))
    public_owner.is_active = False
    public_owner.save()
    subscriptions.attempt(Delivery.objects.get().pk)
    assert receiver.received == []
    assert Delivery.objects.get().status == DeliveryStatus.SKIPPED
    record(make_policy(source))  # nor queued any more
    assert Delivery.objects.count() == 1
