"""The change history in the admin: what each admin write records, the History page, reverts,
the workflow's list actions and who may hard-delete."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from resources.editorial import history
from resources.editorial.snapshots import snapshot
from resources.models import Change, Channel, Citation, ExileGroup, MediaOutlet, Statistic
from tests.admin.test_admin import CITATION_PREFIX, admin_url, statistic_form
from tests.factories import (
    make_exile_group,
    make_media_outlet,
    make_organization,
    make_policy,
    make_source,
    make_statistic,
)

RETRACTION_REASON = "The source counted border crossings, not people."


# Helpers ---------------------------------------------------------------------------------


def add_statistic(client, source):
    """Add a statistic through the admin's add page, as statistic_form posts it; return it."""
    response = client.post(
        admin_url(Statistic, "add"),
        statistic_form(**{f"{CITATION_PREFIX}-0-source": str(source.pk)}),
        follow=True,  # the page after it shows, and so clears, its messages
    )
    assert response.redirect_chain == [(admin_url(Statistic, "changelist"), HTTPStatus.FOUND)]
    return Statistic.objects.get(slug="georgia-arrivals")


def change_form(statistic, **fields):
    """The change form of a statistic added by ``add_statistic``, with ``fields`` edited."""
    citation = Citation.objects.get(statistic=statistic)
    return statistic_form(
        **{
            f"{CITATION_PREFIX}-INITIAL_FORMS": "1",
            f"{CITATION_PREFIX}-0-id": str(citation.pk),
            f"{CITATION_PREFIX}-0-source": str(citation.source_id),
        }
        | fields
    )


def edit_statistic(client, statistic, **fields):
    response = client.post(
        admin_url(Statistic, "change", statistic.pk),
        change_form(statistic, **fields),
        follow=True,  # the page after it shows, and so clears, its messages
    )
    assert response.redirect_chain == [(admin_url(Statistic, "changelist"), HTTPStatus.FOUND)]


def run_action(client, model, action, records, **extra):
    """POST a list action of the changelist on ``records``, as the browser does."""
    data = {"action": action, "_selected_action": [str(r.pk) for r in records]} | extra
    return client.post(admin_url(model, "changelist"), data)


def messages_of(response):
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def change_row(change):
    return (
        change.action,
        change.channel,
        change.user,
        change.username,
        change.reason,
        change.publication_status,
        change.changes,
    )


@pytest.fixture
def editors_group_client(db):
    """A browser session of a staff user in the "editors" group: no publish permission."""
    user = User.objects.create_user("group-editor", password="unused-pass-3c9a", is_staff=True)
    user.groups.add(Group.objects.get(name="editors"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_editor_client(editor):
    """A browser session of the editor (every resources permission), staff but no superuser."""
    editor.is_staff = True
    editor.save()
    client = Client()
    client.force_login(editor)
    return client


# Edits and the History page --------------------------------------------------------------


def test_edit_statistic_in_admin_records_change_with_admin_user_and_values(
    admin_client, admin_user, source
):
    statistic = add_statistic(admin_client, source)

    edit_statistic(admin_client, statistic, value="30000")

    created, updated = Change.objects.order_by("id")
    assert (created.action, created.channel, created.user) == ("created", "admin", admin_user)
    assert change_row(updated) == (
        "updated",
        "admin",
        admin_user,
        "admin",
        "",
        "draft",
        {"value": {"old": 25000, "new": 30000}},
    )
    statistic.refresh_from_db()
    assert updated.snapshot == snapshot(statistic)
    assert updated.snapshot["value"] == 30000


def test_view_history_page_of_edited_statistic_shows_old_and_new_values(admin_client, source):
    statistic = add_statistic(admin_client, source)
    edit_statistic(admin_client, statistic, value="30000")

    response = admin_client.get(admin_url(Statistic, "history", statistic.pk))

    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "admin/resources/record_history.html"
    assert list(response.context["changes"]) == list(Change.objects.order_by("-id"))
    html = response.content.decode()
    assert "<strong>value</strong>: <code>25000</code> → <code>30000</code>" in html


def test_revert_to_first_version_after_two_edits_restores_it_and_records_revert(
    admin_client, admin_user, source
):
    statistic = add_statistic(admin_client, source)
    edit_statistic(admin_client, statistic, value="30000")
    edit_statistic(admin_client, statistic, value="35000", notes="Rounded by the source.")
    first = Change.objects.order_by("id").first()

    response = admin_client.post(admin_url(Statistic, "revert", statistic.pk, first.pk))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == admin_url(Statistic, "change", statistic.pk)
    assert messages_of(response) == [("success", f"Reverted to change #{first.pk}.")]
    statistic.refresh_from_db()
    assert (statistic.value, statistic.notes) == (25000, "")
    revert = Change.objects.order_by("id").last()
    assert change_row(revert) == (
        "reverted",
        "admin",
        admin_user,
        "admin",
        f"Reverted to change #{first.pk}.",
        "draft",
        {
            "notes": {"old": "Rounded by the source.", "new": ""},
            "value": {"old": 35000, "new": 25000},
        },
    )
    assert revert.snapshot == first.snapshot
    assert Change.objects.count() == 4


def test_get_revert_url_is_403_and_changes_nothing(admin_client, source):
    statistic = add_statistic(admin_client, source)
    edit_statistic(admin_client, statistic, value="30000")
    first = Change.objects.order_by("id").first()

    response = admin_client.get(admin_url(Statistic, "revert", statistic.pk, first.pk))

    assert response.status_code == HTTPStatus.FORBIDDEN
    statistic.refresh_from_db()
    assert statistic.value == 30000
    assert Change.objects.count() == 2


def test_revert_to_change_of_another_record_shows_error_and_changes_nothing(admin_client, source):
    statistic = add_statistic(admin_client, source)
    other = make_statistic(source, slug="armenia-arrivals", publication_status="draft")
    foreign = history.record_change(other, action="created", channel="command")

    response = admin_client.post(admin_url(Statistic, "revert", statistic.pk, foreign.pk))

    assert response.status_code == HTTPStatus.FOUND
    assert messages_of(response) == [
        ("error", "Not reverted: change: This change belongs to another record.")
    ]
    assert Change.objects.filter(action="reverted").count() == 0


# The workflow's list actions -------------------------------------------------------------

# One record in review of every curated model, made by its factory (the source is the essay).
IN_REVIEW_FACTORIES = {
    "source": lambda essay: make_source(slug="levada-2023-survey", publication_status="in_review"),
    "exile_group": lambda essay: make_exile_group(essay, publication_status="in_review"),
    "organization": lambda essay: make_organization(essay, publication_status="in_review"),
    "media_outlet": lambda essay: make_media_outlet(essay, publication_status="in_review"),
    "statistic": lambda essay: make_statistic(essay, publication_status="in_review"),
    "policy": lambda essay: make_policy(essay, publication_status="in_review"),
}


def in_review(make, source):
    """A record in review, with its creation in the history (factories record none)."""
    record = make(source)
    history.record_change(record, action="created", channel="command")
    return record


@pytest.mark.parametrize("kind", IN_REVIEW_FACTORIES)
def test_publish_action_on_record_in_review_publishes_it_and_records_change(
    admin_client, admin_user, source, kind
):
    record = in_review(IN_REVIEW_FACTORIES[kind], source)
    model = type(record)

    response = run_action(admin_client, model, "publish", [record])

    assert response.status_code == HTTPStatus.FOUND
    assert messages_of(response) == [("success", "Publish a reviewed record: done for 1.")]
    record.refresh_from_db()
    assert record.publication_status == "published"
    assert record.published_at is not None
    change = Change.objects.order_by("id").last()
    assert (change.content_type.model_class(), change.object_id) == (model, record.pk)
    assert change_row(change) == (
        "published",
        "admin",
        admin_user,
        "admin",
        "",
        "published",
        {"publication_status": {"old": "in_review", "new": "published"}},
    )


def test_publish_action_outside_a_test_transaction_publishes(admin_client, source, monkeypatch):
    """In production nothing wraps the changelist view in a transaction, but each test runs
    inside one, which hides code that needs one. Outside the transactions the request
    itself opens, the connection answers as in autocommit mode, as it would in production."""
    group = in_review(IN_REVIEW_FACTORIES["exile_group"], source)
    test_depth = len(connection.atomic_blocks)
    monkeypatch.setattr(
        connection, "get_autocommit", lambda: len(connection.atomic_blocks) <= test_depth
    )

    response = run_action(admin_client, ExileGroup, "publish", [group])

    assert response.status_code == HTTPStatus.FOUND
    group.refresh_from_db()
    assert group.publication_status == "published"
    assert Change.objects.order_by("id").last().action == "published"


def test_retract_action_without_reason_shows_the_reason_form(admin_client, source):
    group = make_exile_group(source, slug="it-specialists")

    response = run_action(admin_client, ExileGroup, "retract", [group], index="0")

    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "admin/resources/retract.html"
    assert response.context["form"].is_bound is False
    assert list(response.context["records"]) == [group]
    html = response.content.decode()
    assert '<textarea name="reason"' in html
    assert f'<input type="hidden" name="_selected_action" value="{group.pk}">' in html
    assert '<input type="hidden" name="action" value="retract">' in html
    group.refresh_from_db()
    assert group.publication_status == "published"
    assert not Change.objects.exists()


def test_retract_action_with_blank_reason_shows_the_form_again_with_error(admin_client, source):
    group = make_exile_group(source, slug="it-specialists")

    response = run_action(admin_client, ExileGroup, "retract", [group], reason="  ")

    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    group.refresh_from_db()
    assert group.publication_status == "published"
    assert not Change.objects.exists()


def test_retract_action_with_reason_retracts_and_records_the_reason(
    admin_client, admin_user, source
):
    group = make_exile_group(source, slug="it-specialists")
    history.record_change(group, action="published", channel="command")

    response = run_action(admin_client, ExileGroup, "retract", [group], reason=RETRACTION_REASON)

    assert response.status_code == HTTPStatus.FOUND
    assert messages_of(response) == [
        ("success", "Retract a published record (it stays public, marked retracted): done for 1.")
    ]
    group.refresh_from_db()
    assert (group.publication_status, group.retraction_reason) == ("retracted", RETRACTION_REASON)
    assert group.retracted_at is not None
    assert change_row(Change.objects.order_by("id").last()) == (
        "retracted",
        "admin",
        admin_user,
        "admin",
        RETRACTION_REASON,
        "retracted",
        {
            "publication_status": {"old": "published", "new": "retracted"},
            "retraction_reason": {"old": "", "new": RETRACTION_REASON},
        },
    )


def test_publish_action_as_editors_group_member_leaves_record_in_review_with_error(
    editors_group_client, source
):
    group = in_review(IN_REVIEW_FACTORIES["exile_group"], source)

    response = run_action(editors_group_client, ExileGroup, "publish", [group])

    assert response.status_code == HTTPStatus.FOUND
    assert messages_of(response) == [("error", f"{group}: You may not publish exile groups.")]
    group.refresh_from_db()
    assert group.publication_status == "in_review"
    assert list(Change.objects.values_list("action", flat=True)) == ["created"]


# Hard deletion ---------------------------------------------------------------------------


def test_delete_page_as_staff_with_all_permissions_but_no_superuser_is_403(
    staff_editor_client, source
):
    statistic = make_statistic(source)
    url = admin_url(Statistic, "delete", statistic.pk)

    page = staff_editor_client.get(url)
    response = staff_editor_client.post(url, {"post": "yes"})

    assert page.status_code == HTTPStatus.FORBIDDEN
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Statistic.objects.filter(pk=statistic.pk).exists()
    assert not Change.objects.exists()


def test_delete_as_superuser_deletes_and_records_deleted_change(admin_client, admin_user, source):
    statistic = make_statistic(source, slug="georgia-arrivals")
    published = history.record_change(statistic, action="published", channel="command")
    pk = statistic.pk

    response = admin_client.post(admin_url(Statistic, "delete", pk), {"post": "yes"})

    assert response.status_code == HTTPStatus.FOUND
    assert not Statistic.objects.filter(pk=pk).exists()
    deleted = Change.objects.order_by("id").last()
    assert (deleted.object_id, deleted.record_key, deleted.snapshot) == (
        pk,
        "georgia-arrivals",
        None,
    )
    assert change_row(deleted) == ("deleted", "admin", admin_user, "admin", "", "published", {})
    feed = Client().get(reverse("changes")).json()["results"]
    assert [(c["action"], c["publication_status"], c["url"], c["record"]) for c in feed] == [
        (
            "published",
            "published",
            f"http://testserver/api/v1/statistics/{pk}/",
            published.snapshot,
        ),
        ("deleted", "published", None, None),
    ]


# Nested records and read-only records ----------------------------------------------------


def channel_form(channel, **fields):
    """The change form of a channel made by ``make_media_outlet``, as the browser posts it."""
    figure = channel.audience_figures.get()
    figures, citations = "audience_figures", CITATION_PREFIX
    data = {
        "media_outlet": str(channel.media_outlet_id),
        "platform": "youtube",
        "handle": "",
        "web_url": "",
        "blocked_in_russia": "unknown",
        "blocked_since": "",
        "notes": "",
        f"{figures}-TOTAL_FORMS": "1",
        f"{figures}-INITIAL_FORMS": "1",
        f"{figures}-MIN_NUM_FORMS": "0",
        f"{figures}-MAX_NUM_FORMS": "1000",
        f"{figures}-0-id": str(figure.pk),
        f"{figures}-0-channel": str(channel.pk),
        f"{figures}-0-metric": "views_per_video",
        f"{figures}-0-qualifier": "exact",
        f"{figures}-0-value": "1000000",
        f"{figures}-0-value_low": "",
        f"{figures}-0-value_high": "",
        f"{figures}-0-as_of": "",
        f"{figures}-0-notes": "",
        f"{citations}-TOTAL_FORMS": "1",
        f"{citations}-INITIAL_FORMS": "1",
        f"{citations}-MIN_NUM_FORMS": "0",
        f"{citations}-MAX_NUM_FORMS": "1000",
        f"{citations}-0-id": str(channel.citations.get().pk),
        f"{citations}-0-source": str(channel.citations.get().source_id),
        f"{citations}-0-locator": "para 1",
        f"{citations}-0-claim": "A claim in our own words.",
        "_save": "Save",
    }
    return data | fields


CITATION = {"source": "essay", "locator": "para 1", "claim": "A claim in our own words."}
CHANNEL = {
    "platform": "youtube",
    "handle": "",
    "web_url": "",
    "blocked_in_russia": None,
    "blocked_since": None,
    "notes": "",
    "audience_figures": [
        {
            "metric": "views_per_video",
            "value": 1000000,
            "value_low": None,
            "value_high": None,
            "qualifier": "exact",
            "as_of": None,
            "notes": "",
            "citations": [CITATION],
        }
    ],
    "citations": [CITATION],
}


def test_edit_channel_on_its_own_page_records_update_of_its_outlet(
    admin_client, admin_user, source
):
    outlet = make_media_outlet(source, slug="tv-rain")
    history.record_change(outlet, action="published", channel="command")
    channel = outlet.channels.get()

    response = admin_client.post(
        admin_url(Channel, "change", channel.pk), channel_form(channel, handle="tvrain")
    )

    assert response.status_code == HTTPStatus.FOUND
    change = Change.objects.order_by("id").last()
    assert (change.content_type.model_class(), change.object_id, change.record_key) == (
        MediaOutlet,
        outlet.pk,
        "tv-rain",
    )
    assert change_row(change) == (
        "updated",
        "admin",
        admin_user,
        "admin",
        "",
        "published",
        {"channels": {"old": [CHANNEL], "new": [CHANNEL | {"handle": "tvrain"}]}},
    )


def test_view_history_page_of_channel_shows_its_outlets_changes_without_revert(
    admin_client, source
):
    outlet = make_media_outlet(source, slug="tv-rain")
    published = history.record_change(outlet, action="published", channel="command")
    channel = outlet.channels.get()

    response = admin_client.get(admin_url(Channel, "history", channel.pk))

    assert response.status_code == HTTPStatus.OK
    assert response.context["record"] == outlet
    assert list(response.context["changes"]) == [published]
    assert response.context["can_revert"] is False
    html = response.content.decode()
    assert "kept in the history of <strong>tv-rain</strong>" in html
    assert "Revert to this version" not in html


def test_change_page_of_published_record_for_editors_group_is_read_only(
    editors_group_client, source
):
    statistic = make_statistic(source, slug="georgia-arrivals")
    url = admin_url(Statistic, "change", statistic.pk)

    page = editors_group_client.get(url)
    response = editors_group_client.post(url, change_form(statistic, value="30000"))

    assert page.status_code == HTTPStatus.OK
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == HTTPStatus.FORBIDDEN
    statistic.refresh_from_db()
    assert statistic.value == 25000
    assert not Change.objects.exists()


def test_edit_published_statistic_to_cite_draft_group_is_refused_with_message(admin_client, source):
    statistic = add_statistic(admin_client, source)
    Statistic.objects.filter(pk=statistic.pk).update(
        publication_status="published", published_at=timezone.now()
    )
    draft_group = make_exile_group(source, slug="it-specialists", publication_status="draft")
    before = list(Change.objects.values_list("id", flat=True))

    response = admin_client.post(
        admin_url(Statistic, "change", statistic.pk),
        change_form(statistic, exile_group=str(draft_group.pk)),
        follow=True,
    )

    assert response.status_code == HTTPStatus.OK
    assert (
        "error",
        "Not saved: exile_group: Refers to unpublished it-specialists; publish it first.",
    ) in messages_of(response)
    statistic.refresh_from_db()
    assert statistic.exile_group is None
    assert list(Change.objects.values_list("id", flat=True)) == before


def test_add_channel_to_retracted_outlet_is_refused_with_message(admin_client, source):
    outlet = make_media_outlet(source, slug="tv-rain", publication_status="retracted")
    citations = CITATION_PREFIX
    data = {
        "media_outlet": str(outlet.pk),
        "platform": "telegram",
        "handle": "tvrain",
        "web_url": "",
        "blocked_in_russia": "unknown",
        "blocked_since": "",
        "notes": "",
        "audience_figures-TOTAL_FORMS": "0",
        "audience_figures-INITIAL_FORMS": "0",
        "audience_figures-MIN_NUM_FORMS": "0",
        "audience_figures-MAX_NUM_FORMS": "1000",
        f"{citations}-TOTAL_FORMS": "1",
        f"{citations}-INITIAL_FORMS": "0",
        f"{citations}-MIN_NUM_FORMS": "0",
        f"{citations}-MAX_NUM_FORMS": "1000",
        f"{citations}-0-id": "",
        f"{citations}-0-source": str(source.pk),
        f"{citations}-0-locator": "para 2",
        f"{citations}-0-claim": "It also broadcasts on Telegram.",
        "_save": "Save",
    }

    response = admin_client.post(admin_url(Channel, "add"), data, follow=True)

    assert response.status_code == HTTPStatus.OK
    assert ("error", f"Not saved: {outlet} cannot be edited.") in messages_of(response)
    assert list(outlet.channels.values_list("platform", flat=True)) == ["youtube"]
    assert not Change.objects.exists()
