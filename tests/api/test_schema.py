import re
import threading
import time
from http import HTTPStatus
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator
from rest_framework.test import APIRequestFactory

from resources.api.schema import response_examples
from resources.api.views import SchemaView

REPO = Path(__file__).resolve().parents[2]


def test_schema_validates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def api_routes(patterns=None, prefix=""):
    """Every route under /api/v1/ as an OpenAPI-style path."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
            yield route


def as_openapi_path(route):
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    # drf-spectacular names a primary-key parameter after the model field: id
    return "/" + route.replace("{pk}", "{id}")


def test_every_api_route_is_in_the_schema(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = set(schema["paths"])
    routes = {as_openapi_path(route) for route in api_routes()}
    routes = {r for r in routes if "{format}" not in r and not r.endswith(".{format}")}
    routes.discard("/api/v1/")  # the router's browsable index
    assert routes - documented == set()


def test_every_operation_has_a_summary_and_a_declared_resource_tag(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    declared = {tag["name"] for tag in schema["tags"]}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert operation["tags"] == [path.split("/")[3]], f"{method.upper()} {path}"
            assert set(operation["tags"]) <= declared, f"{method.upper()} {path}"


def test_ordering_parameter_lists_the_allowed_fields(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    [ordering] = [
        p
        for p in schema["paths"]["/api/v1/statistics/"]["get"]["parameters"]
        if p["name"] == "ordering"
    ]
    assert "value, period_start, period_end, created_at, updated_at" in ordering["description"]


def test_migrations_match_the_models(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_every_field_has_a_description(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    undocumented = []
    for name, component in schema["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            if not (spec.get("description") or "$ref" in spec or "allOf" in spec):
                undocumented.append(f"{name}.{field}")
    assert undocumented == []


@pytest.mark.parametrize("path", ["/api/schema/", "/api/schema/?format=json"])
def test_schema_endpoint_serves_openapi(client, db, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.OK
    assert b"openapi" in response.content


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_assets_from_this_server_only(client, db, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the page loads no assets"
    assert [a for a in assets if a.startswith(("http:", "https:", "//"))] == []
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == HTTPStatus.OK, asset


def test_every_parameter_has_a_description(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    undocumented = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    assert undocumented == []


def test_statistic_create_has_a_request_example(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/statistics/"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    example = next(iter(examples.values()))["value"]
    assert example["destination"] == "GE"
    assert example["citations"][0]["locator"] == "para 1"


# The contract generated clients rely on ----------------------------------------------------

ERROR_STATUSES_OF_EVERY_OPERATION = {"406", "414", "503"}


@pytest.fixture(scope="module")
def openapi(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def resolved(schema, item):
    """``item``, or the component its $ref names."""
    while "$ref" in item:
        kind, name = item["$ref"].split("/")[-2:]
        item = schema["components"][kind][name]
    return item


def test_every_operation_documents_its_errors_as_problems(openapi):
    for path, method, operation in operations(openapi):
        documented = set(operation["responses"])
        expected = set(ERROR_STATUSES_OF_EVERY_OPERATION)
        if path != "/api/v1/health/":
            expected |= {"400", "401", "429"}
        if "{" in path:
            expected.add("404")
        if method != "GET":
            expected |= {"403", "409", "411", "413"}
        if method in ("PUT", "PATCH", "DELETE") or (method == "POST" and "{" in path):
            expected.add("412")
        assert expected <= documented, f"{method} {path} lacks {sorted(expected - documented)}"
        for status in documented:
            if status.startswith("2") or status == "304":
                continue  # success: its own body, or none
            response = resolved(openapi, operation["responses"][status])
            if status == "503" and path == "/api/v1/health/":
                continue  # the health check's own body says what is down
            [(media_type, content)] = response["content"].items()
            assert media_type == "application/problem+json", f"{method} {path} {status}"
            assert content["schema"] == {"$ref": "#/components/schemas/Problem"}
            [example] = content["examples"].values()
            assert example["value"]["status"] == int(status)


def test_public_reads_need_no_credentials_and_writes_do(openapi):
    for path, method, operation in operations(openapi):
        # Editors' reads (corrections) and owners' (their subscriptions) need credentials.
        if method == "GET" and not path.endswith("/corrections/") and "/subscriptions/" not in path:
            assert operation["security"] == [], f"{method} {path}"
        else:
            assert operation["security"] == [{"apiKeyAuth": []}, {"cookieAuth": []}], path


def test_response_components_require_every_field_but_sensitive_and_optional_ones(openapi):
    components = openapi["components"]["schemas"]
    assert components["Statistic"]["required"] == list(components["Statistic"]["properties"])
    organization = components["Organization"]
    assert set(organization["properties"]) - set(organization["required"]) == {
        "contact_details",
        "internal_notes",
    }
    assert set(components["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "detail",
        "instance",
    }


def test_request_bodies_refuse_unknown_fields_and_need_a_citation(openapi):
    statistic = openapi["components"]["schemas"]["StatisticRequest"]
    assert statistic["additionalProperties"] is False
    assert statistic["properties"]["citations"]["minItems"] == 1
    assert statistic["properties"]["destination"]["pattern"] == "^[A-Za-z]{2}$"


def test_csv_is_documented_as_text_with_its_columns(openapi):
    operation = openapi["paths"]["/api/v1/statistics/"]["get"]
    csv = operation["responses"]["200"]["content"]["text/csv"]["schema"]
    assert csv["type"] == "string"
    assert "Columns: id, slug, url, origin, destination" in csv["description"]


def test_list_shaped_operations_are_named_list(openapi):
    ids = {operation["operationId"] for _path, _method, operation in operations(openapi)}
    assert {"statistics_list", "statistics_history_list", "changes_list", "search"} <= ids
    # _retrieve is for one record, by its key: a path that ends with it.
    retrieving = [
        path
        for path, _method, operation in operations(openapi)
        if operation["operationId"].endswith("_retrieve")
    ]
    assert retrieving
    assert [path for path in retrieving if not path.endswith("}/")] == []


def test_change_is_a_union_discriminated_by_record_type(openapi):
    change = openapi["components"]["schemas"]["Change"]
    assert change["discriminator"]["mapping"]["statistic"] == (
        "#/components/schemas/StatisticChange"
    )
    variant = openapi["components"]["schemas"]["StatisticChange"]
    assert variant["properties"]["record"]["oneOf"][0] == {
        "$ref": "#/components/schemas/StatisticSnapshot"
    }


def test_response_examples_match_their_schemas(openapi):
    """The seed's answers attached as examples are valid instances of what is documented."""
    validated = 0
    for path, method, operation in operations(openapi):
        content = operation["responses"].get("200", {}).get("content", {})
        json_content = content.get("application/json", {})
        for example in json_content.get("examples", {}).values():
            validator = Draft202012Validator({**openapi, **json_content["schema"]})
            errors = [e.message for e in validator.iter_errors(example["value"])]
            assert errors == [], f"{method} {path}: {errors[:3]}"
            validated += 1
    assert validated == len(response_examples())


def test_response_examples_are_the_seeds_records():
    seed = yaml.safe_load((REPO / "resources" / "data" / "seed.yaml").read_text())
    slugs = {record["slug"] for section in seed.values() for record in section}
    examples = response_examples()
    for name in ("statistics", "exile_groups", "media_outlets", "organizations", "policies"):
        assert examples[f"{name}_retrieve"]["slug"] in slugs, name


def test_the_schema_is_generated_by_one_thread_at_a_time(monkeypatch):
    # drf-spectacular's extensions load their classes on first use without a lock: two
    # threads generating at once could fail (drf-spectacular issue 1122, a 500 seen in
    # ``make faults``). The view lets one generate at a time.
    generating, most = [], []
    lock = threading.Lock()

    def get_schema(self, request=None, public=False):
        with lock:
            generating.append(True)
            most.append(len(generating))
        time.sleep(0.2)
        with lock:
            generating.pop()
        return {"openapi": "3.1.0"}

    monkeypatch.setattr(SchemaGenerator, "get_schema", get_schema)

    def generate():
        view = SchemaView()
        request = view.initialize_request(APIRequestFactory().get("/api/schema/"))
        request.version = None
        view._get_schema_response(request)

    threads = [threading.Thread(target=generate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert most == [1, 1]
