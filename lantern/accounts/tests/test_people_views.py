"""The invitation page (password and authenticator in one step) and the people page."""

import re
from base64 import b32decode

import pytest
from django.test import Client
from django_otp.oath import TOTP

from lantern.accounts.membership_services import invitation_create
from lantern.accounts.models import Invitation, Membership, Role, User
from lantern.testing import link_path

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-password-9"


def _path(link: str) -> str:
    return link_path(link)


def _code(secret: str) -> str:
    return f"{TOTP(b32decode(secret), 30, 0, 6, 0).token():06d}"


def _invite(world, org_admin_b, email: str = "new.person@example.test") -> str:
    issued = invitation_create(
        actor=org_admin_b.user, organization=world.org_b, email=email, role=Role.PROVIDER_STAFF
    )
    assert issued.link
    return _path(issued.link)


def test_a_new_person_sets_password_and_authenticator_in_one_step(world, org_admin_b):
    path = _invite(world, org_admin_b)
    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    secret = re.search(rb'data-testid="totp-secret">([A-Z2-7=]+)<', page.content).group(1).decode()
    response = client.post(
        path,
        {
            "display_name": "New Person",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "token": _code(secret),
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/staff/"
    user = User.objects.get(email="new.person@example.test")
    assert user.check_password(NEW_PASSWORD) and user.display_name == "New Person"
    assert Membership.objects.filter(user=user, organization=world.org_b).exists()
    # Logged in with both factors: the staff pages open.
    assert client.get("/provider/capacity/").status_code == 200
    # The link worked once.
    assert Client().get(path).status_code == 404


def test_a_wrong_code_keeps_the_page_and_creates_nothing(world, org_admin_b):
    path = _invite(world, org_admin_b)
    client = Client(enforce_csrf_checks=True)
    client.get(path)
    response = client.post(
        path,
        {
            "display_name": "New Person",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "token": "000000",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 200 and b"did not work" in response.content
    assert not User.objects.filter(email="new.person@example.test").exists()


def test_a_forged_link_is_not_found():
    assert Client().get("/accounts/invitation/not-a-real-token/").status_code == 404


def test_someone_logged_in_as_another_person_gets_not_found(world, org_admin_b):
    path = _invite(world, org_admin_b)
    assert world["provider_c"].client().get(path).status_code == 404


def test_an_existing_account_logs_in_then_accepts(world, org_admin_b):
    persona = world["advocate_a"]
    path = _invite(world, org_admin_b, email=persona.user.email)
    anonymous = Client().get(path)
    assert anonymous.status_code == 200 and b"/accounts/login/?next=" in anonymous.content
    client = persona.client()
    assert client.get(path).status_code == 200
    response = client.post(path, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 302
    assert Membership.objects.filter(user=persona.user, organization=world.org_b).exists()


def _post(client: Client, url: str, data: dict | None = None):
    client.get("/accounts/login/")
    return client.post(
        url, {**(data or {}), "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )


def test_people_page_is_for_organization_and_coalition_admins(world, org_admin_b):
    page = org_admin_b.client().get("/accounts/people/")
    assert page.status_code == 200
    assert b"provider_b@example.test" in page.content
    assert world["coalition_admin"].client().get("/accounts/people/").status_code == 200
    assert world["provider_b"].client().get("/accounts/people/").status_code == 404
    # A password-only session is sent to the second factor.
    unverified = org_admin_b.client(verified=False).get("/accounts/people/")
    assert unverified.status_code == 302 and unverified["Location"] == "/accounts/two-factor/"


def test_organization_admin_invites_confirms_and_removes_on_the_page(world, org_admin_b):
    client = org_admin_b.client()
    response = _post(
        client,
        "/accounts/people/invite/",
        {"organization": str(world.org_b.pk), "email": "x@example.test", "role": "advocate"},
    )
    assert response.status_code == 302
    assert Invitation.objects.filter(organization=world.org_b, role="advocate").exists()

    asked = invitation_create(
        actor=world["coalition_admin"].user,
        organization=world.org_b,
        email="y@example.test",
        role=Role.PROVIDER_STAFF,
    ).invitation
    assert _post(client, f"/accounts/people/invitations/{asked.pk}/confirm/").status_code == 302
    asked.refresh_from_db()
    assert asked.confirmed_by == org_admin_b.user

    membership = Membership.objects.get(user=world["provider_b"].user)
    url = f"/accounts/people/members/{membership.pk}/remove/"
    assert _post(world["provider_c"].client(), url).status_code == 404
    assert _post(client, url).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_coalition_admin_cannot_invite_into_a_populated_organization_on_the_page(world):
    client = world["coalition_admin"].client()
    response = _post(
        client,
        "/accounts/people/invite/",
        {
            "organization": str(world.org_b.pk),
            "email": "me2@example.test",
            "role": "provider_staff",
        },
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()
