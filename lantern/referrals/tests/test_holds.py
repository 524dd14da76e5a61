"""Caps on concurrent holds, the provider giving a held place back, and the coalition
admin's view of who holds places now."""

import pytest

from lantern.audit.models import AuditEvent
from lantern.core.errors import NotFound
from lantern.directory.models import ServiceCapacity
from lantern.referrals import metrics
from lantern.referrals.holds import HoldLimitReached, hold_limits
from lantern.referrals.models import Hold, HoldState
from lantern.referrals.services import HoldNotActive, hold_release
from lantern.referrals.tests.factories import send

pytestmark = pytest.mark.django_db


def capacity(world) -> ServiceCapacity:
    return ServiceCapacity.objects.get(service_id=world.b_public.service_id)


def set_capacity(world, *, available: int, maximum: int | None) -> None:
    ServiceCapacity.objects.filter(service_id=world.b_public.service_id).update(
        available=available, maximum=maximum
    )


def post_json(persona, url, body):
    return persona.client().post(
        url, data=body, content_type="application/json", **persona.api_headers()
    )


# --- caps --------------------------------------------------------------------------------


def test_one_referrer_holds_at_most_two_places_of_a_service(world):
    set_capacity(world, available=6, maximum=6)
    send(world, hold=True)
    send(world, hold=True)
    with pytest.raises(HoldLimitReached) as caught:
        send(world, hold=True)
    assert caught.value.reason == "referrer" and caught.value.limit == 2
    assert capacity(world).available == 4
    assert Hold.objects.filter(state=HoldState.ACTIVE).count() == 2
    send(world, hold=False)  # a referral without a hold still goes


def test_an_organization_holds_at_most_half_the_places(world, settings):
    settings.LANTERN_REFERRAL_HOLDS_PER_REFERRER = 10
    set_capacity(world, available=6, maximum=6)
    for _ in range(3):
        send(world, hold=True)
    with pytest.raises(HoldLimitReached) as caught:
        send(world, hold=True)
    assert caught.value.reason == "organization" and caught.value.limit == 3
    assert capacity(world).available == 3


def test_the_organization_cap_is_at_least_one_and_counts_held_places_without_maximum(world):
    set_capacity(world, available=1, maximum=1)
    assert hold_limits(capacity(world).service) == (2, 1)
    set_capacity(world, available=4, maximum=None)
    assert hold_limits(capacity(world).service) == (2, 2)
    send(world, hold=True)  # 3 open + 1 held: still 4 places
    assert hold_limits(capacity(world).service) == (2, 2)


def test_a_released_hold_no_longer_counts(world):
    set_capacity(world, available=6, maximum=6)
    first = send(world, hold=True)
    send(world, hold=True)
    hold_release(referral=first, actor=world["provider_b"].user)
    send(world, hold=True)
    assert Hold.objects.filter(state=HoldState.ACTIVE).count() == 2


def test_the_api_answers_409_naming_the_hold_and_the_reason(world):
    set_capacity(world, available=6, maximum=6)
    advocate = world["advocate_a"]
    body = {"service_id": str(world.b_public.service_id), "hold": True}
    assert post_json(advocate, "/api/v1/referrals", body).status_code == 201
    assert post_json(advocate, "/api/v1/referrals", body).status_code == 201
    third = post_json(advocate, "/api/v1/referrals", body)
    assert third.status_code == 409
    [error] = third.json()["detail"]
    assert error["loc"] == ["body", "hold"]
    assert error["type"] == "hold_limit"
    assert "you hold 2 place(s) of this service already" in error["msg"]


def test_the_refer_page_says_the_limit_at_the_hold_field(world):
    set_capacity(world, available=6, maximum=6)
    send(world, hold=True)
    send(world, hold=True)
    client = world["advocate_a"].client()
    url = f"/desk/refer/{world.b_public.service_id}/"
    client.get(url)
    response = client.post(
        url,
        {
            "hold": "on",
            "share": "nothing",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 409
    assert "You already hold 2 places at this service" in response.content.decode()


# --- release -----------------------------------------------------------------------------


def test_the_receiving_provider_gives_the_place_back_through_the_api(world):
    referral = send(world, hold=True)
    before = capacity(world).available
    response = post_json(world["provider_b"], f"/api/v1/referrals/{referral.pk}/release", {})
    assert response.status_code == 200
    assert response.json()["status"] == "sent"  # the referral itself is unchanged
    hold = Hold.objects.get(referral=referral)
    assert hold.state == HoldState.RELEASED and hold.end_reason == "provider"
    assert capacity(world).available == before + 1
    event = AuditEvent.objects.get(action="hold.release", object_id=hold.pk)
    assert event.actor_id == world["provider_b"].user.pk


def test_releasing_twice_or_without_a_hold_is_409(world):
    referral = send(world, hold=True)
    url = f"/api/v1/referrals/{referral.pk}/release"
    assert post_json(world["provider_b"], url, {}).status_code == 200
    again = post_json(world["provider_b"], url, {})
    assert again.status_code == 409
    assert again.json()["detail"][0]["loc"] == ["path", "referral_id"]
    unheld = send(world)
    url = f"/api/v1/referrals/{unheld.pk}/release"
    assert post_json(world["provider_b"], url, {}).status_code == 409


def test_only_the_receiving_provider_may_release(world):
    referral = send(world, hold=True)
    for name in ("advocate_a", "provider_c", "coalition_admin"):
        with pytest.raises(NotFound):
            hold_release(referral=referral, actor=world[name].user)
    with pytest.raises(HoldNotActive):
        hold_release(referral=send(world), actor=world["provider_b"].user)
    assert Hold.objects.get(referral=referral).state == HoldState.ACTIVE


def test_the_inbox_page_has_a_give_back_button_that_works(world):
    referral = send(world, hold=True)
    client = world["provider_b"].client()
    page = client.get(f"/desk/inbox/{referral.pk}/").content.decode()
    assert 'data-testid="action-release"' in page
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/desk/inbox/{referral.pk}/release/", {"csrfmiddlewaretoken": token}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"The place held for referral {referral.code} is given back." in html
    assert 'data-testid="action-release"' not in html
    again = client.post(f"/desk/inbox/{referral.pk}/release/", {"csrfmiddlewaretoken": token})
    assert again.status_code == 409


# --- who holds what ----------------------------------------------------------------------


def test_coalition_admins_see_active_holds_per_referrer_without_survivor_data(world):
    send(world, hold=True, shared=True)
    send(world, hold=True)
    send(world, hold=False)
    rows = metrics.active_holds_by_referrer()
    assert len(rows) == 1
    assert rows[0].holds == 2 and rows[0].services == 1
    assert rows[0].organization == "Advocates A"
    admin = world["coalition_admin"]
    response = admin.client().get("/api/v1/referrals/metrics/holds", **admin.api_headers())
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    assert body["results"][0]["referrer"] == world["advocate_a"].user.display_name
    assert "Rosa" not in response.content.decode()
    page = admin.client().get("/desk/metrics/").content.decode()
    assert 'data-testid="holds"' in page and world["advocate_a"].user.display_name in page
    analyst_page = world["analyst"].client().get("/desk/metrics/").content.decode()
    assert 'data-testid="holds"' not in analyst_page
