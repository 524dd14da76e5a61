"""The Django admin grants nothing around the membership policy (threat-model row 35).

The attack: a coalition admin makes themselves a member of the organization that owns a
confidential site (by adding a membership, by linking an account organization to its HSDS
organization, or by moving the site) and then reads its address from the API.
"""

import pytest

from lantern.accounts.models import Membership, Organization, Role, User
from lantern.audit.models import AuditEvent
from lantern.testing import Persona

pytestmark = pytest.mark.django_db


def _csrf(client, url: str) -> str:
    assert client.get(url).status_code == 200
    return client.cookies["csrftoken"].value


def _sees_exact_address(world, persona) -> bool:
    body = persona.client().get(
        f"/api/v1/service_at_locations/{world.b_confidential.pk}", **persona.api_headers()
    )
    assert body.status_code == 200
    return "latitude" in body.json()["location"]


def test_coalition_admin_cannot_add_a_membership_in_the_admin(world):
    admin = world["coalition_admin"]
    client = admin.client()
    token = _csrf(client, "/admin/accounts/membership/")
    response = client.post(
        "/admin/accounts/membership/add/",
        {
            "user": str(admin.user.pk),
            "organization": str(world.org_b.pk),
            "role": Role.PROVIDER_STAFF,
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=admin.user, organization=world.org_b).exists()
    assert not _sees_exact_address(world, admin)


def test_coalition_admin_cannot_relink_their_organization_to_a_provider(world):
    admin = world["coalition_admin"]
    client = admin.client()
    url = f"/admin/accounts/organization/{world.coalition.pk}/change/"
    token = _csrf(client, url)
    response = client.post(
        url,
        {
            "name": "Coalition",
            "hsds_organization": str(world.hsds_b.pk),
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    world.coalition.refresh_from_db()
    assert world.coalition.hsds_organization_id is None
    assert not _sees_exact_address(world, admin)


def test_a_new_organization_cannot_take_over_a_linked_provider(world):
    client = world["coalition_admin"].client()
    token = _csrf(client, "/admin/accounts/organization/add/")
    response = client.post(
        "/admin/accounts/organization/add/",
        {
            "name": "Shelter B too",
            "hsds_organization": str(world.hsds_b.pk),
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 200  # the form, with an error
    assert not Organization.objects.filter(name="Shelter B too").exists()


def test_coalition_admin_cannot_move_a_confidential_location(world):
    client = world["coalition_admin"].client()
    location = world.b_confidential.location
    url = f"/admin/directory/location/{location.pk}/change/"
    page = client.get(url)
    assert "organization" not in page.context["adminform"].form.fields


def test_coalition_admin_cannot_take_over_an_account(world):
    """Changing someone's e-mail or password would hand over their memberships."""
    client = world["coalition_admin"].client()
    target = world["provider_b"].user
    page = client.get(f"/admin/accounts/user/{target.pk}/change/")
    fields = page.context["adminform"].form.fields
    assert "email" not in fields and "sms_number" not in fields
    password_url = f"/admin/accounts/user/{target.pk}/password/"
    assert client.get(password_url).status_code == 403
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_user_change_in_admin_is_audited_without_values(world):
    client = world["coalition_admin"].client()
    target = world["provider_b"].user
    url = f"/admin/accounts/user/{target.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in ("display_name", "preferred_language")}
    data["display_name"] = "Renamed Person"
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{k}": str(v) for k, v in management.initial.items()})
        for inline_form in inline.formset.forms:
            data[f"{inline_form.prefix}-id"] = str(inline_form.instance.pk)
            data[f"{inline_form.prefix}-user"] = str(target.pk)
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    response = client.post(url, data)  # is_active unticked: not sent
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.display_name == "Renamed Person" and not target.is_active
    event = AuditEvent.objects.filter(action="admin.change").latest("id")
    assert event.object_type == "accounts.user"
    assert event.detail == {"fields": ["display_name", "is_active"]}


def test_superuser_adds_a_user_with_a_lowercase_email(world):
    root = User.objects.create_superuser("root@example.test", "a-long-password-1")
    client = Persona("root", root).client()
    token = _csrf(client, "/admin/accounts/user/add/")
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.test",
            "display_name": "New Person",
            "preferred_language": "es",
            "usable_password": "true",
            "password1": "a-long-password-3",
            "password2": "a-long-password-3",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.test")
    assert user.preferred_language == "es" and not user.is_staff
    assert AuditEvent.objects.filter(action="admin.add", object_id=str(user.pk)).exists()


def test_memberships_and_invitations_are_view_only_even_for_superusers(world):
    root = User.objects.create_superuser("root@example.test", "a-long-password-1")
    client = Persona("root", root).client()
    assert client.get("/admin/accounts/membership/add/").status_code == 403
    assert client.get("/admin/accounts/invitation/add/").status_code == 403
    membership = Membership.objects.filter(user=world["provider_b"].user).first()
    page = client.get(f"/admin/accounts/membership/{membership.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_the_migration_narrowed_the_group(db):
    from django.contrib.auth.models import Group

    from lantern.accounts.services import COALITION_ADMIN_GROUP

    codenames = set(
        Group.objects.get(name=COALITION_ADMIN_GROUP).permissions.values_list("codename", flat=True)
    )
    assert "view_invitation" in codenames
    assert not {"add_user", "add_membership", "change_membership"} & codenames


def test_password_change_by_a_superuser_is_audited(world):
    root = User.objects.create_superuser("root@example.test", "a-long-password-1")
    client = Persona("root", root).client()
    target = world["provider_b"].user
    url = f"/admin/accounts/user/{target.pk}/password/"
    token = _csrf(client, url)
    response = client.post(
        url,
        {
            "password1": "a-brand-new-password-2",
            "password2": "a-brand-new-password-2",
            "usable_password": "true",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("a-brand-new-password-2")
    event = AuditEvent.objects.get(action="admin.password_change")
    assert event.object_id == str(target.pk) and event.actor == root
