"""OPTIONS: what a URL offers, for anyone, never a server error.

DRF's metadata describes the writes the client may make by replaying them on a copy of the
request (a PUT on a record, a POST on a list): that replay must not take the row lock of a
real write (api/base.ResourceViewSet.get_queryset), which only a transaction may hold.
"""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from resources.models import ApiKey
from tests.factories import (
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)

# basename: (the record's lookup field, a builder of a published record citing ``source``)
CURATED = {
    "exile-group": ("slug", make_exile_group),
    "source": ("pk", lambda source: source),
    "statistic": ("pk", make_statistic),
    "media-outlet": ("slug", make_media_outlet),
    "organization": ("slug", make_organization),
    "policy": ("pk", make_policy),
}


def client_with_write_key(username, group_name):
    """A client sending the write key of a new member of ``group_name``, as the red team did."""
    user = User.objects.create_user(username, password="not-used-in-tests-3c8e")
    user.groups.add(Group.objects.get(name=group_name))
    _key, secret = ApiKey.objects.create_key(name="app", owner=user, scopes=["write"])
    client = APIClient(raise_request_exception=False)  # a server error as the client sees it
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


# The writes each client may make, as OPTIONS describes them: on a published record only a
# reviewer may edit (PUT); on a list, editors and reviewers may create (POST).
EXPECTED_ACTIONS = {
    ("detail", "editor"): [],
    ("detail", "reviewer"): ["PUT"],
    ("detail", "anonymous"): [],
    ("list", "editor"): ["POST"],
    ("list", "reviewer"): ["POST"],
    ("list", "anonymous"): [],
}


# In a real transaction-per-request setting (autocommit, as in production): inside the test's
# own transaction a row lock taken outside the view's would go unnoticed. Serialized rollback:
# later transactional tests need back the countries and roles the migrations made.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_options_on_every_curated_record_and_list_is_200_for_everyone():
    source = make_source(slug="essay")
    clients = {
        "editor": client_with_write_key("options-editor", "editors"),
        "reviewer": client_with_write_key("options-reviewer", "reviewers"),
        "anonymous": APIClient(raise_request_exception=False),
    }
    answers = {}
    for basename, (lookup, make) in CURATED.items():
        record = make(source)
        urls = {
            "detail": reverse(f"{basename}-detail", kwargs={lookup: getattr(record, lookup)}),
            "list": reverse(f"{basename}-list"),
        }
        for (kind, who), _actions in EXPECTED_ACTIONS.items():
            response = clients[who].options(urls[kind])
            body = response.json() if response.status_code == HTTPStatus.OK else {}
            answers[basename, kind, who] = (response.status_code, sorted(body.get("actions", {})))

    assert answers == {
        (basename, kind, who): (HTTPStatus.OK, actions)
        for basename in CURATED
        for (kind, who), actions in EXPECTED_ACTIONS.items()
    }


def test_options_on_a_record_takes_no_row_lock(editor_client, source):
    statistic = make_statistic(source)
    url = reverse("statistic-detail", kwargs={"pk": statistic.pk})

    with CaptureQueriesContext(connection) as queries:
        response = editor_client.options(url)

    assert response.status_code == HTTPStatus.OK
    assert [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]] == []
