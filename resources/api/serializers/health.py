"""Liveness and database readiness."""

from rest_framework import serializers

from ...choices import HealthState


class HealthSerializer(serializers.Serializer):
    """Whether the service and its database answer."""

    status = serializers.ChoiceField(HealthState.choices, help_text="Overall readiness.")
    database = serializers.ChoiceField(HealthState.choices, help_text="Database readiness.")
