from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from ..choices import RevisionStatus


class Revision(models.Model):
    """A proposed correction of a published record: the record as it should be, in the API's
    write shape (the body a PUT to it takes), and why.

    The record itself stays as published until a reviewer publishes the correction over it
    (``resources.editorial.revisions``); a correction proposed against a version that has
    changed since is refused then, not merged."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(help_text="Id of the corrected record.")
    record = GenericForeignKey("content_type", "object_id")
    data = models.JSONField(
        help_text="The corrected record in the API's write shape: the body a PUT to it takes."
    )
    reason = models.TextField(help_text="What the correction fixes.")
    status = models.CharField(
        max_length=16,
        choices=RevisionStatus.choices,
        default=RevisionStatus.DRAFT,
        help_text="Where the correction is in its review.",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="proposed_revisions",
        help_text="Who proposed it.",
    )
    proposed_at = models.DateTimeField(default=timezone.now, help_text="When it was proposed.")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submitted_revisions",
        help_text="Who submitted it for review.",
    )
    submitted_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was submitted for review."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_revisions",
        help_text="Who published or withdrew it.",
    )
    reviewed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was published or withdrawn."
    )
    base_updated_at = models.DateTimeField(
        help_text="The record's updated_at when the correction was proposed: publishing is "
        "refused if the record changed since."
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "id"], name="revision_record_idx"),
            models.Index(fields=["status"], name="revision_status_idx"),
        ]

    def __str__(self):
        return f"Correction #{self.pk} of {self.content_type.model} {self.object_id}"
