"""The authorization matrix's rows for pages: one per method and route, every persona's
exact status (see test_authorization_matrix.py for how they are checked)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lantern.directory.onetap import one_tap_token
from lantern.testing import PERSONAS, World, link_path

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
    "favicon.ico": [
        Row("GET", lambda w: "/favicon.ico", each(301), notes="to the static SVG icon"),
        Row("POST", lambda w: "/favicon.ico", each(405), body=lambda w: {}),
    ],
    "staff/": [
        Row("GET", lambda w: "/staff/", each(200)),
        Row("POST", lambda w: "/staff/", each(405), body=lambda w: {}),
    ],
    "staff/organizations/": [
        Row(
            "GET",
            lambda w: "/staff/organizations/",
            split(302, 404, coalition_admin=200),
            notes="coalition admins only",
        ),
        Row(
            "POST",
            lambda w: "/staff/organizations/",
            split(302, 404, coalition_admin=302),
            body=lambda w: {"name": "Riverside Outreach"},
            notes="coalition admins add an organization (then back to the list)",
        ),
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


def _invitation_path(world: World) -> str:
    """An open invitation for a new address into organization B, made by the operator."""
    if "_invitation_path" not in world.__dict__:
        from lantern.accounts.membership_services import invitation_create

        link = invitation_create(
            actor=None, organization=world.org_b, email="invitee@example.test", role="advocate"
        ).link
        world.__dict__["_invitation_path"] = link_path(link or "")
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
        "accounts/people/members/<int:membership_id>/suspend/": [
            Row(
                "POST",
                lambda w: f"/accounts/people/members/{_analyst_membership(w).pk}/suspend/",
                split(302, 404),
                body=lambda w: {},
                notes="the organization's admins only, never one's own membership",
            )
        ],
        "accounts/people/members/<int:membership_id>/reinstate/": [
            Row(
                "POST",
                lambda w: f"/accounts/people/members/{_analyst_membership(w).pk}/reinstate/",
                split(302, 404),
                body=lambda w: {},
                notes="the organization's admins only",
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


PAGES.update(
    {
        "directory/hsds/": [
            Row(
                "GET",
                lambda w: "/directory/hsds/",
                split(302, 404, coalition_admin=200),
                notes="HSDS import and export: coalition admins only",
            ),
            Row(
                "POST",
                lambda w: "/directory/hsds/",
                split(302, 404, coalition_admin=302),
                body=lambda w: {"mode": "strict"},
                notes="an import needs a fresh password and code: coalition admin -> reauth",
            ),
        ],
        "directory/hsds/export/": [
            Row("GET", lambda w: "/directory/hsds/export/", split(302, 405)),
            Row(
                "POST",
                lambda w: "/directory/hsds/export/",
                split(302, 404, coalition_admin=200),
                body=lambda w: {},
                notes="the public export as a zip (no confidential location in full)",
            ),
        ],
    }
)


def _case(world: World) -> Any:
    """One case of organization B, opened by provider_b (assigned to them, and its owner)."""
    if "_case" not in world.__dict__:
        from lantern.cases.tests.factories import open_case

        world.__dict__["_case"] = open_case(world)
    return world.__dict__["_case"]


# Case records: provider_b's own case; caseworkers elsewhere, coalition admins and analysts
# get the same 404 as for a case that does not exist.
CASE_OWNER_ONLY = split(302, 404, provider_b=200)
KEEP_CASES = split(302, 200, coalition_admin=404, analyst=404)

PAGES.update(
    {
        "cases/": [
            Row(
                "GET",
                lambda w: "/cases/",
                KEEP_CASES,
                notes="people who keep cases (advocates, provider staff, caseworkers)",
            ),
            Row("POST", lambda w: "/cases/", split(302, 405), body=lambda w: {}),
        ],
        "cases/new/": [
            Row("GET", lambda w: "/cases/new/", KEEP_CASES),
            Row(
                "POST",
                lambda w: "/cases/new/",
                split(302, 302, coalition_admin=404, analyst=404),
                body=lambda w: {"status": "Active"},
                notes="every field may be empty: the case opens, then on to its page",
            ),
        ],
        "cases/handover/": [
            Row(
                "GET",
                lambda w: "/cases/handover/",
                split(302, 404),
                notes="case supervisors only (no persona is one)",
            ),
            Row("POST", lambda w: "/cases/handover/", split(302, 404), body=lambda w: {}),
        ],
        "cases/<uuid:case_id>/": [
            Row("GET", lambda w: f"/cases/{_case(w).pk}/", CASE_OWNER_ONLY),
            Row("POST", lambda w: f"/cases/{_case(w).pk}/", split(302, 405), body=lambda w: {}),
        ],
        "cases/<uuid:case_id>/edit/": [
            Row("GET", lambda w: f"/cases/{_case(w).pk}/edit/", CASE_OWNER_ONLY),
            Row(
                "POST",
                lambda w: f"/cases/{_case(w).pk}/edit/",
                split(302, 404, provider_b=422),
                body=lambda w: {},
                notes="an empty form: the date opened is needed (422); others: not found",
            ),
        ],
        "cases/<uuid:case_id>/history/": [
            Row("GET", lambda w: f"/cases/{_case(w).pk}/history/", CASE_OWNER_ONLY),
            Row(
                "POST",
                lambda w: f"/cases/{_case(w).pk}/history/",
                split(302, 405),
                body=lambda w: {},
            ),
        ],
        "cases/<uuid:case_id>/assign/": [
            Row(
                "GET",
                lambda w: f"/cases/{_case(w).pk}/assign/",
                CASE_OWNER_ONLY,
                notes="the case's owner and its organization's supervisors",
            ),
            Row(
                "POST",
                lambda w: f"/cases/{_case(w).pk}/assign/",
                split(302, 404, provider_b=302),
                body=lambda w: {"action": "assign", "user": str(w["provider_b"].user.pk)},
                notes="assigning someone already assigned changes nothing; back to the page",
            ),
        ],
        "cases/<uuid:case_id>/merge/": [
            Row(
                "GET",
                lambda w: f"/cases/{_case(w).pk}/merge/",
                split(302, 404),
                notes="case supervisors of the organization only (no persona is one)",
            ),
            Row(
                "POST",
                lambda w: f"/cases/{_case(w).pk}/merge/",
                split(302, 404),
                body=lambda w: {"number": "2000-00001"},
            ),
        ],
    }
)


# --- Cases: sharing (shares, transfers, the disclosure log, referrals and cases) ----------


def _sharing_case(world: World) -> Any:
    """A case of Shelter B opened by provider_b (assigned), its identity shared with
    Provider C (so provider_c is a recipient, and still gets 404 on every sharing route)."""
    if "_sharing_case" not in world.__dict__:
        from datetime import timedelta

        from django.utils import timezone

        from lantern.cases.sharing_services import case_share
        from lantern.cases.tests.factories import open_case

        case = open_case(world)
        share = case_share(
            actor=world["provider_b"].user,
            case=case,
            recipient=world.org_c,
            groups=["identity"],
            purpose="continuing services",
            method="written",
            expires_at=timezone.now() + timedelta(days=30),
        )
        world.__dict__["_sharing_case"] = case
        world.__dict__["_sharing_share"] = share
    return world.__dict__["_sharing_case"]


def _sharing_share(world: World) -> Any:
    _sharing_case(world)
    return world.__dict__["_sharing_share"]


def _accepted_referral(world: World) -> Any:
    """A referral from advocate_a to Shelter B with a consented first name, accepted."""
    if "_accepted_referral" not in world.__dict__:
        from lantern.referrals.services import referral_transition
        from lantern.referrals.tests.factories import send

        referral = send(world, shared=True)
        referral_transition(referral=referral, actor=world["provider_b"].user, status="accepted")
        world.__dict__["_accepted_referral"] = referral
    return world.__dict__["_accepted_referral"]


CASE_OWN = split(302, 404, provider_b=200)
CASE_OWN_CONFIRM = split(302, 404, provider_b=302)

PAGES.update(
    {
        "cases/<uuid:case_id>/share/": [
            Row(
                "GET",
                lambda w: f"/cases/{_sharing_case(w).pk}/share/",
                CASE_OWN_CONFIRM,
                notes="the case's own people, after a fresh password and code (-> reauth); "
                "a recipient under a share: 404",
            ),
            Row(
                "POST",
                lambda w: f"/cases/{_sharing_case(w).pk}/share/",
                CASE_OWN_CONFIRM,
                body=lambda w: {"share-recipient": str(w.org_a.pk)},
                notes="not confirmed lately: -> reauth first; everyone else 404",
            ),
        ],
        "cases/<uuid:case_id>/transfer/": [
            Row(
                "GET",
                lambda w: f"/cases/{_sharing_case(w).pk}/transfer/",
                CASE_OWN_CONFIRM,
                notes="the case's own people, after a fresh password and code (-> reauth)",
            ),
            Row(
                "POST",
                lambda w: f"/cases/{_sharing_case(w).pk}/transfer/",
                CASE_OWN_CONFIRM,
                body=lambda w: {"transfer-recipient": str(w.org_a.pk)},
                notes="not confirmed lately: -> reauth first; everyone else 404",
            ),
        ],
        "cases/<uuid:case_id>/shares/<uuid:share_id>/revoke/": [
            Row(
                "POST",
                lambda w: f"/cases/{_sharing_case(w).pk}/shares/{_sharing_share(w).pk}/revoke/",
                CASE_OWN_CONFIRM,
                body=lambda w: {"reason": "withdrawn"},
                notes="the sharing organization (own reach or REVOKE_CONSENT there), after "
                "a fresh confirmation; the recipient and everyone else 404",
            )
        ],
        "cases/<uuid:case_id>/disclosures/": [
            Row(
                "GET",
                lambda w: f"/cases/{_sharing_case(w).pk}/disclosures/",
                CASE_OWN,
                notes="the disclosure log: the case's own people only (a recipient: 404)",
            )
        ],
        "cases/<uuid:case_id>/refer/<uuid:service_id>/": [
            Row(
                "GET",
                lambda w: f"/cases/{_sharing_case(w).pk}/refer/{w.c_public.service_id}/",
                CASE_OWN,
                notes="hold and refer made from the case: its own people who refer",
            ),
            Row(
                "POST",
                lambda w: f"/cases/{_sharing_case(w).pk}/refer/{w.c_public.service_id}/",
                CASE_OWN_CONFIRM,
                body=lambda w: {"share": "nothing"},
                notes="sent and linked to the case: on to the outbox; everyone else 404",
            ),
        ],
        "cases/from-referral/<uuid:referral_id>/": [
            Row(
                "GET",
                lambda w: f"/cases/from-referral/{_accepted_referral(w).pk}/",
                CASE_OWN,
                notes="the receiving organization's people who answer referrals and keep "
                "cases; the referrer and everyone else 404",
            ),
            Row(
                "POST",
                lambda w: f"/cases/from-referral/{_accepted_referral(w).pk}/",
                CASE_OWN_CONFIRM,
                body=lambda w: {},
                notes="the case is opened: on to it; everyone else 404",
            ),
        ],
    }
)


def _outcomes_case(world: World) -> Any:
    """A case of org B opened by provider_b (so assigned to them) with its intake assessment."""
    if "_outcomes_case" not in world.__dict__:
        from django.utils import timezone

        from lantern.cases.assessments import assessment_record
        from lantern.cases.tests.factories import open_case

        case = open_case(world)
        assessment_record(
            actor=world["provider_b"].user,
            case=case,
            kind="intake",
            assessed_on=timezone.localdate(),
            scores={"housing": 2},
        )
        world.__dict__["_outcomes_case"] = case
    return world.__dict__["_outcomes_case"]


def _assessment_form(world: World) -> dict[str, Any]:
    from django.utils import timezone

    return {"kind": "interval", "assessed_on": str(timezone.localdate()), "score_housing": "3"}


PAGES.update(
    {
        "cases/evaluation/": [
            Row(
                "GET",
                lambda w: "/cases/evaluation/",
                split(302, 404),
                notes="case supervisors of their own organizations only; no persona is one "
                "(a supervisor's 200 is in lantern/cases/tests/test_outcomes_pages.py)",
            ),
            Row("POST", lambda w: "/cases/evaluation/", split(302, 405), body=lambda w: {}),
        ],
        "cases/<uuid:case_id>/assessments/": [
            Row(
                "GET",
                lambda w: f"/cases/{_outcomes_case(w).pk}/assessments/",
                split(302, 404, provider_b=200),
                notes="whoever may see the case's assessments: its assigned caseworker here",
            ),
            Row(
                "POST",
                lambda w: f"/cases/{_outcomes_case(w).pk}/assessments/",
                split(302, 404, provider_b=302),
                body=_assessment_form,
                notes="whoever may change the case records one, then back to the page",
            ),
        ],
    }
)


# --- Cases, legal part: retention, legal holds, compelled disclosure, child welfare -------
# No persona keeps legal records or sets retention (organization admins and case supervisors
# do; lantern/cases/tests/test_legal_pages.py covers them). The case and records below are
# of org B, opened by provider_b, who is assigned to it.


def _legal_case(world: World) -> Any:
    if "_legal_case" not in world.__dict__:
        from lantern.cases.tests.factories import open_case

        world.__dict__["_legal_case"] = open_case(world, alias="Matrix Legal")
    return world.__dict__["_legal_case"]


def _legal_keeper(world: World) -> Any:
    if "_legal_keeper" not in world.__dict__:
        from lantern.cases.tests.factories import supervisor

        world.__dict__["_legal_keeper"] = supervisor(world)
    return world.__dict__["_legal_keeper"]


def _legal_hold(world: World) -> Any:
    if "_legal_hold" not in world.__dict__:
        from django.utils import timezone

        from lantern.cases.legal_services import legal_hold_place

        world.__dict__["_legal_hold"] = legal_hold_place(
            actor=_legal_keeper(world),
            case=_legal_case(world),
            reason="matrix",
            until=timezone.localdate(),
        )
    return world.__dict__["_legal_hold"]


def _compelled(world: World) -> Any:
    if "_compelled" not in world.__dict__:
        from datetime import date

        from lantern.cases.compelled import compelled_record

        world.__dict__["_compelled"] = compelled_record(
            actor=_legal_keeper(world),
            case=_legal_case(world),
            order_kind="subpoena",
            received_on=date(2024, 3, 4),
            requested="matrix",
            groups=["identity"],
            legal_review="reviewed",
            reviewed_on=date(2024, 3, 4),
            notification_forbidden=True,
        )
    return world.__dict__["_compelled"]


def _child_report_body(world: World) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "child_report-reported_on": timezone.localdate().isoformat(),
        "child_report-agency": "Matrix County Children's Services",
    }


LEGAL_ONLY = split(302, 404)

PAGES.update(
    {
        "cases/retention/": [
            Row("GET", lambda w: "/cases/retention/", LEGAL_ONLY, notes="organization admins"),
            Row(
                "POST",
                lambda w: "/cases/retention/",
                LEGAL_ONLY,
                body=lambda w: {"organization": str(w.org_b.pk), "amount": "1", "unit": "days"},
                notes="organization admins of that organization",
            ),
        ],
        "cases/legal/": [
            Row("GET", lambda w: "/cases/legal/", LEGAL_ONLY, notes="legal keepers only"),
            Row(
                "POST",
                lambda w: "/cases/legal/",
                LEGAL_ONLY,
                body=lambda w: {
                    "number": _legal_case(w).number,
                    "reason": "matrix",
                    "until": "2099-01-01",
                },
                notes="a hold by case number: legal keepers of the case's organization",
            ),
        ],
        "cases/legal/holds/<int:hold_id>/release/": [
            Row(
                "GET", lambda w: f"/cases/legal/holds/{_legal_hold(w).pk}/release/", split(302, 405)
            ),
            Row(
                "POST",
                lambda w: f"/cases/legal/holds/{_legal_hold(w).pk}/release/",
                LEGAL_ONLY,
                body=lambda w: {},
                notes="a hold on a case of org B: its legal keepers only",
            ),
        ],
        "cases/legal/compelled/new/": [
            Row("GET", lambda w: "/cases/legal/compelled/new/", LEGAL_ONLY),
            Row(
                "POST",
                lambda w: "/cases/legal/compelled/new/",
                LEGAL_ONLY,
                body=lambda w: {"number": _legal_case(w).number},
            ),
        ],
        "cases/legal/compelled/<int:disclosure_id>/": [
            Row("GET", lambda w: f"/cases/legal/compelled/{_compelled(w).pk}/", LEGAL_ONLY),
            Row(
                "POST",
                lambda w: f"/cases/legal/compelled/{_compelled(w).pk}/",
                LEGAL_ONLY,
                body=lambda w: {"notice": "forbidden"},
            ),
        ],
        "cases/legal/compelled/<int:disclosure_id>/release/": [
            Row(
                "GET",
                lambda w: f"/cases/legal/compelled/{_compelled(w).pk}/release/",
                split(302, 405),
            ),
            Row(
                "POST",
                lambda w: f"/cases/legal/compelled/{_compelled(w).pk}/release/",
                LEGAL_ONLY,
                body=lambda w: {},
                notes="a release of personal data: legal keepers, after re-authentication",
            ),
        ],
        "cases/<uuid:case_id>/legal-hold/": [
            Row("GET", lambda w: f"/cases/{_legal_case(w).pk}/legal-hold/", LEGAL_ONLY),
            Row(
                "POST",
                lambda w: f"/cases/{_legal_case(w).pk}/legal-hold/",
                LEGAL_ONLY,
                body=lambda w: {"legal_hold-reason": "matrix", "legal_hold-until": "2099-01-01"},
                notes="the assigned caseworker keeps no legal records: 404 as for anyone",
            ),
        ],
        "cases/<uuid:case_id>/child-report/": [
            Row(
                "GET",
                lambda w: f"/cases/{_legal_case(w).pk}/child-report/",
                split(302, 404, provider_b=200),
                notes="whoever may edit the case: provider_b is assigned",
            ),
            Row(
                "POST",
                lambda w: f"/cases/{_legal_case(w).pk}/child-report/",
                split(302, 404, provider_b=302),
                body=_child_report_body,
                notes="recorded, then back to the case page",
            ),
        ],
    }
)


# --- Cases: the work on a case (plan, tasks, notes, documents, approvals, supervision) ----


def _work_case(world: World) -> Any:
    """A case of org B opened by provider_b (assigned to it, owned by it)."""
    if "_work_case" not in world.__dict__:
        from lantern.cases.tests.factories import open_case

        world.__dict__["_work_case"] = open_case(world)
    return world.__dict__["_work_case"]


def _work_reach(world: World) -> Any:
    from lantern.cases.selectors import reach_for

    return reach_for(world["provider_b"].user, _work_case(world))


def _work_goal(world: World) -> Any:
    if "_work_goal" not in world.__dict__:
        from lantern.cases.work_services import goal_add

        world.__dict__["_work_goal"] = goal_add(
            actor=world["provider_b"].user,
            case=_work_case(world),
            reach=_work_reach(world),
            domain="housing",
            text="A safe place to stay",
        )
    return world.__dict__["_work_goal"]


def _work_task(world: World) -> Any:
    if "_work_task" not in world.__dict__:
        from django.utils import timezone

        from lantern.cases.work_services import task_add

        world.__dict__["_work_task"] = task_add(
            actor=world["provider_b"].user,
            case=_work_case(world),
            reach=_work_reach(world),
            title="Call the housing office",
            due_on=timezone.localdate(),
        )
    return world.__dict__["_work_task"]


WORK_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _work_document(world: World) -> Any:
    """A stored PDF (case documents of a test run go to a temporary folder: conftest)."""
    if "_work_document" not in world.__dict__:
        from lantern.cases.work_services import document_add

        world.__dict__["_work_document"] = document_add(
            actor=world["provider_b"].user,
            case=_work_case(world),
            reach=_work_reach(world),
            data=WORK_PDF,
            filename="lease.pdf",
            document_type="legal",
        )
    return world.__dict__["_work_document"]


def _work_approval(world: World) -> Any:
    """The case's plan, put forward by provider_b and waiting for a supervisor."""
    if "_work_approval" not in world.__dict__:
        from lantern.cases.approvals import approval_request

        _work_goal(world)
        world.__dict__["_work_approval"] = approval_request(
            actor=world["provider_b"].user,
            case=_work_case(world),
            reach=_work_reach(world),
            kind="plan",
        ).approval
    return world.__dict__["_work_approval"]


def _work_upload(world: World) -> dict[str, Any]:
    import io

    handle = io.BytesIO(WORK_PDF)
    handle.name = "scan.pdf"
    return {"document_type": "identity", "file": handle}


def _work_url(suffix: str) -> Callable[[World], str]:
    return lambda w: f"/cases/{_work_case(w).pk}/{suffix}"


# The case's own caseworker (provider_b) only; nobody else sees the case at all.
WORK_WRITE = split(302, 404, provider_b=302)

PAGES.update(
    {
        "cases/supervision/": [
            Row(
                "GET",
                lambda w: "/cases/supervision/",
                split(302, 404),
                notes="case supervisors only (no persona is one: tested in cases/tests)",
            ),
            Row("POST", lambda w: "/cases/supervision/", split(302, 405), body=lambda w: {}),
        ],
        "cases/<uuid:case_id>/work/": [
            Row(
                "GET",
                _work_url("work/"),
                split(302, 404, provider_b=200),
                notes="plan, notes, documents: the case's reach (shared reach: tested apart)",
            ),
            Row("POST", _work_url("work/"), split(302, 405), body=lambda w: {}),
        ],
        "cases/<uuid:case_id>/goals/": [
            Row(
                "POST",
                _work_url("goals/"),
                WORK_WRITE,
                body=lambda w: {"domain": "safety", "text": "A goal"},
                notes="added: back to the work page",
            )
        ],
        "cases/<uuid:case_id>/goals/<int:goal_id>/": [
            Row(
                "POST",
                lambda w: f"/cases/{_work_case(w).pk}/goals/{_work_goal(w).pk}/",
                WORK_WRITE,
                body=lambda w: {"status": "met"},
            )
        ],
        "cases/<uuid:case_id>/tasks/": [
            Row(
                "POST",
                _work_url("tasks/"),
                WORK_WRITE,
                body=lambda w: {
                    "title": "A task",
                    "due_on": "2099-01-31",
                    "assignee": str(w["provider_b"].user.pk),
                },
            )
        ],
        "cases/<uuid:case_id>/tasks/<int:task_id>/": [
            Row(
                "POST",
                lambda w: f"/cases/{_work_case(w).pk}/tasks/{_work_task(w).pk}/",
                WORK_WRITE,
                body=lambda w: {"due_on": "2099-02-28", "assignee": str(w["provider_b"].user.pk)},
            )
        ],
        "cases/<uuid:case_id>/tasks/<int:task_id>/done/": [
            Row(
                "POST",
                lambda w: f"/cases/{_work_case(w).pk}/tasks/{_work_task(w).pk}/done/",
                WORK_WRITE,
                body=lambda w: {},
            )
        ],
        "cases/<uuid:case_id>/notes/": [
            Row(
                "POST",
                _work_url("notes/"),
                WORK_WRITE,
                body=lambda w: {"body": "A note"},
                notes="the case's own people, or a share that allows notes (tested apart)",
            )
        ],
        "cases/<uuid:case_id>/documents/": [
            Row(
                "POST",
                _work_url("documents/"),
                WORK_WRITE,
                body=_work_upload,
                notes="a multipart upload, checked by content",
            )
        ],
        "cases/<uuid:case_id>/documents/<uuid:document_id>/": [
            Row(
                "GET",
                lambda w: f"/cases/{_work_case(w).pk}/documents/{_work_document(w).pk}/",
                split(302, 404, provider_b=200),
                notes="every download audited; a share without documents: 404 (tested apart)",
            ),
            Row(
                "POST",
                lambda w: f"/cases/{_work_case(w).pk}/documents/{_work_document(w).pk}/",
                split(302, 405),
                body=lambda w: {},
            ),
        ],
        "cases/<uuid:case_id>/approvals/": [
            Row(
                "POST",
                _work_url("approvals/"),
                WORK_WRITE,
                body=lambda w: {"kind": "closure", "closing_status": "Closed"},
            )
        ],
        "cases/<uuid:case_id>/approvals/<int:approval_id>/": [
            Row(
                "POST",
                lambda w: f"/cases/{_work_case(w).pk}/approvals/{_work_approval(w).pk}/",
                split(302, 404),
                body=lambda w: {"decision": "approve"},
                notes="supervisors of the case's organization only (tested in cases/tests)",
            )
        ],
    }
)
