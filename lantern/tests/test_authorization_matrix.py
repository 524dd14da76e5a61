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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from lantern.api import api
from lantern.directory.onetap import one_tap_token
from lantern.testing import PERSONAS, World

pytestmark = pytest.mark.django_db

STAFF = ("advocate_a", "provider_b", "provider_c", "coalition_admin", "analyst")
ANON = ("anonymous", "survivor")


def each(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


def split(anon: int, staff: int, **overrides: int) -> dict[str, int]:
    return {**dict.fromkeys(ANON, anon), **dict.fromkeys(STAFF, staff), **overrides}


@dataclass
class Row:
    method: str
    url: Callable[[World], str]
    expect: dict[str, int]
    body: Callable[[World], dict[str, Any]] | None = None
    json_body: bool = False
    notes: str = ""
    follow_check: Callable[[World, str, Any], None] | None = field(default=None, repr=False)


def _cap(world: World) -> Any:
    return world.b_public.service.capacities.get()


def _referral(world: World) -> Any:
    """One referral from advocate_a (org A) to Shelter B, with a consented first name."""
    if "_referral" not in world.__dict__:
        from lantern.referrals.tests.factories import send

        world.__dict__["_referral"] = send(world, shared=True)
    return world.__dict__["_referral"]


def _token(world: World) -> Any:
    """A second API token of provider_b (not the one the persona calls the API with)."""
    if "_token" not in world.__dict__:
        from lantern.accounts.services import token_create

        world.__dict__["_token"] = token_create(user=world["provider_b"].user, name="x").token
    return world.__dict__["_token"]


def _held(world: World) -> Any:
    """One referral from advocate_a to Shelter B holding one place."""
    if "_held" not in world.__dict__:
        from lantern.referrals.tests.factories import send

        world.__dict__["_held"] = send(world, hold=True)
    return world.__dict__["_held"]


REFERRAL_SIDES = split(401, 404, advocate_a=200, provider_b=200)


def _help_request(world: World) -> Any:
    """A survivor's request to org A (which takes help requests) about Shelter B's service."""
    if "_help_request" not in world.__dict__:
        from lantern.findhelp.services import Contact, help_request_create

        world.org_a.takes_help_requests = True
        world.org_a.save(update_fields=["takes_help_requests"])
        world.__dict__["_help_request"] = help_request_create(
            service_id=world.b_public.service_id,
            needs={},
            contact=Contact(method="hotline"),
            consented=False,
        )
    return world.__dict__["_help_request"]


# Page routes, keyed by the resolver's route string.
PAGES: dict[str, list[Row]] = {
    "": [
        Row("GET", lambda w: "/", each(200)),
        Row(
            "POST",
            lambda w: "/",
            each(200),
            body=lambda w: {"step": "where", "go": "skip-where"},
            notes="the survivor search: csrf_exempt (it changes nothing and sets no cookie)",
        ),
    ],
    "help/safety/": [
        Row("GET", lambda w: "/help/safety/", each(200)),
        Row("POST", lambda w: "/help/safety/", each(405), body=lambda w: {}),
    ],
    "advocate/search/": [
        Row(
            "GET",
            lambda w: "/advocate/search/",
            split(302, 200, analyst=404),
            notes="advocates, provider staff and coalition admins; analysts: not found",
        ),
        Row("POST", lambda w: "/advocate/search/", split(302, 405), body=lambda w: {}),
    ],
    "staff/": [
        Row("GET", lambda w: "/staff/", each(200)),
        Row("POST", lambda w: "/staff/", each(405), body=lambda w: {}),
    ],
    "accounts/login/": [
        Row("GET", lambda w: "/accounts/login/", each(200)),
        Row(
            "POST",
            lambda w: "/accounts/login/",
            each(200),
            body=lambda w: {"username": "nobody@example.org", "password": "not-the-password"},
            notes="wrong credentials: the form again, for everyone",
        ),
    ],
    "accounts/logout/": [Row("POST", lambda w: "/accounts/logout/", each(302))],
    "accounts/two-factor/": [
        Row(
            "GET",
            lambda w: "/accounts/two-factor/",
            split(302, 302),
            notes="anonymous -> log in; verified staff -> onward",
        ),
        Row(
            "POST",
            lambda w: "/accounts/two-factor/",
            split(302, 302),
            body=lambda w: {"token": "000000"},
            notes="anonymous -> log in; staff already verified -> onward (the code is not read)",
        ),
    ],
    "accounts/reauth/": [
        Row("GET", lambda w: "/accounts/reauth/", split(302, 200)),
        Row(
            "POST",
            lambda w: "/accounts/reauth/",
            split(302, 200),
            body=lambda w: {"password": "not-the-password", "token": "000000"},
        ),
    ],
    "provider/capacity/": [
        Row("GET", lambda w: "/provider/capacity/", split(302, 200)),
        Row(
            "POST",
            lambda w: "/provider/capacity/",
            split(302, 200),
            body=lambda w: {},
            notes="the list ignores POST (changes go to provider/capacity/<id>/)",
        ),
    ],
    "accounts/tokens/": [
        Row("GET", lambda w: "/accounts/tokens/", split(302, 200), notes="your own tokens"),
        Row(
            "POST",
            lambda w: "/accounts/tokens/",
            split(302, 302),
            body=lambda w: {"name": "matrix", "expires_days": "30"},
            notes="creating a token needs a fresh password and code: staff -> reauth first",
        ),
    ],
    "accounts/tokens/<uuid:token_id>/revoke/": [
        Row(
            "POST",
            lambda w: f"/accounts/tokens/{_token(w).pk}/revoke/",
            split(302, 404, provider_b=302),
            body=lambda w: {},
            notes="only the token's owner; anyone else's token id is 404",
        )
    ],
    "provider/capacity/<uuid:capacity_id>/": [
        Row(
            "POST",
            lambda w: f"/provider/capacity/{_cap(w).pk}/",
            split(302, 404, provider_b=302),
            body=lambda w: {"action": "plus"},
            notes="only members of the owning organization; others get 404",
        )
    ],
    "c/<str:token>/": [
        Row(
            "GET",
            lambda w: f"/c/{one_tap_token(_cap(w))}/",
            each(200),
            notes="the signed link is the credential",
        ),
        Row("GET", lambda w: "/c/forged-token/", each(404)),
        Row(
            "POST",
            lambda w: f"/c/{one_tap_token(_cap(w))}/",
            each(200),
            body=lambda w: {"action": "plus"},
            notes="a fresh signed link for each persona: the link, not the login, allows it",
        ),
        Row("POST", lambda w: "/c/forged-token/", each(404), body=lambda w: {"action": "plus"}),
    ],
    "desk/inbox/": [
        Row(
            "GET",
            lambda w: "/desk/inbox/",
            split(302, 404, provider_b=200, provider_c=200),
            notes="provider staff (their own organization's referrals only)",
        )
    ],
    "desk/inbox/<uuid:referral_id>/": [
        Row("GET", lambda w: f"/desk/inbox/{_referral(w).pk}/", split(302, 404, provider_b=200)),
        Row(
            "POST",
            lambda w: f"/desk/inbox/{_referral(w).pk}/",
            split(302, 404, provider_b=302),
            body=lambda w: {"status": "accepted"},
            notes="the receiving organization answers; then back to the page",
        ),
    ],
    "desk/inbox/<uuid:referral_id>/release/": [
        Row(
            "POST",
            lambda w: f"/desk/inbox/{_held(w).pk}/release/",
            split(302, 404, provider_b=302),
            body=lambda w: {},
            notes="the receiving provider gives the held place back; then back to the page",
        )
    ],
    "desk/outbox/": [
        Row(
            "GET",
            lambda w: "/desk/outbox/",
            split(302, 200, analyst=404),
            notes="people who refer (their own organization's referrals only)",
        )
    ],
    "desk/outbox/<uuid:referral_id>/": [
        Row("GET", lambda w: f"/desk/outbox/{_referral(w).pk}/", split(302, 404, advocate_a=200)),
        Row(
            "POST",
            lambda w: f"/desk/outbox/{_referral(w).pk}/",
            split(302, 404, advocate_a=302),
            body=lambda w: {"status": "withdrawn"},
            notes="the referring organization may withdraw",
        ),
    ],
    "desk/refer/<uuid:service_id>/": [
        Row(
            "GET",
            lambda w: f"/desk/refer/{w.b_public.service_id}/",
            split(302, 200, analyst=404),
            notes="hold and refer: people who refer",
        ),
        Row(
            "POST",
            lambda w: f"/desk/refer/{w.b_public.service_id}/",
            split(302, 302, analyst=404),
            body=lambda w: {"share": "nothing"},
            notes="sent: on to the outbox; anonymous -> log in; analysts: not found",
        ),
    ],
    "desk/metrics/": [
        Row(
            "GET",
            lambda w: "/desk/metrics/",
            split(302, 404, coalition_admin=200, analyst=200),
            notes="aggregates only; anonymous -> log in",
        )
    ],
    "help/ask/": [
        Row("GET", lambda w: "/help/ask/", each(405)),
        Row(
            "POST",
            lambda w: "/help/ask/",
            each(200),
            body=lambda w: {"service": str(w.b_public.service_id)},
            notes="ask an advocate: no login, csrf_exempt like the survivor pages",
        ),
    ],
    "desk/requests/": [
        Row(
            "GET",
            lambda w: "/desk/requests/",
            split(302, 404, advocate_a=200),
            notes="advocates of an organization (any organization with advocates)",
        )
    ],
    "desk/requests/<uuid:help_request_id>/": [
        Row(
            "GET",
            lambda w: f"/desk/requests/{_help_request(w).pk}/",
            split(302, 404, advocate_a=200),
            notes="advocates of the receiving organization only",
        )
    ],
    "desk/requests/<uuid:help_request_id>/claim/": [
        Row(
            "POST",
            lambda w: f"/desk/requests/{_help_request(w).pk}/claim/",
            split(302, 404, advocate_a=302),
            body=lambda w: {},
        )
    ],
    "desk/requests/<uuid:help_request_id>/close/": [
        Row(
            "POST",
            lambda w: f"/desk/requests/{_help_request(w).pk}/close/",
            split(302, 404, advocate_a=302),
            body=lambda w: {},
        )
    ],
    "desk/requests/<uuid:help_request_id>/refer/": [
        Row(
            "GET",
            lambda w: f"/desk/requests/{_help_request(w).pk}/refer/",
            split(302, 404, advocate_a=200),
            notes="hold and refer made from the request: its receiving advocates only",
        ),
        Row(
            "POST",
            lambda w: f"/desk/requests/{_help_request(w).pk}/refer/",
            split(302, 404, advocate_a=422),
            body=lambda w: {},
            notes="an empty form: 422 for the receiving advocates, 404 for the rest",
        ),
    ],
}

# API operations, keyed by (method, OpenAPI path).
OPERATIONS: dict[tuple[str, str], list[Row]] = {
    ("GET", "/api/v1/"): [Row("GET", lambda w: "/api/v1/", each(200))],
    ("GET", "/api/v1/profile"): [Row("GET", lambda w: "/api/v1/profile", each(200))],
    ("GET", "/api/v1/me"): [Row("GET", lambda w: "/api/v1/me", split(401, 200))],
    ("GET", "/api/v1/services"): [Row("GET", lambda w: "/api/v1/services", each(200))],
    ("GET", "/api/v1/services/{service_id}"): [
        Row("GET", lambda w: f"/api/v1/services/{w.b_confidential.service_id}", each(200)),
        Row("GET", lambda w: "/api/v1/services/00000000-0000-4000-8000-000000000000", each(404)),
    ],
    ("GET", "/api/v1/organizations"): [Row("GET", lambda w: "/api/v1/organizations", each(200))],
    ("GET", "/api/v1/organizations/{organization_id}"): [
        Row("GET", lambda w: f"/api/v1/organizations/{w.hsds_b.pk}", each(200)),
    ],
    ("GET", "/api/v1/service_at_locations"): [
        Row("GET", lambda w: "/api/v1/service_at_locations", each(200)),
    ],
    ("GET", "/api/v1/service_at_locations/{sal_id}"): [
        Row("GET", lambda w: f"/api/v1/service_at_locations/{w.b_confidential.pk}", each(200)),
    ],
    ("GET", "/api/v1/taxonomies"): [Row("GET", lambda w: "/api/v1/taxonomies", each(200))],
    ("GET", "/api/v1/taxonomies/{taxonomy_id}"): [
        Row("GET", lambda w: "/api/v1/taxonomies/00000000-0000-4000-8000-000000000000", each(404)),
    ],
    ("GET", "/api/v1/taxonomy_terms"): [Row("GET", lambda w: "/api/v1/taxonomy_terms", each(200))],
    ("GET", "/api/v1/taxonomy_terms/{term_id}"): [
        Row(
            "GET",
            lambda w: "/api/v1/taxonomy_terms/00000000-0000-4000-8000-000000000000",
            each(404),
        ),
    ],
    ("PATCH", "/api/v1/service_capacities/{capacity_id}"): [
        Row(
            "PATCH",
            lambda w: f"/api/v1/service_capacities/{_cap(w).pk}",
            split(401, 404, provider_b=200),
            body=lambda w: {"available": 4},
            json_body=True,
        ),
    ],
    ("POST", "/api/v1/match"): [
        Row(
            "POST",
            lambda w: "/api/v1/match",
            each(200),
            body=lambda w: {"help_types": ["emergency-shelter"]},
            json_body=True,
            notes="anonymous use allowed (rate-limited); confidential places redacted",
        ),
        Row(
            "POST",
            lambda w: "/api/v1/match",
            each(422),
            body=lambda w: {"age": -3},
            json_body=True,
        ),
    ],
}

OPERATIONS.update(
    {
        ("GET", "/api/v1/referrals"): [
            Row(
                "GET",
                lambda w: "/api/v1/referrals",
                split(401, 200),
                notes="each caller sees only their organizations' referrals (none: empty list)",
            )
        ],
        ("POST", "/api/v1/referrals"): [
            Row(
                "POST",
                lambda w: "/api/v1/referrals",
                split(401, 201, analyst=404),
                body=lambda w: {"service_id": str(w.b_public.service_id)},
                json_body=True,
                notes="people who refer: advocates, provider staff, coalition admins",
            )
        ],
        ("GET", "/api/v1/referrals/{referral_id}"): [
            Row(
                "GET",
                lambda w: f"/api/v1/referrals/{_referral(w).pk}",
                REFERRAL_SIDES,
                notes="the referring and the receiving organization only",
            )
        ],
        ("POST", "/api/v1/referrals/{referral_id}/status"): [
            Row(
                "POST",
                lambda w: f"/api/v1/referrals/{_referral(w).pk}/status",
                split(401, 404, advocate_a=409, provider_b=200),
                body=lambda w: {"status": "viewed"},
                json_body=True,
                notes="the receiver answers; the referrer may only withdraw (409 here)",
            )
        ],
        ("POST", "/api/v1/referrals/{referral_id}/release"): [
            Row(
                "POST",
                lambda w: f"/api/v1/referrals/{_held(w).pk}/release",
                split(401, 404, provider_b=200),
                body=lambda w: {},
                json_body=True,
                notes="the receiving provider only; the referrer withdraws instead (404 here)",
            )
        ],
        ("GET", "/api/v1/referrals/metrics/holds"): [
            Row(
                "GET",
                lambda w: "/api/v1/referrals/metrics/holds",
                split(401, 404, coalition_admin=200),
                notes="staff names and counts, coalition admins only (not analysts)",
            )
        ],
        ("GET", "/api/v1/referrals/metrics"): [
            Row(
                "GET",
                lambda w: "/api/v1/referrals/metrics",
                split(401, 404, coalition_admin=200, analyst=200),
                notes="aggregates only, for coalition admins and analysts",
            )
        ],
        ("GET", "/api/v1/consents/{consent_id}"): [
            Row(
                "GET",
                lambda w: f"/api/v1/consents/{_referral(w).consent_id}",
                split(401, 404, advocate_a=200, provider_b=200, coalition_admin=200),
                notes="both organizations and coalition admins (no personal data in it)",
            )
        ],
        ("POST", "/api/v1/consents/{consent_id}/revoke"): [
            Row(
                "POST",
                lambda w: f"/api/v1/consents/{_referral(w).consent_id}/revoke",
                split(401, 404, advocate_a=200),
                body=lambda w: {},
                json_body=True,
                notes="advocates of the organization that recorded it",
            )
        ],
    }
)


def _invitation_path(world: World) -> str:
    """An open invitation for a new address into organization B, made by the operator."""
    if "_invitation_path" not in world.__dict__:
        from lantern.accounts.membership_services import invitation_create

        link = invitation_create(
            actor=None, organization=world.org_b, email="invitee@example.test", role="advocate"
        ).link
        world.__dict__["_invitation_path"] = (link or "").removeprefix("http://127.0.0.1:8000")
    return world.__dict__["_invitation_path"]


def _asked_invitation(world: World) -> Any:
    """An invitation into organization B awaiting B's confirmation (B has no admin here)."""
    if "_asked_invitation" not in world.__dict__:
        from datetime import timedelta

        from django.utils import timezone

        from lantern.accounts.models import Invitation

        world.__dict__["_asked_invitation"] = Invitation.objects.create(
            organization=world.org_b,
            role="provider_staff",
            email="asked@example.test",
            token_hash="0" * 64,
            expires=timezone.now() + timedelta(days=1),
            needs_confirmation=True,
        )
    return world.__dict__["_asked_invitation"]


def _analyst_membership(world: World) -> Any:
    return world["analyst"].user.memberships.get()


PAGES.update(
    {
        "accounts/invitation/<str:token>/": [
            Row(
                "GET",
                _invitation_path,
                split(200, 404),
                notes="the link is the credential; logged in as someone else: not found",
            ),
            Row(
                "POST",
                _invitation_path,
                split(200, 404),
                body=lambda w: {},
                notes="an empty form comes back with its errors",
            ),
            Row("GET", lambda w: "/accounts/invitation/forged/", each(404)),
        ],
        "accounts/people/": [
            Row(
                "GET",
                lambda w: "/accounts/people/",
                split(302, 404, coalition_admin=200),
                notes="organization admins (their own organizations) and coalition admins",
            ),
            Row("POST", lambda w: "/accounts/people/", each(405), body=lambda w: {}),
        ],
        "accounts/people/invite/": [
            Row("GET", lambda w: "/accounts/people/invite/", each(405)),
            Row(
                "POST",
                lambda w: "/accounts/people/invite/",
                split(302, 404),
                body=lambda w: {
                    "organization": str(w.org_b.pk),
                    "email": "someone.new@example.test",
                    "role": "provider_staff",
                },
                notes="B's admins only; a coalition admin may not: B has members, no admin",
            ),
        ],
        "accounts/people/invitations/<uuid:invitation_id>/confirm/": [
            Row(
                "POST",
                lambda w: f"/accounts/people/invitations/{_asked_invitation(w).pk}/confirm/",
                split(302, 404),
                body=lambda w: {},
                notes="only the organization's own admins confirm",
            )
        ],
        "accounts/people/invitations/<uuid:invitation_id>/withdraw/": [
            Row(
                "POST",
                lambda w: f"/accounts/people/invitations/{_asked_invitation(w).pk}/withdraw/",
                split(302, 404),
                body=lambda w: {},
                notes="the organization's admins and whoever made it",
            )
        ],
        "accounts/people/members/<int:membership_id>/remove/": [
            Row(
                "POST",
                lambda w: f"/accounts/people/members/{_analyst_membership(w).pk}/remove/",
                split(302, 404, analyst=302),
                body=lambda w: {},
                notes="the organization's admins, or the member (leaving)",
            )
        ],
    }
)


# Resolver routes that are not OpenAPI operations but belong to the API.
API_EXTRAS = {
    "api/v1/openapi.json": [
        Row("GET", lambda w: "/api/v1/openapi.json", each(200)),
        Row(
            "POST",
            lambda w: "/api/v1/openapi.json",
            each(200),
            body=lambda w: {},
            notes="django-ninja's schema view answers any method; it only reads",
        ),
    ],
}


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
