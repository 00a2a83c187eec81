"""With PostgreSQL unreachable, every path answers a 503 problem with Retry-After.

The database is "down" by making the connection's cursors fail as psycopg2 fails when the
server is gone (an OperationalError without SQLSTATE), so the shared test cluster is never
touched; scripts/fault_test.py (``make faults``) kills a real one under load.
"""

from http import HTTPStatus

import psycopg2
import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connection, connections
from django.test import Client
from django.urls import reverse
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.test import APIClient

from exile_api import statement_timeout
from resources.api.errors import UNAVAILABLE_RETRY_AFTER, connection_lost, statement_cancelled
from resources.api.views import StatisticViewSet
from resources.models import ApiKey
from tests.factories import make_statistic
from tests.problems import problem

REFUSED = 'connection to server at "127.0.0.1", port 1 failed: Connection refused'


def refuse(*args, **kwargs):
    """What Django raises when psycopg2 cannot reach the server."""
    try:
        raise psycopg2.OperationalError(REFUSED)
    except psycopg2.OperationalError as error:
        raise OperationalError(*error.args) from error


@pytest.fixture
def outage(db):
    """A monkeypatch for the database connection, undone before ``db`` rolls the test back
    (pytest's own ``monkeypatch`` may be undone after it)."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture
def database_down(outage):
    """Every query from now on fails as if the server were gone."""
    outage.setattr(connection, "_cursor", refuse)


def unavailable(response):
    """The body of ``response``, asserted to be the 503 problem with Retry-After."""
    body = problem(response, HTTPStatus.SERVICE_UNAVAILABLE, "unavailable")
    assert response["Retry-After"] == str(UNAVAILABLE_RETRY_AFTER)
    assert "Connection refused" not in body["detail"]
    return body


def client(**kwargs):
    return Client(raise_request_exception=False, **kwargs)


def test_anonymous_read_through_the_read_cache_with_the_database_down_is_503(
    settings, database_down
):
    settings.READ_CACHE_SECONDS = 300  # the read cache's cache.get_many reads the database
    unavailable(client().get(reverse("statistic-list")))


def test_read_with_an_api_key_with_the_database_down_is_503(editor, outage):
    _key, secret = ApiKey.objects.create_key(name="app", owner=editor, scopes=["write"])
    outage.setattr(connection, "_cursor", refuse)
    response = client().get(reverse("statistic-list"), HTTP_AUTHORIZATION=f"Api-Key {secret}")
    unavailable(response)


@pytest.mark.parametrize("path", ["/api/v1/statistics/", "/admin/", "/admin/login/"])
def test_request_with_a_session_cookie_with_the_database_down_is_503(path, database_down):
    # The session middleware reads the session table as soon as anything asks for the user.
    unavailable(client(HTTP_COOKIE="sessionid=" + "x" * 32).get(path))


def test_admin_login_with_the_database_down_is_503(database_down):
    # django-axes counts failures, the backend reads the user: both in the database.
    response = client().post("/admin/login/", {"username": "someone", "password": "secret"})
    unavailable(response)


def test_health_with_the_database_down_is_503_with_retry_after(database_down):
    response = APIClient().get(reverse("health"))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
    assert response["Retry-After"] == str(UNAVAILABLE_RETRY_AFTER)


def test_health_answers_its_own_body_when_the_statement_timeout_cannot_be_set(settings, outage):
    # The connection was last told another request's timeout, so an anonymous read would SET
    # its own first: for the health check, that failing SET answered a problem, not the
    # body monitors read (seen in ``make faults``).
    settings.ANONYMOUS_STATEMENT_TIMEOUT_MS = 5000
    connection.ensure_connection()
    outage.setattr(connection, statement_timeout.TOLD, None, raising=False)
    outage.setattr(connection, "_cursor", refuse)
    response = client().get(reverse("health"))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"status": "unavailable", "database": "unavailable"}


def test_driver_error_not_wrapped_by_django_is_503(outage):
    # Closing a cursor raises psycopg2's own error, not Django's: the browsable API's filter
    # form closes one while the response renders, outside DRF's exception handler.
    def lost(*args, **kwargs):
        raise psycopg2.OperationalError("server closed the connection unexpectedly")

    outage.setattr(BrowsableAPIRenderer, "get_filter_form", lost)
    unavailable(client().get(reverse("statistic-list"), HTTP_ACCEPT="text/html"))


def test_driver_errors_of_one_query_are_not_a_lost_connection(db):
    connection.ensure_connection()
    assert connection_lost(psycopg2.InterfaceError("connection already closed"))
    assert not connection_lost(psycopg2.IntegrityError("duplicate key"))
    assert not connection_lost(psycopg2.DataError("invalid input syntax"))


def test_driver_statement_cancel_is_a_cancelled_statement(own_connection):
    raw = own_connection.connection
    with raw.cursor() as cursor:
        cursor.execute("SET statement_timeout = 1")
        with pytest.raises(psycopg2.OperationalError) as cancelled:
            cursor.execute("SELECT pg_sleep(1)")
    raw.rollback()
    assert statement_cancelled(cancelled.value)
    assert not connection_lost(cancelled.value)


def test_csv_export_with_the_database_lost_before_its_first_row_is_503(source, outage):
    make_statistic(source)
    # Everything before the export's own query works (throttles, the cache): only the
    # server-side cursor that streams the rows fails.
    outage.setattr(connection, "chunked_cursor", refuse)
    response = client().get(reverse("statistic-list"), HTTP_ACCEPT="text/csv")
    # A streamed response has sent its 200 before its body fails: the first rows must be
    # read while a problem can still be answered.
    assert not response.streaming or response.status_code != HTTPStatus.OK
    unavailable(response)


def test_write_with_the_database_lost_is_503_saying_it_may_have_been_saved(
    editor_client, database_down
):
    payload = {"slug": "new", "title": "A report", "kind": "report", "year": 2023}
    editor_client.raise_request_exception = False
    response = editor_client.post(reverse("source-list"), payload, format="json")
    assert "may have been saved" in unavailable(response)["detail"]


def test_read_with_the_database_lost_does_not_speak_of_saving(database_down):
    assert "saved" not in unavailable(client().get(reverse("statistic-list")))["detail"]


class BrokenConnection:
    """psycopg2's connection once libpq found it bad: ``closed`` is 2 (the rest is the real
    one's, for the test's rollback)."""

    closed = 2

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_database_error_on_a_broken_connection_is_503(outage):
    # psycopg2 raises a plain DatabaseError (no SQLSTATE, not an OperationalError) when the
    # server vanishes mid-result, e.g. "error with status PGRES_TUPLES_OK and no message
    # from the libpq"; the connection it leaves is closed.
    wrapper = connections[DEFAULT_DB_ALIAS]
    real = wrapper.connection

    def fail(*args, **kwargs):
        wrapper.connection = BrokenConnection(real)
        raise DatabaseError("error with status PGRES_TUPLES_OK and no message from the libpq")

    outage.setattr(StatisticViewSet, "list", fail)
    try:
        response = APIClient(raise_request_exception=False).get(reverse("statistic-list"))
    finally:
        wrapper.connection = real
    unavailable(response)


def test_database_error_on_a_working_connection_is_not_a_lost_connection(db):
    connection.ensure_connection()
    assert not connection_lost(DatabaseError("something else went wrong"))


def test_new_connections_give_up_before_gunicorn_kills_the_worker(settings):
    # A server that does not answer (a dropped network, a host gone) must become a 503
    # quickly, not a worker killed by gunicorn's 30-second timeout: libpq's connect_timeout
    # bounds connecting, TCP keepalives detect a dead peer during a query.
    options = settings.DATABASES["default"]["OPTIONS"]
    assert 0 < int(options["connect_timeout"]) < 30
    dead_after = (
        options["keepalives_idle"] + options["keepalives_interval"] * options["keepalives_count"]
    )
    assert dead_after < 30
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"]


# The health check (exile_api/postgresql/base.py) -------------------------------------------


@pytest.fixture
def own_connection(db):
    """A connection of its own to the test database (another session), closed after."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def test_health_check_of_a_live_connection_makes_no_round_trip(own_connection, monkeypatch):
    asked = []
    monkeypatch.setattr(own_connection, "is_usable", lambda: asked.append(True) or True)
    own_connection.health_check_done = False  # a new request

    own_connection.close_if_health_check_failed()

    assert (asked, own_connection.health_check_done) == ([], True)
    assert own_connection.connection is not None


def test_health_check_replaces_a_connection_the_server_ended(own_connection):
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with connection.cursor() as cursor:  # the server ends it, as a restart or a kill does
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    own_connection.health_check_done = False  # the next request

    with own_connection.cursor() as cursor:  # its first query runs on a new session
        cursor.execute("SELECT pg_backend_pid()")
        (new_pid,) = cursor.fetchone()

    assert new_pid != pid
