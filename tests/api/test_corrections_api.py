"""Corrections of published records through the API (CuratedViewSet's corrections actions):
the public sees the published record until a second person publishes the correction."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from resources.editorial.snapshots import SNAPSHOT_WORKFLOW_FIELDS, snapshot
from resources.models import Revision
from tests.factories import make_organization, make_statistic
from tests.problems import detail, field_errors

REASON = "The source says 26,000, not 25,000."


def url(statistic, route="detail", revision=None):
    kwargs = {"pk": statistic.pk}
    if revision is not None:
        kwargs["revision_id"] = revision
    return reverse(f"statistic-{route}", kwargs=kwargs)


def corrections_url(statistic):
    return url(statistic, "corrections")


def step_url(statistic, step, revision_id):
    return url(statistic, f"{step}-correction", revision_id)


def put_body(record, **changes):
    data = {k: v for k, v in snapshot(record).items() if k not in SNAPSHOT_WORKFLOW_FIELDS}
    return data | changes


@pytest.fixture
def statistic(source):
    return make_statistic(source, value=25000)


@pytest.fixture
def proposed(editor_client, statistic):
    """A correction of the statistic's value, proposed by the editor; its API answer."""
    response = editor_client.post(
        corrections_url(statistic),
        {"data": put_body(statistic, value=26000), "reason": REASON},
        format="json",
    )
    assert response.status_code == HTTPStatus.CREATED, response.json()
    return response.json()


def public_value(statistic):
    response = APIClient().get(url(statistic))
    assert response.status_code == HTTPStatus.OK
    return response.json()["value"]


def member_client(group_name):
    user = User.objects.create_user(f"member-of-{group_name}", password="not-used-3a9f")
    user.groups.add(Group.objects.get(name=group_name))
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_propose_is_201_with_the_draft_correction_and_the_public_sees_no_change(
    statistic, proposed
):
    revision = Revision.objects.get()
    assert proposed == {
        "id": revision.pk,
        "status": "draft",
        "reason": REASON,
        "data": put_body(statistic, value=26000),
        "proposed_by": "editor",
        "proposed_at": proposed["proposed_at"],
        "submitted_by": None,
        "submitted_at": None,
        "reviewed_by": None,
        "reviewed_at": None,
        "base_updated_at": proposed["base_updated_at"],
    }
    assert public_value(statistic) == 25000


def test_submit_then_publish_by_reviewer_applies_the_correction_for_the_public(
    editor_client, reviewer_client, statistic, proposed
):
    submitted = editor_client.post(step_url(statistic, "submit", proposed["id"]))
    assert submitted.status_code == HTTPStatus.OK, submitted.json()
    assert (submitted.json()["status"], submitted.json()["submitted_by"]) == (
        "in_review",
        "editor",
    )
    assert public_value(statistic) == 25000

    published = reviewer_client.post(step_url(statistic, "publish", proposed["id"]))

    assert published.status_code == HTTPStatus.OK, published.json()
    assert (published.json()["status"], published.json()["reviewed_by"]) == (
        "published",
        "reviewer",
    )
    assert public_value(statistic) == 26000


def test_history_shows_the_proposal_to_editors_and_only_the_correction_to_the_public(
    editor_client, reviewer_client, statistic, proposed
):
    editor_client.post(step_url(statistic, "submit", proposed["id"]))
    reviewer_client.post(step_url(statistic, "publish", proposed["id"]))

    def actions(client):
        response = client.get(url(statistic, "history"))
        assert response.status_code == HTTPStatus.OK
        return [(c["action"], c["user"], c["reason"]) for c in response.json()["results"]]

    reason = f"Correction #{proposed['id']}: {REASON}"
    assert actions(editor_client)[-3:] == [
        ("correction_proposed", "editor", reason),
        ("correction_submitted", "editor", reason),
        ("updated", "reviewer", reason),
    ]
    assert actions(APIClient())[-1] == ("updated", None, reason)
    assert "correction_proposed" not in [action for action, *_ in actions(APIClient())]


def test_publish_by_editors_member_is_403_and_changes_nothing(editor_client, statistic, proposed):
    editor_client.post(step_url(statistic, "submit", proposed["id"]))

    response = member_client("editors").post(step_url(statistic, "publish", proposed["id"]))

    assert "may not publish corrections" in detail(response, HTTPStatus.FORBIDDEN)
    assert public_value(statistic) == 25000


def test_publish_by_who_proposed_it_is_403(editor_client, statistic, proposed):
    editor_client.post(step_url(statistic, "submit", proposed["id"]))

    response = editor_client.post(step_url(statistic, "publish", proposed["id"]))

    assert "second person" in detail(response, HTTPStatus.FORBIDDEN)


def test_publish_after_the_record_changed_is_409_and_changes_nothing(
    editor_client, reviewer_client, statistic, proposed
):
    editor_client.post(step_url(statistic, "submit", proposed["id"]))
    edit = reviewer_client.patch(url(statistic), {"notes": "Edited meanwhile."}, format="json")
    assert edit.status_code == HTTPStatus.OK, edit.json()

    response = reviewer_client.post(step_url(statistic, "publish", proposed["id"]))

    assert "changed after correction" in detail(response, HTTPStatus.CONFLICT)
    assert public_value(statistic) == 25000
    assert Revision.objects.get().status == "in_review"


def test_propose_with_invalid_data_is_400_with_field_paths_and_stores_nothing(
    editor_client, statistic
):
    response = editor_client.post(
        corrections_url(statistic),
        {"data": put_body(statistic, value="many", period_end="2022-13-01"), "reason": REASON},
        format="json",
    )

    assert set(field_errors(response)) == {"data.value", "data.period_end"}
    assert not Revision.objects.exists()


def test_propose_without_reason_or_data_is_400_naming_both(editor_client, statistic):
    response = editor_client.post(corrections_url(statistic), {}, format="json")

    assert set(field_errors(response)) == {"data", "reason"}


def test_propose_for_a_draft_is_409(editor_client, source):
    draft = make_statistic(source, publication_status="draft")

    response = editor_client.post(
        corrections_url(draft), {"data": put_body(draft), "reason": REASON}, format="json"
    )

    assert "edit it directly" in detail(response, HTTPStatus.CONFLICT)


def test_corrections_list_as_anonymous_is_401_and_as_reader_404(
    api_client, reader_client, statistic, proposed
):
    detail(api_client.get(corrections_url(statistic)), HTTPStatus.UNAUTHORIZED)
    detail(reader_client.get(corrections_url(statistic)), HTTPStatus.NOT_FOUND)
    detail(api_client.post(step_url(statistic, "submit", proposed["id"])), HTTPStatus.UNAUTHORIZED)


def test_corrections_list_as_editor_lists_them_oldest_first(editor_client, statistic, proposed):
    second = editor_client.post(
        corrections_url(statistic),
        {"data": put_body(statistic, value=27000), "reason": "Another reading."},
        format="json",
    ).json()
    editor_client.post(step_url(statistic, "withdraw", proposed["id"]))

    response = editor_client.get(corrections_url(statistic))

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["count"] == 2
    assert [(r["id"], r["status"]) for r in body["results"]] == [
        (proposed["id"], "withdrawn"),
        (second["id"], "draft"),
    ]


def test_step_on_a_correction_of_another_record_is_404(editor_client, source, proposed):
    other = make_statistic(source)

    response = editor_client.post(step_url(other, "submit", proposed["id"]))

    detail(response, HTTPStatus.NOT_FOUND)


def test_corrections_of_an_organization_by_slug(editor_client, reviewer_client, source):
    organization = make_organization(source, name="Old name")
    base = reverse("organization-corrections", kwargs={"slug": organization.slug})

    created = editor_client.post(
        base, {"data": put_body(organization, name="New name"), "reason": "Renamed."}, format="json"
    )
    assert created.status_code == HTTPStatus.CREATED, created.json()
    revision_id = created.json()["id"]
    steps = {
        step: reverse(
            f"organization-{step}-correction",
            kwargs={"slug": organization.slug, "revision_id": revision_id},
        )
        for step in ("submit", "publish")
    }
    assert editor_client.post(steps["submit"]).status_code == HTTPStatus.OK
    assert reviewer_client.post(steps["publish"]).status_code == HTTPStatus.OK

    organization.refresh_from_db()
    assert organization.name == "New name"


def test_corrections_list_costs_the_same_for_a_page_of_1_and_of_100(
    editor_client, statistic, django_assert_max_num_queries
):
    for value in (26000, 27000, 28000):
        editor_client.post(
            corrections_url(statistic),
            {"data": put_body(statistic, value=value), "reason": REASON},
            format="json",
        )

    costs = []
    for limit in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.get(corrections_url(statistic), {"limit": limit})
        assert response.status_code == HTTPStatus.OK
        assert len(response.json()["results"]) == min(limit, 3)
        costs.append(len(queries))

    assert costs[0] == costs[1]
    with django_assert_max_num_queries(costs[1]):
        editor_client.get(corrections_url(statistic), {"limit": 100})
