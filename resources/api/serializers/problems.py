"""Problem details (RFC 9457), as resources.api.errors sends them."""

from rest_framework import serializers


class ProblemErrorSerializer(serializers.Serializer):
    """One invalid field or parameter."""

    field = serializers.CharField(
        allow_null=True,
        help_text="Path of the invalid body field (`citations.0.locator`), or the name of the "
        "query parameter or header (`If-Match`); null for an error of the request as a whole.",
    )
    code = serializers.CharField(
        help_text="Stable, machine-readable: required, invalid, null, blank, max_length, "
        "min_length, max_value, min_value, max_digits, invalid_choice, unique, "
        "does_not_exist, too_many, not_a_list, empty, unknown_field, unknown_parameter, "
        "inconsistent (fields that contradict each other), unpublished_reference (a public "
        "record referring to an unpublished one), ..."
    )
    detail = serializers.CharField(help_text="What is wrong, for a person.")


class ProblemSerializer(serializers.Serializer):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    # Present only on some problems: errors on a 400, referenced_by on a 409 for a record that
    # is still cited.
    optional_response_fields = ("errors", "referenced_by")

    type = serializers.CharField(
        help_text="URI reference naming the kind of problem, e.g. "
        "`/api/problems/validation-error`; GET it for its description. Stable: branch on it."
    )
    title = serializers.CharField(help_text="Short summary of the kind of problem.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong with this request.")
    instance = serializers.CharField(help_text="The path of the request.")
    # A field named errors, which the stubs take for Serializer.errors (the validation
    # errors): DRF's metaclass moves declared fields out of the class.
    errors = ProblemErrorSerializer(  # type: ignore[assignment]
        many=True, help_text="On a 400: each invalid field or parameter."
    )
    referenced_by = serializers.ListField(
        child=serializers.CharField(),
        help_text="On a 409 for deleting a record still cited: the first records citing it.",
    )
