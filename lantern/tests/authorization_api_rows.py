"""The authorization matrix's rows for API operations, keyed by (method, OpenAPI path),
and the resolver routes that belong to the API without being operations."""

from typing import Any

from lantern.tests.authorization_rows import (
    REFERRAL_SIDES,
    Row,
    _cap,
    _case,
    _held,
    _referral,
    _sharing_case,
    _sharing_share,
    _work_case,
    each,
    split,
)

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
    # The HSDS document's POST lists: the same reads as GET (query string, no body).
    **{
        ("POST", f"/api/v1/{name}"): [
            Row(
                "POST",
                lambda w, name=name: f"/api/v1/{name}",
                each(200),
                body=lambda w: {},
                json_body=True,
            ),
            Row(
                "POST",
                lambda w, name=name: f"/api/v1/{name}",
                each(422),
                body=lambda w: {"search": "x"},
                json_body=True,
                notes="filters go in the query string",
            ),
        ]
        for name in (
            "services",
            "organizations",
            "service_at_locations",
            "taxonomies",
            "taxonomy_terms",
        )
    },
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

OPERATIONS.update(
    {
        ("GET", "/api/v1/cases"): [
            Row(
                "GET",
                lambda w: "/api/v1/cases",
                split(401, 200, coalition_admin=404, analyst=404),
                notes="people who keep cases (their own, or none: an empty list)",
            )
        ],
        ("POST", "/api/v1/cases"): [
            Row(
                "POST",
                lambda w: "/api/v1/cases",
                split(401, 201, coalition_admin=404, analyst=404),
                body=lambda w: {},
                json_body=True,
                notes="every field may be empty; coalition admins and analysts keep no cases",
            )
        ],
        ("GET", "/api/v1/cases/{case_id}"): [
            Row(
                "GET",
                lambda w: f"/api/v1/cases/{_case(w).pk}",
                split(401, 404, provider_b=200),
                notes="its caseworkers and supervisors, or a recipient under a share",
            ),
            Row("GET", lambda w: "/api/v1/cases/not-a-uuid", split(401, 404)),
        ],
        ("PATCH", "/api/v1/cases/{case_id}"): [
            Row(
                "PATCH",
                lambda w: f"/api/v1/cases/{_case(w).pk}",
                split(401, 404, provider_b=200),
                body=lambda w: {"status": "FollowUp"},
                json_body=True,
                notes="never under a share (404 like a missing case)",
            )
        ],
    }
)

# Resolver routes that are not OpenAPI operations but belong to the API.
API_EXTRAS = {
    "api/v1/docs": [
        Row("GET", lambda w: "/api/v1/docs", each(200), notes="public, as the document is"),
        Row("POST", lambda w: "/api/v1/docs", each(405), body=lambda w: {}),
    ],
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


# --- Cases: sharing ------------------------------------------------------------------------


def _share_body(world: Any) -> dict[str, Any]:
    from datetime import UTC, timedelta

    from django.utils import timezone

    expires = (timezone.now() + timedelta(days=30)).astimezone(UTC).isoformat()
    return {
        "recipient_id": str(world.org_a.pk),
        "groups": ["identity"],
        "purpose": "continuing services",
        "method": "written",
        "expires_at": expires,
    }


CASE_API_OWN = split(401, 404, provider_b=200)

OPERATIONS.update(
    {
        ("GET", "/api/v1/cases/{case_id}/shares"): [
            Row(
                "GET",
                lambda w: f"/api/v1/cases/{_sharing_case(w).pk}/shares",
                CASE_API_OWN,
                notes="the case's own people; a recipient under a share: 404",
            )
        ],
        ("POST", "/api/v1/cases/{case_id}/shares"): [
            Row(
                "POST",
                lambda w: f"/api/v1/cases/{_sharing_case(w).pk}/shares",
                split(401, 404, provider_b=201),
                body=_share_body,
                json_body=True,
                notes="the case's own people share it; a recipient cannot share onward",
            )
        ],
        ("POST", "/api/v1/cases/{case_id}/shares/{share_id}/revoke"): [
            Row(
                "POST",
                lambda w: (
                    f"/api/v1/cases/{_sharing_case(w).pk}/shares/{_sharing_share(w).pk}/revoke"
                ),
                CASE_API_OWN,
                body=lambda w: {"reason": "withdrawn"},
                json_body=True,
                notes="the sharing organization only; never the recipient",
            )
        ],
        ("GET", "/api/v1/cases/{case_id}/disclosures"): [
            Row(
                "GET",
                lambda w: f"/api/v1/cases/{_sharing_case(w).pk}/disclosures",
                CASE_API_OWN,
                notes="the disclosure log: the case's own people only",
            )
        ],
    }
)


def _outcomes_case_id(world):
    """The case of the outcomes rows (authorization_rows._outcomes_case)."""
    from lantern.tests.authorization_rows import _outcomes_case

    return _outcomes_case(world).pk


def _assessment_body(world):
    from django.utils import timezone

    return {"kind": "interval", "assessed_on": str(timezone.localdate()), "scores": {"housing": 3}}


OPERATIONS.update(
    {
        ("GET", "/api/v1/cases/{case_id}/assessments"): [
            Row(
                "GET",
                lambda w: f"/api/v1/cases/{_outcomes_case_id(w)}/assessments",
                split(401, 404, provider_b=200),
                notes="whoever may see the case's assessments group",
            )
        ],
        ("POST", "/api/v1/cases/{case_id}/assessments"): [
            Row(
                "POST",
                lambda w: f"/api/v1/cases/{_outcomes_case_id(w)}/assessments",
                split(401, 404, provider_b=201),
                body=_assessment_body,
                json_body=True,
                notes="whoever may change the case (assigned caseworkers, supervisors)",
            )
        ],
    }
)


def _work_notes(world: Any) -> str:
    return f"/api/v1/cases/{_work_case(world).pk}/notes"


OPERATIONS.update(
    {
        ("GET", "/api/v1/cases/{case_id}/notes"): [
            Row(
                "GET",
                _work_notes,
                split(401, 404, provider_b=200),
                notes="the case's own people; a share granting notes (tested in cases/tests)",
            )
        ],
        ("POST", "/api/v1/cases/{case_id}/notes"): [
            Row(
                "POST",
                _work_notes,
                split(401, 404, provider_b=201),
                body=lambda w: {"body": "A note"},
                json_body=True,
            )
        ],
        ("GET", "/api/v1/cases/{case_id}/tasks"): [
            Row(
                "GET",
                lambda w: _work_notes(w).replace("/notes", "/tasks"),
                split(401, 404, provider_b=200),
                notes="the case's own people; a share granting the plan (tested in cases/tests)",
            )
        ],
    }
)
