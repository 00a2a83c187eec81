"""DATABASE_REPLICA_URLS: replica aliases parsed like the primary, and refused if not PostgreSQL.

The router and the pinning run against a real standby in tests/replica/ (`make replica-test`).
"""

import json

from tests.exile_api.test_settings import STRONG_KEY, run_manage

REPLICAS = "postgres://exile@replica-a:5432/exile_api, postgres://exile@replica-b:5433/exile_api"
SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'aliases': {a: [d['HOST'], d['PORT'], d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'],"
    " d['TEST']['MIRROR']]"
    " for a, d in s.DATABASES.items() if a != 'default'}, 'routers': s.DATABASE_ROUTERS,"
    " 'pin': s.REPLICA_PIN_SECONDS}))"
)


def show_settings(**env):
    result = run_manage("shell", "-c", SHOW, **env)
    assert result.returncode == 0, result.stderr
    # The last line: the shell may first say what it imported.
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_replica_urls_add_mirrored_aliases_and_the_router():
    shown = show_settings(DATABASE_REPLICA_URLS=REPLICAS, CONN_MAX_AGE="30")
    assert shown["aliases"] == {
        "replica1": ["replica-a", 5432, 30, True, "default"],
        "replica2": ["replica-b", 5433, 30, True, "default"],
    }
    assert shown["routers"] == ["exile_api.db_routers.PrimaryReplicaRouter"]
    assert shown["pin"] == 10


def test_without_replica_urls_there_is_no_replica_and_no_router():
    shown = show_settings(DATABASE_REPLICA_URLS="")
    assert shown["aliases"] == {}
    assert shown["routers"] == []


def test_non_postgresql_replica_url_is_refused():
    result = run_manage("check", DATABASE_REPLICA_URLS="sqlite:///replica.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS must point at PostgreSQL" in result.stderr


def test_production_with_replicas_passes_check_deploy_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="api.example.org",
        DATABASE_REPLICA_URLS=REPLICAS,
    )
    assert result.returncode == 0, result.stderr
