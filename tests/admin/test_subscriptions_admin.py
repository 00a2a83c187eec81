"""Subscriptions and their delivery log in the admin: checked as the API checks them, the
signing secret shown once, pause, resume and redeliver, and each staff user's own only."""

import json
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from procrastinate.contrib.django.models import ProcrastinateJob

from resources.editorial import history
from resources.models import Delivery, Subscription
from tests.factories import make_policy

# What the admin shows of a secret: its first ten characters.
SHOWN = 10


def admin_url(model, view, *args):
    return reverse(f"admin:resources_{model._meta.model_name}_{view}", args=args)


def messages_of(response):
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def subscription_form(**fields):
    """The add form as the browser posts it."""
    return {"owner": "", "target_url": "", "filter": "", "description": "", "_save": "Save"} | (
        fields
    )


def act(client, model, action, *records):
    """Run a list action on ``records`` as the changelist's form posts it."""
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [str(record.pk) for record in records]},
        follow=True,
    )


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    """Plain HTTP allowed, loopback refused (the default): tests that need it turn it on."""
    settings.WEBHOOKS_REQUIRE_HTTPS = False
    settings.WEBHOOKS_ALLOW_LOOPBACK = False


@pytest.fixture
def change(source):
    """A published policy's recorded change. Made before any subscription, so that recording
    it queues no delivery of its own."""
    policy = make_policy(source, slug="armenia-it-company-registration")
    return history.record_change(policy, action="published", channel="command")


@pytest.fixture
def staff(db):
    """A staff user (not a superuser) who may manage subscriptions and read deliveries."""
    user = User.objects.create_user("staffer", password="not-used-in-tests-4d1f", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="resources",
            codename__in=[
                "add_subscription",
                "change_subscription",
                "delete_subscription",
                "view_subscription",
                "view_delivery",
            ],
        )
    )
    return user


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def other(db):
    return User.objects.create_user("other-owner", password="not-used-in-tests-6a0b")


def make_subscription(owner, **fields):
    defaults = {"target_url": "https://hooks.example.org/exile", "filter": "type=policy"}
    return Subscription.objects.create(owner=owner, **(defaults | fields))


def make_delivery(subscription, change, **fields):
    body = {"id": change.pk, "action": "published", "record": {"title": "Армения"}}
    defaults = {
        "event": "policy.published",
        "body": json.dumps(body).encode(),
        "status": "delivered",
        "attempts": 1,
        "response_status": 200,
    }
    return Delivery.objects.create(subscription=subscription, change=change, **(defaults | fields))


# The pages ------------------------------------------------------------------------------------


def test_view_changelists_as_superuser_lists_every_row(admin_client, admin_user, other, change):
    mine = make_subscription(admin_user)
    theirs = make_subscription(other, status="paused", paused_reason="Failed for a day. " * 10)
    deliveries = [make_delivery(mine, change), make_delivery(theirs, change, status="failed")]

    subscription_page = admin_client.get(admin_url(Subscription, "changelist"))
    delivery_page = admin_client.get(admin_url(Delivery, "changelist"))

    assert subscription_page.status_code == HTTPStatus.OK
    assert [row.pk for row in subscription_page.context["cl"].result_list] == [theirs.pk, mine.pk]
    # The long reason cut in its column, whole in the tooltip.
    html = subscription_page.content.decode()
    assert f'title="{theirs.paused_reason}"' in html
    assert f">{theirs.paused_reason}<" not in html
    assert delivery_page.status_code == HTTPStatus.OK
    assert [row.pk for row in delivery_page.context["cl"].result_list] == [
        deliveries[1].pk,
        deliveries[0].pk,
    ]


def test_view_delivery_page_shows_the_payload_indented(admin_client, admin_user, change):
    delivery = make_delivery(make_subscription(admin_user), change)

    response = admin_client.get(admin_url(Delivery, "change", delivery.pk))

    assert response.status_code == HTTPStatus.OK
    indented = json.dumps(json.loads(delivery.body), indent=2, ensure_ascii=False)
    assert f"<pre>{escape(indented)}</pre>" in response.content.decode()
    assert "Армения" in indented


def test_view_subscription_page_links_to_its_delivery_log(admin_client, admin_user, change):
    subscription = make_subscription(admin_user)
    delivery = make_delivery(subscription, change)
    make_delivery(make_subscription(admin_user), change)  # another subscription's
    page = admin_client.get(admin_url(Subscription, "change", subscription.pk))
    link = f"{admin_url(Delivery, 'changelist')}?subscription__id__exact={subscription.pk}"
    assert f'href="{link}"' in page.content.decode()

    response = admin_client.get(link)

    assert [row.pk for row in response.context["cl"].result_list] == [delivery.pk]


# Adding ---------------------------------------------------------------------------------------


def test_add_subscription_with_private_address_shows_error_and_saves_nothing(admin_client):
    response = admin_client.post(
        admin_url(Subscription, "add"), subscription_form(target_url="http://10.0.0.1/hook")
    )

    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors == {
        "target_url": ["The URL's host resolves to 10.0.0.1, a private address."]
    }
    assert not Subscription.objects.exists()


def test_add_subscription_with_loopback_not_allowed_shows_error(admin_client):
    response = admin_client.post(
        admin_url(Subscription, "add"), subscription_form(target_url="http://127.0.0.1:9/hook")
    )

    assert response.context["adminform"].form.errors == {
        "target_url": ["The URL's host resolves to 127.0.0.1, a loopback address."]
    }
    assert not Subscription.objects.exists()


def test_add_subscription_with_unknown_filter_type_shows_error_on_filter(admin_client):
    response = admin_client.post(
        admin_url(Subscription, "add"),
        subscription_form(target_url="https://93.184.215.14/hook", filter="type=planet"),
    )

    assert response.status_code == HTTPStatus.OK
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["filter"]
    assert errors["filter"][0].startswith("type: Unknown value(s) planet; choose from ")
    assert not Subscription.objects.exists()


def test_add_subscription_with_loopback_allowed_saves_it_for_the_user_and_shows_secret_once(
    admin_client, admin_user, settings
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True

    response = admin_client.post(
        admin_url(Subscription, "add"),
        subscription_form(
            target_url="http://127.0.0.1:9/hook", filter="?type=policy&action=published"
        ),
        follow=True,
    )

    assert response.status_code == HTTPStatus.OK
    subscription = Subscription.objects.get()
    assert Subscription.objects.values(
        "owner", "target_url", "filter", "types", "actions", "status", "paused_reason"
    ).get() == {
        "owner": admin_user.pk,
        "target_url": "http://127.0.0.1:9/hook",
        "filter": "type=policy&action=published",
        "types": ["policy"],
        "actions": ["published"],
        "status": "active",
        "paused_reason": "",
    }
    secret = subscription.secret
    assert secret.startswith("whsec_")
    shown = [message for _, message in messages_of(response) if secret in message]
    assert shown == [
        f"Copy this signing secret now: {secret} — it signs every delivery and is not shown again."
    ]
    assert secret in response.content.decode()
    # Once: the next page has it no more.
    assert secret not in admin_client.get(admin_url(Subscription, "changelist")).content.decode()


def test_view_subscription_page_shows_only_the_secret_start(admin_client, admin_user):
    subscription = make_subscription(admin_user)

    response = admin_client.get(admin_url(Subscription, "change", subscription.pk))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert subscription.secret not in html
    assert subscription.secret[: SHOWN + 1] not in html
    assert f"{subscription.secret[:SHOWN]}…" in html


def test_add_subscription_as_staff_owns_it_whatever_owner_is_posted(staff_client, staff, other):
    response = staff_client.post(
        admin_url(Subscription, "add"),
        subscription_form(target_url="https://93.184.215.14/hook", owner=str(other.pk)),
    )

    assert response.status_code == HTTPStatus.FOUND
    assert Subscription.objects.values_list("owner", flat=True).get() == staff.pk


# Pause, resume, redeliver ---------------------------------------------------------------------


def test_pause_action_pauses_with_reason_and_skips_what_is_queued(admin_client, admin_user, change):
    subscription = make_subscription(admin_user)
    queued = make_delivery(subscription, change, status="pending", attempts=0)
    untouched = make_subscription(admin_user)

    response = act(admin_client, Subscription, "pause_selected", subscription)

    assert messages_of(response) == [("success", "Paused: done for 1.")]
    assert list(Subscription.objects.values_list("id", "status", "paused_reason")) == [
        (subscription.pk, "paused", "Paused in the admin by admin."),
        (untouched.pk, "active", ""),
    ]
    queued.refresh_from_db()
    assert queued.status == "skipped"


def test_resume_action_makes_it_active_with_no_reason(admin_client, admin_user):
    subscription = make_subscription(admin_user, status="paused", paused_reason="Failed a day.")

    act(admin_client, Subscription, "resume_selected", subscription)

    assert Subscription.objects.values("status", "paused_reason").get() == {
        "status": "active",
        "paused_reason": "",
    }


def test_redeliver_action_queues_a_new_delivery_with_the_same_key(admin_client, admin_user, change):
    original = make_delivery(make_subscription(admin_user), change, status="failed")

    response = act(admin_client, Delivery, "redeliver_selected", original)

    assert messages_of(response) == [("success", "Queued for redelivery: 1.")]
    again = Delivery.objects.exclude(pk=original.pk).get()
    assert (again.subscription, again.change, again.event, bytes(again.body)) == (
        original.subscription,
        change,
        original.event,
        bytes(original.body),
    )
    assert (again.idempotency_key, again.redelivery_of, again.status) == (
        original.idempotency_key,
        original,
        "pending",
    )
    assert ProcrastinateJob.objects.filter(
        task_name="deliver", args={"delivery_id": again.pk}
    ).exists()


def test_redeliver_action_of_paused_subscription_refuses_and_says_which(
    admin_client, admin_user, change
):
    active = make_delivery(make_subscription(admin_user), change)
    paused = make_delivery(make_subscription(admin_user, status="paused"), change)

    response = act(admin_client, Delivery, "redeliver_selected", active, paused)

    assert messages_of(response) == [
        ("success", "Queued for redelivery: 1."),
        (
            "warning",
            f"Not redelivered, their subscription is paused (resume it first): #{paused.pk}.",
        ),
    ]
    assert list(
        Delivery.objects.filter(redelivery_of__isnull=False).values_list("redelivery_of", flat=True)
    ) == [active.pk]


# Who sees what --------------------------------------------------------------------------------


def test_view_changelists_as_staff_lists_only_their_own(staff_client, staff, other, change):
    mine = make_subscription(staff)
    theirs = make_subscription(other, target_url="https://theirs.example.org/hook")
    my_delivery = make_delivery(mine, change)
    their_delivery = make_delivery(theirs, change)

    subscriptions = staff_client.get(admin_url(Subscription, "changelist"))
    deliveries = staff_client.get(admin_url(Delivery, "changelist"))
    their_page = staff_client.get(admin_url(Subscription, "change", theirs.pk))
    their_delivery_page = staff_client.get(admin_url(Delivery, "change", their_delivery.pk))

    assert [row.pk for row in subscriptions.context["cl"].result_list] == [mine.pk]
    assert [row.pk for row in deliveries.context["cl"].result_list] == [my_delivery.pk]
    # Another's pages: "does not exist" (a redirect to the admin's index), not their content.
    assert their_page.status_code == HTTPStatus.FOUND
    assert their_delivery_page.status_code == HTTPStatus.FOUND
    assert theirs.target_url not in subscriptions.content.decode()


def test_pause_action_as_staff_leaves_others_subscriptions_alone(staff_client, staff, other):
    theirs = make_subscription(other)

    act(staff_client, Subscription, "pause_selected", theirs)

    assert Subscription.objects.values_list("status", flat=True).get() == "active"


def test_delivery_admin_offers_no_add_or_change_and_delete_only_to_superusers(
    rf, admin_user, staff, change
):
    delivery_admin = admin.site._registry[Delivery]
    delivery = make_delivery(make_subscription(staff), change)
    as_superuser, as_staff = rf.get("/"), rf.get("/")
    as_superuser.user, as_staff.user = admin_user, staff

    assert delivery_admin.has_view_permission(as_staff, delivery) is True
    assert delivery_admin.has_add_permission(as_superuser) is False
    assert delivery_admin.has_change_permission(as_superuser, delivery) is False
    assert delivery_admin.has_delete_permission(as_superuser, delivery) is True
    assert delivery_admin.has_delete_permission(as_staff, delivery) is False


def test_change_delivery_through_admin_is_403_and_changes_nothing(admin_client, admin_user, change):
    delivery = make_delivery(make_subscription(admin_user), change)

    response = admin_client.post(
        admin_url(Delivery, "change", delivery.pk), {"status": "pending", "attempts": "0"}
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Delivery.objects.values_list("status", "attempts").get() == ("delivered", 1)
