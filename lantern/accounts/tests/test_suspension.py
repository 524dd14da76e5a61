"""Suspending a member: the membership grants nothing at once (confidential places,
referrals, the Django admin) and comes back whole when reinstated. Notifications:
lantern/notify/tests/test_suspended_members.py."""

import pytest

from lantern.accounts.membership_services import (
    membership_add,
    membership_reinstate,
    membership_suspend,
)
from lantern.accounts.models import Membership, Role
from lantern.accounts.roles import Capability
from lantern.accounts.selectors import hsds_organization_ids_of, organization_ids_with
from lantern.audit.models import AuditEvent
from lantern.core.errors import NotFound
from lantern.testing import UserFactory

pytestmark = pytest.mark.django_db


def _membership(persona) -> Membership:
    return Membership.everyone.get(user=persona.user)


def _fresh(user):
    """The same person as a new request sees them (per-request caches dropped)."""
    return type(user).objects.get(pk=user.pk)


def test_a_suspended_member_loses_every_grant_and_gets_them_back(world, org_admin_b):
    provider = world["provider_b"]
    membership = _membership(provider)
    confidential = f"/api/v1/service_at_locations/{world.b_confidential.pk}"
    exact = provider.client().get(confidential).json()["location"]["latitude"]

    membership_suspend(membership=membership, actor=org_admin_b.user)

    user = _fresh(provider.user)
    assert hsds_organization_ids_of(user) == set()
    assert organization_ids_with(user, Capability.ANSWER_REFERRALS) == set()
    assert provider.client().get("/desk/inbox/").status_code == 404
    shown = provider.client().get(confidential).json()
    assert shown.get("location", {}).get("latitude") != exact  # the public, coarse view
    page = org_admin_b.client().get("/accounts/people/").content.decode()
    assert 'data-testid="suspended"' in page and provider.user.email in page

    membership_reinstate(
        membership=Membership.everyone.get(pk=membership.pk), actor=org_admin_b.user
    )
    user = _fresh(provider.user)
    assert hsds_organization_ids_of(user) == {str(world.hsds_b.pk)}
    assert provider.client().get("/desk/inbox/").status_code == 200
    assert provider.client().get(confidential).json()["location"]["latitude"] == exact
    actions = list(
        AuditEvent.objects.filter(object_id=str(membership.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["membership.suspend", "membership.reinstate"]


def test_only_the_organizations_admins_suspend_and_never_themselves(world, org_admin_b):
    membership = _membership(world["provider_b"])
    for outsider in ("provider_b", "provider_c", "coalition_admin", "advocate_a", "analyst"):
        with pytest.raises(NotFound):
            membership_suspend(membership=membership, actor=world[outsider].user)
    assert Membership.everyone.get(pk=membership.pk).suspended is None
    own = Membership.everyone.get(user=org_admin_b.user)
    with pytest.raises(NotFound):
        membership_suspend(membership=own, actor=org_admin_b.user)


def test_the_pages_suspend_and_reinstate_with_csrf(world, org_admin_b):
    membership = _membership(world["provider_b"])
    client = org_admin_b.client()
    page = client.get("/accounts/people/")
    token = client.cookies["csrftoken"].value
    assert f"/accounts/people/members/{membership.pk}/suspend/" in page.content.decode()
    response = client.post(
        f"/accounts/people/members/{membership.pk}/suspend/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Membership.everyone.get(pk=membership.pk).suspended is not None
    assert not Membership.objects.filter(pk=membership.pk).exists()
    response = client.post(
        f"/accounts/people/members/{membership.pk}/reinstate/", {"csrfmiddlewaretoken": token}
    )
    assert Membership.objects.get(pk=membership.pk).suspended is None
    # Without the form's token: refused, nothing changes.
    assert client.post(f"/accounts/people/members/{membership.pk}/suspend/").status_code == 403
    assert Membership.objects.get(pk=membership.pk).suspended is None


def test_a_suspended_coalition_admin_loses_the_django_admin(world):
    admin = world["coalition_admin"].user
    boss = UserFactory(email="coalition-org-admin@example.test")
    membership_add(
        user=boss, organization=world.coalition, role=Role.ORGANIZATION_ADMIN, actor=None
    )
    membership = Membership.everyone.get(user=admin, role=Role.COALITION_ADMIN)
    membership_suspend(membership=membership, actor=boss)
    admin.refresh_from_db()
    assert not admin.is_staff
    membership_reinstate(membership=Membership.everyone.get(pk=membership.pk), actor=boss)
    admin.refresh_from_db()
    assert admin.is_staff


def test_granting_again_reinstates(world, org_admin_b):
    membership = _membership(world["provider_b"])
    membership_suspend(membership=membership, actor=org_admin_b.user)
    membership_add(
        user=world["provider_b"].user,
        organization=world.org_b,
        role=Role.PROVIDER_STAFF,
        actor=None,
    )
    assert Membership.objects.get(pk=membership.pk).suspended is None
    assert Membership.everyone.filter(user=world["provider_b"].user).count() == 1
