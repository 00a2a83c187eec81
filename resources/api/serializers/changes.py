"""The workflow's bodies, a record's history and the changes feed."""

from rest_framework import serializers

from ...choices import ChangeAction, ChangeChannel, PublicationStatus
from .base import StrictInputMixin


class ReasonSerializer(StrictInputMixin, serializers.Serializer):
    """The body of a workflow action: why (required to retract)."""

    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why: required to retract (shown publicly with the retracted record).",
    )


class RetractionSerializer(ReasonSerializer):
    """The body of a retraction: why the record is withdrawn."""

    reason = serializers.CharField(
        max_length=2000,
        help_text="Why the record is retracted (shown publicly with the retracted record).",
    )


class ChangeSerializer(serializers.Serializer):
    """One change to one record, as the reader may see it: without the author and sensitive
    fields for readers who cannot see drafts."""

    id = serializers.IntegerField(
        help_text="The change's number, increasing in commit order: the feed's cursor."
    )
    at = serializers.DateTimeField(help_text="When the change was made.")
    type = serializers.CharField(help_text="Kind of record, e.g. statistic, policy.")
    record_id = serializers.IntegerField(help_text="Id of the record.")
    record_key = serializers.CharField(help_text="Slug of the record.")
    url = serializers.URLField(
        allow_null=True, help_text="API URL of the record; null once it has been deleted."
    )
    action = serializers.ChoiceField(ChangeAction.choices, help_text="What the change did.")
    channel = serializers.ChoiceField(
        ChangeChannel.choices, help_text="Through what it was made: api, admin, import, command."
    )
    user = serializers.CharField(
        allow_null=True,
        help_text="Who made it; shown only to readers of drafts (editors may be at risk).",
    )
    reason = serializers.CharField(
        allow_blank=True, help_text="Why, if given: a retraction's reason, the command run, ..."
    )
    publication_status = serializers.ChoiceField(
        PublicationStatus.choices, help_text="The record's editorial status after the change."
    )
    changes = serializers.DictField(
        help_text="Every field the change touched, as {field: {old, new}} in the record's "
        "write shape. Empty on a publication for readers who never saw the draft."
    )
    record = serializers.DictField(
        allow_null=True,
        help_text="The record after the change, in its write shape (the shape the API accepts "
        "and the dataset export writes); null when the change deleted it.",
    )


class ChangesPageSerializer(serializers.Serializer):
    """A page of the changes feed: the changes after a cursor, and the next cursor."""

    next_cursor = serializers.IntegerField(
        help_text="Pass as ?since= for the next changes; the same as since when there were none."
    )
    has_more = serializers.BooleanField(help_text="Whether more changes follow right away.")
    results = ChangeSerializer(many=True, help_text="Changes after the cursor, oldest first.")


class ChangeHistorySerializer(serializers.Serializer):
    """A page of one record's change history, oldest first."""

    count = serializers.IntegerField(help_text="Number of changes the reader may see.")
    next = serializers.URLField(allow_null=True, help_text="URL of the next page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="URL of the previous page, or null.")
    results = ChangeSerializer(many=True, help_text="The changes of this page, oldest first.")
