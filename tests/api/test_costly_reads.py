"""Costly reads (summary, search, profile, CSV exports, large pages): their own lower rate
limits, at most a few at once per client, and a time limit on anonymous ones, so that one
client within the general limit cannot stall the service for the others."""

import time
from http import HTTPStatus

import psycopg2
import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from exile_api.concurrency import lock_key
from resources.api import exports
from tests.factories import make_statistic
from tests.problems import problem

ADDRESS = "127.0.0.1"  # the test client's REMOTE_ADDR
# Outside a test transaction: a closed connection, or a cancelled statement (which would
# abort the transaction); the seed's countries restored afterwards.
IN_AUTOCOMMIT = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def costly_rates(settings, db):
    """The general limits far away; costly reads at 2 a minute."""
    settings.API_THROTTLE_RATES = {
        "anon": "100/min",
        "user": "100/min",
        "costly_anon": "2/min",
        "costly_user": "3/min",
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cap_of_one(settings):
    settings.COSTLY_CONCURRENCY = {"anon": 1, "user": 1}


@pytest.fixture
def other_session(django_db_setup):
    """A second PostgreSQL session on the test database: another worker or app server."""
    conn = psycopg2.connect(
        dbname=connection.settings_dict["NAME"],
        user=connection.settings_dict["USER"],
        host=connection.settings_dict["HOST"],
        port=connection.settings_dict["PORT"],
        password=connection.settings_dict["PASSWORD"] or None,
    )
    conn.autocommit = True
    yield conn
    conn.close()


def try_lock(session, client, slot=0):
    with session.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(client, slot)])
        return cursor.fetchone()[0]


def unlock(session, client, slot=0):
    with session.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_key(client, slot)])


# Rates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "query"),
    [
        ("statistic-summary", {}, {"value_min": "0.5"}),
        ("search", {}, {"q": "Georgia"}),
        ("country-profile", {"code": "GE"}, {}),
        ("statistic-list", {}, {"format": "csv"}),
        ("statistic-list", {}, {"q": "Georgia"}),
        ("statistic-list", {}, {"limit": "101"}),
        ("changes", {}, {"limit": "500"}),
    ],
)
def test_costly_read_over_its_own_lower_rate_gets_429_with_retry_after(
    api_client, costly_rates, name, kwargs, query
):
    url = reverse(name, kwargs=kwargs)
    statuses = []
    for _ in range(3):
        response = api_client.get(url, query)
        if response.streaming:
            b"".join(response.streaming_content)
        statuses.append(response.status_code)
    assert statuses == [HTTPStatus.OK] * 2 + [HTTPStatus.TOO_MANY_REQUESTS]
    problem(response, HTTPStatus.TOO_MANY_REQUESTS, "throttled")
    assert int(response["Retry-After"]) > 0
    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("2", "0")


@pytest.mark.parametrize(
    ("name", "kwargs", "query"),
    [
        ("statistic-list", {}, {}),
        ("statistic-list", {}, {"limit": "100"}),
        ("country-detail", {"code": "GE"}, {}),
        ("changes", {}, {"limit": "100"}),
    ],
)
def test_cheap_read_is_held_to_the_general_rate_only(api_client, costly_rates, name, kwargs, query):
    url = reverse(name, kwargs=kwargs)
    statuses = {api_client.get(url, query).status_code for _ in range(4)}
    assert statuses == {HTTPStatus.OK}


def test_costly_reads_count_against_the_general_rate_too(api_client, settings, costly_rates):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "anon": "2/min"}
    api_client.get(reverse("statistic-summary"))
    api_client.get(reverse("statistic-summary"))
    response = api_client.get(reverse("statistic-list"))
    problem(response, HTTPStatus.TOO_MANY_REQUESTS, "throttled")


def test_authenticated_costly_reads_have_their_own_rate(editor_client, costly_rates):
    statuses = [editor_client.get(reverse("statistic-summary")).status_code for _ in range(4)]
    assert statuses == [HTTPStatus.OK] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]


# The cap on costly reads at once ----------------------------------------------------------


def test_summary_while_the_client_runs_its_allowed_costly_reads_elsewhere_is_429(
    api_client, cap_of_one, other_session, db
):
    # Another worker (another PostgreSQL session) is serving this client's costly read.
    assert try_lock(other_session, f"address:{ADDRESS}")

    response = api_client.get(reverse("statistic-summary"))

    problem(response, HTTPStatus.TOO_MANY_REQUESTS, "throttled")
    assert response["Retry-After"] == "1"
    unlock(other_session, f"address:{ADDRESS}")
    assert api_client.get(reverse("statistic-summary")).status_code == HTTPStatus.OK


def test_costly_read_of_another_client_is_not_held_back(api_client, cap_of_one, other_session, db):
    assert try_lock(other_session, "address:203.0.113.9")
    assert api_client.get(reverse("statistic-summary")).status_code == HTTPStatus.OK


def test_cheap_read_is_not_capped(api_client, cap_of_one, other_session, db):
    assert try_lock(other_session, f"address:{ADDRESS}")
    assert api_client.get(reverse("statistic-list")).status_code == HTTPStatus.OK


def test_costly_read_frees_its_slot_when_answered(api_client, cap_of_one, other_session, db):
    assert api_client.get(reverse("statistic-summary")).status_code == HTTPStatus.OK
    assert try_lock(other_session, f"address:{ADDRESS}")


def test_refused_costly_read_frees_its_slot_too(api_client, cap_of_one, other_session, db):
    response = api_client.get(reverse("statistic-summary"), {"group_by": "nonsense"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert try_lock(other_session, f"address:{ADDRESS}")


def test_csv_export_holds_its_slot_until_the_stream_is_closed(
    api_client, cap_of_one, other_session, source
):
    make_statistic(source)
    response = api_client.get(reverse("statistic-list"), {"format": "csv"})
    assert response.status_code == HTTPStatus.OK
    assert not try_lock(other_session, f"address:{ADDRESS}")
    b"".join(response.streaming_content)  # the test client closes the response at the end
    assert try_lock(other_session, f"address:{ADDRESS}")


def test_authenticated_client_is_capped_as_itself(editor_client, editor, cap_of_one, other_session):
    assert try_lock(other_session, f"user:{editor.pk}")
    response = editor_client.get(reverse("statistic-summary"))
    problem(response, HTTPStatus.TOO_MANY_REQUESTS, "throttled")


@IN_AUTOCOMMIT
def test_slot_of_a_worker_that_died_is_free_again(cap_of_one, other_session):
    from exile_api import concurrency

    assert concurrency.acquire(f"address:{ADDRESS}", 1)
    assert not try_lock(other_session, f"address:{ADDRESS}")
    connection.close()  # what the server sees when a worker dies mid-request
    deadline = time.monotonic() + 5
    while not try_lock(other_session, f"address:{ADDRESS}"):
        assert time.monotonic() < deadline, "the slot stayed taken"
        time.sleep(0.05)


# The statement timeout of anonymous reads ------------------------------------------------


@pytest.fixture
def short_timeout(settings):
    """Anonymous statements stopped after 100 ms; the session's setting put back afterwards."""
    settings.ANONYMOUS_STATEMENT_TIMEOUT_MS = 100
    yield
    if connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    connection.anonymous_statement_timeout = None


def slow_summary(monkeypatch, seen=None):
    """The summary replaced by a statement that takes 500 ms, or with ``seen``, by one that
    notes the statement timeout it runs under."""

    def summarize(queryset, **kwargs):
        with connection.cursor() as cursor:
            if seen is not None:
                cursor.execute("SHOW statement_timeout")
                seen.append(cursor.fetchone()[0])
            else:
                cursor.execute("SELECT pg_sleep(0.5)")
        return []

    monkeypatch.setattr("resources.api.views.summarize_statistics", summarize)


@IN_AUTOCOMMIT
def test_anonymous_summary_slower_than_the_timeout_is_503_with_retry_after(
    api_client, short_timeout, monkeypatch
):
    slow_summary(monkeypatch)
    response = api_client.get(reverse("statistic-summary"), {"value_min": "0.42"})
    body = problem(response, HTTPStatus.SERVICE_UNAVAILABLE, "unavailable")
    assert (
        body["detail"]
        == "The request took too long and was stopped. Retry later, or narrow it down."
    )
    assert int(response["Retry-After"]) > 0


@IN_AUTOCOMMIT
def test_logged_in_summary_slower_than_the_anonymous_timeout_is_answered(
    client, editor, short_timeout, monkeypatch
):
    slow_summary(monkeypatch)
    client.force_login(editor)
    assert client.get(reverse("statistic-summary")).status_code == HTTPStatus.OK


@IN_AUTOCOMMIT
def test_persistent_connection_never_carries_the_anonymous_timeout_to_others(
    client, editor, source, short_timeout, monkeypatch
):
    seen = []
    slow_summary(monkeypatch, seen)
    make_statistic(source)
    client.get(reverse("statistic-summary"))
    b"".join(client.get(reverse("statistic-list"), {"format": "csv"}).streaming_content)
    client.force_login(editor)
    client.get(reverse("statistic-summary"))
    client.logout()
    client.get(reverse("statistic-summary"))
    assert seen == ["100ms", "0", "100ms"]


@IN_AUTOCOMMIT
def test_connection_opened_during_an_anonymous_read_runs_under_its_timeout(
    client, short_timeout, monkeypatch
):
    seen = []
    slow_summary(monkeypatch, seen)
    connection.close()  # the request opens a new one
    client.get(reverse("statistic-summary"))
    assert seen == ["100ms"]


@IN_AUTOCOMMIT
def test_anonymous_csv_export_streams_each_fetch_under_the_timeout(
    api_client, short_timeout, source, monkeypatch
):
    """The statistics export built by PostgreSQL (resources/api/sql_csv.py) reads its cursor in
    a transaction: not WITH HOLD, so no statement computes the whole export at once, and each
    FETCH runs under the anonymous timeout; the transaction ends with the response."""
    monkeypatch.setattr(exports, "LINE_CHUNK_SIZE", 2)
    monkeypatch.setattr(exports, "ROWS_PER_WRITE", 2)
    for number in range(3):
        make_statistic(source, slug=f"s{number}")

    response = api_client.get(reverse("statistic-list"), {"format": "csv"})
    assert response.status_code == HTTPStatus.OK
    pieces = iter(response.streaming_content)
    first = next(pieces)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "100ms"
        cursor.execute("SELECT is_holdable FROM pg_cursors")
        assert cursor.fetchall() == [(False,)]
    assert connection.in_atomic_block

    body = first + b"".join(pieces)

    assert body.count(b"\r\n") == 1 + 3
    assert not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone()[0] == 0


@IN_AUTOCOMMIT
def test_anonymous_csv_export_closed_unread_ends_its_transaction(api_client, source):
    make_statistic(source)

    response = api_client.get(reverse("statistic-list"), {"format": "csv"})
    assert connection.in_atomic_block  # the first chunk was read in the view
    response.close()  # the client went away

    assert not connection.in_atomic_block
