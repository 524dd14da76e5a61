"""The coalition admin's organizations page: add a member organization, linked to a free
directory listing, and invite its first admin, all or nothing."""

import pytest
from django.core import mail
from django.urls import reverse

from lantern.accounts.models import Invitation, Organization, Role
from lantern.accounts.organization_services import organization_create
from lantern.audit.models import AuditEvent
from lantern.core.errors import NotFound
from lantern.testing import HsdsOrganizationFactory

pytestmark = pytest.mark.django_db

URL = "/staff/organizations/"


@pytest.fixture
def free_listing():
    return HsdsOrganizationFactory(name="Fictional Harbor Clinic")


def _post(world, persona="coalition_admin", **data):
    client = world[persona].client()
    client.get("/staff/")  # the bar's sign-out form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    return client.post(URL, {**data, "csrfmiddlewaretoken": token})


def test_the_page_lists_every_organization_with_counts_and_offers_only_free_listings(
    world, free_listing
):
    response = world["coalition_admin"].client().get(URL)
    assert response.status_code == 200
    rows = {org.name: org for org in response.context["organizations"]}
    assert set(rows) >= {"Advocates A", "Shelter B", "Provider C", "Coalition"}
    assert rows["Shelter B"].member_count >= 1
    assert rows["Shelter B"].hsds_organization == world.hsds_b
    offered = dict(response.context["form"].fields["listing"].choices)
    assert str(free_listing.pk) in offered
    assert str(world.hsds_b.pk) not in offered  # Shelter B's listing is claimed
    html = response.content.decode()
    assert "Fictional Shelter B" in html and "Add an organization" in html


def test_a_coalition_admin_adds_an_organization_and_invites_its_first_admin(
    world, free_listing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            world,
            name="  Harbor   Clinic ",
            listing=str(free_listing.pk),
            takes_help_requests="on",
            first_admin_email="Harbor.Admin@example.test",
        )
    assert response.status_code == 302 and response["Location"] == reverse("staff-organizations")
    org = Organization.objects.get(name="Harbor Clinic")
    assert org.hsds_organization_id == free_listing.pk and org.takes_help_requests
    invitation = Invitation.objects.get(organization=org)
    assert invitation.role == Role.ORGANIZATION_ADMIN
    assert invitation.email == "harbor.admin@example.test"
    assert not invitation.needs_confirmation  # an empty organization: direct
    assert [m.to for m in mail.outbox] == [["harbor.admin@example.test"]]
    actions = set(
        AuditEvent.objects.filter(actor=world["coalition_admin"].user).values_list(
            "action", flat=True
        )
    )
    assert {"organization.create", "invitation.create"} <= actions
    listed = world["coalition_admin"].client().get(URL).content.decode()
    assert "Harbor Clinic" in listed and "Harbor.Admin" not in listed


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": "shelter b"}, "name"),  # the same name, another case
        ({"name": "Harbor", "first_admin_email": "not-an-address"}, "first_admin_email"),
        ({"name": "Harbor", "listing": "5a4c1b8e-0000-4000-8000-000000000000"}, "listing"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, data, field):
    before = Organization.objects.count()
    response = _post(world, **data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Organization.objects.count() == before
    assert not AuditEvent.objects.filter(action="organization.create").exists()


def test_a_claimed_listing_is_refused(world):
    response = _post(world, name="Harbor", listing=str(world.hsds_b.pk))
    assert response.status_code == 400 and "listing" in response.context["form"].errors
    assert not Organization.objects.filter(name="Harbor").exists()


def test_a_refused_invitation_leaves_no_organization_behind(world):
    own = world["coalition_admin"].user.email
    response = _post(world, name="Harbor", first_admin_email=own)
    assert response.status_code == 400
    assert "first_admin_email" in response.context["form"].errors
    assert not Organization.objects.filter(name="Harbor").exists()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("persona", ["advocate_a", "provider_b", "provider_c", "analyst"])
def test_nobody_else_may_add_an_organization(world, persona):
    assert world[persona].client().get(URL).status_code == 404
    assert _post(world, persona, name="Harbor").status_code == 404
    assert not Organization.objects.filter(name="Harbor").exists()


def test_the_service_refuses_a_non_admin_and_allows_the_operator(world, free_listing):
    with pytest.raises(NotFound):
        organization_create(actor=world["provider_b"].user, name="Harbor")
    org, issued = organization_create(
        actor=None, name="Harbor", hsds_organization_id=free_listing.pk
    )
    assert issued is None and org.hsds_organization_id == free_listing.pk
    event = AuditEvent.objects.get(action="organization.create", object_id=str(org.pk))
    assert event.detail["hsds_organization_id"] == str(free_listing.pk)
