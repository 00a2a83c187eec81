"""Changes made outside the app (a shell's QuerySet.update(), plain SQL) are recorded too.

A trigger on every curated table notes each written record; what the app did not record
itself is recorded before the next API request, credited to the "database". These tests run
in autocommit, as production does: the notes are told apart by transaction.
"""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.editorial import history
from resources.models import Change, Channel, PendingChange, Statistic
from tests.factories import make_media_outlet, make_policy, make_statistic

IN_AUTOCOMMIT = pytest.mark.django_db(transaction=True, serialized_rollback=True)
pytestmark = IN_AUTOCOMMIT


@pytest.fixture(autouse=True)
def outside_changes_recorded(settings):
    """Recorded, as in production (tests/conftest.py turns it off), with the read cache on."""
    settings.HISTORY_RECORDS_OUTSIDE_CHANGES = True
    settings.READ_CACHE_SECONDS = 300


def sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def feed_entries(client):
    response = client.get(reverse("changes"))
    assert response.status_code == HTTPStatus.OK
    return response.json()["results"]


def history_of(client, statistic):
    response = client.get(reverse("statistic-history", kwargs={"pk": statistic.pk}))
    assert response.status_code == HTTPStatus.OK
    return response.json()["results"]


def summary(entry):
    return (entry["action"], entry["channel"], entry["user"], entry["reason"], entry["changes"])


def test_orm_create_outside_the_app_is_recorded_as_created_by_the_database(source):
    statistic = make_statistic(source, slug="from-a-shell")

    assert history.record_outside_changes() == 2  # the statistic, and the source it cites

    change = Change.objects.get(object_id=statistic.pk, content_type__model="statistic")
    assert (change.action, change.channel, change.user, change.reason) == (
        "created",
        "database",
        None,
        history.OUTSIDE_REASON,
    )
    assert change.snapshot["slug"] == "from-a-shell"
    assert not PendingChange.objects.exists()
    assert history.record_outside_changes() == 0


def test_raw_sql_update_is_in_history_in_the_feed_and_in_the_next_read(api_client, source):
    statistic = make_statistic(source, value=25000)
    history.record_outside_changes()
    url = reverse("statistic-detail", kwargs={"pk": statistic.pk})
    assert [api_client.get(url)["X-Cache"] for _ in range(2)] == ["miss", "hit"]

    sql("UPDATE resources_statistic SET value = 26000 WHERE id = %s", statistic.pk)
    read = api_client.get(url)

    assert (read["X-Cache"], read.json()["value"]) == ("miss", 26000)
    expected = (
        "updated",
        "database",
        None,
        history.OUTSIDE_REASON,
        {"value": {"old": 25000, "new": 26000}},
    )
    assert summary(history_of(api_client, statistic)[-1]) == expected
    assert summary(feed_entries(api_client)[-1]) == expected


def test_queryset_update_from_a_shell_is_credited_to_the_database(editor_client, source):
    statistic = make_statistic(source)
    history.record_outside_changes()

    Statistic.objects.filter(pk=statistic.pk).update(notes="Edited in a shell.")

    last = history_of(editor_client, statistic)[-1]
    # Editors see who made each change: no one, here.
    assert summary(last)[:4] == ("updated", "database", "", history.OUTSIDE_REASON)
    assert last["changes"]["notes"] == {"old": "", "new": "Edited in a shell."}


def test_app_write_is_recorded_once_credited_to_its_user(editor_client, source):
    statistic = make_statistic(source, publication_status="draft")
    history.record_outside_changes()
    url = reverse("statistic-detail", kwargs={"pk": statistic.pk})

    response = editor_client.patch(url, {"notes": "Through the API."}, format="json")

    assert response.status_code == HTTPStatus.OK, response.json()
    assert not PendingChange.objects.exists()
    assert [summary(c)[:3] for c in history_of(editor_client, statistic)] == [
        ("created", "database", ""),
        ("updated", "api", "editor"),
    ]


def test_raw_sql_change_of_a_nested_row_is_recorded_on_its_record(editor_client, source):
    outlet = make_media_outlet(source, slug="the-outlet")
    history.record_outside_changes()
    channel = Channel.objects.get(media_outlet=outlet)

    sql("UPDATE resources_channel SET handle = 'renamed' WHERE id = %s", channel.pk)
    history.record_outside_changes()

    change = Change.objects.filter(content_type__model="mediaoutlet").last()
    assert (change.action, change.channel, change.record_key) == (
        "updated",
        "database",
        "the-outlet",
    )
    assert list(change.changes) == ["channels"]


def test_raw_sql_delete_is_recorded_as_deleted(api_client, source):
    policy = make_policy(source, slug="gone-policy")
    history.record_outside_changes()

    sql(
        "DELETE FROM resources_citation WHERE object_id = %s AND content_type_id = "
        "(SELECT id FROM django_content_type WHERE model = 'hostpolicy')",
        policy.pk,
    )
    sql("DELETE FROM resources_hostpolicy WHERE id = %s", policy.pk)
    entries = feed_entries(api_client)

    assert (entries[-1]["action"], entries[-1]["channel"], entries[-1]["record"]) == (
        "deleted",
        "database",
        None,
    )
    assert entries[-1]["record_key"] == "gone-policy"


def test_cold_read_skips_the_check_and_the_feed_records_what_waited(api_client, source, settings):
    """With the read cache off, a read of the tables sees an outside change in its rows: it
    asks nothing of the pending changes (one query fewer). The feed records them first."""
    settings.READ_CACHE_SECONDS = 0
    statistic = make_statistic(source, value=25000)
    history.record_outside_changes()
    sql("UPDATE resources_statistic SET value = 26000 WHERE id = %s", statistic.pk)
    url = reverse("statistic-detail", kwargs={"pk": statistic.pk})

    with CaptureQueriesContext(connection) as queries:
        read = api_client.get(url)

    assert read.json()["value"] == 26000
    assert not [q for q in queries.captured_queries if "resources_pendingchange" in q["sql"]]
    assert PendingChange.objects.exists()
    assert summary(feed_entries(api_client)[-1])[:2] == ("updated", "database")
    assert not PendingChange.objects.exists()


def test_cold_history_read_records_what_waited_first(api_client, source, settings):
    settings.READ_CACHE_SECONDS = 0
    statistic = make_statistic(source, value=25000)
    history.record_outside_changes()
    sql("UPDATE resources_statistic SET value = 26000 WHERE id = %s", statistic.pk)

    assert summary(history_of(api_client, statistic)[-1])[:2] == ("updated", "database")
