"""The express lane (resources/api/express.py) answers a plain anonymous read of a record as the
request handling does: the same status, headers in the same order, body, rate-limit counts,
errors and cache entries, over records of every kind."""

import json
from datetime import date
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from exile_api import read_cache
from resources.api import express
from resources.api.base import ResourceViewSet
from resources.models import Country, ExileGroup, Statistic
from tests.factories import make_exile_group, make_policy, make_statistic
from tests.wsgi import wsgi_get

# The lane answers from the thread's connection in autocommit, as in a server (never inside
# a transaction): these tests commit, and flush the database after.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# A condition no answer meets: the request goes through the request handling, whose answer
# is then the one a plain request gets (ConditionalGetMiddleware answers it in full).
THROUGH = {"HTTP_IF_NONE_MATCH": '"no-such-version"'}


@pytest.fixture(autouse=True)
def no_shapes_learnt():
    """Each test learns its shapes itself (the database, and so every answer, is its own)."""
    express._shapes.clear()
    yield
    express._shapes.clear()


@pytest.fixture(autouse=True)
def connection_within_its_age():
    """The test's requests on a connection younger than CONN_MAX_AGE, as most of a server's
    are. The front and the lane close an older one first (as every request does) and then
    leave the request to the request handling: on a test worker whose connection is a minute
    old, that fell on a learning request now and then, and the lane had no shape to answer
    with (seen once in CI)."""
    connection.close_at = None


@pytest.fixture(autouse=True)
def nothing_counted():
    """No rate-limit counts or cache entries left by another test: the cache's table is not
    among those a test's flush empties."""
    cache.clear()


def detail(record):
    basename = "statistic" if isinstance(record, Statistic) else "policy"
    return reverse(f"{basename}-detail", kwargs={"pk": record.pk})


def learn(rf, first, second, **headers):
    """The lane's first requests of a shape: two records' answers from the request handling,
    which it learns the shape from (as many as a server's first requests)."""
    answers = [wsgi_get(rf, detail(record), **headers) for record in (first, second)]
    assert all(answer.handled for answer in answers)
    return answers


def records_of_every_kind(source):
    group = make_exile_group(source, name="IT specialists", name_ru="IT-специалисты")
    return [
        make_statistic(source, exile_group=group, value_low=20000, value_high=30000),
        make_statistic(source, destination=None, notes="Abroad, all destinations."),
        make_statistic(
            source,
            publication_status="retracted",
            retraction_reason="The source corrected it.",
        ),
        make_statistic(source, destination=Country.objects.get(code="AM"), period_end=None),
        make_policy(source, effective_from=date(2023, 1, 1)),
    ]


# Shapes the lane learns and answers: each a request's headers (answered in the same test:
# each test flushes the database, which takes a while).
SHAPES = {
    "no accept": {},
    "any": {"HTTP_ACCEPT": "*/*"},
    "json": {"HTTP_ACCEPT": "application/json"},
    "ru": {"HTTP_ACCEPT_LANGUAGE": "ru"},
    "ru-RU": {"HTTP_ACCEPT_LANGUAGE": "ru-RU,ru;q=0.9,en;q=0.8"},
    "localhost": {"HTTP_HOST": "localhost"},
    "forwarded https": {"HTTP_X_FORWARDED_PROTO": "https"},
}


def test_lane_answers_each_record_as_the_request_handling_does(rf, source, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    records = records_of_every_kind(source)

    for name, headers in SHAPES.items():
        learn(rf, records[0], records[1], **headers)  # a statistic's shape
        learn(rf, records[-1], make_policy(source), **headers)  # a policy's

        for record in records:
            lane = wsgi_get(rf, detail(record), **headers)
            handled = wsgi_get(rf, detail(record), **headers, **THROUGH)

            assert (lane.status, lane.handled) == ("200 OK", False), (name, record)
            assert lane.content == handled.content, (name, record)
            assert lane.headers == handled.headers, (name, record)


def test_lane_answers_russian_names_in_russian(rf, source):
    group = make_exile_group(source, name="IT specialists", name_ru="IT-специалисты")
    statistics = [make_statistic(source, exile_group=group) for _ in range(3)]
    learn(rf, *statistics[:2], HTTP_ACCEPT_LANGUAGE="ru")

    lane = wsgi_get(rf, detail(statistics[2]), HTTP_ACCEPT_LANGUAGE="ru")

    assert not lane.handled
    assert lane.header("Content-Language") == "ru"
    assert json.loads(lane.content)["exile_group"]["name"] == "IT-специалисты"


# Requests the lane leaves to the request handling: (what follows the path, headers).
NOT_ITS_OWN = {
    "lang": ("?lang=en", {}),
    "fields": ("?fields=id", {}),
    "cookie": ("", {"HTTP_COOKIE": "sessionid=abc"}),
    "authorization": ("", {"HTTP_AUTHORIZATION": "Api-Key nothing"}),
    "origin": ("", {"HTTP_ORIGIN": "https://example.org"}),
    "conditional": ("", {"HTTP_IF_MODIFIED_SINCE": "Mon, 01 Jan 2024 00:00:00 GMT"}),
    "csv": ("", {"HTTP_ACCEPT": "text/csv"}),
    "html": ("", {"HTTP_ACCEPT": "text/html"}),
}


def test_lane_leaves_other_requests_to_the_request_handling(rf, source):
    statistics = [make_statistic(source) for _ in range(3)]
    learn(rf, *statistics[:2])  # the plain shape

    for name, (path_suffix, headers) in NOT_ITS_OWN.items():
        answers = [wsgi_get(rf, detail(statistics[2]) + path_suffix, **headers) for _ in range(2)]

        assert [answer.handled for answer in answers] == [True, True], name


def test_lane_serves_only_details_of_records_postgresql_builds(rf, source):
    statistic = make_statistic(source)
    group = make_exile_group(source)
    paths = [
        "/api/v1/statistics/{pk}.json",
        "/api/v1/statistics/{pk}/history/",
        "/api/v1/statistics/",
        "/api/v1/statistics/summary/",
        "/api/v1/exile-groups/{slug}/",
        "/api/v1/countries/GE/",
        "/api/v1/health/",
    ]

    for path in paths:
        url = path.format(pk=statistic.pk, slug=group.slug)
        answers = [wsgi_get(rf, url) for _ in range(3)]

        assert all(answer.handled for answer in answers), url


def test_head_goes_through_the_request_handling(rf, source):
    statistics = [make_statistic(source) for _ in range(3)]
    learn(rf, *statistics[:2])

    head = wsgi_get(rf, detail(statistics[2]), method="head")

    assert (head.status, head.handled) == ("200 OK", True)


def test_missing_record_is_the_request_handlings_404_counted_once(rf, source, settings):
    settings.API_THROTTLE_RATES = {"anon": "100/min", "user": None}
    hidden = make_statistic(source, publication_status="draft")
    learn(rf, make_statistic(source), make_statistic(source))  # counted: 98 left

    missing = wsgi_get(rf, "/api/v1/statistics/999999999/")
    draft = wsgi_get(rf, detail(hidden))
    handled = wsgi_get(rf, "/api/v1/statistics/999999999/", **THROUGH)

    assert (missing.status, missing.handled) == ("404 Not Found", True)
    assert missing.content == handled.content
    assert missing.without("X-RateLimit-Remaining") == handled.without("X-RateLimit-Remaining")
    assert draft.status == "404 Not Found"
    remaining = [answer.header("X-RateLimit-Remaining") for answer in (missing, draft, handled)]
    assert remaining == ["97", "96", "95"]  # each request counted once


def test_lane_counts_each_request_once_and_says_so(rf, source, settings):
    settings.API_THROTTLE_RATES = {"anon": "100/min", "user": None}
    statistics = [make_statistic(source) for _ in range(4)]

    answers = [wsgi_get(rf, detail(statistic)) for statistic in statistics]
    handled = wsgi_get(rf, detail(statistics[0]), **THROUGH)

    assert [answer.handled for answer in answers] == [True, True, False, False]
    remaining = [answer.header("X-RateLimit-Remaining") for answer in answers]
    assert remaining == ["99", "98", "97", "96"]
    assert answers[2].header("X-RateLimit-Limit") == "100"
    assert int(answers[2].header("X-RateLimit-Reset")) >= int(
        answers[0].header("X-RateLimit-Reset")
    )
    assert answers[0].without(*RATE) == handled.without(*RATE)
    assert [name for name, _value in answers[2].headers] == [name for name, _ in handled.headers]


RATE = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def test_refused_request_is_the_request_handlings_429_counted_once(rf, source, settings):
    settings.API_THROTTLE_RATES = {"anon": "3/min", "user": None}
    statistics = [make_statistic(source) for _ in range(4)]

    answers = [wsgi_get(rf, detail(statistic)) for statistic in statistics]
    handled = wsgi_get(rf, detail(statistics[3]), **THROUGH)

    assert [answer.status[:3] for answer in answers] == ["200", "200", "200", "429"]
    assert [answer.handled for answer in answers] == [True, True, False, True]
    assert answers[3].content == handled.content
    assert answers[3].without("Retry-After") == handled.without("Retry-After")
    assert json.loads(answers[3].content)["type"] == "/api/problems/throttled"


def test_lane_with_the_read_cache_answers_a_miss_and_stores_it_as_the_cache_does(
    rf, api_client, source, settings
):
    settings.READ_CACHE_SECONDS = 300
    read_cache.invalidate()
    statistics = [make_statistic(source) for _ in range(3)]
    learn(rf, *statistics[:2])  # through the read cache's misses
    record = detail(statistics[2])

    lane = wsgi_get(rf, record)
    front = wsgi_get(rf, record)
    behind = wsgi_get(rf, record, **THROUGH)  # the middleware's hit
    head = wsgi_get(rf, record, method="head")
    # The same request, answered and stored by the request handling instead.
    read_cache.invalidate()
    handled = wsgi_get(rf, record, **THROUGH)
    handled_hit = wsgi_get(rf, record, **THROUGH)

    assert (lane.header("X-Cache"), lane.handled) == ("miss", False)
    assert lane.headers == handled.headers
    assert lane.content == handled.content == front.content == behind.content
    assert (front.header("X-Cache"), front.handled) == ("hit", False)
    assert front.headers == behind.headers == handled_hit.headers
    # (A server sends no body for HEAD; the WSGI application leaves that to it.)
    assert (head.status, head.header("X-Cache")) == ("200 OK", "hit")


def test_lane_with_the_read_cache_leaves_waiting_outside_changes_to_the_request_handling(
    rf, source, settings
):
    settings.READ_CACHE_SECONDS = 300
    settings.HISTORY_RECORDS_OUTSIDE_CHANGES = True
    statistics = [make_statistic(source) for _ in range(3)]
    learn(rf, *statistics[:2])
    with connection.cursor() as cursor:  # changed outside the app, not yet recorded
        cursor.execute(
            "UPDATE resources_statistic SET value = 31000 WHERE id = %s", [statistics[2].pk]
        )

    answer = wsgi_get(rf, detail(statistics[2]))

    assert (answer.header("X-Cache"), answer.handled) == ("miss", True)
    assert json.loads(answer.content)["value"] == 31000


def test_setting_changes_forget_the_shapes(rf, source, settings):
    statistics = [make_statistic(source) for _ in range(3)]
    learn(rf, *statistics[:2])
    settings.API_CACHE_MAX_AGE = 30

    answer = wsgi_get(rf, detail(statistics[2]))

    assert answer.handled  # learnt anew
    assert answer.header("Cache-Control") == "public, max-age=30"


def test_lane_with_the_database_lost_leaves_the_answer_to_the_request_handling(
    rf, source, monkeypatch
):
    statistics = [make_statistic(source) for _ in range(3)]
    learn(rf, *statistics[:2])

    def lost(*args, **kwargs):
        raise read_cache.DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(express, "document_row", lost)
    answer = wsgi_get(rf, detail(statistics[2]))

    assert (answer.status, answer.handled) == ("200 OK", True)


def test_exile_group_names_in_a_statistic_are_current(rf, source):
    group = make_exile_group(source, name="IT specialists")
    statistics = [make_statistic(source, exile_group=group) for _ in range(3)]
    learn(rf, *statistics[:2])
    ExileGroup.objects.filter(pk=group.pk).update(name="IT workers")

    answer = wsgi_get(rf, detail(statistics[2]))

    assert not answer.handled
    assert json.loads(answer.content)["exile_group"]["name"] == "IT workers"
    assert answer.status == f"{HTTPStatus.OK.value} OK"


def test_lane_failing_after_counting_leaves_the_request_counted_once(
    rf, source, settings, monkeypatch
):
    settings.API_THROTTLE_RATES = {"anon": "100/min", "user": None}
    statistics = [make_statistic(source) for _ in range(3)]
    learn(rf, *statistics[:2])  # 98 left

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the lane")

    monkeypatch.setattr(express, "document_row", broken)
    answer = wsgi_get(rf, detail(statistics[2]))

    assert (answer.status, answer.handled) == ("200 OK", True)
    assert answer.header("X-RateLimit-Remaining") == "97"


@pytest.mark.django_db  # inside the test's transaction, as no served request ever is
def test_lane_inside_a_transaction_leaves_the_request_to_the_request_handling(rf, source):
    statistics = [make_statistic(source) for _ in range(3)]
    learn(rf, *statistics[:2])
    third = wsgi_get(rf, detail(statistics[2]))

    assert third.handled
    assert connection.in_atomic_block  # the test's transaction, left as it was


def test_lane_reads_under_the_anonymous_statement_timeout(rf, source, settings, monkeypatch):
    settings.ANONYMOUS_STATEMENT_TIMEOUT_MS = 4321
    statistics = [make_statistic(source) for _ in range(3)]
    learn(rf, *statistics[:2])
    seen = []
    read = express.document_row

    def reading(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            seen.append(cursor.fetchone()[0])
        return read(*args, **kwargs)

    monkeypatch.setattr(express, "document_row", reading)
    answer = wsgi_get(rf, detail(statistics[2]))

    assert (answer.status, answer.handled) == ("200 OK", False)
    assert seen == ["4321ms"]


def test_a_header_that_follows_the_record_keeps_the_lane_off_that_shape(rf, source, monkeypatch):
    """A detail's header the lane does not know (here, one naming the record) makes two
    records' answers disagree: the lane never answers their shape, and each record gets its
    own header from the request handling."""
    finalize = ResourceViewSet.finalize_response

    def naming_the_record(self, request, response, *args, **kwargs):
        response = finalize(self, request, response, *args, **kwargs)
        response["X-Record"] = str(self.kwargs.get("pk"))
        return response

    monkeypatch.setattr(ResourceViewSet, "finalize_response", naming_the_record)
    statistics = [make_statistic(source) for _ in range(4)]

    answers = [wsgi_get(rf, detail(statistic)) for statistic in statistics]

    assert all(answer.handled for answer in answers)
    assert [answer.header("X-Record") for answer in answers] == [
        str(statistic.pk) for statistic in statistics
    ]
