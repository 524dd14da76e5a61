"""Roles are a registry: policies ask capabilities."""

import pytest

from lantern.accounts.roles import REGISTRY, Capability, Role, register, role_choices, roles_with
from lantern.accounts.selectors import has_capability, organization_ids_with

pytestmark = pytest.mark.django_db


def test_every_role_has_a_label_and_the_choices_follow_the_registry():
    assert [code for code, _ in role_choices()] == list(REGISTRY)
    assert Role.ORGANIZATION_ADMIN in REGISTRY
    for spec in REGISTRY.values():
        assert str(spec.label)


def test_capabilities_are_what_the_policies_ask():
    assert set(roles_with(Capability.REFER)) == {
        Role.ADVOCATE,
        Role.PROVIDER_STAFF,
        Role.COALITION_ADMIN,
        Role.CASEWORKER,
        Role.CASE_SUPERVISOR,
    }
    assert roles_with(Capability.ANSWER_REFERRALS) == (Role.PROVIDER_STAFF,)
    assert set(roles_with(Capability.VIEW_METRICS)) == {Role.COALITION_ADMIN, Role.ANALYST}
    assert roles_with(Capability.MANAGE_MEMBERS) == (Role.ORGANIZATION_ADMIN,)
    assert not REGISTRY[Role.COALITION_ADMIN].invitable
    # Case records: nobody outside the organization's caseworkers and supervisors.
    assert set(roles_with(Capability.KEEP_CASES)) == {
        Role.ADVOCATE,
        Role.PROVIDER_STAFF,
        Role.CASEWORKER,
        Role.CASE_SUPERVISOR,
    }
    assert roles_with(Capability.SUPERVISE_CASES) == (Role.CASE_SUPERVISOR,)
    assert set(roles_with(Capability.KEEP_LEGAL_RECORDS)) == {
        Role.ORGANIZATION_ADMIN,
        Role.CASE_SUPERVISOR,
    }
    assert roles_with(Capability.SET_RETENTION) == (Role.ORGANIZATION_ADMIN,)


def test_a_role_is_registered_once():
    with pytest.raises(ValueError, match="twice"):
        register(Role.ADVOCATE, "Again")


def test_capability_lookups_are_per_organization(world, org_admin_b):
    assert organization_ids_with(org_admin_b.user, Capability.MANAGE_MEMBERS) == {world.org_b.pk}
    assert not has_capability(org_admin_b.user, Capability.REFER)
    assert has_capability(world["advocate_a"].user, Capability.REFER)
    assert not has_capability(world["analyst"].user, Capability.REFER)


def test_the_spanish_labels_exist():
    from django.utils import translation

    with translation.override("es"):
        assert str(REGISTRY[Role.ORGANIZATION_ADMIN].label) != "Organization admin"
