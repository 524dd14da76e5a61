"""A suspended member is told nothing (staff notifications go to in-force members)."""

import pytest

from lantern.accounts.membership_services import membership_reinstate, membership_suspend
from lantern.accounts.models import Membership, Role
from lantern.notify.services import notify_organization_staff

pytestmark = pytest.mark.django_db


def _recipients(world) -> set:
    sent = notify_organization_staff(
        organization=world.org_b, roles=[Role.PROVIDER_STAFF], kind="referral_new", link_path="/"
    )
    return {n.recipient_id for n in sent}


def test_notifications_skip_a_suspended_member(world):
    provider = world["provider_b"].user
    assert provider.pk in _recipients(world)
    membership = Membership.everyone.get(user=provider)
    membership_suspend(membership=membership, actor=None)  # the operator
    assert provider.pk not in _recipients(world)
    membership_reinstate(membership=Membership.everyone.get(pk=membership.pk), actor=None)
    assert provider.pk in _recipients(world)
