"""Corrections of published records, through review (``models.Revision``).

An editor proposes a correction: the record as it should be, in the body a PUT to it takes,
validated by the resource's serializer as a PUT would be but not saved. The public keeps
seeing the published record. The correction is submitted for review, then published by a
reviewer (a second person, as for any publication: ``workflow.refuse_own_work``'s rule), which
writes it through the same path as an API PUT and records it as an update credited to the
reviewer; or it is withdrawn. A correction proposed against a version that has changed since
is refused, never merged over the newer one.

The API and the admin both call these; each step is kept in the record's history (its review
steps for editors only, ``history.REVIEW_ONLY_ACTIONS``).
"""

from collections.abc import Mapping
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail

from ..api.serializers import serializer_for
from ..choices import ChangeAction, ChangeChannel, RevisionStatus
from ..choices import PublicationStatus as Status
from ..models import Revision
from ..models.base import CuratedModel
from ..visibility import RequestUser, permission
from . import services
from .errors import NotAllowed, Refused, WrongStatus
from .snapshots import SNAPSHOT_WORKFLOW_FIELDS, snapshot

# "Only a correction in review can be published": each status as a correction in it is called.
ONE_REVISION_IN: dict[str, str] = {
    RevisionStatus.DRAFT: "a draft correction",
    RevisionStatus.IN_REVIEW: "a correction in review",
    RevisionStatus.PUBLISHED: "a published correction",
    RevisionStatus.WITHDRAWN: "a withdrawn correction",
}


class Outdated(WrongStatus):
    """The record changed after the correction was proposed: publishing it would undo that
    change unseen (409)."""


def propose(
    *,
    record: CuratedModel,
    data: Any,
    reason: str,
    user: RequestUser,
    channel: ChangeChannel,
    context: Mapping[str, Any] | None = None,
) -> Revision:
    """A draft correction of published ``record``: ``data`` validated as a PUT to it would be
    (``context``: the serializer's, e.g. the request), nothing of the record written. Raises
    NotAllowed, WrongStatus or Refused (``data.<field>`` paths for the record's fields)."""
    refuse_without(user, record, "change", "propose corrections of")
    if record.publication_status != Status.PUBLISHED:
        raise WrongStatus(
            "Only a published record is corrected through review; this one is "
            f"{Status(record.publication_status).label}: edit it directly."
        )
    reason = (reason or "").strip()
    errors: dict[str, list[ErrorDetail]] = {}
    if not reason:
        errors["reason"] = [ErrorDetail("Say what the correction fixes.", "required")]
    if not isinstance(data, dict):
        errors["data"] = [ErrorDetail("Send the corrected record as a JSON object.", "invalid")]
    if errors:
        raise Refused(errors)
    validate(record, data, context)
    with transaction.atomic():
        revision = Revision.objects.create(
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            data=data,
            reason=reason,
            proposed_by=account(user),
            base_updated_at=record.updated_at,  # type: ignore[attr-defined]
        )
        note(revision, record, ChangeAction.CORRECTION_PROPOSED, user, channel)
    return revision


def submit(*, revision: Revision, user: RequestUser, channel: ChangeChannel) -> Revision:
    """Send a draft correction to review (editors). Raises NotAllowed or WrongStatus."""
    with transaction.atomic():
        record = locked_record(revision)
        refuse_without(user, record, "change", "submit corrections of")
        refuse_unless(revision, RevisionStatus.DRAFT, "submitted")
        revision.status = RevisionStatus.IN_REVIEW
        revision.submitted_by, revision.submitted_at = account(user), timezone.now()
        revision.save()
        note(revision, record, ChangeAction.CORRECTION_SUBMITTED, user, channel)
    return revision


def withdraw(*, revision: Revision, user: RequestUser, channel: ChangeChannel) -> Revision:
    """Withdraw a correction not yet published (editors): it stays, marked withdrawn. Raises
    NotAllowed or WrongStatus."""
    with transaction.atomic():
        record = locked_record(revision)
        refuse_without(user, record, "change", "withdraw corrections of")
        refuse_unless(revision, (RevisionStatus.DRAFT, RevisionStatus.IN_REVIEW), "withdrawn")
        revision.status = RevisionStatus.WITHDRAWN
        revision.reviewed_by, revision.reviewed_at = account(user), timezone.now()
        revision.save()
        note(revision, record, ChangeAction.CORRECTION_WITHDRAWN, user, channel)
    return revision


def publish(
    *,
    revision: Revision,
    user: RequestUser,
    channel: ChangeChannel,
    context: Mapping[str, Any] | None = None,
) -> CuratedModel:
    """Write a correction in review over its record (reviewers; not the one who proposed or
    submitted it), validated again, through the serializer as a PUT is, recorded as an update
    credited to ``user``. Returns the corrected record. Raises NotAllowed, WrongStatus
    (Outdated if the record changed since the proposal) or Refused."""
    with transaction.atomic():
        record = locked_record(revision)
        refuse_without(user, record, "publish", "publish corrections of")
        refuse_unless(revision, RevisionStatus.IN_REVIEW, "published")
        authors = {revision.proposed_by_id, revision.submitted_by_id}
        if settings.REQUIRE_SECOND_REVIEWER and user.pk in authors:
            raise NotAllowed(
                "Publishing takes a second person: you proposed or submitted this correction. "
                "Ask another reviewer to publish it."
            )
        if record.publication_status != Status.PUBLISHED:
            raise WrongStatus(
                "Only a published record takes a correction; this one is "
                f"{Status(record.publication_status).label}."
            )
        if record.updated_at != revision.base_updated_at:  # type: ignore[attr-defined]
            raise Outdated(
                f"The record changed after correction #{revision.pk} was proposed: publishing "
                "it would undo that change. Withdraw it and propose the correction again from "
                "the current version."
            )
        serializer = validate(record, revision.data, context)
        services.save(
            write=serializer.save,
            action=ChangeAction.UPDATED,
            user=user,
            channel=channel,
            reason=f"Correction #{revision.pk}: {revision.reason}",
        )
        revision.status = RevisionStatus.PUBLISHED
        revision.reviewed_by, revision.reviewed_at = account(user), timezone.now()
        revision.save()
    return record


def write_shape(record: CuratedModel) -> dict[str, Any]:
    """``record`` as a correction of it starts: the body a PUT to it takes, as it stands."""
    return {k: v for k, v in snapshot(record).items() if k not in SNAPSHOT_WORKFLOW_FIELDS}


def validate(record: CuratedModel, data: Any, context: Mapping[str, Any] | None) -> Any:
    """The resource's serializer for a PUT of ``data`` to ``record``, validated (not saved);
    its errors raised as Refused under ``data``."""
    serializer = serializer_for(type(record))(
        instance=record, data=data, context=dict(context or {})
    )
    if not serializer.is_valid():
        raise Refused({"data": serializer.errors})
    return serializer


def locked_record(revision: Revision) -> CuratedModel:
    """The corrected record, locked until the transaction ends (a PUT to it waits)."""
    model = revision.content_type.model_class()
    if model is None:
        raise WrongStatus("The corrected record's type no longer exists.")
    record = (
        model._default_manager.select_for_update(of=("self",)).filter(pk=revision.object_id).first()
    )
    if record is None:
        raise WrongStatus("The corrected record no longer exists.")
    return cast(CuratedModel, record)  # corrections are of curated records (propose)


def account(user: RequestUser) -> User | None:
    """The user to credit: never the anonymous one (who holds no right, so never gets here)."""
    return user if isinstance(user, User) else None


def refuse_without(user: RequestUser, record: CuratedModel, right: str, doing: str) -> None:
    if not user.has_perm(permission(type(record), right)):
        raise NotAllowed(f"You may not {doing} {type(record)._meta.verbose_name_plural}.")


def refuse_unless(
    revision: Revision, statuses: RevisionStatus | tuple[RevisionStatus, ...], past: str
) -> None:
    allowed = statuses if isinstance(statuses, tuple) else (statuses,)
    if revision.status not in allowed:
        only = " or ".join(ONE_REVISION_IN[status] for status in allowed)
        raise WrongStatus(
            f"Only {only} can be {past}; correction #{revision.pk} is "
            f"{RevisionStatus(revision.status).label}."
        )


def note(
    revision: Revision,
    record: CuratedModel,
    action: ChangeAction,
    user: RequestUser,
    channel: ChangeChannel,
) -> None:
    """A step of the correction's review, in the record's history (editors only)."""
    services.record_write(
        record=record,
        action=action,
        user=user,
        channel=channel,
        reason=f"Correction #{revision.pk}: {revision.reason}",
        check_references=False,
    )
