"""Corrections in the admin: "Propose a correction" on a published record's page, the JSON
form and its errors, and the correction's page with its Submit / Publish / Withdraw buttons
(resources/admin.py CuratedAdmin.correction_view, RevisionAdmin)."""

import json
from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from rest_framework.test import APIClient

from resources.editorial.revisions import write_shape
from resources.models import Change, Revision, Statistic
from tests.admin.test_admin import admin_url
from tests.admin.test_admin_workflow import role_client
from tests.factories import make_source, make_statistic

REASON = "The source says 26,000."


@pytest.fixture
def editor_session(db):
    return role_client("member-of-editors", "editors")


@pytest.fixture
def reviewer_session(db):
    return role_client("member-of-reviewers", "reviewers")


@pytest.fixture
def statistic(db):
    return make_statistic(make_source(), value=25000)


def propose(session, statistic, **changes):
    data = write_shape(statistic) | changes
    return session.post(
        admin_url(Statistic, "correction", statistic.pk),
        {"data": json.dumps(data), "reason": REASON},
    )


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_published_record_page_links_editors_to_propose_a_correction(editor_session, statistic):
    page = editor_session.get(admin_url(Statistic, "change", statistic.pk))

    assert page.status_code == HTTPStatus.OK
    assert admin_url(Statistic, "correction", statistic.pk) in page.content.decode()


def test_draft_record_page_offers_no_correction(editor_session, db):
    draft = make_statistic(make_source(), publication_status="draft")

    page = editor_session.get(admin_url(Statistic, "change", draft.pk))

    assert admin_url(Statistic, "correction", draft.pk) not in page.content.decode()


def test_correction_form_shows_the_record_as_json(editor_session, statistic):
    page = editor_session.get(admin_url(Statistic, "correction", statistic.pk))

    assert page.status_code == HTTPStatus.OK
    shown = page.context["form"]["data"].value()
    assert json.loads(shown) == write_shape(statistic)
    assert '\n  "value": 25000,' in shown  # indented, a field a line


def test_propose_creates_a_draft_correction_and_leaves_the_record(editor_session, statistic):
    response = propose(editor_session, statistic, value=26000)

    revision = Revision.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == admin_url(Revision, "change", revision.pk)
    assert (revision.status, revision.data["value"], revision.reason) == ("draft", 26000, REASON)
    statistic.refresh_from_db()
    assert statistic.value == 25000


def test_propose_with_invalid_data_shows_the_field_errors(editor_session, statistic):
    response = propose(editor_session, statistic, value="many")

    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["data"] == ["value: A valid number is required."]
    assert not Revision.objects.exists()


def test_submit_and_publish_by_second_person_apply_it_for_the_public(
    editor_session, reviewer_session, statistic
):
    propose(editor_session, statistic, value=26000)
    revision = Revision.objects.get()
    page = editor_session.get(admin_url(Revision, "change", revision.pk))
    assert page.status_code == HTTPStatus.OK
    assert page.context["changed_fields"] == ["value"]
    assert [name for name, _label in page.context["step_buttons"]] == ["submit", "withdraw"]

    editor_session.post(admin_url(Revision, "step", revision.pk, "submit"))
    refused = editor_session.post(admin_url(Revision, "step", revision.pk, "publish"))
    assert messages_of(refused)[-1].startswith("Not published: You may not publish")
    published = reviewer_session.post(admin_url(Revision, "step", revision.pk, "publish"))

    assert messages_of(published)[-1] == f"Correction #{revision.pk} published."
    answer = APIClient().get(f"/api/v1/statistics/{statistic.pk}/").json()
    assert answer["value"] == 26000
    last = Change.objects.order_by("-id").first()
    assert (last.action, last.username, last.channel) == ("updated", "member-of-reviewers", "admin")


def test_step_by_get_is_405(editor_session, statistic):
    propose(editor_session, statistic, value=26000)
    revision = Revision.objects.get()

    response = editor_session.get(admin_url(Revision, "step", revision.pk, "submit"))

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert Revision.objects.get().status == "draft"


def test_revision_list_filters_by_status(editor_session, statistic):
    propose(editor_session, statistic, value=26000)

    response = editor_session.get(admin_url(Revision, "changelist") + "?status__exact=draft")

    assert response.status_code == HTTPStatus.OK
    assert response.context["cl"].result_count == 1
