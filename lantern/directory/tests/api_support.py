"""What the directory API tests share: the list and detail routes, and readers for the
HSDS page envelope and NDJSON streams."""

import json
from typing import Any

LISTS = (
    "/api/v1/services",
    "/api/v1/organizations",
    "/api/v1/service_at_locations",
    "/api/v1/taxonomies",
    "/api/v1/taxonomy_terms",
)
DETAILS = (
    "/api/v1/services/{}",
    "/api/v1/organizations/{}",
    "/api/v1/service_at_locations/{}",
    "/api/v1/taxonomies/{}",
    "/api/v1/taxonomy_terms/{}",
)
MISSING = "00000000-0000-4000-8000-000000000000"


def ids(body: dict[str, Any]) -> set[str]:
    return {item["id"] for item in body["contents"]}


def get(client, path: str, params: dict[str, Any] | None = None, persona=None) -> dict[str, Any]:
    headers = persona.api_headers() if persona is not None else {}
    response = client.get(path, params or {}, **headers)
    assert response.status_code == 200, response.content
    return response.json()


def ndjson_lines(response) -> list[dict[str, Any]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    assert text.endswith("\n")
    lines = text[:-1].split("\n")
    items = [json.loads(line) for line in lines]
    assert all(isinstance(item, dict) for item in items)
    return items
