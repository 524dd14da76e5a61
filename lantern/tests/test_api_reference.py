"""`/api/v1/docs`: every operation of the OpenAPI document, readable, from this site only."""

import re

import pytest

from lantern.api import api

pytestmark = pytest.mark.django_db


def test_the_reference_lists_every_operation_with_its_parameters(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    schema = api.get_openapi_schema()
    shown = set(re.findall(r'<section class="api-operation" id="([^"]+)"', html))
    expected = {
        op["operationId"]
        for item in schema["paths"].values()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert shown == expected and len(expected) > 20
    services = html.split('id="lantern_directory_api_list_services"', 1)[1].split("</section>", 1)[
        0
    ]
    assert "<code>GET /api/v1/services</code>" in services
    assert "<code>per_page</code>" in services and "at most 100" in services
    assert "/api/v1/openapi.json" in html


def test_the_reference_loads_nothing_from_elsewhere(client):
    html = client.get("/api/v1/docs").content.decode()
    main = html.split("</main>", 1)[0].split("<main", 1)[1]
    assert not re.search(r'(src|href)="(https?:)?//', main)  # the quick exit is outside
    assert "<script" not in main
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and all(src.startswith("/static/") for src in scripts)
