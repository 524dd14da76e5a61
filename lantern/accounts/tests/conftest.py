import pytest

from lantern.accounts.models import Role
from lantern.accounts.services import membership_add, token_create
from lantern.testing import Persona, UserFactory


@pytest.fixture
def org_admin_b(world) -> Persona:
    """An organization admin of organization B (Shelter B)."""
    user = UserFactory(email="org_admin_b@example.test")
    membership_add(user=user, organization=world.org_b, role=Role.ORGANIZATION_ADMIN, actor=None)
    return Persona("org_admin_b", user, token_create(user=user).secret)
