"""Settings come from the environment, production fails fast, and docker-compose agrees."""

import os
import re
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "-a-production-key-of-sufficient-length-0123456789"


def run_manage(*args, **env):
    """Run manage.py in a fresh interpreter, with only the given settings variables set."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ENV", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "needs SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "needs SECRET_KEY"),
        (
            {"SECRET_KEY": "development-only-insecure-key-never-used-in-production"},
            "needs SECRET_KEY",
        ),
        ({"SECRET_KEY": STRONG_KEY}, "needs ALLOWED_HOSTS"),
        ({"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "example.org", "DEBUG": "1"}, "DEBUG"),
    ],
)
def test_production_without_required_settings_refuses_to_start(env, message):
    result = run_manage("check", DJANGO_ENV="production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="api.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_non_postgresql_database_url_is_refused():
    result = run_manage("check", DATABASE_URL="sqlite:///db.sqlite3")
    assert result.returncode != 0
    assert "must point at PostgreSQL" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("READ_CACHE_SECONDS", "-1"), ("READ_CACHE_SECONDS", "5min"), ("READ_CACHE_MAX_BYTES", "1.5")],
)
def test_read_cache_setting_not_a_whole_number_is_refused(name, value):
    result = run_manage("check", **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} must be a whole number, 0 or more." in result.stderr


def test_development_defaults_are_safe(settings):
    assert settings.DEBUG is False
    assert set(settings.ALLOWED_HOSTS) >= {"127.0.0.1", "localhost"}
    assert "*" not in settings.ALLOWED_HOSTS


def settings_variables():
    """Names of the environment variables settings.py reads."""
    source = (REPO / "exile_api" / "settings.py").read_text()
    pattern = r'(?:os\.environ\.get|env_bool|env_list|env_whole_number)\(\s*"([A-Z_]+)"'
    return set(re.findall(pattern, source))


def compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def resolve(value):
    """A compose value with ${VAR:-default} and ${VAR:?message} replaced by what they give."""
    value = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))
    return re.sub(r"\$\{\w+:\?[^}]*\}", "from-the-environment", value)


def test_compose_has_db_web_and_worker_services_wired_together():
    services = compose()["services"]
    assert set(services) == {"db", "web", "worker"}
    db, web = services["db"], services["web"]
    assert db["image"].startswith("postgres:")
    assert db["healthcheck"]["test"]
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"]
    assert web["build"] == "."
    assert web["depends_on"] == {"db": {"condition": "service_healthy"}}
    worker = services["worker"]
    assert worker["build"] == "."
    assert worker["command"] == ["python", "manage.py", "procrastinate", "worker"]
    assert worker["environment"]["DATABASE_URL"] == web["environment"]["DATABASE_URL"]
    assert set(worker["environment"]) <= settings_variables()


def test_compose_web_environment_is_what_settings_read():
    web_env = compose()["services"]["web"]["environment"]
    assert set(web_env) <= settings_variables()
    assert {"DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ENV"} <= set(web_env)
    assert web_env["DJANGO_ENV"] == "production"


def test_compose_database_url_points_at_the_db_service():
    services = compose()["services"]
    db_env = {k: resolve(v) for k, v in services["db"]["environment"].items()}
    url = dj_database_url.parse(resolve(services["web"]["environment"]["DATABASE_URL"]))
    assert url["HOST"] == "db"
    assert url["PORT"] == 5432
    assert url["NAME"] == db_env["POSTGRES_DB"]
    assert url["USER"] == db_env["POSTGRES_USER"]
    assert url["PASSWORD"] == db_env["POSTGRES_PASSWORD"]
    assert services["db"]["ports"] == ["127.0.0.1:5432:5432"]


def test_compose_web_port_is_the_one_gunicorn_binds_in_the_dockerfile():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "-c python:exile_api.gunicorn_conf" in dockerfile
    config = (REPO / "exile_api" / "gunicorn_conf.py").read_text()
    bind = re.search(r'"GUNICORN_BIND", "0\.0\.0\.0:(\d+)"', config).group(1)
    assert f"EXPOSE {bind}" in dockerfile
    assert compose()["services"]["web"]["ports"] == [f"127.0.0.1:8000:{bind}"]


def test_compose_requires_a_secret_key_rather_than_shipping_one():
    secret = compose()["services"]["web"]["environment"]["SECRET_KEY"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", secret)
