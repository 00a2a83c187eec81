"""The read cache (exile_api/read_cache.py): anonymous API reads come from the shared cache, and
every write, through whatever path and whichever process, is in the very next read."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from http import HTTPStatus
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import reverse
from rest_framework.test import APIClient

from exile_api import read_cache
from resources.choices import ChangeAction, ChangeChannel
from resources.editorial.history import record_change
from resources.models import ApiKey, Statistic
from tests.factories import make_statistic
from tests.wsgi import wsgi_get

REPO = Path(__file__).resolve().parents[2]
STATISTICS = reverse("statistic-list")
CITATION_PREFIX = "resources-citation-content_type-object_id"


@pytest.fixture(autouse=True)
def read_cache_on(settings, db):
    """The read cache on (tests/conftest.py turns it off), from a version of this test's own."""
    settings.READ_CACHE_SECONDS = 300
    read_cache.invalidate()


@pytest.fixture
def keyed_client(editor):
    """An app using an API key of the editor (write, read-drafts): it sends Authorization."""
    _key, secret = ApiKey.objects.create_key(
        name="app", owner=editor, scopes=["write", "read-drafts"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the writes inside it leave for their commit, as a real commit does (tests run
    inside a transaction that never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def detail(statistic, route="detail"):
    return reverse(f"statistic-{route}", kwargs={"pk": statistic.pk})


def without_x_cache(response):
    return {name: value for name, value in response.items() if name != "X-Cache"}


def slugs(response):
    assert response.status_code == HTTPStatus.OK
    return [row["slug"] for row in response.json()["results"]]


def cached_twice(client, path, **extra):
    """Read ``path`` until it is a hit: a miss that stores, then the hit."""
    first, second = client.get(path, **extra), client.get(path, **extra)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    return second


# Hits --------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["list", "detail"])
def test_second_anonymous_read_is_a_hit_with_the_same_body_and_headers(
    api_client, source, route, django_assert_max_num_queries
):
    statistics = [make_statistic(source) for _ in range(3)]
    path = STATISTICS if route == "list" else detail(statistics[0])
    origin = {"HTTP_ORIGIN": "https://example.org"}

    first = api_client.get(path, **origin)
    # The version and the entry in one query (exile_api.cache; with REDIS_URL, the version in
    # PostgreSQL and the entry in Redis).
    with django_assert_max_num_queries(1):
        second = api_client.get(path, **origin)

    assert (first.status_code, first["X-Cache"]) == (HTTPStatus.OK, "miss")
    assert (second.status_code, second["X-Cache"]) == (HTTPStatus.OK, "hit")
    assert second.content == first.content
    assert without_x_cache(second) == without_x_cache(first)
    assert {
        "etag",
        "last-modified",
        "content-type",
        "content-language",
        "cache-control",
        "vary",
        "access-control-allow-origin",
        "content-security-policy",
    } <= {name.lower() for name in without_x_cache(second)}


def test_language_host_query_and_accept_each_get_an_entry_of_their_own(api_client, source):
    make_statistic(source)
    cached_twice(api_client, STATISTICS)
    variants = [
        ({"HTTP_ACCEPT_LANGUAGE": "ru"}, {}),
        ({}, {"lang": "ru"}),
        ({"HTTP_HOST": "localhost"}, {}),
        ({}, {"limit": "1"}),
        ({"HTTP_ACCEPT": "application/json"}, {}),
    ]

    first = [api_client.get(STATISTICS, query, **headers) for headers, query in variants]
    again = [api_client.get(STATISTICS, query, **headers) for headers, query in variants]

    assert [response["X-Cache"] for response in first] == ["miss"] * len(variants)
    assert [response["X-Cache"] for response in again] == ["hit"] * len(variants)
    assert [response["Content-Language"] for response in again[:3]] == ["ru", "ru", "en"]
    assert again[2].json()["results"][0]["url"].startswith("http://localhost/")


def test_get_with_if_none_match_of_a_cached_read_is_304_from_the_cache(
    api_client, source, django_assert_max_num_queries
):
    statistic = make_statistic(source)
    etag = cached_twice(api_client, detail(statistic))["ETag"]

    with django_assert_max_num_queries(1):
        response = api_client.get(detail(statistic), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == HTTPStatus.NOT_MODIFIED
    assert response["ETag"] == etag


def test_head_of_a_cached_read_is_a_hit_with_the_get_headers(api_client, source):
    statistic = make_statistic(source)
    head_first = api_client.head(detail(statistic))
    get = api_client.get(detail(statistic))

    head = api_client.head(detail(statistic))

    assert (head_first["X-Cache"], get["X-Cache"]) == ("miss", "miss")  # HEAD stores nothing
    assert (head.status_code, head["X-Cache"], head.content) == (HTTPStatus.OK, "hit", b"")
    assert without_x_cache(head) == without_x_cache(get) == without_x_cache(head_first)


# What is never stored or never served ------------------------------------------------------


def test_csv_export_is_streamed_every_time(api_client, source):
    make_statistic(source)

    responses = [api_client.get(STATISTICS, {"format": "csv"}) for _ in range(2)]
    for response in responses:
        # As a WSGI server does: the export's rows are read in a transaction that the
        # response's close ends. Left to the garbage collector, it ended inside a later
        # test's transaction, whichever that was.
        response.close()

    assert [response["X-Cache"] for response in responses] == ["miss", "miss"]
    assert all(response.streaming for response in responses)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"{STATISTICS}?metric=nonsense", HTTPStatus.BAD_REQUEST),
        (reverse("statistic-detail", kwargs={"pk": 999999}), HTTPStatus.NOT_FOUND),
    ],
)
def test_errors_are_never_stored(api_client, path, status):
    responses = [api_client.get(path) for _ in range(2)]

    assert [response.status_code for response in responses] == [status, status]
    assert [response["X-Cache"] for response in responses] == ["miss", "miss"]


def test_health_never_comes_from_the_cache(api_client):
    responses = [api_client.get(reverse("health")) for _ in range(2)]

    assert [response.status_code for response in responses] == [HTTPStatus.OK] * 2
    assert not any(response.has_header("X-Cache") for response in responses)


def test_browsable_api_page_sets_a_csrf_cookie_and_is_never_stored(client, source):
    make_statistic(source)

    responses = [client.get(STATISTICS, HTTP_ACCEPT="text/html") for _ in range(2)]

    assert "csrftoken" in responses[0].cookies  # a per-browser token: never for others
    assert [response["X-Cache"] for response in responses] == ["miss", "miss"]


def test_reads_with_an_api_key_never_come_from_nor_go_to_the_cache(
    api_client, keyed_client, source
):
    make_statistic(source)
    draft = make_statistic(source, publication_status="draft")
    cached_twice(api_client, STATISTICS)

    keyed_list = keyed_client.get(STATISTICS)
    keyed_drafts = [keyed_client.get(detail(draft)) for _ in range(2)]
    anonymous_draft = api_client.get(detail(draft))

    assert not keyed_list.has_header("X-Cache")
    assert "private" in keyed_list["Cache-Control"]
    assert [response.status_code for response in keyed_drafts] == [HTTPStatus.OK] * 2
    assert not any(response.has_header("X-Cache") for response in keyed_drafts)
    assert anonymous_draft.status_code == HTTPStatus.NOT_FOUND


def test_reads_with_a_session_never_come_from_nor_go_to_the_cache(api_client, editor, source):
    make_statistic(source)
    draft = make_statistic(source, publication_status="draft")
    cached_twice(api_client, STATISTICS)
    session_client = APIClient()
    session_client.force_login(editor)
    drafts_list = f"{STATISTICS}?publication_status=draft"

    session_reads = [session_client.get(path) for path in (STATISTICS, detail(draft))] + [
        session_client.get(drafts_list) for _ in range(2)
    ]
    anonymous_reads = [api_client.get(path) for path in (detail(draft), drafts_list)]

    assert [response.status_code for response in session_reads] == [HTTPStatus.OK] * 4
    assert not any(response.has_header("X-Cache") for response in session_reads)
    assert slugs(session_reads[-1]) == [draft.slug]
    assert anonymous_reads[0].status_code == HTTPStatus.NOT_FOUND
    assert draft.slug.encode() not in anonymous_reads[1].content


# Every write is in the next read -----------------------------------------------------------


def test_create_of_a_draft_leaves_the_cached_reads_as_they_were(
    api_client, keyed_client, source, committed
):
    make_statistic(source)
    cached_twice(api_client, STATISTICS)
    new = {
        "slug": "new-draft",
        "destination": "AM",
        "metric": "arrivals",
        "value": 6000,
        "unit": "people",
        "measure": "flow",
        "citations": [{"source": source.slug, "locator": "para 2", "claim": "A claim."}],
    }

    with committed():
        response = keyed_client.post(STATISTICS, new, format="json")
    after = api_client.get(STATISTICS)

    assert response.status_code == HTTPStatus.CREATED
    # The public sees nothing of a draft, not even that the cache was cleared for it.
    assert after["X-Cache"] == "hit"
    assert "new-draft" not in slugs(after)


def test_update_through_the_api_is_in_the_next_anonymous_reads(
    api_client, keyed_client, source, committed
):
    statistic = make_statistic(source, value=25000)
    other_list = f"{STATISTICS}?destination=GE"
    for path in (STATISTICS, detail(statistic), other_list):
        cached_twice(api_client, path)

    with committed():
        response = keyed_client.patch(detail(statistic), {"value": 30000}, format="json")
    after = [api_client.get(path) for path in (STATISTICS, detail(statistic), other_list)]

    assert response.status_code == HTTPStatus.OK
    assert [response["X-Cache"] for response in after] == ["miss"] * 3
    assert after[0].json()["results"][0]["value"] == 30000
    assert after[1].json()["value"] == 30000
    assert after[2].json()["results"][0]["value"] == 30000


def test_publish_through_the_api_is_in_the_next_anonymous_reads(
    api_client, keyed_client, source, committed
):
    statistic = make_statistic(source, publication_status="in_review")
    assert slugs(cached_twice(api_client, STATISTICS)) == []

    with committed():
        response = keyed_client.post(detail(statistic, "publish"))
    after_list, after_detail = api_client.get(STATISTICS), api_client.get(detail(statistic))

    assert response.status_code == HTTPStatus.OK
    assert (after_list["X-Cache"], slugs(after_list)) == ("miss", [statistic.slug])
    assert after_detail.json()["publication_status"] == "published"


def test_retract_through_the_api_is_in_the_next_anonymous_reads(
    api_client, keyed_client, source, committed
):
    statistic = make_statistic(source)
    assert slugs(cached_twice(api_client, STATISTICS)) == [statistic.slug]
    cached_twice(api_client, detail(statistic))

    with committed():
        response = keyed_client.post(
            detail(statistic, "retract"), {"reason": "The source corrected it."}, format="json"
        )
    after_list, after_detail = api_client.get(STATISTICS), api_client.get(detail(statistic))

    assert response.status_code == HTTPStatus.OK
    assert (after_list["X-Cache"], slugs(after_list)) == ("miss", [])
    assert after_detail["X-Cache"] == "miss"
    assert after_detail.json()["publication_status"] == "retracted"


def test_admin_save_is_in_the_next_anonymous_read(api_client, admin_client, source, committed):
    statistic = make_statistic(source, value=25000)
    citation = statistic.citations.get()
    cached_twice(api_client, detail(statistic))
    form = {
        "slug": statistic.slug,
        "origin": statistic.origin_id,
        "destination": "GE",
        "exile_group": "",
        "metric": "arrivals",
        "value": "30000",
        "value_low": "",
        "value_high": "",
        "qualifier": "exact",
        "unit": "people",
        "measure": "flow",
        "counting_method": statistic.counting_method,
        "period_start": "2022-02-24",
        "period_end": "2022-03-10",
        "notes": "",
        f"{CITATION_PREFIX}-TOTAL_FORMS": "1",
        f"{CITATION_PREFIX}-INITIAL_FORMS": "1",
        f"{CITATION_PREFIX}-MIN_NUM_FORMS": "0",
        f"{CITATION_PREFIX}-MAX_NUM_FORMS": "1000",
        f"{CITATION_PREFIX}-0-id": str(citation.pk),
        f"{CITATION_PREFIX}-0-source": str(source.pk),
        f"{CITATION_PREFIX}-0-locator": citation.locator,
        f"{CITATION_PREFIX}-0-claim": citation.claim,
        "_save": "Save",
    }

    with committed():
        response = admin_client.post(
            reverse("admin:resources_statistic_change", args=[statistic.pk]), form
        )
    after = api_client.get(detail(statistic))

    assert response.status_code == HTTPStatus.FOUND
    assert (after["X-Cache"], after.json()["value"]) == ("miss", 30000)


def test_admin_delete_action_is_in_the_next_anonymous_reads(
    api_client, admin_client, source, committed
):
    statistic = make_statistic(source)
    cached_twice(api_client, STATISTICS)
    cached_twice(api_client, detail(statistic))

    with committed():
        response = admin_client.post(
            reverse("admin:resources_statistic_changelist"),
            {"action": "delete_selected", "_selected_action": [statistic.pk], "post": "yes"},
        )
    after_list, after_detail = api_client.get(STATISTICS), api_client.get(detail(statistic))

    assert response.status_code == HTTPStatus.FOUND
    assert (after_list["X-Cache"], slugs(after_list)) == ("miss", [])
    assert after_detail.status_code == HTTPStatus.NOT_FOUND


def test_load_seed_command_is_in_the_next_anonymous_read(api_client, committed):
    assert cached_twice(api_client, STATISTICS).json()["count"] == 0

    with committed():
        call_command("load_seed", stdout=StringIO())
    after = api_client.get(STATISTICS)

    assert after["X-Cache"] == "miss"
    assert after.json()["count"] > 0


def test_refused_write_leaves_the_cached_read_as_it_was(
    api_client, keyed_client, source, committed
):
    statistic = make_statistic(source, value=25000)
    before = cached_twice(api_client, detail(statistic))

    with committed():
        response = keyed_client.patch(detail(statistic), {"value_low": 99999}, format="json")
    after = api_client.get(detail(statistic))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert after.content == before.content
    assert after.json()["value"] == 25000


def test_change_recorded_in_a_transaction_that_rolls_back_invalidates_nothing(source):
    statistic = make_statistic(source)

    def write(fails):
        with transaction.atomic():
            record_change(statistic, action=ChangeAction.UPDATED, channel=ChangeChannel.API)
            if fails:
                raise RuntimeError("the write fails after its change was recorded")

    before = read_cache.current_version()
    with pytest.raises(RuntimeError):
        write(fails=True)
    assert read_cache.current_version() == before
    write(fails=False)
    assert read_cache.current_version() != before


# The version -------------------------------------------------------------------------------


def public_json_view(before_returning=lambda: None):
    def view(request):
        response = HttpResponse(b"{}", content_type="application/json")
        response["Cache-Control"] = "public, max-age=60"
        before_returning()
        return response

    return view


def test_response_made_while_a_write_commits_is_never_served(rf):
    # The write commits (and sets a new version) while the response is being made: the
    # response may or may not hold it, so it must not answer the next request.
    middleware = read_cache.ReadCacheMiddleware(public_json_view(read_cache.invalidate))
    plain = read_cache.ReadCacheMiddleware(public_json_view())
    path = "/api/v1/statistics/"

    during_writes = [middleware(rf.get(path))["X-Cache"] for _ in range(2)]
    after_writes = [plain(rf.get(path))["X-Cache"] for _ in range(3)]

    assert during_writes == ["miss", "miss"]
    assert after_writes == ["miss", "hit", "hit"]


# The cache down ----------------------------------------------------------------------------

# Redis on a port nothing listens on: every cache call fails, as with Redis stopped.
REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.5},
    }
}


# In autocommit: the write commits, and whatever runs after its commit runs.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_write_with_the_cache_down_is_2xx_and_no_read_is_stale_after(
    api_client, keyed_client, source, settings
):
    statistic = make_statistic(source, value=25000)
    cache_as_it_was = settings.CACHES
    settings.API_THROTTLE_RATES = {"anon": "300/min", "user": "1200/min"}
    cached_twice(api_client, detail(statistic))

    settings.CACHES = REDIS_DOWN
    written = keyed_client.patch(detail(statistic), {"value": 26000}, format="json")
    read_while_down = api_client.get(detail(statistic))
    settings.CACHES = cache_as_it_was  # back, with the entry stored before the write
    read_after = api_client.get(detail(statistic))

    assert written.status_code == HTTPStatus.OK, written.json()
    assert (read_while_down.status_code, read_while_down.json()["value"]) == (HTTPStatus.OK, 26000)
    assert (read_after["X-Cache"], read_after.json()["value"]) == ("miss", 26000)


def test_reads_with_the_cache_down_are_answered_without_it(api_client, source, settings):
    statistic = make_statistic(source)
    settings.CACHES = REDIS_DOWN

    responses = [api_client.get(path) for path in (STATISTICS, detail(statistic))]

    assert [response.status_code for response in responses] == [HTTPStatus.OK] * 2
    assert all("X-Cache" not in response for response in responses)


def test_with_replicas_nothing_is_stored_while_a_replica_may_lack_the_last_write(
    api_client, source, settings
):
    make_statistic(source)
    settings.DATABASE_REPLICA_URLS = ["postgres://replica.invalid/exile_api"]
    settings.REPLICA_PIN_SECONDS = 10

    within_pin = [api_client.get(STATISTICS)["X-Cache"] for _ in range(2)]
    settings.REPLICA_PIN_SECONDS = 0
    after_pin = [api_client.get(STATISTICS)["X-Cache"] for _ in range(2)]

    assert within_pin == ["miss", "miss"]
    assert after_pin == ["miss", "hit"]


# Settings ----------------------------------------------------------------------------------


def test_read_cache_seconds_zero_turns_the_cache_off(api_client, source, settings):
    make_statistic(source)
    settings.READ_CACHE_SECONDS = 0

    off = [api_client.get(STATISTICS) for _ in range(2)]
    settings.READ_CACHE_SECONDS = 300
    on = api_client.get(STATISTICS)

    assert not any(response.has_header("X-Cache") for response in off)
    assert on["X-Cache"] == "miss"  # nothing was stored while off


def test_response_over_read_cache_max_bytes_is_not_stored(api_client, source, settings):
    make_statistic(source)
    settings.READ_CACHE_MAX_BYTES = 100

    responses = [api_client.get(STATISTICS) for _ in range(2)]

    assert len(responses[0].content) > 100
    assert [response["X-Cache"] for response in responses] == ["miss", "miss"]


# Across processes: gunicorn with two workers, and this process -----------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url():
    """DATABASE_URL of the test database, for another process."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "localhost", safe="")
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{db['PORT']}/{db['NAME']}"


class Server:
    """A gunicorn serving the test database on 127.0.0.1:``port``."""

    def __init__(self, port, log):
        self.port, self.log = port, log

    def request(self, method, path, body=None, **headers):
        """(status, headers, parsed JSON body) of one request on a new connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body, {"Accept": "application/json", **headers})
            response = conn.getresponse()
            content = response.read()
            return response.status, dict(response.getheaders()), json.loads(content or "null")
        finally:
            conn.close()


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn as in production (2 gthread workers) on a free port of 127.0.0.1, reading and
    writing the test database, read cache on, rate limits off; stopped, workers and all, after
    the test."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = os.environ | {
        "DJANGO_ENV": "development",
        "DEBUG": "",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "DATABASE_REPLICA_URLS": "",
        "CONN_MAX_AGE": "0",
        "READ_CACHE_SECONDS": "300",
        "THROTTLE_ANON_RATE": "",
        "THROTTLE_USER_RATE": "",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
    }
    gunicorn_bin = Path(sys.executable).parent / "gunicorn"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(gunicorn_bin), "-c", "python:exile_api.gunicorn_conf", "exile_api.wsgi"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{log.read_text()[-5000:]}")
            try:
                if server.request("GET", reverse("health"))[0] == HTTPStatus.OK:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer in 30 s:\n{log.read_text()[-5000:]}")
            time.sleep(0.2)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.server
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_write_in_one_process_is_in_the_next_read_of_another(gunicorn, editor, source):
    statistic = make_statistic(source, value=25000)
    _key, secret = ApiKey.objects.create_key(name="app", owner=editor, scopes=["write"])
    path = detail(statistic)
    here = APIClient()
    # The requests of this process and of the server's workers select the same entries.
    same_request = {"HTTP_HOST": f"127.0.0.1:{gunicorn.port}", "HTTP_ACCEPT": "application/json"}

    def served(count=4):
        """(X-Cache, value) of ``count`` anonymous reads from the server (either worker)."""
        answers = [gunicorn.request("GET", path) for _ in range(count)]
        assert {status for status, _headers, _body in answers} == {HTTPStatus.OK}
        return [(headers["X-Cache"], body["value"]) for _status, headers, body in answers]

    # Stored by a worker, served to this process and to both workers.
    assert served() == [("miss", 25000)] + [("hit", 25000)] * 3
    listed = [gunicorn.request("GET", STATISTICS)[1]["X-Cache"] for _ in range(2)]
    assert listed == ["miss", "hit"]
    here_read = here.get(path, **same_request)
    assert (here_read["X-Cache"], here_read.json()["value"]) == ("hit", 25000)

    # Written through the server: this process's next read has it.
    status, _headers, _body = gunicorn.request(
        "PATCH",
        path,
        json.dumps({"value": 30000}),
        Authorization=f"Api-Key {secret}",
        **{"Content-Type": "application/json"},
    )
    assert status == HTTPStatus.OK
    here_read = here.get(path, **same_request)
    assert (here_read["X-Cache"], here_read.json()["value"]) == ("miss", 30000)
    assert served() == [("hit", 30000)] * 4  # the entry this process stored

    # Written in this process (a real commit): the server's next reads have it.
    writer = APIClient()
    writer.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert writer.patch(path, {"value": 35000}, format="json").status_code == HTTPStatus.OK
    assert served() == [("miss", 35000)] + [("hit", 35000)] * 3

    # Retracted through the server: gone from the list at once, for both.
    status, _headers, _body = gunicorn.request(
        "POST",
        detail(statistic, "retract"),
        json.dumps({"reason": "The source corrected it."}),
        Authorization=f"Api-Key {secret}",
        **{"Content-Type": "application/json"},
    )
    assert status == HTTPStatus.OK
    status, headers, body = gunicorn.request("GET", STATISTICS)
    assert (status, headers["X-Cache"], body["count"]) == (HTTPStatus.OK, "miss", 0)
    assert here.get(STATISTICS, **same_request).json()["count"] == 0


def test_cache_hit_carries_no_other_clients_rate_limit_standing(settings, source):
    """The read cache stores a response before the rate-limit headers are set on it
    (RateLimitHeadersMiddleware sits outside it): a hit served to one client must not tell it
    another client's remaining requests. A hit is not counted, so it carries none."""
    settings.API_THROTTLE_RATES = {"anon": "100/min", "user": None}
    make_statistic(source)
    first = APIClient(REMOTE_ADDR="203.0.113.1").get(reverse("statistic-list"))
    second = APIClient(REMOTE_ADDR="203.0.113.2").get(reverse("statistic-list"))

    assert (first["X-Cache"], first["X-RateLimit-Remaining"]) == ("miss", "99")
    assert second["X-Cache"] == "hit"
    assert not [name for name in second.headers if name.lower().startswith("x-ratelimit")]


def test_an_expired_entry_is_a_miss(api_client, source, settings):
    statistic = make_statistic(source)
    cached_twice(api_client, detail(statistic))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE exile_api_cache SET expires = now() - interval '1 second'")

    assert api_client.get(detail(statistic))["X-Cache"] == "miss"


# The front: hits answered before the request handling ----------------------------------


# The front answers from the thread's connection in autocommit, as in a server: these tests
# commit (and flush the database after).
front_test = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@front_test
@pytest.mark.parametrize("route", ["list", "detail"])
def test_front_answers_a_repeated_get_as_the_request_handling_does(rf, source, settings, route):
    settings.API_THROTTLE_RATES = {"anon": "100/min", "user": None}
    statistics = [make_statistic(source) for _ in range(3)]
    path = STATISTICS if route == "list" else detail(statistics[0])

    miss = wsgi_get(rf, path)
    front = wsgi_get(rf, path)
    # An If-None-Match that matches nothing: the whole request handling, the same entry.
    behind = wsgi_get(rf, path, HTTP_IF_NONE_MATCH='"another-version"')

    assert (miss.status, miss.header("X-Cache"), miss.handled) == ("200 OK", "miss", True)
    assert (front.status, front.header("X-Cache"), front.handled) == ("200 OK", "hit", False)
    assert (behind.status, behind.header("X-Cache"), behind.handled) == ("200 OK", "hit", True)
    assert front.content == behind.content == miss.content
    assert front.headers == behind.headers
    counted = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
    assert miss.header("X-RateLimit-Remaining") is not None
    assert front.without("X-Cache") == miss.without("X-Cache", *counted)
    assert {"ETag", "Last-Modified", "Vary", "Cache-Control", "Content-Security-Policy"} <= {
        name for name, _value in front.headers
    }


@front_test
@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("head", {}),
        ("get", {"HTTP_ORIGIN": "https://example.org"}),
        ("get", {"HTTP_IF_MODIFIED_SINCE": "Mon, 01 Jan 2024 00:00:00 GMT"}),
        ("get", {"HTTP_IF_MATCH": "*"}),
        ("get", {"HTTP_IF_UNMODIFIED_SINCE": "Fri, 01 Jan 2100 00:00:00 GMT"}),
    ],
    ids=["head", "origin", "if-modified-since", "if-match", "if-unmodified-since"],
)
def test_front_leaves_what_the_middleware_answers_differently_to_it(rf, source, method, headers):
    statistic = make_statistic(source)
    path = detail(statistic)
    wsgi_get(rf, path)
    assert not wsgi_get(rf, path).handled  # the front answers a plain GET

    answers = [wsgi_get(rf, path, method, **headers) for _ in range(2)]

    assert [answer.handled for answer in answers] == [True, True]
    assert [answer.header("X-Cache") for answer in answers] == ["hit", "hit"]


@front_test
def test_front_answers_304_if_none_match_of_its_entry_through_the_middleware(rf, source):
    statistic = make_statistic(source)
    etag = wsgi_get(rf, detail(statistic)).header("ETag")

    answer = wsgi_get(rf, detail(statistic), HTTP_IF_NONE_MATCH=etag)

    assert (answer.status, answer.handled, answer.content) == ("304 Not Modified", True, b"")


@front_test
def test_front_answers_nothing_after_a_change(rf, source):
    statistic = make_statistic(source, value=25000)
    path = detail(statistic)
    wsgi_get(rf, path)
    assert not wsgi_get(rf, path).handled

    Statistic.objects.filter(pk=statistic.pk).update(value=30000)
    read_cache.invalidate()  # committed: what record_change does with every change
    after = wsgi_get(rf, path)

    assert after.header("X-Cache") == "miss"  # (answered by the express lane)
    assert json.loads(after.content)["value"] == 30000


@front_test
def test_front_answers_an_entry_the_middleware_stored_once_it_has_passed_through(
    rf, api_client, source
):
    statistic = make_statistic(source)
    path = detail(statistic)
    # Stored by the middleware alone (a test client, or the asgi application): no front form.
    assert api_client.get(path, HTTP_HOST="testserver")["X-Cache"] == "miss"

    through, front = wsgi_get(rf, path), wsgi_get(rf, path)

    assert (through.header("X-Cache"), through.handled) == ("hit", True)
    assert (front.header("X-Cache"), front.handled) == ("hit", False)
    assert front.headers == through.headers


@front_test
def test_front_leaves_reads_with_credentials_and_waiting_outside_changes_to_the_rest(
    rf, source, settings
):
    statistic = make_statistic(source)
    path = detail(statistic)
    wsgi_get(rf, path)
    keyed = wsgi_get(rf, path, HTTP_AUTHORIZATION="Api-Key not-a-key")
    settings.HISTORY_RECORDS_OUTSIDE_CHANGES = True
    with connection.cursor() as cursor:  # a change made outside the app, not yet recorded
        cursor.execute("UPDATE resources_statistic SET value = 31000 WHERE id = %s", [statistic.pk])
    after_outside_change = wsgi_get(rf, path)

    assert (keyed.status, keyed.handled) == ("401 Unauthorized", True)
    assert (after_outside_change.header("X-Cache"), after_outside_change.handled) == (
        "miss",
        True,
    )
    assert json.loads(after_outside_change.content)["value"] == 31000


@front_test
def test_front_without_an_open_connection_leaves_the_request_to_the_rest(rf, source):
    statistic = make_statistic(source)
    path = detail(statistic)
    wsgi_get(rf, path)
    connection.close()

    answer = wsgi_get(rf, path)

    assert (answer.status, answer.header("X-Cache"), answer.handled) == ("200 OK", "hit", True)
