"""Assertions on the API's errors: RFC 9457 problem details (resources.api.errors).

Each helper checks the whole envelope (status, content type, the five members, ``instance``
naming the request's path) before handing back the part a test is about, so a test that asks
"which fields were named" also fails if the answer stops being a well-formed problem.
"""

import json

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "/api/problems/"
MEMBERS = {"type", "title", "status", "detail", "instance"}
# Members beyond the five that some problems carry: validation errors list `errors`; a DELETE
# refused because other records still cite the record lists them in `referenced_by`.
EXTENSIONS = {"errors", "referenced_by"}
# The problem types each status may have (the names of resources.api.errors.PROBLEM_TYPES),
# written out here so that a change to that table shows up as a failing test.
TYPES_OF_STATUS = {
    400: {"validation-error", "parse-error"},
    401: {"not-authenticated", "authentication-failed"},
    403: {"permission-denied"},
    404: {"not-found"},
    405: {"method-not-allowed"},
    406: {"not-acceptable"},
    409: {"conflict"},
    411: {"length-required"},
    412: {"precondition-failed"},
    413: {"payload-too-large"},
    414: {"uri-too-long"},
    415: {"unsupported-media-type"},
    429: {"throttled"},
    500: {"server-error"},
    503: {"unavailable"},
}
NON_FIELD = "non_field_errors"


def problem(response, status, name=None):
    """The body of ``response``, asserted to be a problem with HTTP status ``status`` (and of
    type ``/api/problems/<name>`` when ``name`` is given)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE, response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) >= MEMBERS, body
    assert set(body) - MEMBERS <= EXTENSIONS, body
    assert body["status"] == status, body
    assert body["instance"] == response.wsgi_request.path, body
    assert body["type"].startswith(TYPE_PREFIX), body
    kind = body["type"].removeprefix(TYPE_PREFIX)
    assert kind in TYPES_OF_STATUS[status], body
    if name is not None:
        assert kind == name, body
    assert isinstance(body["title"], str), body
    assert body["title"], body
    assert isinstance(body["detail"], str), body
    assert body["detail"], body
    assert ("errors" in body) == (kind == "validation-error"), body
    return body


def detail(response, status, name=None):
    """The ``detail`` message of the problem ``response`` (see ``problem``)."""
    return problem(response, status, name)["detail"]


def validation_errors(response):
    """The ``errors`` of a 400 validation-error problem: each ``{"field", "code", "detail"}``,
    with the problem's ``detail`` checked to summarize them as documented."""
    body = problem(response, 400, "validation-error")
    errors = body["errors"]
    assert errors, body
    for error in errors:
        assert set(error) == {"field", "code", "detail"}, error
        assert error["field"] is None or (isinstance(error["field"], str) and error["field"])
        assert isinstance(error["code"], str), error
        assert error["code"], error
        assert isinstance(error["detail"], str), error
        assert error["detail"], error
    if len(errors) == 1:
        field, message = errors[0]["field"], errors[0]["detail"]
        assert body["detail"] == (f"{field}: {message}" if field else message), body
    else:
        assert body["detail"] == f"{len(errors)} errors: see `errors`.", body
    return errors


def field_errors(response):
    """The messages of a 400 validation-error problem by field, ``{field: [message, ...]}``,
    fields in the order the API gives them; errors of the request as a whole (``field:
    null``) under ``"non_field_errors"``, as DRF used to key them."""
    fields = {}
    for error in validation_errors(response):
        fields.setdefault(error["field"] or NON_FIELD, []).append(error["detail"])
    return fields


def error_codes(response):
    """The codes of a 400 validation-error problem by field, ``{field: [code, ...]}`` (see
    ``field_errors``)."""
    codes = {}
    for error in validation_errors(response):
        codes.setdefault(error["field"] or NON_FIELD, []).append(error["code"])
    return codes
