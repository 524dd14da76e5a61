"""The provider page: one-tap capacity updates with and without JavaScript."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.directory.models import Metadata, ServiceCapacity
from lantern.testing import CapacityFactory, ServiceFactory

pytestmark = pytest.mark.django_db

PAGE = "/provider/capacity/"
MISSING = "00000000-0000-4000-8000-000000000000"


def _csrf(client, url: str = PAGE) -> str:
    """Open a page the way a browser would and return the CSRF token it was given."""
    assert client.get(url).status_code == 200
    return client.cookies["csrftoken"].value


def _post(client, capacity_id, data, *, htmx: bool = False):
    token = _csrf(client)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(
        f"/provider/capacity/{capacity_id}/", {**data, "csrfmiddlewaretoken": token}, **headers
    )


def _cap(world, name: str = "b_public") -> ServiceCapacity:
    return getattr(world, name).service.capacities.get()


def test_provider_page_lists_only_own_organizations_capacities(world):
    response = world["provider_b"].client().get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="capacity-{_cap(world).pk}"' in html
    assert f'id="capacity-{_cap(world, "b_confidential").pk}"' in html
    assert f'id="capacity-{_cap(world, "c_public").pk}"' not in html
    assert world.c_public.service.name not in html


def test_anonymous_is_sent_to_log_in(world, client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    token = _csrf(client, "/accounts/login/")
    cap = _cap(world)
    response = client.post(
        f"/provider/capacity/{cap.pk}/", {"action": "plus"}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 3


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"action": "plus"}, 4),
        ({"action": "minus"}, 2),
        ({"action": "full"}, 0),
        ({"action": "set", "available": "7"}, 7),
        ({"action": "confirm"}, 3),
    ],
)
def test_each_action_works_as_a_plain_form_post(world, data, expected):
    cap = _cap(world)
    ServiceCapacity.objects.filter(pk=cap.pk).update(
        updated=timezone.now() - timezone.timedelta(hours=3)
    )
    events = AuditEvent.objects.filter(action="capacity.update").count()
    before = timezone.now()

    response = _post(world["provider_b"].client(), cap.pk, data)

    assert response.status_code == 302
    assert response["Location"] == PAGE
    cap.refresh_from_db()
    assert cap.available == expected
    assert before <= cap.updated <= timezone.now()
    assert Metadata.objects.filter(resource_id=cap.pk).exists()
    assert AuditEvent.objects.filter(action="capacity.update").count() == events + 1
    event = AuditEvent.objects.filter(action="capacity.update").latest("id")
    assert event.actor == world["provider_b"].user
    assert event.detail["via"] == "web"


def test_post_without_csrf_token_is_refused(world):
    cap = _cap(world)
    client = world["provider_b"].client()
    client.get(PAGE)
    response = client.post(f"/provider/capacity/{cap.pk}/", {"action": "plus"})
    assert response.status_code == 403
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 3


def test_htmx_request_gets_just_the_updated_row(world):
    cap = _cap(world)
    response = _post(world["provider_b"].client(), cap.pk, {"action": "plus"}, htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<li class="capacity status-open" id="capacity-{cap.pk}"')
    assert "<html" not in html
    assert re.search(r'data-testid="available">4<', html)
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 4


def test_set_above_maximum_shows_an_error_and_writes_nothing(world):
    cap = _cap(world)
    events = AuditEvent.objects.count()
    response = _post(world["provider_b"].client(), cap.pk, {"action": "set", "available": "11"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "must not be more than maximum (10)" in html
    assert 'role="alert"' in html
    cap.refresh_from_db()
    assert cap.available == 3
    assert AuditEvent.objects.count() == events
    assert not Metadata.objects.filter(resource_id=cap.pk).exists()


def test_set_above_maximum_with_htmx_swaps_in_a_row_with_the_error(world):
    # htmx does not swap 4xx responses, so the error row comes back as a 200.
    cap = _cap(world)
    events = AuditEvent.objects.count()
    response = _post(
        world["provider_b"].client(), cap.pk, {"action": "set", "available": "11"}, htmx=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="capacity-{cap.pk}"' in html
    assert 'role="alert"' in html and "must not be more than maximum (10)" in html
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 3
    assert AuditEvent.objects.count() == events


def test_set_without_a_number_is_an_error(world):
    cap = _cap(world)
    response = _post(world["provider_b"].client(), cap.pk, {"action": "set"})
    assert response.status_code == 422
    assert "Enter how many places are open." in response.content.decode()
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 3


def test_unknown_action_is_an_error(world):
    cap = _cap(world)
    response = _post(world["provider_b"].client(), cap.pk, {"action": "drain"})
    assert response.status_code == 422
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 3


@pytest.mark.parametrize("persona", ["provider_c", "advocate_a", "coalition_admin", "analyst"])
def test_capacity_of_another_organization_is_404_like_a_missing_one(world, persona):
    cap = _cap(world)
    client = world[persona].client()
    other = _post(client, cap.pk, {"action": "full"})
    missing = _post(client, MISSING, {"action": "full"})
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 3


def test_the_set_field_has_a_form_of_its_own(world):
    """Enter in the number field must submit "set", not the first button (-1)."""
    html = world["provider_b"].client().get(PAGE).content.decode()
    forms = re.findall(r"<form[^>]*capacity-actions.*?</form>", html, flags=re.S)
    set_forms = [f for f in forms if 'name="available"' in f]
    assert set_forms
    for form in set_forms:
        assert '<input type="hidden" name="action" value="set">' in form
        assert 'value="minus"' not in form and 'value="plus"' not in form


def test_provider_page_query_count_does_not_grow_with_capacities(world):
    client = world["provider_b"].client()
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    for _ in range(5):
        service = ServiceFactory(organization=world.hsds_b, types=["emergency-shelter", "legal"])
        CapacityFactory(service=service)
    with CaptureQueriesContext(connection) as many:
        response = client.get(PAGE)
    assert response.content.decode().count('class="capacity ') == 7
    assert len(many) == len(few)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_enter_in_the_number_field_sets_the_number_in_a_browser(page):
    from lantern.testing import PASSWORD, build_world, totp_code, totp_device

    world = build_world()
    user = world["provider_b"].user
    cap = world.b_public.service.capacities.get()
    page.goto(f"/accounts/login/?next={PAGE}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("6-digit code").fill(totp_code(totp_device(user)))
    page.get_by_role("button", name="Continue").click()

    page.locator(f"#capacity-{cap.pk}").get_by_label("Set to").fill("6")
    page.locator(f"#capacity-{cap.pk}").get_by_label("Set to").press("Enter")
    page.locator(f"#capacity-{cap.pk} [data-testid=available]").filter(has_text="6").wait_for()
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 6
