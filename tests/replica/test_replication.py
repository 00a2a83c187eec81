"""Reads on the streaming replica, writes on the primary, and no stale read after a write.

Against a real primary and a real standby started by scripts/replica_test.sh
(`make replica-test`); skipped in the normal suite. Data must be committed to replicate, so
every test is transactional.
"""

import time
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connections, router
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from exile_api.db_routers import pinned_to_primary
from resources.models import ApiKey, Statistic
from tests.factories import make_statistic
from tests.replica.conftest import REPLICA_TEST

pytestmark = [
    pytest.mark.skipif(not REPLICA_TEST, reason="needs a standby: run `make replica-test`"),
    pytest.mark.django_db(
        transaction=True, serialized_rollback=True, databases=["default", "replica1"]
    ),
]

LIST_URL = reverse("statistic-list")
REPLICATION_TIMEOUT = 20


def detail_url(statistic):
    return reverse("statistic-detail", kwargs={"pk": statistic.pk})


def scalar(alias, sql):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def wait_for_replica():
    """Wait until the standby has replayed everything the primary has written so far."""
    target = scalar("default", "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + REPLICATION_TIMEOUT
    while time.monotonic() < deadline:
        lag = scalar("replica1", f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn())")
        if lag <= 0:
            return
        time.sleep(0.05)
    pytest.fail(f"the standby did not catch up within {REPLICATION_TIMEOUT} s")


def table_queries(queries):
    """The captured queries that read or write the resources' tables."""
    return [query["sql"] for query in queries if "resources_" in query["sql"]]


@pytest.fixture(autouse=True)
def no_pins():
    """No client pinned to the primary by an earlier test (the cache table is not flushed)."""
    cache.clear()


@pytest.fixture
def editor_key_client(editor):
    """An API client sending the editor's write key, known to the standby as well."""
    _key, secret = ApiKey.objects.create_key(name="replica-test", owner=editor, scopes=["write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def test_read_through_the_router_is_served_by_the_replica():
    token = pinned_to_primary.set(False)
    try:
        alias = router.db_for_read(Statistic)
    finally:
        pinned_to_primary.reset(token)

    assert alias == "replica1"
    assert scalar(alias, "SELECT pg_is_in_recovery()") is True
    assert scalar("default", "SELECT pg_is_in_recovery()") is False
    assert router.db_for_write(Statistic) == "default"


def test_api_get_runs_its_queries_on_the_replica(api_client, source):
    statistic = make_statistic(source, value=1234)
    wait_for_replica()

    with (
        CaptureQueriesContext(connections["replica1"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = api_client.get(LIST_URL)

    assert response.status_code == HTTPStatus.OK
    assert [row["slug"] for row in response.json()["results"]] == [statistic.slug]
    assert table_queries(on_replica)
    assert table_queries(on_primary) == []


def test_api_post_writes_on_the_primary_and_replicates(editor_key_client, source):
    wait_for_replica()
    payload = {
        "slug": "written-on-the-primary",
        "destination": "GE",
        "metric": "arrivals",
        "value": 77,
        "unit": "people",
        "measure": "flow",
        "citations": [{"source": "essay", "locator": "para 1", "claim": "A claim."}],
    }

    with CaptureQueriesContext(connections["replica1"]) as on_replica:
        response = editor_key_client.post(LIST_URL, payload, format="json")

    assert response.status_code == HTTPStatus.CREATED, response.json()
    assert on_replica.captured_queries == []
    assert Statistic.objects.using("default").get(slug="written-on-the-primary").value == 77
    wait_for_replica()
    assert Statistic.objects.using("replica1").get(slug="written-on-the-primary").value == 77


def test_client_reads_its_own_write_while_the_replica_lags(editor_key_client, source):
    statistic = make_statistic(source, value=100)
    url = detail_url(statistic)
    anonymous = APIClient(REMOTE_ADDR="192.0.2.10")
    wait_for_replica()
    scalar("replica1", "SELECT pg_wal_replay_pause()")
    try:
        deadline = time.monotonic() + REPLICATION_TIMEOUT
        while scalar("replica1", "SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "the standby did not pause its replay"
            time.sleep(0.05)

        patched = editor_key_client.patch(url, {"value": 200}, format="json")
        assert patched.status_code == HTTPStatus.OK, patched.json()

        with CaptureQueriesContext(connections["replica1"]) as on_replica:
            own_read = editor_key_client.get(url)
        others_read = anonymous.get(url)

        assert own_read.json()["value"] == 200
        assert table_queries(on_replica) == []
        # The replica is really in use, and really behind: another client still sees the old
        # value until it catches up.
        assert others_read.json()["value"] == 100
    finally:
        scalar("replica1", "SELECT pg_wal_replay_resume()")

    wait_for_replica()
    assert anonymous.get(url).json()["value"] == 200
