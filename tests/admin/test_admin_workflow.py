"""The workflow on a record's own page: the buttons each role sees for each status, each
transition through its button (a CSRF-protected POST, never a GET), the refusals shown as
messages, the retraction's reason, and who submitted the record, when."""

import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import formats
from django.utils.timezone import localtime

from resources.editorial import history
from resources.models import Change, ExileGroup, Statistic
from tests.admin.test_admin import admin_url
from tests.factories import make_exile_group, make_source, make_statistic

RETRACTION_REASON = "The source counted border crossings, not people."
FOUR_EYES = (
    "Not published: Publishing takes a second person: you submitted or last edited this "
    "record. Ask another reviewer to publish it."
)
# The buttons' forms: <form method="post" action="..."> ... id="workflow-<transition>".
BUTTON_FORM = re.compile(
    r'<form method="post" action="(?P<action>[^"]+)">\s*'
    r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">\s*'
    r'<button type="submit" class="button" id="workflow-(?P<name>\w+)"'
)


def role_client(username, group_name):
    """A browser session of a new staff user whose rights are those of the real group."""
    user = User.objects.create_user(username, password="unused-pass-6b1f", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def editor_session(db):
    """A member of the "editors" group: submits and returns, never publishes."""
    return role_client("member-of-editors", "editors")


@pytest.fixture
def reviewer_session(db):
    """A member of the "reviewers" group: also publishes and retracts."""
    return role_client("member-of-reviewers", "reviewers")


def transition_url(record, name):
    return admin_url(type(record), "transition", record.pk, name)


def buttons_of(html):
    """The workflow buttons of a record's page: {transition: the URL its form posts to}."""
    return {m["name"]: m["action"] for m in BUTTON_FORM.finditer(html)}


def buttons(response):
    return buttons_of(response.content.decode())


def messages_of(response):
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def statistic_in(status, source, **fields):
    """A statistic in ``status``, its creation recorded (the factories record none)."""
    statistic = make_statistic(source, slug="georgia-arrivals", publication_status=status, **fields)
    history.record_change(statistic, action="created", channel="command")
    return statistic


def submit(client, record):
    """Submit ``record`` through its button, as ``client``; the page after it shows, and so
    clears, its message."""
    response = client.post(transition_url(record, "submit"), follow=True)
    assert response.status_code == HTTPStatus.OK


def actions():
    return list(Change.objects.order_by("id").values_list("action", flat=True))


# Which buttons for whom ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "expected"),
    [
        ("editor", "draft", {"submit"}),
        ("editor", "in_review", {"return"}),
        ("editor", "published", set()),
        ("editor", "retracted", set()),
        ("reviewer", "draft", {"submit"}),
        ("reviewer", "in_review", {"return", "publish"}),
        ("reviewer", "published", {"retract"}),
        ("reviewer", "retracted", set()),
    ],
)
def test_view_change_page_shows_the_buttons_the_role_and_status_allow(
    editor_session, reviewer_session, source, role, status, expected
):
    statistic = statistic_in(status, source)
    client = editor_session if role == "editor" else reviewer_session

    response = client.get(admin_url(Statistic, "change", statistic.pk))

    assert response.status_code == HTTPStatus.OK
    assert buttons(response) == {name: transition_url(statistic, name) for name in expected}


def test_view_add_page_shows_no_workflow_panel(reviewer_session):
    response = reviewer_session.get(admin_url(Statistic, "add"))

    assert response.status_code == HTTPStatus.OK
    assert 'id="workflow"' not in response.content.decode()
    assert buttons(response) == {}


def test_view_change_page_of_a_submitted_record_shows_who_submitted_it_and_when(
    editor_session, reviewer_session, source
):
    statistic = statistic_in("draft", source)
    submit(editor_session, statistic)
    submitted = Change.objects.get(action="submitted")

    response = reviewer_session.get(admin_url(Statistic, "change", statistic.pk))

    assert response.context["submission"] == submitted
    html = response.content.decode()
    assert "<h2>Editorial status: in review</h2>" in html
    when = formats.date_format(localtime(submitted.at), "DATETIME_FORMAT")
    assert f"<strong>Submitted for review:</strong> by member-of-editors, {when}</p>" in html


def test_view_change_page_of_an_unsubmitted_record_says_so(reviewer_session, source):
    statistic = statistic_in("draft", source)

    response = reviewer_session.get(admin_url(Statistic, "change", statistic.pk))

    assert response.context["submission"] is None
    assert "<strong>Submitted for review:</strong> no submission recorded" in (
        response.content.decode()
    )


# Each transition through its button -----------------------------------------------------


def test_submit_button_as_editor_submits_records_change_and_returns_to_the_page(
    editor_session, source
):
    statistic = statistic_in("draft", source)

    response = editor_session.post(transition_url(statistic, "submit"))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == admin_url(Statistic, "change", statistic.pk)
    assert messages_of(response) == [("success", "Statistic submitted.")]
    statistic.refresh_from_db()
    assert statistic.publication_status == "in_review"
    submitted = Change.objects.order_by("id").last()
    assert (submitted.action, submitted.channel, submitted.user, submitted.reason) == (
        "submitted",
        "admin",
        editor_session.user,
        "",
    )


def test_return_button_as_editor_returns_record_to_draft(editor_session, source):
    statistic = statistic_in("in_review", source)

    response = editor_session.post(transition_url(statistic, "return"))

    assert messages_of(response) == [("success", "Statistic returned.")]
    statistic.refresh_from_db()
    assert statistic.publication_status == "draft"
    assert actions() == ["created", "returned"]


def test_publish_button_as_second_reviewer_publishes(editor_session, reviewer_session, source):
    statistic = statistic_in("draft", source)
    submit(editor_session, statistic)

    response = reviewer_session.post(transition_url(statistic, "publish"))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == admin_url(Statistic, "change", statistic.pk)
    assert messages_of(response) == [("success", "Statistic published.")]
    statistic.refresh_from_db()
    assert statistic.publication_status == "published"
    assert statistic.published_at is not None
    published = Change.objects.order_by("id").last()
    assert (published.action, published.channel, published.user) == (
        "published",
        "admin",
        reviewer_session.user,
    )


def test_publish_button_of_an_exile_group_publishes_it(editor_session, reviewer_session, source):
    group = make_exile_group(source, slug="it-specialists", publication_status="draft")
    submit(editor_session, group)

    response = reviewer_session.post(transition_url(group, "publish"))

    assert messages_of(response) == [("success", "Exile group published.")]
    group.refresh_from_db()
    assert group.publication_status == "published"


def test_retract_button_with_reason_retracts_and_records_the_reason(reviewer_session, source):
    statistic = statistic_in("published", source)

    response = reviewer_session.post(
        transition_url(statistic, "retract"), {"reason": RETRACTION_REASON}
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == admin_url(Statistic, "change", statistic.pk)
    assert messages_of(response) == [("success", "Statistic retracted.")]
    statistic.refresh_from_db()
    assert (statistic.publication_status, statistic.retraction_reason) == (
        "retracted",
        RETRACTION_REASON,
    )
    assert statistic.retracted_at is not None
    retracted = Change.objects.order_by("id").last()
    assert (retracted.action, retracted.reason, retracted.user) == (
        "retracted",
        RETRACTION_REASON,
        reviewer_session.user,
    )


# Retraction asks for its reason ---------------------------------------------------------


def test_retract_button_without_reason_shows_the_reason_form_and_changes_nothing(
    reviewer_session, source
):
    statistic = statistic_in("published", source)

    response = reviewer_session.post(transition_url(statistic, "retract"))

    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "admin/resources/retract.html"
    assert response.context["form"].is_bound is False
    assert response.context["records"] == [statistic]
    html = response.content.decode()
    assert '<textarea name="reason"' in html
    # The form posts back to the same URL: no list action's hidden fields.
    assert '<form method="post">' in html
    assert 'name="action"' not in html
    assert (
        f'href="{admin_url(Statistic, "change", statistic.pk)}" class="button cancel-link"' in html
    )
    statistic.refresh_from_db()
    assert statistic.publication_status == "published"
    assert actions() == ["created"]


def test_retract_button_with_blank_reason_shows_the_form_again_and_changes_nothing(
    reviewer_session, source
):
    statistic = statistic_in("published", source)

    response = reviewer_session.post(transition_url(statistic, "retract"), {"reason": "   "})

    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    statistic.refresh_from_db()
    assert (statistic.publication_status, statistic.retraction_reason) == ("published", "")
    assert actions() == ["created"]


def test_retract_as_editor_asks_no_reason_and_refuses(editor_session, source):
    statistic = statistic_in("published", source)

    response = editor_session.post(
        transition_url(statistic, "retract"), {"reason": RETRACTION_REASON}
    )

    assert response.status_code == HTTPStatus.FOUND
    assert messages_of(response) == [("error", "Not retracted: You may not retract statistics.")]
    statistic.refresh_from_db()
    assert statistic.publication_status == "published"
    assert actions() == ["created"]


# Refusals --------------------------------------------------------------------------------


def test_publish_button_by_the_reviewer_who_submitted_shows_error_and_changes_nothing(
    reviewer_session, source
):
    statistic = statistic_in("draft", source)
    submit(reviewer_session, statistic)

    response = reviewer_session.post(transition_url(statistic, "publish"), follow=True)

    assert response.redirect_chain == [
        (admin_url(Statistic, "change", statistic.pk), HTTPStatus.FOUND)
    ]
    assert response.status_code == HTTPStatus.OK
    assert messages_of(response) == [("error", FOUR_EYES)]
    assert FOUR_EYES in response.content.decode()
    statistic.refresh_from_db()
    assert (statistic.publication_status, statistic.published_at) == ("in_review", None)
    assert actions() == ["created", "submitted"]


def test_publish_button_of_record_citing_unpublished_source_shows_error_and_changes_nothing(
    editor_session, reviewer_session, db
):
    draft_source = make_source(slug="levada-2023-survey", publication_status="draft")
    statistic = statistic_in("draft", draft_source)
    submit(editor_session, statistic)

    response = reviewer_session.post(transition_url(statistic, "publish"))

    assert messages_of(response) == [
        (
            "error",
            "Not published: citations: Cites unpublished source levada-2023-survey; "
            "publish it first.",
        )
    ]
    statistic.refresh_from_db()
    assert statistic.publication_status == "in_review"
    assert actions() == ["created", "submitted"]


def test_publish_posted_by_editor_without_its_button_is_refused(editor_session, source):
    statistic = statistic_in("in_review", source)

    response = editor_session.post(transition_url(statistic, "publish"))

    assert messages_of(response) == [("error", "Not published: You may not publish statistics.")]
    statistic.refresh_from_db()
    assert statistic.publication_status == "in_review"
    assert actions() == ["created"]


def test_submit_of_a_published_record_is_refused_with_its_status(reviewer_session, source):
    statistic = statistic_in("published", source)

    response = reviewer_session.post(transition_url(statistic, "submit"))

    assert messages_of(response) == [
        ("error", "Not submitted: Only a draft can be submitted; this one is published.")
    ]
    statistic.refresh_from_db()
    assert statistic.publication_status == "published"


# Only a CSRF-protected POST moves anything ------------------------------------------------


@pytest.mark.parametrize("name", ["submit", "return", "publish", "retract"])
def test_get_of_a_transition_url_is_405_and_changes_nothing(reviewer_session, source, name):
    statistic = statistic_in("in_review", source)

    response = reviewer_session.get(transition_url(statistic, name), {"reason": "x"})

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "POST"
    statistic.refresh_from_db()
    assert statistic.publication_status == "in_review"
    assert actions() == ["created"]


def test_post_without_csrf_token_is_403_and_changes_nothing(source, db):
    user = User.objects.create_user("csrf-editor", password="unused-pass-0c4e", is_staff=True)
    user.groups.add(Group.objects.get(name="editors"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    statistic = statistic_in("draft", source)

    response = client.post(transition_url(statistic, "submit"))

    assert response.status_code == HTTPStatus.FORBIDDEN
    statistic.refresh_from_db()
    assert statistic.publication_status == "draft"
    assert actions() == ["created"]


def test_post_with_the_pages_csrf_token_submits(source, db):
    user = User.objects.create_user("csrf-editor", password="unused-pass-0c4e", is_staff=True)
    user.groups.add(Group.objects.get(name="editors"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    statistic = statistic_in("draft", source)
    page = client.get(admin_url(Statistic, "change", statistic.pk)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]

    response = client.post(buttons_of(page)["submit"], {"csrfmiddlewaretoken": token})

    assert response.status_code == HTTPStatus.FOUND
    statistic.refresh_from_db()
    assert statistic.publication_status == "in_review"


def test_post_to_an_unknown_transition_is_404(reviewer_session, source):
    statistic = statistic_in("in_review", source)

    response = reviewer_session.post(transition_url(statistic, "delete"))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert actions() == ["created"]


def test_post_to_a_missing_record_is_404(reviewer_session, db):
    response = reviewer_session.post(admin_url(ExileGroup, "transition", 999999, "submit"))

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_post_by_staff_without_view_permission_is_403_and_changes_nothing(source, db):
    user = User.objects.create_user("no-rights", password="unused-pass-2a7d", is_staff=True)
    client = Client()
    client.force_login(user)
    statistic = statistic_in("draft", source)

    response = client.post(transition_url(statistic, "submit"))

    assert response.status_code == HTTPStatus.FORBIDDEN
    statistic.refresh_from_db()
    assert statistic.publication_status == "draft"


def test_post_anonymously_redirects_to_login_and_changes_nothing(client, source):
    statistic = statistic_in("draft", source)

    response = client.post(transition_url(statistic, "submit"))

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")
    statistic.refresh_from_db()
    assert statistic.publication_status == "draft"
