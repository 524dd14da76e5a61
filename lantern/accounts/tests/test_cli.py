"""`lantern invite` and the demo's organization admin."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

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
