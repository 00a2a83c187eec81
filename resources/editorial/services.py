"""The editorial services: each writes a curated record, checks it and records the change, in
one transaction. The API, the admin, dataset imports and reverts all call these; none of them
assembles the sequence itself.

They raise ``resources.editorial.errors`` (and Django's and DRF's validation errors of the
write itself); the caller decides how a refusal is shown.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction

from ..choices import ChangeAction, ChangeChannel
from ..models import Change
from ..models.base import CuratedModel
from ..visibility import RequestUser
from . import history
from .workflow import Transition, apply_transition, refuse_unpublished_references

Record = TypeVar("Record", bound=CuratedModel)
# Who writes: a request's user, or no one (a management command run without --user).
User = RequestUser | None


def save(
    *,
    write: Callable[[], Record],
    action: ChangeAction,
    user: User,
    channel: ChangeChannel,
    reason: str = "",
    check_references: bool = True,
) -> Record:
    """Run ``write`` (which saves a record and its nested lists, and returns it), then
    ``record_write``: one transaction, kept whole or not at all."""
    with transaction.atomic():
        record = write()
        record_write(
            record=record,
            action=action,
            user=user,
            channel=channel,
            reason=reason,
            check_references=check_references,
        )
    return record


def record_write(
    *,
    record: CuratedModel,
    action: ChangeAction,
    user: User,
    channel: ChangeChannel,
    reason: str = "",
    check_references: bool = True,
) -> Change | None:
    """After a write made inside the current transaction (by ``save``, or by the admin's own
    form handling): refuse a public record that refers to unpublished ones (Refused), and
    record the change."""
    if check_references and record.is_public:
        refuse_unpublished_references(record)
    return history.record_change(record, action=action, channel=channel, user=user, reason=reason)


def transition(
    *, record: CuratedModel, name: str, user: RequestUser, channel: ChangeChannel, reason: str = ""
) -> Transition:
    """Move ``record`` along workflow transition ``name`` (submit, return, publish, retract)
    and record it. Raises NotAllowed, WrongStatus or Refused."""
    with transaction.atomic():
        done = apply_transition(record, name, user=user, reason=reason)
        history.record_change(
            record, action=done.action, channel=channel, user=user, reason=reason or ""
        )
    return done


def delete(*, record: CuratedModel, user: User, channel: ChangeChannel, reason: str = "") -> None:
    """Remove ``record`` for good (a superuser's call in the admin), its deletion recorded."""
    with transaction.atomic():
        history.record_change(
            record,
            action=ChangeAction.DELETED,
            channel=channel,
            user=user,
            reason=reason,
            deleted=True,
        )
        record.delete()


def revert(
    *, record: CuratedModel, change: Change, user: User, channel: ChangeChannel
) -> Change | None:
    """Write ``change``'s snapshot back into ``record`` (content only: the workflow status
    stays), through the API's serializer and its validation; recorded as a revert."""
    with transaction.atomic():
        history.restore(record, change)
        return record_write(
            record=record,
            action=ChangeAction.REVERTED,
            user=user,
            channel=channel,
            reason=f"Reverted to change #{change.pk}.",
        )
