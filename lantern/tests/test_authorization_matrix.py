"""Every route and every API operation, checked for every persona.

Rows are keyed by method and route. Routes come from the URL resolver and operations (with
their methods) from the OpenAPI document, never from a hand-kept list; the methods a page
offers are found by asking it (`_offered_methods`: a method is offered unless every persona
gets 405 or is sent to log in). A route, or a method of a page, without a row fails
`test_every_route_has_a_row`. Statuses: 200/201 allowed, 302 redirect (to log in, or onward
after a form), 401 no credentials (API, always with `WWW-Authenticate: Bearer`), 404 not
found *or* not allowed (the same answer), 405 the method is not offered.
"""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from lantern.api import api
from lantern.testing import PERSONAS, World
from lantern.tests.authorization_api_rows import API_EXTRAS, OPERATIONS
from lantern.tests.authorization_rows import ANON, PAGES, Row

pytestmark = pytest.mark.django_db


def _walk(resolver: URLResolver, prefix: str = "") -> list[str]:
    routes = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            routes.extend(_walk(pattern, prefix + str(pattern.pattern)))
        elif isinstance(pattern, URLPattern):
            routes.append(prefix + str(pattern.pattern))
    return routes


def _operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def _ninja_route_to_openapi(route: str) -> str:
    import re

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


# Pages are HTML: browsers send GET and POST only (HEAD is answered as GET). The API's methods
# come from its OpenAPI document instead.
PAGE_METHODS = ("GET", "POST")


def _sent_to_log_in(response: Any) -> bool:
    return response.status_code == 302 and "/login/" in response.get("Location", "")


def _offered_methods(world: World, route: str, url: str) -> set[str]:
    """The methods of PAGE_METHODS that the page at `url` offers to at least one persona.

    A method is not offered when every persona gets 405, or is sent to log in (the login
    check may run before the method check). CSRF is left out of the probe: it would answer
    403 to every POST before the view could say 405.
    """
    offered = set()
    for method in PAGE_METHODS:
        for persona_name in PERSONAS:
            client = world[persona_name].client()
            client.handler.enforce_csrf_checks = False
            response = getattr(client, method.lower())(url)
            if response.status_code != 405 and not _sent_to_log_in(response):
                offered.add(method)
                break
    return offered


def test_every_route_has_a_row(world):
    operations = _operations()
    openapi_paths = {path for _, path in operations}
    missing = []
    for route in _walk(get_resolver()):
        if route.startswith("admin/"):
            continue  # every admin route is enumerated in test_admin_routes below
        if route in PAGES or route in API_EXTRAS:
            continue
        if route.startswith("api/v1/") and _ninja_route_to_openapi(route) in openapi_paths:
            continue
        missing.append(route)
    missing += [f"{m} {p}" for m, p in sorted(operations - set(OPERATIONS))]
    for route, rows in {**PAGES, **API_EXTRAS}.items():
        with_rows = {row.method for row in rows}
        for method in sorted(_offered_methods(world, route, rows[0].url(world)) - with_rows):
            missing.append(f"{method} {route}")
    assert missing == [], f"routes without an authorization row: {missing}"


def _request(persona_name: str, world: World, row: Row) -> Any:
    persona = world[persona_name]
    client: Client = persona.client()
    headers = {} if persona_name in ANON else persona.api_headers()
    url = row.url(world)
    if row.method == "GET":
        return client.get(url, **headers)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    body = row.body(world) if row.body else {}
    if row.json_body:
        # JSON API writes authenticate by token (no cookie, so no CSRF involved). The client
        # enforces CSRF like a real one: without credentials the answer is 401, not 403.
        api_client = Client(enforce_csrf_checks=True)
        return getattr(api_client, row.method.lower())(
            url, data=json.dumps(body), content_type="application/json", **headers
        )
    return client.post(url, {**body, "csrfmiddlewaretoken": token}, HTTP_X_CSRFTOKEN=token)


ALL_ROWS = [
    (key, index) for key, rows in {**PAGES, **API_EXTRAS}.items() for index in range(len(rows))
] + [(key, index) for key, rows in OPERATIONS.items() for index in range(len(rows))]


def _row(key: Any, index: int) -> Row:
    table: dict[Any, list[Row]] = {**PAGES, **API_EXTRAS, **OPERATIONS}
    return table[key][index]


@pytest.mark.parametrize(("key", "index"), ALL_ROWS, ids=[f"{k}#{i}" for k, i in ALL_ROWS])
def test_route_answers_each_persona_as_expected(world, key, index):
    row = _row(key, index)
    assert set(row.expect) == set(PERSONAS), "every row states every persona"
    wrong = []
    for persona in PERSONAS:
        response = _request(persona, world, row)
        if response.status_code != row.expect[persona]:
            wrong.append(f"{persona}: got {response.status_code}, expected {row.expect[persona]}")
        elif response.status_code == 401 and response.get("WWW-Authenticate") != "Bearer":
            wrong.append(f"{persona}: 401 without `WWW-Authenticate: Bearer`")
    assert wrong == [], f"{row.method} {row.url(world)}: {wrong}"


def _admin_url(route: str) -> str:
    import re

    url = re.sub(r"<path:object_id>", "00000000-0000-4000-8000-000000000000", route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", "x", url)
    url = url.replace("^", "").replace("$", "")
    return "/" + url


def test_admin_routes_are_for_coalition_admins_only(world):
    admin_routes = [r for r in _walk(get_resolver()) if r.startswith("admin/")]
    assert admin_routes
    for persona in PERSONAS:
        client = world[persona].client()
        for route in admin_routes:
            url = _admin_url(route)
            if url.startswith(("/admin/logout", "/admin/login")):
                continue
            response = client.get(url)
            if persona == "coalition_admin":
                # Let in (never sent to log in), and no page of the admin fails.
                assert response.status_code < 500, url
                assert not response.get("Location", "").startswith("/admin/login/"), url
                continue
            # Everyone else is sent to log in (the same answer whether the page exists or not).
            assert response.status_code == 302, (persona, url, response.status_code)
            assert response["Location"].startswith("/admin/login/"), (persona, url)


ADMIN_GRANT_PATHS = (
    "/admin/accounts/membership/add/",
    "/admin/accounts/invitation/add/",
    "/admin/accounts/user/add/",
)


def test_the_admin_grants_no_membership_to_anyone(world):
    """No persona can make anyone a member through Django's admin (threat-model row 35): coalition
    admins are refused (403), everyone else is sent to log in."""
    from lantern.accounts.models import Membership

    before = Membership.objects.count()
    for persona in PERSONAS:
        client = world[persona].client()
        client.get("/accounts/login/")
        token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
        for path in ADMIN_GRANT_PATHS:
            user = world[persona].user or world["provider_c"].user
            response = client.post(
                path,
                {
                    "user": str(user.pk),
                    "organization": str(world.org_b.pk),
                    "role": "provider_staff",
                    "email": "grab@example.test",
                    "csrfmiddlewaretoken": token,
                },
            )
            expected = 403 if persona == "coalition_admin" else 302
            assert response.status_code == expected, (persona, path, response.status_code)
    assert Membership.objects.count() == before
