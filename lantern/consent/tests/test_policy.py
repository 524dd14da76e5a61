"""Who sees and who may withdraw a consent, for every persona."""

import uuid

import pytest

from lantern.accounts.models import Role
from lantern.accounts.services import membership_add
from lantern.consent import policy
from lantern.consent.selectors import consent_for_revoke, consent_for_user, consents_visible_to
from lantern.consent.tests.factories import ConsentFactory
from lantern.core.errors import NotFound
from lantern.testing import PERSONAS, UserFactory

pytestmark = pytest.mark.django_db

# A consent recorded by org A (advocate_a) for recipient org B (provider_b).
SEES = {"advocate_a", "provider_b", "coalition_admin"}
REVOKES = {"advocate_a"}


@pytest.fixture
def consent(world):
    return ConsentFactory(
        granted_by_organization=world.org_a,
        recipient=world.org_b,
        attested_by=world["advocate_a"].user,
    )


@pytest.fixture
def elsewhere(world):
    """A consent between organizations none of the personas belongs to."""
    return ConsentFactory()


@pytest.mark.parametrize("persona", PERSONAS)
def test_view_by_persona(world, consent, persona):
    user = world[persona].user
    allowed = persona in SEES
    assert policy.may_view(user, consent) is allowed
    assert (consent in consents_visible_to(user)) is allowed
    if allowed:
        assert consent_for_user(user, consent.pk) == consent
    else:
        with pytest.raises(NotFound):
            consent_for_user(user, consent.pk)


@pytest.mark.parametrize("persona", PERSONAS)
def test_revoke_by_persona(world, consent, persona):
    user = world[persona].user
    allowed = persona in REVOKES
    assert policy.may_revoke(user, consent) is allowed
    if allowed:
        assert consent_for_revoke(user, consent.pk) == consent
    else:
        with pytest.raises(NotFound):
            consent_for_revoke(user, consent.pk)


@pytest.mark.parametrize("persona", PERSONAS)
def test_missing_and_not_allowed_look_the_same(world, elsewhere, persona):
    user = world[persona].user
    for consent_id in (uuid.uuid4(), "not-a-uuid", None):
        with pytest.raises(NotFound):
            consent_for_user(user, consent_id)
        with pytest.raises(NotFound):
            consent_for_revoke(user, consent_id)
    if persona == "coalition_admin":
        assert consent_for_user(user, elsewhere.pk) == elsewhere
    else:
        with pytest.raises(NotFound):
            consent_for_user(user, elsewhere.pk)
    with pytest.raises(NotFound):
        consent_for_revoke(user, elsewhere.pk)


def test_visible_lists_exactly_own_organizations(world, consent, elsewhere):
    to_c = ConsentFactory(granted_by_organization=world.org_a, recipient=world.org_c)
    assert set(consents_visible_to(world["advocate_a"].user)) == {consent, to_c}
    assert set(consents_visible_to(world["provider_b"].user)) == {consent}
    assert set(consents_visible_to(world["provider_c"].user)) == {to_c}
    assert set(consents_visible_to(world["analyst"].user)) == set()
    assert set(consents_visible_to(world["anonymous"].user)) == set()
    assert set(consents_visible_to(world["coalition_admin"].user)) == {consent, to_c, elsewhere}


@pytest.mark.parametrize(
    ("role", "revokes"),
    [
        (Role.ADVOCATE, True),
        (Role.COALITION_ADMIN, True),
        (Role.PROVIDER_STAFF, False),
        (Role.ANALYST, False),
    ],
)
def test_revoking_roles_within_the_granting_organization(world, consent, role, revokes):
    member = UserFactory()
    membership_add(user=member, organization=world.org_a, role=role, actor=None)
    assert policy.may_view(member, consent)
    assert policy.may_revoke(member, consent) is revokes


def test_an_advocate_of_the_recipient_cannot_revoke(world, consent):
    member = UserFactory()
    membership_add(user=member, organization=world.org_b, role=Role.ADVOCATE, actor=None)
    assert policy.may_view(member, consent)
    assert not policy.may_revoke(member, consent)


def test_inactive_or_logged_out_user_sees_nothing(world, consent):
    from django.contrib.auth.models import AnonymousUser

    assert not policy.may_view(AnonymousUser(), consent)
    assert not policy.may_view(None, consent)
    assert not consents_visible_to(AnonymousUser()).exists()
