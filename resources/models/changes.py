from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from ..choices import ChangeAction, ChangeChannel, PublicationStatus


class Change(models.Model):
    """One change to one curated record: who made it, when, through what, and the record as
    it stood afterwards, with the fields that changed (old and new values).

    Rows are only ever added (``resources.history`` writes them, in the same transaction as
    the change). Their ids are the changes feed's cursor: rows are numbered in commit order
    (see ``history.record_change``), so a client that stored the last id it saw misses none.
    The record is referred to by type and id, not by a foreign key: its history outlives it.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True, help_text="When it was made.")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(help_text="Id of the changed record.")
    record_key = models.CharField(max_length=120, help_text="Slug of the record at the time.")
    action = models.CharField(max_length=16, choices=ChangeAction.choices)
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

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "id"], name="change_record_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.content_type.model} {self.record_key}"
