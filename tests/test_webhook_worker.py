"""The real worker (procrastinate's, ``manage.py procrastinate worker``) sending deliveries
to a receiver on 127.0.0.1: order, retries, several workers, and a worker killed
mid-delivery. The changes really commit (transactional tests): the worker reads them from
its own connections."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import orjson
import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import User
from django.db import connection
from procrastinate.contrib.django import app

from resources import subscriptions
from resources.choices import ChangeAction, ChangeChannel, DeliveryStatus
from resources.editorial.history import record_change
from resources.models import Delivery, Subscription
from resources.tasks import QUEUE, recover_stalled_jobs
from tests.factories import make_policy, make_source
from tests.receiver import Receiver

REPO = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.server,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_REQUIRE_HTTPS = False
    settings.WEBHOOK_RETRY_FIRST_SECONDS = 0.2
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture(autouse=True)
def no_session_left():
    """The in-process worker's threads keep their database sessions open (persistent
    connections): end them, so that the test database can be dropped."""
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def subscribe(url, name="app"):
    owner = User.objects.create_user(name, password="not-used-in-tests-5a7b")
    return Subscription.objects.create(owner=owner, target_url=url)


def changes(count, source):
    """``count`` committed changes (each its own transaction), oldest first."""
    return [
        record_change(make_policy(source), action=ChangeAction.CREATED, channel=ChangeChannel.API)
        for _ in range(count)
    ]


def worker_app():
    return app.with_connector(app.connector.get_worker_connector())


def work_until_done(timeout=20.0):
    """Run a worker in this process until no delivery is pending (retries included)."""
    deadline = time.monotonic() + timeout
    while Delivery.objects.filter(status=DeliveryStatus.PENDING).exists():
        assert time.monotonic() < deadline, "deliveries still pending"
        worker_app().run_worker(
            queues=[QUEUE], wait=False, install_signal_handlers=False, listen_notify=False
        )
        time.sleep(0.1)


def sent_change_ids(receiver):
    return [orjson.loads(request.body)["id"] for request in receiver.received]


def test_deliveries_arrive_in_order_after_retries(receiver):
    receiver.answer = lambda n: (500 if n < 2 else 200, b"", 0.0)
    subscription = subscribe(receiver.url)
    made = changes(4, make_source())

    work_until_done()

    ids = [change.pk for change in made]
    # The first failed twice; the others waited behind it (one lock per subscription).
    assert sent_change_ids(receiver) == [ids[0], ids[0], *ids]
    keys = [request.headers["Idempotency-Key"] for request in receiver.received]
    assert keys[0] == keys[1] == keys[2]
    log = list(Delivery.objects.filter(subscription=subscription).order_by("id"))
    assert [(d.status, d.attempts) for d in log] == [("delivered", 3)] + [("delivered", 1)] * 3


def database_url():
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "localhost", safe="")
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{db['PORT']}/{db['NAME']}"


def start_worker(log):
    """``manage.py procrastinate worker`` on the test database, as its own process."""
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "WEBHOOKS_ALLOW_LOOPBACK": "true",
        "WEBHOOK_RETRY_FIRST_SECONDS": "0.2",
        "WEBHOOK_TIMEOUT_SECONDS": "20",
        "WORKER_HEARTBEAT_SECONDS": "0.5",
        "WEBHOOK_STALLED_AFTER_SECONDS": "2",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", "--queues", QUEUE],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(worker):
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def wait_until_delivered(count, timeout=30.0):
    deadline = time.monotonic() + timeout
    while Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() < count:
        assert time.monotonic() < deadline, "not all delivered in time"
        time.sleep(0.2)


def test_two_workers_send_each_delivery_once_in_order_per_subscription(tmp_path):
    receivers = [Receiver().start() for _ in range(3)]
    try:
        for number, receiver in enumerate(receivers):
            subscribe(receiver.url, name=f"app{number}")
        made = changes(8, make_source())
        with open(tmp_path / "workers.log", "wb") as log:
            workers = [start_worker(log) for _ in range(2)]
            try:
                wait_until_delivered(24)
            finally:
                for worker in workers:
                    stop(worker)
        ids = [change.pk for change in made]
        for receiver in receivers:
            assert sent_change_ids(receiver) == ids  # once each, in order
    finally:
        for receiver in receivers:
            receiver.stop()


def test_a_worker_killed_mid_delivery_loses_nothing(settings, receiver, tmp_path):
    settings.WEBHOOK_STALLED_AFTER_SECONDS = 2
    # The first request hangs until the test releases it: the worker is killed meanwhile.
    receiver.answer = lambda n: (200, b"", 60.0 if n == 0 else 0.0)
    subscribe(receiver.url)
    (change,) = changes(1, make_source())
    with open(tmp_path / "worker.log", "wb") as log:
        worker = start_worker(log)
        try:
            receiver.wait_for(1, timeout=30)
        finally:
            worker.kill()  # SIGKILL: no graceful shutdown, the job stays "doing"
            worker.wait()
    receiver.release.set()
    assert Delivery.objects.get().status == DeliveryStatus.PENDING

    time.sleep(2.5)  # the dead worker's heartbeat is older than WEBHOOK_STALLED_AFTER_SECONDS
    recovered = async_to_sync(recover_stalled_jobs)()
    work_until_done()

    assert recovered == 1
    first, second = receiver.received
    assert orjson.loads(second.body)["id"] == change.pk
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_nothing_is_lost_when_no_worker_runs_at_commit(receiver):
    subscribe(receiver.url)
    made = changes(3, make_source())
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 3
    work_until_done()
    assert sent_change_ids(receiver) == [change.pk for change in made]


def test_redelivery_goes_after_what_is_queued(receiver):
    subscribe(receiver.url)
    first, second = changes(2, make_source())
    work_until_done()
    subscriptions.redeliver(Delivery.objects.get(change=first))
    work_until_done()
    assert sent_change_ids(receiver) == [first.pk, second.pk, first.pk]


def test_a_bounded_run_loses_nothing_and_sends_nothing_twice(tmp_path, capsys):
    """200 changes to 4 subscriptions, two workers: every delivery arrives once, in order,
    and the latency from commit to arrival is printed (the figures of the closing note)."""
    arrivals = {}
    receivers = [Receiver().start() for _ in range(4)]
    for number, receiver in enumerate(receivers):
        subscribe(receiver.url, name=f"app{number}")
    source = make_source()
    committed = {}
    try:
        with open(tmp_path / "workers.log", "wb") as log:
            workers = [start_worker(log) for _ in range(2)]
            try:
                time.sleep(2)  # both listening
                for _ in range(200):
                    (change,) = changes(1, source)
                    committed[change.pk] = time.time()
                wait_until_delivered(800, timeout=120)
            finally:
                for worker in workers:
                    stop(worker)
        latencies = []
        for receiver in receivers:
            ids = sent_change_ids(receiver)
            assert ids == sorted(committed)  # each once, in order
            for request, at in zip(receiver.received, receiver.arrival_times, strict=True):
                latencies.append(at - committed[orjson.loads(request.body)["id"]])
            arrivals[receiver.url] = len(ids)
    finally:
        for receiver in receivers:
            receiver.stop()
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    with capsys.disabled():
        print(
            f"\nwebhooks: {len(committed)} changes, {sum(arrivals.values())} deliveries to "
            f"{len(receivers)} subscriptions by 2 workers; duplicates 0, lost 0; commit to "
            f"arrival p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
        )
