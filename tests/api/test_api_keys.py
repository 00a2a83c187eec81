"""API keys: hashed at rest, scoped, revocable, expiring; never more than their owner."""

from datetime import timedelta
from http import HTTPStatus
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from resources.models import ApiKey, Statistic
from tests.problems import detail

LIST_URL = reverse("statistic-list")
PAYLOAD = {
    "slug": "by-key",
    "destination": "GE",
    "metric": "arrivals",
    "value": 1,
    "unit": "people",
    "measure": "flow",
    "citations": [{"source": "essay", "locator": "para 1", "claim": "A claim."}],
}


def client_with(secret, scheme="Api-Key"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {secret}")
    return client


@pytest.fixture
def write_key(editor):
    _key, secret = ApiKey.objects.create_key(name="app", owner=editor, scopes=["write"])
    return secret


def test_key_is_stored_only_hashed(editor):
    key, secret = ApiKey.objects.create_key(name="app", owner=editor, scopes=["write"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM resources_apikey")
        rows = cursor.fetchall()
    stored = " ".join(str(value) for row in rows for value in row)
    assert secret.split(".", 1)[1] not in stored
    assert key.hashed_key != secret


@pytest.mark.parametrize("scheme", ["Api-Key", "Bearer"])
def test_write_with_a_write_key_of_a_permitted_owner_is_201(source, write_key, scheme):
    response = client_with(write_key, scheme).post(LIST_URL, PAYLOAD, format="json")
    assert response.status_code == HTTPStatus.CREATED
    assert Statistic.objects.filter(slug="by-key").exists()


def test_write_with_a_read_only_key_is_403(source, editor):
    _key, secret = ApiKey.objects.create_key(name="reader", owner=editor, scopes=[])
    response = client_with(secret).post(LIST_URL, PAYLOAD, format="json")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Statistic.objects.exists()
    assert client_with(secret).get(LIST_URL).status_code == HTTPStatus.OK


def test_write_key_never_exceeds_its_owners_permissions(source, db):
    owner = User.objects.create_user("no-rights", password="unused-pass-4f1c")
    _key, secret = ApiKey.objects.create_key(name="app", owner=owner, scopes=["write"])
    response = client_with(secret).post(LIST_URL, PAYLOAD, format="json")
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_revoked_key_is_401(source, editor):
    key, secret = ApiKey.objects.create_key(name="app", owner=editor, scopes=["write"])
    key.revoked = True
    key.save()
    response = client_with(secret).get(LIST_URL)
    assert detail(response, HTTPStatus.UNAUTHORIZED, "authentication-failed") == (
        "Invalid or revoked API key."
    )
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'


def test_expired_key_is_401(source, editor):
    _key, secret = ApiKey.objects.create_key(
        name="app", owner=editor, scopes=["write"], expiry_date=timezone.now() - timedelta(1)
    )
    response = client_with(secret).post(LIST_URL, PAYLOAD, format="json")
    assert detail(response, HTTPStatus.UNAUTHORIZED, "authentication-failed") == (
        "This API key has expired."
    )
    assert not Statistic.objects.exists()


@pytest.mark.parametrize("header", ["Api-Key", "Api-Key a b", "Api-Key nonsense.key"])
def test_malformed_or_unknown_key_is_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(LIST_URL).status_code == HTTPStatus.UNAUTHORIZED


def test_key_of_an_inactive_owner_is_401(source, editor, write_key):
    editor.is_active = False
    editor.save()
    assert client_with(write_key).get(LIST_URL).status_code == HTTPStatus.UNAUTHORIZED


def test_create_api_key_command_prints_the_key_once_and_stores_its_hash(editor):
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_key",
        "--name=newsroom",
        "--owner=editor",
        "--scope=write",
        "--expires=2099-12-31",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    key = ApiKey.objects.get(name="newsroom")
    assert (key.owner, key.scopes, key.expiry_date.date().isoformat()) == (
        editor,
        ["write"],
        "2099-12-31",
    )
    assert ApiKey.objects.get_from_key(secret) == key
    assert "not shown again" in err.getvalue()
