"""The change history of curated records, and the changes feed built on it.

Every write path (the API, the admin, dataset imports, management commands) calls
``record_change`` after writing a record and its nested lists, inside the same transaction: the
change is kept if and only if the write is. Each change holds the record's snapshot (its write
shape, ``resources.snapshots``) and the fields that differ from the previous snapshot.

What readers see of it (``visible_changes`` and ``public_view``): clients who read drafts see
everything; everyone else sees only changes made while the record was public, never the
sensitive fields, never who made a change (editors may be at risk too), and a publication (by
the workflow or an import) as the record published, not as its difference from the draft
before it.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from rest_framework.exceptions import ValidationError

from exile_api import read_cache

from .choices import ChangeAction
from .models import Change
from .models.base import PUBLIC_STATUSES
from .snapshots import SERIALIZERS, SNAPSHOT_WORKFLOW_FIELDS, snapshot
from .visibility import public
from .workflow import refuse_unpublished_references

# Any constant: the key of the advisory lock that numbers changes in commit order.
FEED_LOCK = 0x45584C45  # "EXLE"


def record_change(record, *, action, channel, user=None, reason="", deleted=False):
    """Add ``record``'s change to its history. Must run inside the writing transaction.

    An update that changed nothing is not recorded. Returns the change, or None.
    """
    # Once the write commits (and only then), no anonymous read may come from the read cache
    # as it was. Even an update that changed nothing moved the record's updated_at (its ETag).
    transaction.on_commit(read_cache.invalidate)
    with transaction.atomic():
        # Held to the end of the transaction: changes get their ids (the feed's cursor) in
        # commit order, so no reader ever sees change n+1 before change n.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK])
        content_type = ContentType.objects.get_for_model(record)
        previous = (
            Change.objects.filter(content_type=content_type, object_id=record.pk)
            .order_by("-id")
            .values_list("snapshot", flat=True)
            .first()
        )
        after = None if deleted else snapshot(record)
        changes = {} if deleted else difference(previous or {}, after)
        if action == ChangeAction.UPDATED and not changes:
            return None
        authenticated = user is not None and user.is_authenticated
        return Change.objects.create(
            content_type=content_type,
            object_id=record.pk,
            record_key=record.slug,
            action=action,
            channel=channel,
            user=user if authenticated else None,
            username=user.get_username() if authenticated else "",
            reason=reason,
            publication_status=record.publication_status,
            snapshot=after,
            changes=changes,
        )


def difference(before, after):
    """{field: {"old": ..., "new": ...}} for every top-level field whose value differs."""
    return {
        name: {"old": before.get(name), "new": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def visible_changes(queryset, *, reads_drafts):
    """The changes a reader may see: all of them, or those made while the record was public."""
    return queryset if reads_drafts else public(queryset)


def public_view(change, *, reads_drafts):
    """``change``'s snapshot, changes and author as the reader may see them."""
    model = change.content_type.model_class()
    snapshot_data, changes, username = change.snapshot, change.changes, change.username
    if not reads_drafts:
        hidden = set(model.SENSITIVE_FIELDS)
        if snapshot_data is not None:
            snapshot_data = {k: v for k, v in snapshot_data.items() if k not in hidden}
        if changes.get("publication_status", {}).get("old") not in (None, *PUBLIC_STATUSES):
            changes = {}  # a publication: the difference from a draft the reader never saw
        changes = {k: v for k, v in changes.items() if k not in hidden}
        username = None
    return {"record": snapshot_data, "changes": changes, "user": username}


def revert(record, change, *, user, channel):
    """Write ``change``'s snapshot back into ``record`` (content only: the workflow status
    stays), through the API's serializer and its validation; record it as a revert."""
    if change.object_id != record.pk or change.content_type.model_class() is not type(record):
        raise ValidationError({"change": ["This change belongs to another record."]})
    if change.snapshot is None:
        raise ValidationError({"change": ["This change deleted the record: nothing to restore."]})
    data = {k: v for k, v in change.snapshot.items() if k not in SNAPSHOT_WORKFLOW_FIELDS}
    serializer = SERIALIZERS[type(record)](record, data=data)
    serializer.is_valid(raise_exception=True)
    with transaction.atomic():
        serializer.save()
        if record.is_public:  # it may not come to cite what is no longer public
            refuse_unpublished_references(record)
        return record_change(
            record,
            action=ChangeAction.REVERTED,
            channel=channel,
            user=user,
            reason=f"Reverted to change #{change.pk}.",
        )
