"""Security headers: a Content-Security-Policy strict on scripts that the offline docs obey."""

import re
from http import HTTPStatus

import pytest


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/api/v1/", "/admin/login/"])
def test_pages_carry_a_csp_allowing_only_own_scripts(client, db, path):
    response = client.get(path)

    assert response.status_code == HTTPStatus.OK
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_have_no_inline_script_so_the_csp_lets_them_run(client, db, path):
    html = client.get(path).content.decode()

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "the page loads no script"
    for attributes, body in scripts:
        assert "src=" in attributes
        assert body.strip() == ""


def test_swagger_start_up_script_is_served_as_a_same_origin_file(client, db):
    html = client.get("/api/docs/").content.decode()
    [script_url] = [
        url.replace("&amp;", "&")
        for url in re.findall(r'<script src="([^"]+)"', html)
        if "script" in url.split("?", 1)[-1]
    ]

    response = client.get(script_url)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content
