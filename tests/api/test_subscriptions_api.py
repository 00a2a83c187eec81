"""Subscriptions through the API (resources.api.subscriptions): each user's own, made and
changed only with write rights, their URLs and filters checked when given, their secret shown
once, and their delivery log read and redelivered."""

import json
import socket
from http import HTTPStatus

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from procrastinate.contrib.django.models import ProcrastinateJob
from rest_framework import serializers
from rest_framework.test import APIClient

from resources import subscriptions
from resources.choices import ChangeAction, ChangeChannel
from resources.editorial.history import record_change
from resources.models import ApiKey, Delivery, Subscription
from tests.factories import make_statistic
from tests.problems import error_codes, field_errors, problem

LIST_URL = reverse("subscription-list")
TARGET = "https://hooks.example.com/exile"
# What the names the tests use resolve to (``public_dns``): no test asks a DNS server or
# depends on the machine's hosts file.
ADDRESSES = {
    "localhost": "127.0.0.1",
    "hooks.example.com": "93.184.215.14",
    "other.example.com": "93.184.215.15",
    "intranet.example.com": "192.168.1.10",
}


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """The tests' names resolve to ADDRESSES; IP addresses to themselves."""
    resolve = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in ADDRESSES:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ADDRESSES[host], port))]
        return resolve(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(autouse=True)
def webhook_defaults(settings):
    """Development's settings, whatever the environment says: plain HTTP allowed, loopback
    refused. Tests that need others set them."""
    settings.WEBHOOKS_REQUIRE_HTTPS = False
    settings.WEBHOOKS_ALLOW_LOOPBACK = False


@pytest.fixture
def subscriber(db):
    """A user without any permission: anyone may subscribe to what they may read."""
    return User.objects.create_user("subscriber", password="not-used-in-tests-5d2e")


@pytest.fixture
def owner_client(subscriber):
    """An API client authenticated as the subscriber."""
    client = APIClient()
    client.force_authenticate(subscriber)
    return client


@pytest.fixture
def other(db):
    """Another user, whose subscriptions the subscriber may not see."""
    return User.objects.create_user("other", password="not-used-in-tests-8a4b")


@pytest.fixture
def change(source):
    """A recorded change to a published statistic. Recorded before any subscription exists
    (the fixtures that make them depend on it): it queues no delivery of its own."""
    statistic = make_statistic(source)
    return record_change(statistic, action=ChangeAction.PUBLISHED, channel=ChangeChannel.API)


@pytest.fixture
def subscription(subscriber, change):
    return make_subscription(subscriber)


def make_subscription(owner, **fields):
    return Subscription.objects.create(owner=owner, target_url=TARGET, **fields)


def make_delivery(subscription, change, **fields):
    """A delivery of ``change``, made by hand (as queue_deliveries makes them)."""
    return Delivery.objects.create(
        subscription=subscription,
        change=change,
        event="statistic.published",
        body=subscriptions.payload(change, reads_drafts=False),
        **fields,
    )


def client_with_key(owner, scopes):
    _key, secret = ApiKey.objects.create_key(name="app", owner=owner, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def detail_url(subscription, route="detail", **kwargs):
    return reverse(f"subscription-{route}", kwargs={"pk": subscription.pk, **kwargs})


def delivery_url(delivery, route="delivery", subscription=None):
    subscription = subscription or delivery.subscription
    return detail_url(subscription, route, delivery_id=delivery.pk)


def api_time(moment):
    return serializers.DateTimeField().to_representation(moment)


def shown(subscription):
    """``subscription`` as the API shows it to its owner."""
    return {
        "id": subscription.pk,
        "url": f"http://testserver{detail_url(subscription)}",
        "target_url": subscription.target_url,
        "filter": subscription.filter,
        "description": subscription.description,
        "status": subscription.status,
        "paused_reason": subscription.paused_reason,
        "created_at": api_time(subscription.created_at),
        "updated_at": api_time(subscription.updated_at),
        "deliveries_url": f"http://testserver{detail_url(subscription, 'deliveries')}",
    }


def shown_delivery(delivery):
    return {
        "id": delivery.pk,
        "event": delivery.event,
        "change": delivery.change_id,
        "idempotency_key": str(delivery.idempotency_key),
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_status": delivery.response_status,
        "last_error": delivery.last_error,
        "created_at": api_time(delivery.created_at),
        "last_attempt_at": None,
        "next_attempt_at": None,
        "delivered_at": None,
        "redelivery_of": delivery.redelivery_of_id,
        "payload": json.loads(bytes(delivery.body)),
    }


# Who may do what --------------------------------------------------------------------------


def test_list_and_create_without_credentials_are_401_and_create_nothing(api_client, db):
    problem(api_client.get(LIST_URL), HTTPStatus.UNAUTHORIZED, "not-authenticated")
    response = api_client.post(LIST_URL, {"target_url": TARGET}, format="json")
    problem(response, HTTPStatus.UNAUTHORIZED, "not-authenticated")
    assert not Subscription.objects.exists()


def test_list_shows_only_your_own_subscriptions(owner_client, subscriber, other):
    own = [make_subscription(subscriber, description=f"mine {n}") for n in range(3)]
    make_subscription(other, description="theirs")

    response = owner_client.get(LIST_URL)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "count": 3,
        "next": None,
        "previous": None,
        "results": [shown(subscription) for subscription in own],
    }


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("get", "detail", None),
        ("patch", "detail", {"status": "paused"}),
        ("put", "detail", {"target_url": "https://other.example.com/"}),
        ("delete", "detail", None),
        ("post", "rotate-secret", None),
        ("get", "deliveries", None),
    ],
)
def test_another_users_subscription_is_404_and_unchanged(owner_client, other, method, route, body):
    theirs = make_subscription(other)

    response = getattr(owner_client, method)(detail_url(theirs, route), body, format="json")

    problem(response, HTTPStatus.NOT_FOUND, "not-found")
    theirs_now = Subscription.objects.get(pk=theirs.pk)
    assert (theirs_now.status, theirs_now.target_url, theirs_now.secret) == (
        "active",
        TARGET,
        theirs.secret,
    )


def test_key_without_write_scope_reads_but_may_not_create_or_change(subscriber, subscription):
    reader = client_with_key(subscriber, scopes=[])

    listed = reader.get(LIST_URL)
    created = reader.post(LIST_URL, {"target_url": TARGET}, format="json")
    paused = reader.patch(detail_url(subscription), {"status": "paused"}, format="json")

    assert listed.status_code == HTTPStatus.OK
    assert [s["id"] for s in listed.json()["results"]] == [subscription.pk]
    problem(created, HTTPStatus.FORBIDDEN, "permission-denied")
    problem(paused, HTTPStatus.FORBIDDEN, "permission-denied")
    assert list(Subscription.objects.values_list("pk", "status")) == [(subscription.pk, "active")]


def test_key_with_write_scope_creates_a_subscription_of_its_owner(subscriber, db):
    writer = client_with_key(subscriber, scopes=["write"])

    response = writer.post(LIST_URL, {"target_url": TARGET}, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()
    assert Subscription.objects.get().owner == subscriber


# Creating, and the secret --------------------------------------------------------------------


def test_create_is_201_with_the_secret_shown_this_once(owner_client, subscriber):
    body = {"target_url": TARGET, "filter": "type=statistic", "description": "Our mirror"}

    response = owner_client.post(LIST_URL, body, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()
    subscription = Subscription.objects.get()
    assert subscription.owner == subscriber
    assert subscription.secret.startswith("whsec_")
    assert response.json() == shown(subscription) | {"secret": subscription.secret}
    assert response["Location"] == shown(subscription)["url"]
    read = owner_client.get(detail_url(subscription))
    assert read.json() == shown(subscription)
    assert "secret" not in owner_client.get(LIST_URL).json()["results"][0]


def test_rotate_secret_answers_a_new_one_and_the_old_one_signs_no_more(
    owner_client, subscription, change
):
    old = subscription.secret
    delivery = make_delivery(subscription, change)

    response = owner_client.post(detail_url(subscription, "rotate-secret"))

    assert response.status_code == HTTPStatus.OK, response.json()
    subscription.refresh_from_db()
    assert subscription.secret != old
    assert subscription.secret.startswith("whsec_")
    assert response.json() == shown(subscription) | {"secret": subscription.secret}
    assert "secret" not in owner_client.get(detail_url(subscription)).json()
    # What the worker sends from now on (it reads the subscription anew for each attempt).
    delivery = Delivery.objects.select_related("subscription").get(pk=delivery.pk)
    signed = subscriptions.headers_for(delivery, 1700000000)[subscriptions.SIGNATURE_HEADER]
    body = bytes(delivery.body)
    assert signed == subscriptions.signature(subscription.secret, 1700000000, body)
    assert signed != subscriptions.signature(old, 1700000000, body)


@pytest.mark.parametrize(
    ("text", "types", "actions"),
    [
        ("", [], []),
        ("type=policy", ["policy"], []),
        ("?action=retracted,published", [], ["published", "retracted"]),
        ("type=statistic&destination=GE&action=retracted", ["statistic"], ["retracted"]),
        ("type=statistic,policy&action=deleted", ["policy", "statistic"], ["deleted"]),
    ],
)
def test_create_stores_the_filters_types_and_actions(owner_client, text, types, actions):
    response = owner_client.post(LIST_URL, {"target_url": TARGET, "filter": text}, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()
    subscription = Subscription.objects.get()
    assert (subscription.filter, subscription.types, subscription.actions) == (
        text.lstrip("?"),
        types,
        actions,
    )
    assert response.json()["filter"] == text.lstrip("?")


def test_put_replaces_the_filter_and_its_types_and_actions(owner_client, subscription):
    body = {"target_url": "https://other.example.com/in", "filter": "type=policy&action=created"}

    response = owner_client.put(detail_url(subscription), body, format="json")

    assert response.status_code == HTTPStatus.OK, response.json()
    subscription.refresh_from_db()
    assert (subscription.target_url, subscription.types, subscription.actions) == (
        "https://other.example.com/in",
        ["policy"],
        ["created"],
    )


def test_subscriptions_made_through_the_api_are_queued_the_changes_they_match(
    owner_client, subscriber, source
):
    filters = {
        "published statistics": "type=statistic&action=published",
        "statistics in Georgia": "type=statistic&destination=GE",
        "statistics in Armenia": "type=statistic&destination=AM",
        "retractions": "action=retracted",
        "policies": "type=policy",
    }
    for description, text in filters.items():
        body = {"target_url": TARGET, "filter": text, "description": description}
        assert owner_client.post(LIST_URL, body, format="json").status_code == HTTPStatus.CREATED

    statistic = make_statistic(source)  # its destination: GE
    change = record_change(statistic, action=ChangeAction.PUBLISHED, channel=ChangeChannel.API)

    queued = Delivery.objects.filter(change=change).select_related("subscription")
    assert sorted(d.subscription.description for d in queued) == [
        "published statistics",
        "statistics in Georgia",
    ]
    assert {d.event for d in queued} == {"statistic.published"}


# Refused input: a 400 naming the field, and nothing saved ----------------------------------


@pytest.mark.parametrize(
    ("target_url", "message"),
    [
        (
            "http://169.254.169.254/latest/meta-data/",
            "The URL's host resolves to 169.254.169.254, a link-local address (where cloud "
            "metadata services answer).",
        ),
        ("http://10.1.2.3/hook", "The URL's host resolves to 10.1.2.3, a private address."),
        (
            "https://intranet.example.com/hook",
            "The URL's host resolves to 192.168.1.10, a private address.",
        ),
        ("http://localhost/hook", "The URL's host resolves to 127.0.0.1, a loopback address."),
        ("http://metadata.google.internal/", "The URL's host is a metadata service."),
        ("ftp://hooks.example.com/", "The URL must use https or http."),
    ],
)
def test_create_with_an_unsafe_target_url_is_400_and_saves_nothing(
    owner_client, target_url, message
):
    response = owner_client.post(LIST_URL, {"target_url": target_url}, format="json")

    assert error_codes(response) == {"target_url": ["unsafe_url"]}
    assert field_errors(response) == {"target_url": [message]}
    assert not Subscription.objects.exists()


def test_localhost_is_taken_when_loopback_is_allowed(owner_client, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True

    response = owner_client.post(LIST_URL, {"target_url": "http://localhost/hook"}, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()


def test_plain_http_is_400_when_https_is_required(owner_client, settings):
    settings.WEBHOOKS_REQUIRE_HTTPS = True

    refused = owner_client.post(
        LIST_URL, {"target_url": "http://hooks.example.com/"}, format="json"
    )
    taken = owner_client.post(LIST_URL, {"target_url": "https://hooks.example.com/"}, format="json")

    assert field_errors(refused) == {"target_url": ["The URL must use https."]}
    assert taken.status_code == HTTPStatus.CREATED, taken.json()
    assert list(Subscription.objects.values_list("target_url", flat=True)) == [
        "https://hooks.example.com/"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("type=policy&colour=red", "colour: Not a filter of the policy list; its filters: "),
        ("country=AM", "type: List filters apply to one type: give exactly one type=."),
        (
            "type=policy,statistic&country=AM",
            "type: List filters apply to one type: give exactly one type=.",
        ),
        (
            "type=policy&country=XX",
            "country: Select a valid choice. XX is not one of the available choices.",
        ),
        ("action=exploded", "action: Unknown value(s) exploded; choose from created, "),
        ("action=correction_proposed", "action: Unknown value(s) correction_proposed; "),
        ("type=planet", "type: Unknown value(s) planet; choose from "),
    ],
)
def test_create_with_an_invalid_filter_is_400_naming_the_parameter(owner_client, text, message):
    # Each message names the parameter, then says what is wrong (the start of it, here:
    # the lists of what may be chosen grow with the API).
    response = owner_client.post(LIST_URL, {"target_url": TARGET, "filter": text}, format="json")

    assert error_codes(response) == {"filter": ["invalid_filter"]}
    [error] = field_errors(response)["filter"]
    assert error.startswith(message), error
    assert not Subscription.objects.exists()


def test_create_with_unknown_fields_is_400_naming_them(owner_client):
    body = {"target_url": TARGET, "secret": "whsec_mine", "types": ["policy"]}

    response = owner_client.post(LIST_URL, body, format="json")

    assert error_codes(response) == {"secret": ["unknown_field"], "types": ["unknown_field"]}
    assert not Subscription.objects.exists()


def test_create_without_a_target_url_is_400(owner_client):
    response = owner_client.post(LIST_URL, {"filter": "type=policy"}, format="json")

    assert error_codes(response) == {"target_url": ["required"]}
    assert not Subscription.objects.exists()


def test_patch_with_an_invalid_filter_is_400_and_changes_nothing(owner_client, subscription):
    response = owner_client.patch(
        detail_url(subscription), {"filter": "type=policy&colour=red"}, format="json"
    )

    assert error_codes(response) == {"filter": ["invalid_filter"]}
    subscription.refresh_from_db()
    assert (subscription.filter, subscription.types) == ("", [])


def test_list_with_an_unknown_parameter_is_400_naming_it(owner_client, subscription):
    response = owner_client.get(LIST_URL, {"status": "paused"})

    assert error_codes(response) == {"status": ["unknown_parameter"]}


# Pausing and resuming --------------------------------------------------------------------------


def test_pausing_skips_what_is_still_queued(owner_client, subscription, change):
    pending = make_delivery(subscription, change)
    delivered = make_delivery(subscription, change, status="delivered", attempts=1)

    response = owner_client.patch(detail_url(subscription), {"status": "paused"}, format="json")

    assert response.status_code == HTTPStatus.OK, response.json()
    subscription.refresh_from_db()
    assert (subscription.status, subscription.paused_reason) == ("paused", "Paused by its owner.")
    assert response.json() == shown(subscription)
    pending.refresh_from_db()
    assert (pending.status, pending.last_error) == (
        "skipped",
        "The subscription was paused before it was sent.",
    )
    assert Delivery.objects.get(pk=delivered.pk).status == "delivered"


def test_resuming_clears_the_paused_reason(owner_client, subscriber):
    subscription = make_subscription(
        subscriber, status="paused", paused_reason="Paused after a day of failures."
    )

    response = owner_client.patch(detail_url(subscription), {"status": "active"}, format="json")

    assert response.status_code == HTTPStatus.OK, response.json()
    subscription.refresh_from_db()
    assert (subscription.status, subscription.paused_reason) == ("active", "")
    assert response.json()["paused_reason"] == ""


def test_patch_with_a_stale_etag_is_412_and_changes_nothing(owner_client, subscription):
    etag = owner_client.get(detail_url(subscription))["ETag"]
    first = owner_client.patch(
        detail_url(subscription), {"description": "v2"}, format="json", HTTP_IF_MATCH=etag
    )

    second = owner_client.patch(
        detail_url(subscription), {"status": "paused"}, format="json", HTTP_IF_MATCH=etag
    )

    assert first.status_code == HTTPStatus.OK, first.json()
    assert first["ETag"] != etag
    problem(second, HTTPStatus.PRECONDITION_FAILED, "precondition-failed")
    subscription.refresh_from_db()
    assert (subscription.description, subscription.status) == ("v2", "active")


def test_read_with_the_etag_held_is_304(owner_client, subscription):
    read = owner_client.get(detail_url(subscription))

    again = owner_client.get(detail_url(subscription), HTTP_IF_NONE_MATCH=read["ETag"])

    assert again.status_code == HTTPStatus.NOT_MODIFIED
    assert read["Cache-Control"] == "private, no-cache"


# In autocommit, as in production: DRF's metadata replays a PUT outside any transaction, where
# a row lock (SELECT ... FOR UPDATE) is an error that the test's own transaction would hide.
# Serialized rollback: later transactional tests need back the countries the migrations made.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_options_describes_the_writes_and_locks_nothing(owner_client, subscription):
    response = owner_client.options(detail_url(subscription))

    assert response.status_code == HTTPStatus.OK
    assert set(response.json()["actions"]) == {"PUT"}


def test_delete_is_204_and_removes_the_subscription_and_its_log(owner_client, subscription, change):
    make_delivery(subscription, change)

    response = owner_client.delete(detail_url(subscription))

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not Subscription.objects.exists()
    assert not Delivery.objects.exists()


# The delivery log -----------------------------------------------------------------------------


def test_deliveries_are_listed_newest_first_with_their_payload(owner_client, subscription, change):
    deliveries = [make_delivery(subscription, change) for _ in range(3)]
    other_subscription = make_subscription(subscription.owner)
    make_delivery(other_subscription, change)

    response = owner_client.get(detail_url(subscription, "deliveries"), {"limit": 2})

    assert response.status_code == HTTPStatus.OK
    page = response.json()
    assert page["count"] == 3
    assert page["results"] == [shown_delivery(d) for d in reversed(deliveries[1:])]
    payload = page["results"][0]["payload"]
    assert (payload["id"], payload["type"], payload["action"]) == (
        change.pk,
        "statistic",
        "published",
    )


@pytest.mark.parametrize("route", ["list", "deliveries"])
def test_lists_cost_the_same_for_a_page_of_1_and_of_100(
    owner_client, subscriber, change, route, django_assert_max_num_queries
):
    owned = [make_subscription(subscriber) for _ in range(3)]
    for _ in range(3):
        make_delivery(owned[0], change)
    url = LIST_URL if route == "list" else detail_url(owned[0], "deliveries")

    costs = []
    for limit in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(url, {"limit": limit})
        assert response.status_code == HTTPStatus.OK
        assert len(response.json()["results"]) == min(limit, 3)
        costs.append(len(queries))

    assert costs[0] == costs[1]
    with django_assert_max_num_queries(costs[1]):
        owner_client.get(url, {"limit": 100})


def test_one_delivery_is_shown_with_its_payload(owner_client, subscription, change):
    delivery = make_delivery(subscription, change)

    response = owner_client.get(delivery_url(delivery))

    assert response.status_code == HTTPStatus.OK
    assert response.json() == shown_delivery(delivery)


def test_another_users_delivery_is_404(owner_client, subscription, other, change):
    theirs = make_delivery(make_subscription(other), change)

    # By their subscription's URL, and by one of yours: neither shows it, nor sends it again.
    for url in (
        delivery_url(theirs),
        delivery_url(theirs, subscription=subscription),
        delivery_url(theirs, "redeliver"),
        delivery_url(theirs, "redeliver", subscription=subscription),
    ):
        method = owner_client.post if url.endswith("/redeliver/") else owner_client.get
        problem(method(url), HTTPStatus.NOT_FOUND, "not-found")
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize("delivery_id", [0, 10**30])
def test_a_delivery_id_out_of_range_is_404(owner_client, subscription, delivery_id):
    url = detail_url(subscription, "delivery", delivery_id=delivery_id)
    problem(owner_client.get(url), HTTPStatus.NOT_FOUND, "not-found")


@pytest.mark.parametrize("pk", ["0", str(10**30), "first"])
def test_a_subscription_id_that_names_none_is_404(owner_client, subscription, pk):
    url = reverse("subscription-detail", kwargs={"pk": pk})
    problem(owner_client.get(url), HTTPStatus.NOT_FOUND, "not-found")
    problem(owner_client.patch(url, {}, format="json"), HTTPStatus.NOT_FOUND, "not-found")


def test_redeliver_is_202_with_a_new_delivery_of_the_same_key(owner_client, subscription, change):
    delivery = make_delivery(subscription, change, status="failed", attempts=9)

    response = owner_client.post(delivery_url(delivery, "redeliver"))

    assert response.status_code == HTTPStatus.ACCEPTED, response.json()
    again = Delivery.objects.exclude(pk=delivery.pk).get()
    assert response.json() == shown_delivery(again)
    assert (again.idempotency_key, again.change, again.redelivery_of, again.status) == (
        delivery.idempotency_key,
        change,
        delivery,
        "pending",
    )
    assert bytes(again.body) == bytes(delivery.body)
    job = ProcrastinateJob.objects.get(args={"delivery_id": again.pk})
    assert (job.task_name, job.lock, job.status) == (
        "deliver",
        f"subscription:{subscription.pk}",
        "todo",
    )


def test_redeliver_while_paused_is_409_and_queues_nothing(owner_client, subscriber, change):
    subscription = make_subscription(subscriber, status="paused", paused_reason="By me.")
    delivery = make_delivery(subscription, change, status="skipped")

    response = owner_client.post(delivery_url(delivery, "redeliver"))

    problem(response, HTTPStatus.CONFLICT, "conflict")
    assert list(Delivery.objects.all()) == [delivery]
    assert not ProcrastinateJob.objects.filter(args={"delivery_id": delivery.pk + 1}).exists()


# The OpenAPI description ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def subscription_operations(schema):
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/subscriptions/"):
            for method, operation in item.items():
                yield path, method.upper(), operation


def test_schema_documents_every_subscription_operation_with_its_errors(openapi):
    documented = {(path, method) for path, method, _ in subscription_operations(openapi)}
    assert documented == {
        ("/api/v1/subscriptions/", "GET"),
        ("/api/v1/subscriptions/", "POST"),
        ("/api/v1/subscriptions/{id}/", "GET"),
        ("/api/v1/subscriptions/{id}/", "PUT"),
        ("/api/v1/subscriptions/{id}/", "PATCH"),
        ("/api/v1/subscriptions/{id}/", "DELETE"),
        ("/api/v1/subscriptions/{id}/rotate-secret/", "POST"),
        ("/api/v1/subscriptions/{id}/deliveries/", "GET"),
        ("/api/v1/subscriptions/{id}/deliveries/{delivery_id}/", "GET"),
        ("/api/v1/subscriptions/{id}/deliveries/{delivery_id}/redeliver/", "POST"),
    }
    for path, method, operation in subscription_operations(openapi):
        expected = {"400", "401"}
        if "{" in path:
            expected.add("404")
        if method != "GET":
            expected |= {"403", "409"}
        assert expected <= set(operation["responses"]), f"{method} {path}"
        # Owners only: credentials on every operation, reads included.
        assert operation["security"] == [{"apiKeyAuth": []}, {"cookieAuth": []}], path
        assert operation["summary"], f"{method} {path}"


def test_schema_shows_the_secret_only_when_it_is_made_or_replaced(openapi):
    paths = openapi["paths"]

    def schema_of(path, method, status):
        return paths[path][method]["responses"][status]["content"]["application/json"]["schema"]

    with_secret = {"$ref": "#/components/schemas/SubscriptionWithSecret"}
    assert schema_of("/api/v1/subscriptions/", "post", "201") == with_secret
    assert schema_of("/api/v1/subscriptions/{id}/rotate-secret/", "post", "200") == with_secret
    assert schema_of("/api/v1/subscriptions/{id}/", "get", "200") == {
        "$ref": "#/components/schemas/Subscription"
    }
    components = openapi["components"]["schemas"]
    assert "secret" in components["SubscriptionWithSecret"]["required"]
    assert "secret" not in components["Subscription"]["properties"]
    assert "secret" not in components["SubscriptionRequest"]["properties"]


def test_schema_documents_redelivery_and_the_delivery_id(openapi):
    path = "/api/v1/subscriptions/{id}/deliveries/{delivery_id}/redeliver/"
    operation = openapi["paths"][path]["post"]
    [delivery_id] = [p for p in operation["parameters"] if p["name"] == "delivery_id"]
    assert (delivery_id["in"], delivery_id["schema"]["type"]) == ("path", "integer")
    [(media_type, content)] = operation["responses"]["202"]["content"].items()
    assert (media_type, content["schema"]) == (
        "application/json",
        {"$ref": "#/components/schemas/Delivery"},
    )


def test_schema_has_the_change_webhook_with_the_change_as_its_body(openapi):
    webhook = openapi["webhooks"]["change"]["post"]
    body = webhook["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Change"}
    assert "oneOf" in openapi["components"]["schemas"]["Change"]
    payload = openapi["components"]["schemas"]["Delivery"]["properties"]["payload"]
    assert payload["allOf"] == [{"$ref": "#/components/schemas/Change"}]


def test_schema_documents_the_headers_the_change_webhook_sends(openapi):
    webhook = openapi["webhooks"]["change"]["post"]
    headers = {p["name"] for p in webhook["parameters"] if p["in"] == "header"}
    assert headers == {"Exile-Signature", "Exile-Event", "Idempotency-Key"}
