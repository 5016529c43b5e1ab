"""The schema and the docs page: served locally, nothing inline (a strict CSP allows it)."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client

from config.urls import urlpatterns  # noqa: F401 - the URLconf loads


def test_the_schema_is_openapi_3_and_lists_the_resources(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/workloads/", "/api/v1/teams/", "/api/v1/lens-versions/import/"} <= set(
        schema["paths"]
    )
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    problem = schema["paths"]["/api/v1/workloads/"]["post"]["responses"]["400"]
    assert "application/problem+json" in problem["content"]


def test_the_docs_page_loads_everything_locally_with_no_inline_code(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html and "style=" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" and "src=" in attrs for attrs, body in scripts)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert not [u for u in urls if u.startswith(("http:", "https:", "//"))]
    init = next(u for u in urls if "script" in u and u.startswith("/api/docs/"))
    script = Client().get(init.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    for url in urls:
        if url.startswith("/static/"):
            path = url.removeprefix("/static/")
            assert finders.find(path), f"{path} is not a local static file"
