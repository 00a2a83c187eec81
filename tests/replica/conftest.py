"""The replica tests talk to a real PostgreSQL primary and its streaming standby, which
scripts/replica_test.sh (`make replica-test`) starts; without REPLICA_TEST=1 they are skipped.

settings.py makes each replica alias a test mirror of default, so that the test run creates no
database on a read-only standby. Here, once the test database exists on the primary (and so,
replicated, on the standby), each replica alias is pointed back at its standby, reading that
same test database.
"""

import os

import pytest
from django.conf import settings
from django.db import connections

from exile_api.db_routers import replica_aliases

REPLICA_TEST = os.environ.get("REPLICA_TEST") == "1"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with every replica alias reading it on the real standby."""
    if not REPLICA_TEST:
        yield
        return
    if not replica_aliases():
        pytest.fail("REPLICA_TEST=1 needs DATABASE_REPLICA_URLS: run `make replica-test`.")
    test_name = connections["default"].settings_dict["NAME"]
    for alias in replica_aliases():
        connections[alias].close()
        # The mirror set-up replaced the alias's settings by default's; the standby's own
        # address is still in settings.DATABASES.
        connections[alias].settings_dict = {
            **settings.DATABASES[alias],
            "NAME": test_name,
            "TEST": {"NAME": test_name, "MIRROR": "default"},
        }
    yield
    # Dropping the test database on the primary ends the standby's sessions in it anyway; close
    # them first so that nothing is left waiting.
    for alias in replica_aliases():
        connections[alias].close()
