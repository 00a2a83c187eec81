from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from ..choices import ChangeAction, ChangeChannel, PublicationStatus


class Change(models.Model):
    """One change to one curated record: who made it, when, through what, and the record as
    it stood afterwards, with the fields that changed (old and new values).

    Rows are only ever added (``resources.editorial.history`` writes them, in the same transaction
    as the change). Their ids are the changes feed's cursor: rows are numbered in commit order (see
    ``history.record_change``), so a client that stored the last id it saw misses none. The record
    is referred to by type and id, not by a foreign key: its history outlives it."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True, help_text="When it was made.")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(help_text="Id of the changed record.")
    record_key = models.CharField(max_length=120, help_text="Slug of the record at the time.")
    action = models.CharField(max_length=24, choices=ChangeAction.choices)
    channel = models.CharField(
        max_length=16, choices=ChangeChannel.choices, help_text="Through what it was made."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who made it; empty for a management command run without --user.",
    )
    username = models.CharField(
        max_length=150, blank=True, help_text="The user's name then, kept if the user goes."
    )
    reason = models.TextField(blank=True, help_text="Why: a retraction reason, a command, ...")
    publication_status = models.CharField(
        max_length=16,
        choices=PublicationStatus.choices,
        help_text="The record's editorial status after the change.",
    )
    snapshot = models.JSONField(
        null=True,
        help_text="The record after the change, in the dataset's write shape; null once deleted.",
    )
    changes = models.JSONField(
        default=dict, help_text="{field: {old, new}} for every field the change touched."
    )
    public_content = models.BooleanField(
        default=True,
        help_text="Whether it changed anything the public sees: false for an update of "
        "sensitive fields alone (contact details, internal notes).",
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "id"], name="change_record_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.content_type.model} {self.record_key}"


class PendingChange(models.Model):
    """A write to a curated table that the history does not hold yet.

    A trigger on every curated table (and on their nested lists, citations and links) adds
    one row per written record, whatever made the write: the app, a shell, plain SQL. The app
    records its own writes (``history.record_change`` deletes its transaction's rows); what is
    left was written outside it, and ``history.record_outside_changes`` turns it into changes
    credited to the database. ``model`` is the model name of the written row's record: the
    record itself, or the one its nested row belongs to (a citation: the cited record's).
    """

    id = models.BigAutoField(primary_key=True)
    model = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    transaction_id = models.BigIntegerField(help_text="txid_current() of the writing transaction.")
    at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        indexes = [models.Index(fields=["transaction_id"], name="pending_change_txn_idx")]

    def __str__(self):
        return f"{self.model} {self.object_id} (transaction {self.transaction_id})"


class PublicVersion(models.Model):
    """One row: the version of everything the public reads, a new value whenever a change the
    public can see commits (``history.record_change``, in the change's own transaction) and
    after every ``migrate``. The read cache keys its entries by it (``exile_api.read_cache``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.CharField(max_length=64)

    def __str__(self):
        return self.value
