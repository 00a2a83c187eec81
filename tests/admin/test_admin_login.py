"""Credential stuffing on the admin meets a lockout (django-axes)."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import User
from django.test import Client

LOGIN_URL = "/admin/login/"
PASSWORD = "a-long-admin-pass-5c8e"


@pytest.fixture
def staff(db):
    return User.objects.create_user("staffer", password=PASSWORD, is_staff=True)


def login(client, password):
    return client.post(LOGIN_URL, {"username": "staffer", "password": password, "next": "/admin/"})


def test_correct_login_reaches_the_admin(staff):
    response = login(Client(), PASSWORD)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/admin/"


def test_five_failed_logins_lock_the_account_out_even_with_the_right_password(staff, settings):
    settings.AXES_FAILURE_LIMIT = 5
    client = Client()
    for _ in range(4):
        assert login(client, "wrong-guess").status_code == HTTPStatus.OK  # the form again

    assert login(client, "wrong-guess").status_code == HTTPStatus.TOO_MANY_REQUESTS
    locked = login(client, PASSWORD)
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "_auth_user_id" not in client.session


def test_failed_logins_of_another_username_do_not_lock_this_one(staff, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    for _ in range(3):
        client.post(LOGIN_URL, {"username": "someone-else", "password": "x"})
    assert login(client, PASSWORD).status_code == HTTPStatus.FOUND
