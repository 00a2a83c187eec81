"""Corrections of published records (``models.Revision``): the proposal's body and the
correction as shown to its editors."""

import functools
from typing import Any

from django.db.models import Model
from rest_framework import serializers

from ...choices import RevisionStatus
from .base import StrictInputMixin


class CorrectionSerializer(StrictInputMixin, serializers.Serializer):
    """A proposed correction of a published record: the record as it should be, and why."""

    # A field named like Serializer.data: DRF moves declared fields off the class; the stubs
    # see the property overridden.
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="The corrected record, whole: the body a PUT to the record takes (its "
        "resource's request shape). Validated now, written only when the correction is "
        "published."
    )
    reason = serializers.CharField(max_length=2000, help_text="What the correction fixes.")


@functools.cache
def correction_serializer_for(model: type[Model]) -> type[CorrectionSerializer]:
    """``CorrectionSerializer`` with its ``data`` described as ``model``'s request body (the
    PUT's), for the OpenAPI description: a schema-valid correction is then one the API can
    accept. The view validates ``data`` with the resource's serializer either way."""
    from . import serializer_for  # the resource serializers import this module's package

    resource = serializer_for(model)
    data: Any = resource(
        help_text="The corrected record, whole: the body a PUT to the record takes. "
        "Validated now, written only when the correction is published."
    )
    name = f"{model.__name__}CorrectionSerializer"
    return type(name, (CorrectionSerializer,), {"data": data, "__module__": __name__})


class RevisionSerializer(serializers.Serializer):
    """A proposed correction of a published record, and where it is in its review. Only
    editors and reviewers see corrections; the public sees the record as published until a
    correction is published over it."""

    id = serializers.IntegerField(help_text="The correction's number.")
    status = serializers.ChoiceField(
        RevisionStatus.choices,
        help_text="draft (may be submitted or withdrawn), in_review (may be published or "
        "withdrawn), published or withdrawn.",
    )
    reason = serializers.CharField(help_text="What the correction fixes.")
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="The corrected record, in the body a PUT to the record takes."
    )
    proposed_by = serializers.CharField(
        source="proposed_by.username", allow_null=True, help_text="Who proposed it."
    )
    proposed_at = serializers.DateTimeField(help_text="When it was proposed.")
    submitted_by = serializers.CharField(
        source="submitted_by.username",
        allow_null=True,
        help_text="Who submitted it for review; null until then.",
    )
    submitted_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was submitted for review; null until then."
    )
    reviewed_by = serializers.CharField(
        source="reviewed_by.username",
        allow_null=True,
        help_text="Who published or withdrew it; null until then.",
    )
    reviewed_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was published or withdrawn; null until then."
    )
    base_updated_at = serializers.DateTimeField(
        help_text="The record's updated_at when the correction was proposed: publishing is "
        "refused (409) if the record changed since."
    )


class RevisionPageSerializer(serializers.Serializer):
    """A page of a record's proposed corrections, oldest first."""

    count = serializers.IntegerField(help_text="Number of corrections of the record.")
    next = serializers.URLField(allow_null=True, help_text="URL of the next page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="URL of the previous page, or null.")
    results = RevisionSerializer(many=True, help_text="The corrections of this page, oldest first.")
