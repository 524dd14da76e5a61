"""`/api/v1/docs`: a readable reference built from the API's own OpenAPI document.

Server-rendered HTML from `api.get_openapi_schema()`: no JavaScript, no third-party origin,
so it passes the site's CSP and works wherever the API does. Clients that want a machine
document take `/api/v1/openapi.json`.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from lantern.api import api

METHODS = ("get", "post", "put", "patch", "delete")


def _type_of(schema: dict[str, Any]) -> str:
    """A short human name for a JSON schema: `string`, `integer or null`, `Service` ..."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(_type_of(part) for part in schema[key])
    kind = schema.get("type", "object")
    if kind == "array":
        return f"list of {_type_of(schema.get('items', {}))}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def _limits(schema: dict[str, Any]) -> str:
    parts = []
    for key, label in (("minimum", "≥"), ("maximum", "≤"), ("maxLength", "at most")):
        if key in schema:
            parts.append(f"{label} {schema[key]}")
    if "enum" in schema:
        parts.append("one of " + ", ".join(str(v) for v in schema["enum"]))
    return "; ".join(parts)


def _body_of(operation: dict[str, Any]) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    for media, spec in content.items():
        return f"{_type_of(spec.get('schema', {}))} ({media})"
    return ""


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the OpenAPI document, in its order, shaped for the template."""
    out = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            out.append(
                {
                    "id": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": p["in"],
                            "required": p.get("required", False),
                            "type": _type_of(p.get("schema", {})),
                            "limits": _limits(p.get("schema", {})),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body": _body_of(operation),
                    "responses": [
                        (code, spec.get("description", ""))
                        for code, spec in operation.get("responses", {}).items()
                    ],
                    "needs_token": {} not in (operation.get("security") or [{}]),
                }
            )
    return out


@require_safe
def reference(request: HttpRequest) -> HttpResponse:
    schema = api.get_openapi_schema()  # built once per request: it walks every route
    return render(
        request,
        "staff/api_reference.html",
        {"info": schema["info"], "operations": operations(schema)},
    )
