"""`lantern invite` and the demo's organization admin."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lantern.accounts.enrolment import secret_text, totp_demo_device
from lantern.accounts.models import Invitation, Membership, Role, User
from lantern.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_invite_prints_the_link_once_and_audits(world):
    out = StringIO()
    call_command(
        "invite",
        "First.Admin@Example.test",
        "--organization",
        str(world.org_b.pk),
        "--role",
        Role.ORGANIZATION_ADMIN,
        stdout=out,
    )
    link = out.getvalue().strip()
    assert "/accounts/invitation/" in link
    invitation = Invitation.objects.get()
    assert invitation.email == "first.admin@example.test"
    assert invitation.role == Role.ORGANIZATION_ADMIN and not invitation.needs_confirmation
    event = AuditEvent.objects.get(action="invitation.create")
    assert event.actor is None and "email" not in event.detail


def test_invite_names_the_bad_argument(world):
    with pytest.raises(CommandError, match="organization"):
        call_command("invite", "x@example.test", "--organization", "nope", "--role", "advocate")
    with pytest.raises(CommandError, match="email"):
        call_command(
            "invite", "not-an-address", "--organization", str(world.org_b.pk), "--role", "advocate"
        )


def test_demo_seed_has_an_organization_admin_login(db):
    call_command("demo", "seed", "--services", "5", stdout=StringIO())
    admin = User.objects.get(email="orgadmin@demo.lantern.test")
    membership = Membership.objects.get(user=admin)
    assert membership.role == Role.ORGANIZATION_ADMIN
    provider = Membership.objects.get(user__email="provider@demo.lantern.test")
    assert membership.organization == provider.organization
    out = StringIO()
    call_command("demo", "logins", stdout=out)
    assert "orgadmin@demo.lantern.test" in out.getvalue()


def test_demo_logins_print_what_signs_in(db, client):
    """A newcomer signs in to the demo with what `lantern demo logins` prints alone:
    password, then the code shown (two-factor stays mandatory)."""
    call_command("demo", "seed", "--services", "5", stdout=StringIO())
    out = StringIO()
    call_command("demo", "logins", stdout=out)
    line = next(x for x in out.getvalue().splitlines() if "advocate@demo.lantern.test" in x)
    match = re.search(r"setup key ([A-Z2-7]+)  code now (\d{6})", line)
    assert match, line
    password = re.search(r"password: (\S+)", out.getvalue()).group(1)
    client.post(
        "/accounts/login/", {"username": "advocate@demo.lantern.test", "password": password}
    )
    response = client.post("/accounts/two-factor/", {"token": match.group(2)})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/").context["user"].is_verified()
    # Seeding the accounts again keeps the key someone may already have added to an app.
    user = User.objects.get(email="advocate@demo.lantern.test")
    assert secret_text(totp_demo_device(user=user).key) == match.group(1)


def test_demo_data_is_refused_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo", "seed", "--services", "5", stdout=StringIO())
    with pytest.raises(CommandError, match="production"):
        call_command("demo", "logins", stdout=StringIO())
