"""The coalition admins' pages: who gets in, what they can change, what they never see."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from lantern.accounts.models import ApiToken, Membership, User
from lantern.accounts.services import COALITION_ADMIN_GROUP
from lantern.audit.models import AuditEvent
from lantern.directory.models import Location, Service, ServiceCapacity
from lantern.directory.verification import admin_overdue_url
from lantern.testing import link_path

pytestmark = pytest.mark.django_db


def _csrf(client, url: str) -> str:
    assert client.get(url).status_code == 200
    return client.cookies["csrftoken"].value


def _form_data(response) -> dict:
    """What the browser would send back for the admin form as shown (nothing changed)."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    return data


@pytest.fixture
def admin_client(world):
    return world["coalition_admin"].client()


def _pages(world) -> list[str]:
    b_service = world.b_public.service
    token = ApiToken.objects.filter(user=world["provider_b"].user).first()
    membership = Membership.objects.filter(user=world["provider_b"].user).first()
    return [
        "/admin/",
        "/admin/directory/",
        "/admin/accounts/",
        "/admin/directory/organization/",
        f"/admin/directory/organization/{world.hsds_b.pk}/change/",
        "/admin/directory/organization/add/",
        "/admin/directory/service/",
        "/admin/directory/service/?verification=overdue",
        "/admin/directory/service/?verification=current",
        f"/admin/directory/service/{b_service.pk}/change/",
        "/admin/directory/service/add/",
        "/admin/directory/location/",
        f"/admin/directory/location/{world.b_public.location_id}/change/",
        f"/admin/directory/location/{world.b_confidential.location_id}/change/",
        "/admin/directory/location/add/",
        "/admin/directory/servicecapacity/",
        f"/admin/directory/servicecapacity/{b_service.capacities.get().pk}/change/",
        "/admin/directory/taxonomy/",
        "/admin/directory/taxonomyterm/",
        "/admin/directory/unit/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{world['provider_b'].user.pk}/change/",
        "/admin/accounts/organization/",
        f"/admin/accounts/organization/{world.org_b.pk}/change/",
        "/admin/accounts/membership/",
        f"/admin/accounts/membership/{membership.pk}/change/",
        "/admin/accounts/invitation/",
        "/admin/accounts/apitoken/",
        f"/admin/accounts/apitoken/{token.pk}/change/",
        "/admin/audit/auditevent/",
    ]


def test_admin_pages_load_for_coalition_admin(world, admin_client):
    for url in _pages(world):
        response = admin_client.get(url)
        assert response.status_code == 200, (url, response.status_code)


@pytest.mark.parametrize(
    "persona", ["anonymous", "survivor", "advocate_a", "provider_b", "provider_c", "analyst"]
)
def test_admin_pages_are_closed_to_everyone_else(world, persona):
    client = world[persona].client()
    for url in _pages(world):
        response = client.get(url)
        assert response.status_code == 302, (url, response.status_code)
        assert "/login/" in response["Location"]


def test_coalition_admins_are_staff_with_group_permissions_not_superusers(world):
    admin = world["coalition_admin"].user
    assert admin.is_staff and not admin.is_superuser
    assert admin.groups.filter(name=COALITION_ADMIN_GROUP).exists()
    assert admin.has_perm("directory.change_service")
    assert admin.has_perm("directory.view_servicecapacity")
    assert not admin.has_perm("directory.change_servicecapacity")
    assert not admin.has_perm("directory.delete_service")
    assert not admin.has_perm("auth.change_group")
    provider = world["provider_b"].user
    assert not provider.is_staff and not provider.groups.exists()


def test_the_migration_created_the_group(db):
    group = Group.objects.get(name=COALITION_ADMIN_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_service", "change_service", "view_apitoken", "view_auditevent"} <= codenames
    assert not {"change_servicecapacity", "delete_service", "change_apitoken"} & codenames


def test_mark_verified_today_is_audited(world, admin_client):
    services = [world.b_public.service, world.c_public.service]
    token = _csrf(admin_client, "/admin/directory/service/")
    response = admin_client.post(
        "/admin/directory/service/",
        {
            "action": "mark_verified_today",
            "_selected_action": [str(s.pk) for s in services],
            "index": "0",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    admin = world["coalition_admin"].user
    for service in services:
        service.refresh_from_db()
        assert service.assured_date == timezone.localdate()
        assert service.assurer_email == admin.email
        event = AuditEvent.objects.get(action="service.assure", object_id=str(service.pk))
        assert event.actor == admin
    world.b_confidential.service.refresh_from_db()
    assert world.b_confidential.service.assured_date is None


def test_verification_filter_lists_overdue_listings(world, admin_client, settings):
    settings.LANTERN_LISTING_VERIFY_MONTHS = 6
    Service.objects.filter(pk=world.b_public.service_id).update(assured_date=timezone.localdate())
    Service.objects.filter(pk=world.c_public.service_id).update(
        assured_date=timezone.localdate() - timedelta(days=400)
    )
    overdue = admin_client.get("/admin/directory/service/?verification=overdue")
    names = [s.name for s in overdue.context["cl"].result_list]
    assert sorted(names) == sorted([world.b_confidential.service.name, world.c_public.service.name])
    current = admin_client.get("/admin/directory/service/?verification=current")
    assert [s.name for s in current.context["cl"].result_list] == [world.b_public.service.name]


def test_service_saved_in_admin_is_audited_and_bumps_last_modified(world, admin_client):
    service = world.b_public.service
    Service.objects.filter(pk=service.pk).update(last_modified=timezone.now() - timedelta(days=3))
    url = f"/admin/directory/service/{service.pk}/change/"
    page = admin_client.get(url)
    data = {**_form_data(page), "alert": "Closed on public holidays."}
    data["csrfmiddlewaretoken"] = admin_client.cookies["csrftoken"].value
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    service.refresh_from_db()
    assert service.alert == "Closed on public holidays."
    assert service.last_modified > timezone.now() - timedelta(minutes=1)
    event = AuditEvent.objects.filter(action="admin.change").latest("id")
    assert event.actor == world["coalition_admin"].user
    assert event.object_type == "directory.service"
    assert event.detail == {"fields": ["alert"]}


def test_verification_fields_are_read_only_in_the_form(world, admin_client):
    page = admin_client.get(f"/admin/directory/service/{world.b_public.service_id}/change/")
    assert "assured_date" not in page.context["adminform"].form.fields
    assert "assurer_email" not in page.context["adminform"].form.fields


def test_confidential_location_exact_point_is_never_shown(world, admin_client):
    confidential = world.b_confidential.location
    listing = admin_client.get("/admin/directory/location/").content.decode()
    assert str(confidential.latitude) not in listing
    assert "41.9123" not in listing

    page = admin_client.get(f"/admin/directory/location/{confidential.pk}/change/")
    html = page.content.decode()
    assert "41.9123" not in html and "-87.6543" not in html
    assert "latitude" not in page.context["adminform"].form.fields
    assert "confidential" not in page.context["adminform"].form.fields  # cannot untick it

    public = admin_client.get(f"/admin/directory/location/{world.b_public.location_id}/change/")
    assert "latitude" in public.context["adminform"].form.fields


def test_saving_a_confidential_location_keeps_it_confidential_and_in_place(world, admin_client):
    confidential = world.b_confidential.location
    url = f"/admin/directory/location/{confidential.pk}/change/"
    page = admin_client.get(url)
    data = {**_form_data(page), "name": "Renamed site"}
    data.update(latitude="1.0", longitude="1.0", csrfmiddlewaretoken=_csrf(admin_client, url))
    response = admin_client.post(url, data)
    assert response.status_code == 302
    location = Location.objects.get(pk=confidential.pk)
    assert location.name == "Renamed site"
    assert location.confidential
    assert (location.latitude, location.longitude) == (41.9123, -87.6543)


def test_capacities_are_view_only_in_admin(world, admin_client):
    cap = world.b_public.service.capacities.get()
    url = f"/admin/directory/servicecapacity/{cap.pk}/change/"
    token = _csrf(admin_client, url)
    response = admin_client.post(url, {"available": "9", "csrfmiddlewaretoken": token})
    assert response.status_code == 403
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 3


def test_api_tokens_show_their_prefix_never_their_hash(world, admin_client):
    token = ApiToken.objects.filter(user=world["provider_b"].user).first()
    for url in ("/admin/accounts/apitoken/", f"/admin/accounts/apitoken/{token.pk}/change/"):
        html = admin_client.get(url).content.decode()
        assert token.prefix in html
        assert token.token_hash not in html
        assert "token_hash" not in html
    token_form = admin_client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert 'type="submit"' not in token_form.content.decode().split('id="apitoken_form"')[1]


def test_coalition_admin_cannot_grant_privileges(world, admin_client):
    own = world["coalition_admin"].user
    page = admin_client.get(f"/admin/accounts/user/{own.pk}/change/")
    fields = page.context["adminform"].form.fields
    for name in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert name not in fields
    assert "is_active" in fields


def test_coalition_admin_cannot_change_a_superuser(world, admin_client):
    root = User.objects.create_superuser("root@example.test", "a-long-password-1")
    url = f"/admin/accounts/user/{root.pk}/change/"
    token = _csrf(admin_client, url)
    response = admin_client.post(url, {"email": "mine@example.test", "csrfmiddlewaretoken": token})
    assert response.status_code == 403
    password_url = f"/admin/accounts/user/{root.pk}/password/"
    assert admin_client.get(password_url).status_code == 403
    root.refresh_from_db()
    assert root.email == "root@example.test"


def test_profile_service_types_are_view_only(world, admin_client):
    term = world.b_public.service.service_types.first()
    url = f"/admin/directory/taxonomyterm/{term.pk}/change/"
    token = _csrf(admin_client, url)
    response = admin_client.post(url, {"name": "Renamed", "csrfmiddlewaretoken": token})
    assert response.status_code == 403
    term.refresh_from_db()
    assert term.name != "Renamed"


def test_listing_overdue_link_in_email_is_this_page(world, admin_client):
    path = link_path(admin_overdue_url())
    response = admin_client.get(path)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 3
