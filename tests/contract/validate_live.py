"""Validate what a live server answers against the OpenAPI description, strictly.

`make contract` runs it (scripts/contract.sh) against a server of the seed data:

    python tests/contract/validate_live.py --schema SCHEMA.json --base-url http://127.0.0.1:PORT \
        --key-file KEY [--summary-file FILE]

What it asks the server:
  * every GET operation of the description: anonymously as JSON, twice (the second comes from
    the read cache); with ``limit=1&offset=1`` where it pages; as CSV (``?format=csv`` where the
    operation has that parameter, and ``Accept: text/csv`` everywhere: a CSV answer must be
    declared, else a 406 must come); again with the ETag or Last-Modified it gave (a 304); and
    with an API key that may read drafts. Path parameters take real values: the record the
    other lists link to most, and the first, middle and last record of the resource's list.
  * one error of each kind: 400, 401, 404 (also for a client accepting only JSON), 405, 406,
    409, 412, 413, 414 and 415. These change nothing: each is refused.
  * the description served at /api/schema/, which must be the one validated.

Each answer is checked with openapi-core (status documented, content type declared, body valid
against the schema with formats, documented headers valid), then:
  * undocumented properties: openapi-core again, with schemas that omit additionalProperties
    taken as closed; a field a client cannot see in its types is an error;
  * undocumented headers: a header clients read (those CORS exposes, WWW-Authenticate,
    Location, Retry-After) that the response object does not document;
  * problem details: status and instance match the request, 400 lists its errors, 401 says
    WWW-Authenticate, 405 says Allow;
  * security: an operation answered without credentials must not ask for any;
  * the expected status of each error.
A warning (not an error) lists each optional property that was present in every answer: what
is always present belongs in ``required``.

Exits 1 when there is any error, 2 when it cannot run at all.
"""

import argparse
import copy
import json
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from jsonschema.exceptions import ValidationError as SchemaError
from jsonschema.exceptions import best_match
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.deserializing.media_types.util import json_loads, plain_loads
from openapi_schema_validator import OAS30ReadValidator, OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

TIMEOUT = 30
SCHEMA_URL = "/api/schema/?format=json"
# Headers a client reads, besides those CORS exposes to browsers (which the server says).
# Not Allow: DRF sends it on every answer, where it only informs; on a 405, where it is the
# answer, check_problem requires it.
CLIENT_HEADERS = {"location", "retry-after", "www-authenticate"}
PROBLEM_TYPES = ("application/problem+json", "application/json")
# openapi-core reads JSON and text/plain bodies; the API also answers these.
DESERIALIZERS = {
    "application/problem+json": json_loads,
    "text/csv": plain_loads,
}
# A value for a required query parameter that has no example and no enum.
REQUIRED_QUERY_VALUES = {"q": "Armenia"}


@dataclass
class Call:
    """One request, and what it should get."""

    label: str  # what it checks, e.g. "GET JSON" or "404 unknown id"
    method: str
    template: str  # the path as the description names it
    path: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    expect: int | None = None  # the status it must get, if any
    documented: bool = True  # False: the method is not in the description (405)


@dataclass
class Finding:
    kind: str
    call: Call
    status: int | None
    message: str

    def __str__(self) -> str:
        query = "&".join(f"{k}={v[:40]}" for k, v in self.call.params.items())
        where = f"{self.call.method} {self.call.path}{'?' + query if query else ''}"
        return f"[{self.kind}] {self.call.label}: {where} -> {self.status}: {self.message}"


class Checker:
    def __init__(self, spec: dict[str, Any], base_url: str, key: str) -> None:
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.version = spec["openapi"]
        # The document as served says servers: [{"url": "/"}]; the validators match request
        # URLs against the servers, so they get the live one.
        live = copy.deepcopy(spec)
        live["servers"] = [{"url": self.base_url}]
        config = {"extra_media_type_deserializers": DESERIALIZERS}
        self.openapi = OpenAPI.from_dict(live, config=Config(**config))
        self.closed = OpenAPI.from_dict(
            live, config=Config(**config, additional_properties_default_policy="forbid")
        )
        self.session = requests.Session()
        self.findings: list[Finding] = []
        self.requests = 0
        self.operations: set[tuple[str, str]] = set()
        self.exposed_headers: set[str] = set()
        # (component, property) -> [answers it was present in, answers of that component]
        self.presence: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        specification = DRAFT202012 if self.version.startswith("3.1") else DRAFT4
        self.registry: Registry[Any] = Registry().with_resource(
            "urn:contract", Resource(contents=spec, specification=specification)
        )
        self.schema_validator = (
            OAS31Validator if self.version.startswith("3.1") else OAS30ReadValidator
        )

    # --- Requests and checks ------------------------------------------------------------

    def fail(self, kind: str, call: Call, status: int | None, message: str) -> None:
        self.findings.append(Finding(kind, call, status, message[:600]))

    def send(self, call: Call) -> requests.Response | None:
        """Send ``call``, check its answer, and return it (None if the server did not answer)."""
        self.requests += 1
        if call.documented:
            self.operations.add((call.method, call.template))
        request = requests.Request(
            call.method,
            self.base_url + call.path,
            params=call.params,
            headers={"Accept-Encoding": "identity", **call.headers},
            data=call.body,
        )
        try:
            response = self.session.send(self.session.prepare_request(request), timeout=TIMEOUT)
        except requests.RequestException as error:
            self.fail("no-answer", call, None, str(error))
            return None
        self.check(call, request, response)
        return response

    def check(self, call: Call, request: requests.Request, response: requests.Response) -> None:
        status = response.status_code
        if call.expect is not None and status != call.expect:
            self.fail("unexpected-status", call, status, f"expected {call.expect}")
        if call.documented:
            self.check_with_openapi_core(call, request, response)
            response_object = self.response_object(call, status)
        else:
            response_object = None
        if response_object is not None:
            self.check_headers(call, response, response_object)
            self.record_presence(call, response, response_object)
        if call.documented and status < 400 and "Authorization" not in call.headers:
            self.check_anonymous(call, status)
        if status >= 400:
            self.check_problem(call, response)

    def check_with_openapi_core(
        self, call: Call, request: requests.Request, response: requests.Response
    ) -> None:
        openapi_request = RequestsOpenAPIRequest(request)
        openapi_response = RequestsOpenAPIResponse(response)
        seen = set()
        for error in self.openapi.iter_response_errors(openapi_request, openapi_response):
            for kind, message in describe(error):
                seen.add(message)
                self.fail(kind, call, response.status_code, message)
        # The same answer with closed schemas: what only that finds is an undocumented field.
        for error in self.closed.iter_response_errors(openapi_request, openapi_response):
            for _kind, message in describe(error):
                if message not in seen:
                    self.fail("undocumented-property", call, response.status_code, message)

    def response_object(self, call: Call, status: int) -> dict[str, Any] | None:
        operation = self.spec["paths"][call.template][call.method.lower()]
        responses = operation.get("responses", {})
        found = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        found = found or responses.get("default")
        return self.resolve(found) if found is not None else None

    def check_headers(
        self, call: Call, response: requests.Response, response_object: dict[str, Any]
    ) -> None:
        documented = {name.lower() for name in response_object.get("headers", {})}
        for name in sorted((self.exposed_headers | CLIENT_HEADERS) & set(lower(response))):
            if name not in documented:
                self.fail(
                    "undocumented-header",
                    call,
                    response.status_code,
                    f"{name} is sent but not documented for {response.status_code}",
                )

    def check_anonymous(self, call: Call, status: int) -> None:
        """An answer without credentials: the operation's security must allow none (an empty
        requirement, ``security: []``, or no security at all), or clients send credentials
        they do not need (a generated client may even require them)."""
        operation = self.spec["paths"][call.template][call.method.lower()]
        security = operation.get("security", self.spec.get("security"))
        if security and {} not in security:
            schemes = ", ".join(sorted({name for item in security for name in item}))
            message = f"answered without credentials, but the security asks for {schemes}"
            self.fail("security", call, status, message)

    def check_problem(self, call: Call, response: requests.Response) -> None:
        status = response.status_code
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if call.method == "HEAD":
            return
        try:
            body = response.json()
        except ValueError:
            self.fail("problem", call, status, f"the error is not JSON ({content_type})")
            return
        # Problem details say so in their content type; a client that accepts only JSON may get
        # the same body as application/json.
        allowed = (
            PROBLEM_TYPES if call.headers.get("Accept") == "application/json" else PROBLEM_TYPES[:1]
        )
        if content_type not in allowed:
            self.fail("problem", call, status, f"content type {content_type!r}, not {allowed[0]}")
        if not call.documented:
            # No operation to validate against (405 is about a method the description does not
            # have): the shared Problem component.
            for message in self.validate_component(body, "Problem"):
                self.fail("body-schema", call, status, f"against Problem: {message}")
        if not isinstance(body, dict):
            return
        if body.get("status") != status:
            self.fail("problem", call, status, f"status is {body.get('status')!r}")
        if body.get("instance") != call.path:
            self.fail("problem", call, status, f"instance is {body.get('instance')!r}")
        if status == 400 and not body.get("errors"):
            self.fail("problem", call, status, "a 400 without errors (which field, which code)")
        if status == 401 and "WWW-Authenticate" not in response.headers:
            self.fail("problem", call, status, "a 401 without WWW-Authenticate (RFC 9110)")
        if status == 405 and "Allow" not in response.headers:
            self.fail("problem", call, status, "a 405 without Allow (RFC 9110)")

    def validate_component(self, instance: object, name: str) -> Iterator[str]:
        if name not in self.spec.get("components", {}).get("schemas", {}):
            yield f"the description has no component {name}"
            return
        validator = self.schema_validator(
            {"$ref": f"urn:contract#/components/schemas/{name}"},
            registry=self.registry,
            format_checker=self.schema_validator.FORMAT_CHECKER,
        )
        for error in validator.iter_errors(instance):
            yield schema_error_text(error)

    # --- Which optional properties are always there -------------------------------------

    def record_presence(
        self, call: Call, response: requests.Response, response_object: dict[str, Any]
    ) -> None:
        media = response.headers.get("Content-Type", "").split(";")[0].strip()
        content = response_object.get("content", {}).get(media)
        if not content or "json" not in media or "schema" not in content:
            return
        try:
            body = response.json()
        except ValueError:
            return
        self.walk(body, content["schema"], None)

    def walk(self, instance: object, schema: dict[str, Any], name: str | None) -> None:
        """Count, per component, in how many of its instances each optional property was."""
        for _ in range(20):  # $ref chains, single-branch allOf, oneOf/anyOf with null
            if "$ref" in schema:
                name = schema["$ref"].rsplit("/", 1)[-1]
                schema = self.resolve(schema)
                continue
            branches = schema.get("allOf") or schema.get("oneOf") or schema.get("anyOf") or []
            branches = [b for b in branches if b.get("type") != "null"]
            if len(branches) == 1:
                schema = branches[0]
                continue
            break
        if isinstance(instance, dict) and "properties" in schema:
            required = set(schema.get("required", []))
            for key, subschema in schema["properties"].items():
                if key in instance:
                    self.walk(instance[key], subschema, None)
                if name is not None and key not in required:
                    counts = self.presence[(name, key)]
                    counts[0] += key in instance
                    counts[1] += 1
        elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
            for item in instance:
                self.walk(item, schema["items"], None)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.spec
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema = node
        return schema

    # --- What to ask ------------------------------------------------------------------------

    def get_operations(self) -> list[tuple[str, dict[str, Any]]]:
        operations = [
            (template, item["get"])
            for template, item in self.spec["paths"].items()
            if "get" in item
        ]
        # Those without path parameters first: their lists give the values of the others.
        return sorted(operations, key=lambda pair: ("{" in pair[0], pair[0]))

    def run(self) -> None:
        self.check_served_schema()
        self.learn_exposed_headers()
        lists: dict[str, Any] = {}
        for template, operation in self.get_operations():
            parameters = [self.resolve(p) for p in operation.get("parameters", [])]
            query = self.required_query(template, parameters)
            if query is None:
                continue
            path_values = self.path_values(template, lists)
            if path_values is None:
                continue
            # An owner's own reads (subscriptions) ask for credentials: the key's user's.
            credentials = self.credentials_for(operation)
            for number, values in enumerate(path_values):
                path = template.format(**values)
                response = self.send(
                    Call("GET JSON", "GET", template, path, dict(query), credentials)
                )
                if response is not None and response.ok and is_list(template, number, response):
                    lists[template] = response.json()
                if number == 0 and response is not None:
                    self.variants(template, path, query, parameters, operation, response)
        self.errors()

    def credentials_for(self, operation: dict[str, Any]) -> dict[str, str]:
        """The key, for an operation whose security allows no anonymous call; else none."""
        security = operation.get("security", self.spec.get("security"))
        if security and {} not in security:
            return {"Authorization": f"Api-Key {self.key}"}
        return {}

    def variants(
        self,
        template: str,
        path: str,
        query: dict[str, str],
        parameters: list[dict[str, Any]],
        operation: dict[str, Any],
        first: requests.Response,
    ) -> None:
        # The same again: anonymous reads come from the read cache now (X-Cache), which must
        # answer as the view did.
        self.send(Call("GET JSON again (read cache)", "GET", template, path, dict(query)))
        names = {p["name"] for p in parameters if p.get("in") == "query"}
        if {"limit", "offset"} <= names:
            paged = {**query, "limit": "1", "offset": "1"}
            self.send(Call("GET a page (next and previous set)", "GET", template, path, paged))
        format_parameter = next((p for p in parameters if p["name"] == "format"), None)
        if format_parameter and "csv" in format_parameter.get("schema", {}).get("enum", []):
            self.send(Call("GET ?format=csv", "GET", template, path, {**query, "format": "csv"}))
        # CSV by content negotiation: where the 200 declares text/csv it must come; elsewhere
        # the API must refuse with 406 rather than send what the description does not declare.
        declares_csv = "text/csv" in operation["responses"].get("200", {}).get("content", {})
        self.send(
            Call(
                "GET Accept: text/csv",
                "GET",
                template,
                path,
                dict(query),
                headers={"Accept": "text/csv"},
                expect=None if declares_csv else 406,
            )
        )
        etag, modified = first.headers.get("ETag"), first.headers.get("Last-Modified")
        if etag or modified:
            condition = {"If-None-Match": etag} if etag else {"If-Modified-Since": modified or ""}
            self.send(Call("GET conditional", "GET", template, path, dict(query), condition))
        keyed = {"Authorization": f"Api-Key {self.key}"}
        self.send(Call("GET with a read-drafts key", "GET", template, path, dict(query), keyed))

    def required_query(
        self, template: str, parameters: list[dict[str, Any]]
    ) -> dict[str, str] | None:
        """A value for each required query parameter: its example, its first enum value, or
        one of REQUIRED_QUERY_VALUES."""
        values = {}
        for parameter in parameters:
            if parameter.get("in") != "query" or not parameter.get("required"):
                continue
            name, schema = parameter["name"], parameter.get("schema", {})
            value = parameter.get("example", schema.get("example"))
            if value is None and schema.get("enum"):
                value = schema["enum"][0]
            value = value if value is not None else REQUIRED_QUERY_VALUES.get(name)
            if value is None:
                call = Call("query parameter", "GET", template, template)
                self.fail("no-test-data", call, None, f"no value for the required {name}")
                return None
            values[name] = str(value)
        return values

    def path_values(self, template: str, lists: dict[str, Any]) -> list[dict[str, str]] | None:
        """Real values for the path parameter: the record the other lists link to most (the
        one with the most data, e.g. GE among countries; its answer gets every variant), then
        the first, middle and last of the list of the resource the path starts with
        (/countries/ for /countries/{code}/profile/)."""
        if "{" not in template:
            return [{}]
        names = re.findall(r"{(\w+)}", template)
        if len(names) > 1:
            return self.nested_path_values(template, names, lists)
        prefix, rest = template.split("{", 1)
        name = rest.split("}", 1)[0]
        records = self.records_at(prefix, template, name, lists)
        if not records:
            return None
        picked = [records[0], records[len(records) // 2], records[-1]]
        linked = Counter(linked_keys(prefix, lists)).most_common(1)
        values = [key for key, _count in linked]
        values += [str(record[name]) for record in picked if name in record]
        values = list(dict.fromkeys(values))
        if not values:
            call = Call("path parameter", "GET", template, template)
            self.fail("no-test-data", call, None, f"the records at {prefix} have no {name}")
            return None
        return [{name: value} for value in values]

    def nested_path_values(
        self, template: str, names: list[str], lists: dict[str, Any]
    ) -> list[dict[str, str]] | None:
        """For a path of several parameters (a subscription's delivery): each from the first
        record of the list its path starts with, read with the parameters before it."""
        values: dict[str, str] = {}
        for name in names:
            prefix = template.split("{" + name + "}", 1)[0]
            records = self.records_at(prefix, template, name, lists)
            if not records:
                return None
            values[name] = str(records[0].get(name, records[0].get("id")))
        return [values]

    def records_at(
        self, prefix: str, template: str, name: str, lists: dict[str, Any]
    ) -> list[Any] | None:
        """The records of the list read at ``prefix``, for path parameter ``name`` of
        ``template``; None, a finding noted, if there are none."""
        page = lists.get(prefix)
        records = page.get("results") if isinstance(page, dict) else page
        if not records:
            call = Call("path parameter", "GET", template, template)
            self.fail("no-test-data", call, None, f"no records at {prefix} for {{{name}}}")
            return None
        return list(records)

    def errors(self) -> None:
        """One error of each kind, each refused without a change."""
        key = {"Authorization": f"Api-Key {self.key}"}
        json_type = {"Content-Type": "application/json"}
        lists = "/api/v1/statistics/"
        detail_template = "/api/v1/statistics/{id}/"
        first = self.session.get(self.base_url + lists, params={"limit": "1"}, timeout=TIMEOUT)
        records = first.json().get("results") if first.ok else None
        if not records:
            self.fail("no-test-data", Call("errors", "GET", lists, lists), first.status_code, "")
            return
        detail = detail_template.format(id=records[0]["id"])
        # The server has the limit of exile_api/settings.py, from the same environment.
        big = int(os.environ.get("MAX_REQUEST_BODY_BYTES") or 1024 * 1024) + 1024
        calls = [
            Call(
                "404 unknown id", "GET", detail_template, "/api/v1/statistics/999999/", expect=404
            ),
            Call(
                "404 unknown id, Accept: application/json",
                "GET",
                detail_template,
                "/api/v1/statistics/999999/",
                headers={"Accept": "application/json"},
                expect=404,
            ),
            Call("400 bad filter value", "GET", lists, lists, {"limit": "abc"}, expect=400),
            Call(
                "401 bad API key on a write",
                "POST",
                lists,
                lists,
                headers={"Authorization": "Api-Key nope", **json_type},
                body=b"{}",
                expect=401,
            ),
            Call(
                "405 method not allowed",
                "DELETE",
                lists,
                lists,
                headers=key,
                expect=405,
                documented=False,
            ),
            Call(
                "406 Accept nothing served",
                "GET",
                lists,
                lists,
                headers={"Accept": "application/xml"},
                expect=406,
            ),
            Call(
                "409 publish a published record",
                "POST",
                "/api/v1/statistics/{id}/publish/",
                f"{detail}publish/",
                headers={**key, **json_type},
                body=b"{}",
                expect=409,
            ),
            Call(
                "412 If-Match of another version",
                "PATCH",
                detail_template,
                detail,
                headers={**key, **json_type, "If-Match": '"not-the-current-version"'},
                body=b"{}",
                expect=412,
            ),
            Call(
                "413 body too large",
                "POST",
                lists,
                lists,
                headers={**key, **json_type},
                body=b'{"notes": "' + b"x" * big + b'"}',
                expect=413,
            ),
            Call("414 query too long", "GET", lists, lists, {"q": "x" * 5000}, expect=414),
            Call(
                "415 text/plain body",
                "POST",
                lists,
                lists,
                headers={**key, "Content-Type": "text/plain"},
                body=b"hello",
                expect=415,
            ),
        ]
        for call in calls:
            if call.documented and call.method.lower() not in self.spec["paths"][call.template]:
                self.fail("undocumented-operation", call, None, "not in the description")
                continue
            self.send(call)

    def check_served_schema(self) -> None:
        call = Call("served description", "GET", "/api/schema/", "/api/schema/", {"format": "json"})
        self.requests += 1
        response = self.session.get(self.base_url + SCHEMA_URL, timeout=TIMEOUT)
        if not response.ok:
            self.fail("served-schema", call, response.status_code, "not served")
            return
        differing = list(differences(response.json(), self.spec, "#"))
        if differing:
            where = ", ".join(differing[:5]) + (" ..." if len(differing) > 5 else "")
            message = f"differs from manage.py spectacular's at {len(differing)} places: {where}"
            self.fail("served-schema", call, response.status_code, message)

    def learn_exposed_headers(self) -> None:
        """The headers the server lets browser clients read: each must be documented."""
        response = self.session.get(
            self.base_url + "/api/v1/health/",
            headers={"Origin": "http://127.0.0.1"},
            timeout=TIMEOUT,
        )
        exposed = response.headers.get("Access-Control-Expose-Headers", "")
        self.exposed_headers = {name.strip().lower() for name in exposed.split(",") if name}


def differences(served: object, generated: object, pointer: str) -> Iterator[str]:
    """JSON pointers where two documents differ."""
    if isinstance(served, dict) and isinstance(generated, dict):
        for key in sorted(set(served) | set(generated)):
            yield from differences(served.get(key), generated.get(key), f"{pointer}/{key}")
    elif served != generated:
        yield pointer


def is_list(template: str, number: int, response: requests.Response) -> bool:
    """Whether the answer is a list whose records other paths take their parameters from:
    a top-level list, or a record's own (read with its first path values)."""
    if "{" not in template:
        return True
    body = response.json() if "json" in response.headers.get("Content-Type", "") else None
    return number == 0 and isinstance(body, dict) and isinstance(body.get("results"), list)


def linked_keys(prefix: str, lists: dict[str, Any]) -> Iterator[str]:
    """The keys of the records under ``prefix`` that the list answers link to by URL."""
    pattern = re.compile(rf"https?://[^/]+{re.escape(prefix)}([^/?#]+)/$")

    def walk(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)
        elif isinstance(node, str) and (match := pattern.match(node)):
            yield match.group(1)

    for list_prefix, page in lists.items():
        if list_prefix != prefix:
            yield from walk(page)


def lower(response: requests.Response) -> set[str]:
    return {name.lower() for name in response.headers}


def describe(error: Exception) -> Iterator[tuple[str, str]]:
    """(kind, message) for each problem openapi-core reports."""
    name = type(error).__name__
    kinds = {
        "ResponseNotFound": "undocumented-status",
        "MediaTypeNotFound": "undeclared-content-type",
        "MissingData": "missing-body",
        "MissingRequiredHeader": "missing-header",
        "InvalidHeader": "header-schema",
        "HeaderValidationError": "header-schema",
        "PathNotFound": "undocumented-operation",
        "OperationNotFound": "undocumented-operation",
        "ServerNotFound": "undocumented-operation",
    }
    cause = error.__cause__
    schema_errors = list(getattr(cause, "schema_errors", None) or [])
    if schema_errors:
        kind = "header-schema" if name == "InvalidHeader" else "body-schema"
        header = f"header {getattr(error, 'name', '?')}: " if kind == "header-schema" else ""
        for schema_error in schema_errors:
            yield kind, header + schema_error_text(schema_error)
        return
    kind = kinds.get(name) or kinds.get(type(cause).__name__ if cause else "", "invalid")
    yield kind, f"{name}: {cause or error}"


def schema_error_text(error: SchemaError) -> str:
    """Where and what, without the instance (which can be a whole record)."""
    where = error.json_path
    if error.validator in ("oneOf", "anyOf") and error.context:
        # Each branch's best reason, named by its $ref where it has one.
        branches: dict[int, list[SchemaError]] = defaultdict(list)
        for inner in error.context:
            branches[int(inner.relative_schema_path[0])].append(inner)
        reasons = []
        for index, errors in sorted(branches.items()):
            branch = error.validator_value[index]
            name = branch.get("$ref", f"#{index}").rsplit("/", 1)[-1]
            inner = best_match(errors)
            reasons.append(f"{name}: {inner.json_path}: {short_message(inner)}")
        if not branches:  # oneOf matched several branches
            return f"{where}: {short_message(error)}"
        return f"{where}: matches no {error.validator} branch ({'; '.join(reasons)})"
    return f"{where}: {short_message(error)}"


def short_message(error: SchemaError) -> str:
    if len(error.message) <= 160:
        return error.message
    if error.validator == "type":
        # e.g. a CSV text where the schema of the JSON record is declared
        kind = type(error.instance).__name__
        return f"a {kind} ({str(error.instance)[:40]!r}...) is not of type {error.validator_value}"
    return f"fails {error.validator}: {json.dumps(error.validator_value, default=str)[:120]}"


def report(checker: Checker, summary_file: Path | None) -> int:
    findings = checker.findings
    for finding in findings:
        print(finding)
    # The same problem on several operations or items is one item of the checklist: array
    # indices are left out.
    distinct: dict[tuple[str, str], list[str]] = defaultdict(list)
    for finding in findings:
        message = re.sub(r"\[\d+\]", "[*]", finding.message)
        distinct[(finding.kind, message)].append(f"{finding.call.method} {finding.call.template}")
    print(f"\n{len(distinct)} distinct problems ([kind] message (times; operations)):")
    for (kind, message), calls in sorted(distinct.items()):
        operations = sorted(set(calls))
        some = ", ".join(operations[:3]) + (" ..." if len(operations) > 3 else "")
        print(f"  [{kind}] {message} ({len(calls)}x; {len(operations)}: {some})")
    always = sorted(
        f"{component}.{prop} ({seen}/{total})"
        for (component, prop), (seen, total) in checker.presence.items()
        if seen == total and total >= 1
    )
    if always:
        print(f"\nwarning: {len(always)} optional properties present in every answer (required?):")
        for line in always:
            print(f"  {line}")
    kinds = Counter(finding.kind for finding in findings)
    get_count = sum(1 for method, _ in checker.operations if method == "GET")
    line = (
        f"{get_count} GET operations and {len(checker.operations) - get_count} others checked in "
        f"{checker.requests} requests: {len(findings)} errors"
    )
    if kinds:
        line += " (" + ", ".join(f"{kind} x{n}" for kind, n in sorted(kinds.items())) + ")"
    line += f"; {len(always)} warnings (optional but always present)"
    print(f"\n{line}")
    if summary_file is not None:
        summary_file.write_text(line + "\n", encoding="utf-8")
    return 1 if findings else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schema", type=Path, required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument(
        "--key-file", type=Path, required=True, help="a key with write, read-drafts"
    )
    parser.add_argument("--summary-file", type=Path)
    arguments = parser.parse_args()
    host = urlsplit(arguments.base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("only a server on this machine (127.0.0.1) is checked")
    spec = json.loads(arguments.schema.read_text(encoding="utf-8"))
    key = arguments.key_file.read_text(encoding="utf-8").strip()
    checker = Checker(spec, arguments.base_url, key)
    checker.run()
    return report(checker, arguments.summary_file)


if __name__ == "__main__":
    sys.exit(main())
