"""Corrections of published records through review (resources/editorial/revisions.py): the
record untouched until a second person publishes the correction, both steps in its history,
a stale or invalid correction refused."""

import pytest
from django.contrib.auth.models import Group, User

from resources.choices import ChangeAction, ChangeChannel, RevisionStatus
from resources.editorial import revisions
from resources.editorial.errors import NotAllowed, Refused, WrongStatus
from resources.editorial.snapshots import SNAPSHOT_WORKFLOW_FIELDS, snapshot
from resources.models import Change, Revision
from tests.factories import make_statistic

API = ChangeChannel.API


def write_shape(record, **changes):
    """``record``'s PUT body, with ``changes``."""
    data = {k: v for k, v in snapshot(record).items() if k not in SNAPSHOT_WORKFLOW_FIELDS}
    return data | changes


def history(record):
    return list(
        Change.objects.filter(object_id=record.pk, content_type__model="statistic")
        .order_by("id")
        .values_list("action", "username", "reason")
    )


@pytest.fixture
def statistic(source):
    return make_statistic(source, value=25000)


@pytest.fixture
def proposed(statistic, editor):
    return revisions.propose(
        record=statistic,
        data=write_shape(statistic, value=26000),
        reason="The source says 26,000.",
        user=editor,
        channel=API,
    )


def member_of(group_name):
    user = User.objects.create_user(f"member-of-{group_name}", password="not-used-5f1e")
    user.groups.add(Group.objects.get(name=group_name))
    return user


def test_propose_stores_a_draft_and_leaves_the_record_as_published(statistic, proposed, editor):
    statistic.refresh_from_db()

    assert statistic.value == 25000
    assert (proposed.status, proposed.proposed_by, proposed.reason) == (
        RevisionStatus.DRAFT,
        editor,
        "The source says 26,000.",
    )
    assert proposed.data["value"] == 26000
    assert proposed.base_updated_at == statistic.updated_at
    assert proposed.record == statistic


def test_propose_records_a_change_hidden_from_the_public(statistic, proposed):
    change = Change.objects.filter(action=ChangeAction.CORRECTION_PROPOSED).get()

    assert (change.object_id, change.username, change.public_content) == (
        statistic.pk,
        "editor",
        False,
    )
    assert change.reason == f"Correction #{proposed.pk}: The source says 26,000."


def test_propose_with_invalid_data_is_refused_under_data_and_stores_nothing(statistic, editor):
    with pytest.raises(Refused) as refused:
        revisions.propose(
            record=statistic,
            data=write_shape(statistic, value="many"),
            reason="Typo.",
            user=editor,
            channel=API,
        )

    assert set(refused.value.detail) == {"data"}
    assert set(refused.value.detail["data"]) == {"value"}
    assert not Revision.objects.exists()


def test_propose_without_reason_is_refused(statistic, editor):
    with pytest.raises(Refused) as refused:
        revisions.propose(
            record=statistic, data=write_shape(statistic), reason=" ", user=editor, channel=API
        )

    assert set(refused.value.detail) == {"reason"}


def test_propose_of_a_draft_is_refused_edit_it_instead(source, editor):
    draft = make_statistic(source, publication_status="draft")

    with pytest.raises(WrongStatus, match="edit it directly"):
        revisions.propose(
            record=draft, data=write_shape(draft), reason="Typo.", user=editor, channel=API
        )


def test_propose_by_user_without_change_permission_is_not_allowed(statistic, db):
    reader = User.objects.create_user("reader", password="not-used-7d2a")

    with pytest.raises(NotAllowed):
        revisions.propose(
            record=statistic, data=write_shape(statistic), reason="Typo.", user=reader, channel=API
        )


def test_submit_then_publish_by_second_person_applies_the_data_credited_to_them(
    statistic, proposed, editor, reviewer
):
    revisions.submit(revision=proposed, user=editor, channel=API)
    revisions.publish(revision=proposed, user=reviewer, channel=API)

    statistic.refresh_from_db()
    proposed.refresh_from_db()
    assert statistic.value == 26000
    assert (proposed.status, proposed.submitted_by, proposed.reviewed_by) == (
        RevisionStatus.PUBLISHED,
        editor,
        reviewer,
    )
    reason = f"Correction #{proposed.pk}: The source says 26,000."
    assert history(statistic) == [
        (ChangeAction.CORRECTION_PROPOSED, "editor", reason),
        (ChangeAction.CORRECTION_SUBMITTED, "editor", reason),
        (ChangeAction.UPDATED, "reviewer", reason),
    ]
    update = Change.objects.get(action=ChangeAction.UPDATED)
    assert update.changes == {"value": {"old": 25000, "new": 26000}}
    assert update.public_content


def test_publish_by_who_proposed_it_takes_a_second_person(proposed, editor):
    revisions.submit(revision=proposed, user=editor, channel=API)

    with pytest.raises(NotAllowed, match="second person"):
        revisions.publish(revision=proposed, user=editor, channel=API)


def test_publish_by_editors_member_is_not_allowed(proposed, editor):
    revisions.submit(revision=proposed, user=editor, channel=API)

    with pytest.raises(NotAllowed):
        revisions.publish(revision=proposed, user=member_of("editors"), channel=API)


def test_publish_of_a_draft_correction_is_wrong_status(proposed, reviewer):
    with pytest.raises(WrongStatus, match="Only a correction in review"):
        revisions.publish(revision=proposed, user=reviewer, channel=API)


def test_publish_after_the_record_changed_is_refused_and_changes_nothing(
    statistic, proposed, editor, reviewer
):
    revisions.submit(revision=proposed, user=editor, channel=API)
    statistic.notes = "Edited meanwhile."
    statistic.save()

    with pytest.raises(revisions.Outdated, match="changed after correction"):
        revisions.publish(revision=proposed, user=reviewer, channel=API)

    statistic.refresh_from_db()
    proposed.refresh_from_db()
    assert (statistic.value, proposed.status) == (25000, RevisionStatus.IN_REVIEW)


def test_withdraw_marks_it_withdrawn_and_it_cannot_be_submitted(statistic, proposed, editor):
    revisions.withdraw(revision=proposed, user=editor, channel=API)

    proposed.refresh_from_db()
    assert (proposed.status, proposed.reviewed_by) == (RevisionStatus.WITHDRAWN, editor)
    with pytest.raises(WrongStatus):
        revisions.submit(revision=proposed, user=editor, channel=API)
    assert history(statistic)[-1][0] == ChangeAction.CORRECTION_WITHDRAWN
