from collections import defaultdict
from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.test.client import ClientHandler
from rest_framework.test import APIClient

from tests.factories import make_source


def pytest_collection_modifyitems(items):
    """Refuse a module that mixes tests of the seeded database (``seeded``) with tests that use
    the database without it: those would see the seed too (``seed_loaded``)."""
    modules = defaultdict(list)
    for item in items:
        modules[item.nodeid.split("::")[0]].append(item)
    for module, tests in modules.items():
        names = [set(getattr(test, "fixturenames", ())) for test in tests]
        if not any("seed_loaded" in used for used in names):
            continue
        unseeded = [
            test.nodeid
            for test, used in zip(tests, names, strict=True)
            if "seed_loaded" not in used
            and (used & {"db", "transactional_db"} or test.get_closest_marker("django_db"))
        ]
        if unseeded:
            raise pytest.UsageError(
                f"{module} loads the seed once for all its tests (seeded), yet these use the "
                f"database without it: move them to a module of their own: {unseeded}"
            )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Passwords hashed with one round of MD5, not a million of PBKDF2: each user the fixtures
    create cost half a second of CPU, most of the suite's time. Tests check who may log in,
    not how long a stolen hash resists; production keeps Django's default hashers."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """Rate limits and the cap on costly reads at once off, so that a test's many requests are
    not throttled and query counts measure the views alone; tests/exile_api/test_limits.py and
    tests/api/test_costly_reads.py turn them back on."""
    settings.API_THROTTLE_RATES = {"anon": None, "user": None}
    settings.COSTLY_CONCURRENCY = {"anon": 0, "user": 0}


@pytest.fixture(autouse=True)
def no_statement_timeout(settings):
    """No statement timeout on anonymous reads (its SET would count in query counts);
    tests/api/test_costly_reads.py turns it on."""
    settings.ANONYMOUS_STATEMENT_TIMEOUT_MS = 0


@pytest.fixture(autouse=True)
def no_read_cache(settings):
    """The read cache off: most tests write through the ORM, which invalidates nothing, and
    then read through the API; tests/exile_api/test_read_cache.py turns it on."""
    settings.READ_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def outside_changes_not_recorded(settings):
    """Factories write through the ORM: test setup, not history.
    tests/editorial/test_outside_changes.py turns the recording of changes made outside the
    app back on."""
    settings.HISTORY_RECORDS_OUTSIDE_CHANGES = False


def close_as_the_test_client_does(response):
    """``response.close()`` sends request_finished, whose close_old_connections would close
    the test's connection: Django's test client disconnects it around the close, as here."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def streamed_responses_closed(request, monkeypatch):
    """Every streamed response a test leaves unread is closed at the end of its test, as a
    WSGI server closes each response (Django's test client closes one only once read to the
    end). A CSV export's rows are read in a transaction (a savepoint in a test); left to the
    garbage collector, it would be ended in whatever test runs then, and a savepoint ended
    out of turn commits that test's data (a source "essay" that already existed)."""
    handle = ClientHandler.__call__

    def closing_at_the_end(handler, environ):
        response = handle(handler, environ)
        if response.streaming:
            # Added to the test now, after its fixtures: it runs before their teardown
            # (the database's rollback or flush among them).
            request.node.addfinalizer(lambda: close_as_the_test_client_does(response))
        return response

    monkeypatch.setattr(ClientHandler, "__call__", closing_at_the_end)


@pytest.fixture
def api_client():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def source(db):
    """The essay, as the one source records cite."""
    return make_source(slug="essay")


@pytest.fixture
def editor(db):
    """A user holding every add/change/delete/view permission of the resources app."""
    user = User.objects.create_user("editor", password="not-used-in-tests-7f3a")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="resources"))
    return user


@pytest.fixture
def reviewer(db):
    """A second user with the editor's rights: publishing takes a second person."""
    user = User.objects.create_user("reviewer", password="not-used-in-tests-2c8e")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="resources"))
    return user


@pytest.fixture
def reviewer_client(reviewer):
    """An API client authenticated as the second reviewer."""
    client = APIClient()
    client.force_authenticate(reviewer)
    return client


@pytest.fixture
def editor_client(editor):
    """An API client authenticated as the editor."""
    client = APIClient()
    client.force_authenticate(editor)
    return client


@pytest.fixture
def reader_client(db):
    """An API client authenticated as a user without any permission."""
    user = User.objects.create_user("reader", password="not-used-in-tests-9b1c")
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture(scope="module")
def seed_loaded(django_db_setup, django_db_blocker):
    """`manage.py load_seed`, once for a whole test module (per xdist worker), in a transaction
    that every test's own nests in as a savepoint and that rolls back after the module's last
    test: Django's ``setUpTestData``. Loading takes a second; a module of seeded tests took a
    second a test. Every test of the module sees the seed, so a module uses it only if all its
    database tests want it (``pytest_collection_modifyitems`` checks)."""
    with django_db_blocker.unblock():
        seeding = transaction.atomic()
        seeding.__enter__()
        call_command("load_seed", stdout=StringIO())
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        seeding.__exit__(None, None, None)


@pytest.fixture
def seeded(seed_loaded, db):
    """The database after `manage.py load_seed` (resources/data/seed.yaml); what the test
    writes is rolled back after it, as always."""
