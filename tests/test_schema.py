import re
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator


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
