"""The change history of curated records, and the changes feed built on it.

Every write path (the API, the admin, dataset imports, management commands) calls
``record_change`` after writing a record and its nested lists, inside the same transaction: the
change is kept if and only if the write is. Each change holds the record's snapshot (its write
shape, ``resources.editorial.snapshots``) and the fields that differ from the previous snapshot.

Writes made outside the app (a shell's ``QuerySet.update()``, plain SQL) are caught by the
database itself: a trigger on every curated table notes each written record
(``models.PendingChange``); ``record_change`` clears its own transaction's notes, and
``record_outside_changes``, run before every API and admin request, records what is left as
changes made through the "database" channel, by no user.

What readers see of it (``visible_changes`` and ``public_view``): clients who read drafts see
everything; everyone else sees only changes made while the record was public, never the
sensitive fields, never who made a change (editors may be at risk too), and a publication (by
the workflow or an import) as the record published, not as its difference from the draft
before it.
"""

import logging
from collections.abc import Mapping
from typing import Any, cast

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.dispatch import Signal

from exile_api import read_cache

from ..choices import ChangeAction, ChangeChannel
from ..models import Change, PendingChange
from ..models.base import PUBLIC_STATUSES, CuratedModel
from ..registry import owning_record
from ..visibility import RequestUser
from .errors import Refused
from .snapshots import SERIALIZERS, SNAPSHOT_WORKFLOW_FIELDS, Snapshot, snapshot

logger = logging.getLogger(__name__)

# Any constant: the key of the advisory lock that numbers changes in commit order.
FEED_LOCK = 0x45584C45  # "EXLE"
OUTSIDE_REASON = "Changed in the database, outside the app."
# Steps of a correction's review (models.Revision): kept in the record's history for its
# editors, never shown to the public, which sees the correction once it is published.
REVIEW_ONLY_ACTIONS = frozenset(
    {
        ChangeAction.CORRECTION_PROPOSED,
        ChangeAction.CORRECTION_SUBMITTED,
        ChangeAction.CORRECTION_WITHDRAWN,
    }
)


# Sent inside the writing transaction with each recorded change (``change``): what listens
# (resources.subscriptions) commits with it or not at all.
change_recorded = Signal()


def record_change(
    record: CuratedModel,
    *,
    action: ChangeAction,
    channel: ChangeChannel,
    user: RequestUser | None = None,
    reason: str = "",
    deleted: bool = False,
) -> Change | None:
    """Add ``record``'s change to its history. Must run inside the writing transaction.

    An update that changed nothing is not recorded. Returns the change, or None.
    """
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        # Held to the end of the transaction: changes get their ids (the feed's cursor) in
        # commit order, so no reader ever sees change n+1 before change n.
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK])
        # This transaction's writes are recorded here: the trigger's notes of them go.
        PendingChange.objects.filter(transaction_id=RawSQL("txid_current()", ())).delete()
        content_type = ContentType.objects.get_for_model(record)
        previous = (
            Change.objects.filter(content_type=content_type, object_id=record.pk)
            .order_by("-id")
            .values_list("snapshot", flat=True)
            .first()
        )
        was_public = (previous or {}).get("publication_status") in PUBLIC_STATUSES
        # A correction's review leaves the record untouched, and the cache with it.
        if action not in REVIEW_ONLY_ACTIONS and (record.is_public or was_public):
            # Whatever changed (even only updated_at, which every representation shows), no
            # anonymous read may come from the read cache as it was. Drafts, which the public
            # never sees, leave it alone: its version would tell when editors are at work.
            read_cache.invalidate()
        after: Snapshot | None = None
        changes: dict[str, dict[str, Any]] = {}
        if not deleted:
            after = snapshot(record)
            changes = difference(previous or {}, after)
        if action == ChangeAction.UPDATED and not changes:
            return None
        author = user if user is not None and user.is_authenticated else None
        change = Change.objects.create(
            content_type=content_type,
            object_id=record.pk,
            record_key=record.slug,
            action=action,
            channel=channel,
            user=author,
            username=author.get_username() if author else "",
            reason=reason,
            publication_status=record.publication_status,
            snapshot=after,
            changes=changes,
            public_content=has_public_content(type(record), action, changes),
        )
        change_recorded.send(sender=Change, change=change)
        return change


def has_public_content(
    model: type[CuratedModel], action: ChangeAction, changes: Mapping[str, Any]
) -> bool:
    """Whether a change shows the public anything: not an edit of sensitive fields alone,
    nor a step of a correction's review."""
    if action in REVIEW_ONLY_ACTIONS:
        return False
    if action not in (ChangeAction.UPDATED, ChangeAction.REVERTED):
        return True
    return not set(changes) <= set(model.SENSITIVE_FIELDS)


def record_outside_changes() -> int:
    """Record the writes made outside the app (what the trigger noted and no
    ``record_change`` cleared, once their transactions committed) as changes of the
    "database" channel. Returns how many changes it recorded."""
    notes = PendingChange.objects.using(DEFAULT_DB_ALIAS)
    if not notes.exists():
        return 0
    recorded = 0
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK])
            cursor.execute("DELETE FROM resources_pendingchange RETURNING model, object_id")
            written = set(cursor.fetchall())
        owners = {key for note in written if (key := owner_of(*note))}
        for model, pk in sorted(owners, key=lambda key: (key[0]._meta.model_name, key[1])):
            record = model._default_manager.filter(pk=pk).first()
            last = (
                Change.objects.filter(content_type=ContentType.objects.get_for_model(model))
                .filter(object_id=pk)
                .order_by("-id")
                .first()
            )
            if record is None:
                if last is None or last.action == ChangeAction.DELETED:
                    continue  # never recorded, or its deletion already was
                # What the history knew of it: enough to record its deletion. (django-stubs
                # checks the arguments against the abstract CuratedModel, not the model's own.)
                record = model(  # type: ignore[misc]
                    pk=pk, slug=last.record_key, publication_status=last.publication_status
                )
                action, deleted = ChangeAction.DELETED, True
            else:
                action = ChangeAction.UPDATED if last else ChangeAction.CREATED
                deleted = False
            change = record_change(
                record,
                action=action,
                channel=ChangeChannel.DATABASE,
                reason=OUTSIDE_REASON,
                deleted=deleted,
            )
            recorded += change is not None
    if recorded:
        logger.warning("Recorded %d change(s) made in the database, outside the app.", recorded)
    return recorded


def owner_of(model_name: str, pk: int) -> tuple[type[CuratedModel], int] | None:
    """(model, id) of the curated record that the noted row of ``model_name`` belongs to;
    None if it is gone (a nested row deleted with its record)."""
    try:
        model = apps.get_model("resources", model_name)
    except LookupError:
        return None
    if issubclass(model, CuratedModel):
        return model, pk
    nested = model._default_manager.filter(pk=pk).first()
    if nested is None:
        return None
    record = owning_record(nested)
    # A nested record's owner is a curated record (resources.registry.NESTED).
    return (type(record), record.pk) if isinstance(record, CuratedModel) else None


def difference(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"old": ..., "new": ...}} for every top-level field whose value differs."""
    return {
        name: {"old": before.get(name), "new": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


# The changes anyone may see: made while the record was public, of something the public sees.
PUBLIC_CHANGES = Q(publication_status__in=PUBLIC_STATUSES, public_content=True)


def visible_changes(queryset: QuerySet[Change], *, reads_drafts: bool) -> QuerySet[Change]:
    """The changes a reader may see: all of them, or the public ones."""
    return queryset if reads_drafts else queryset.filter(PUBLIC_CHANGES)


def public_view(change: Change, *, reads_drafts: bool) -> dict[str, Any]:
    """``change``'s snapshot, changes and author as the reader may see them."""
    # Only curated records have a history (record_change).
    model = cast("type[CuratedModel]", change.content_type.model_class())
    snapshot_data, changes = change.snapshot, change.changes
    username: str | None = change.username
    if not reads_drafts:
        hidden = set(model.SENSITIVE_FIELDS)
        if snapshot_data is not None:
            snapshot_data = {k: v for k, v in snapshot_data.items() if k not in hidden}
        if changes.get("publication_status", {}).get("old") not in (None, *PUBLIC_STATUSES):
            changes = {}  # a publication: the difference from a draft the reader never saw
        changes = {k: v for k, v in changes.items() if k not in hidden}
        username = None
    return {"record": snapshot_data, "changes": changes, "user": username}


def restore(record: CuratedModel, change: Change) -> None:
    """Write ``change``'s snapshot back into ``record`` (content only: the workflow status
    stays), through the API's serializer and its validation. Raises Refused."""
    if change.object_id != record.pk or change.content_type.model_class() is not type(record):
        raise Refused({"change": ["This change belongs to another record."]})
    if change.snapshot is None:
        raise Refused({"change": ["This change deleted the record: nothing to restore."]})
    data = {k: v for k, v in change.snapshot.items() if k not in SNAPSHOT_WORKFLOW_FIELDS}
    serializer = SERIALIZERS[type(record)](record, data=data)
    if not serializer.is_valid():
        raise Refused(serializer.errors)
    serializer.save()
