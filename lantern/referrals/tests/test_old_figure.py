"""Holds against an aging or stale capacity figure: the service asks for a confirmation of
exactly the figure in place, the page warns and asks once, the API refuses naming the
field, the hold records the figure, and the provider is told."""

import json
import re
import uuid
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.directory.models import Phone, ServiceCapacity
from lantern.referrals import old_figure, selectors
from lantern.referrals.holds import OldFigure
from lantern.referrals.models import Hold, HoldState, Referral
from lantern.referrals.services import AlreadySent
from lantern.referrals.tests.factories import send
from lantern.referrals.tests.test_views import client, inbox_detail, new_url, refer_form

pytestmark = pytest.mark.django_db

# Emergency shelters (the world's listings) age after 2 hours and go stale after 8.
AGING = timedelta(hours=3)
STALE = timedelta(days=2)


def capacity(world) -> ServiceCapacity:
    return ServiceCapacity.objects.get(service_id=world.b_public.service_id)


def set_figure(world, *, ago: timedelta, available: int = 1) -> ServiceCapacity:
    ServiceCapacity.objects.filter(service_id=world.b_public.service_id).update(
        available=available, updated=timezone.now() - ago
    )
    return capacity(world)


def refused_figure(world, **kwargs):
    with pytest.raises(OldFigure) as caught:
        send(world, hold=True, **kwargs)
    return caught.value.figure


# --- the service ------------------------------------------------------------------------


@pytest.mark.parametrize(("ago", "band"), [(AGING, "aging"), (STALE, "stale")])
def test_a_hold_on_an_old_figure_is_refused_until_confirmed(world, ago, band):
    cap = set_figure(world, ago=ago)
    figure = refused_figure(world)
    assert (figure.band, figure.available, figure.unit) == (band, 1, "bed")
    assert figure.updated == cap.updated and str(figure.capacity_id) == str(cap.pk)
    assert Referral.objects.count() == 0 and capacity(world).available == 1

    referral = send(world, hold=True, confirm_old_figure=figure)
    hold = Hold.objects.get(referral=referral)
    assert hold.state == HoldState.ACTIVE and capacity(world).available == 0
    assert hold.figure_band == band and hold.figure_updated_at == cap.updated
    assert hold.on_old_figure


def test_a_fresh_figure_needs_no_confirmation(world):
    cap = set_figure(world, ago=timedelta(minutes=20))
    referral = send(world, hold=True)
    hold = Hold.objects.get(referral=referral)
    assert hold.figure_band == "fresh" and hold.figure_updated_at == cap.updated
    assert not hold.on_old_figure
    event = AuditEvent.objects.get(action="referral.create", object_id=str(referral.pk))
    assert "hold_figure" not in event.detail


def test_the_audit_event_records_the_old_figure_without_personal_data(world):
    cap = set_figure(world, ago=STALE)
    referral = send(world, hold=True, shared=True, confirm_old_figure=refused_figure(world))
    event = AuditEvent.objects.get(action="referral.create", object_id=str(referral.pk))
    assert event.detail["hold_figure"] == "stale"
    assert event.detail["figure_updated"] == cap.updated.isoformat()
    assert "Rosa" not in json.dumps(event.detail) and "555-0142" not in json.dumps(event.detail)


def test_the_confirmation_is_checked_again_when_the_figure_changed(world):
    set_figure(world, ago=AGING)
    seen = refused_figure(world)
    # The provider set the figure again (still old, but not the figure confirmed).
    set_figure(world, ago=AGING + timedelta(minutes=30))
    with pytest.raises(OldFigure) as caught:
        send(world, hold=True, confirm_old_figure=seen)
    assert caught.value.figure.updated != seen.updated
    # The same figure aged from aging into stale: confirmed as aging, not as stale.
    set_figure(world, ago=AGING)
    seen = refused_figure(world)
    ServiceCapacity.objects.filter(pk=seen.capacity_id).update(updated=seen.updated - STALE)
    with pytest.raises(OldFigure):
        send(world, hold=True, confirm_old_figure=seen)
    assert Referral.objects.count() == 0 and capacity(world).available == 1
    # The provider set it just now: it is fresh, and the hold goes without asking.
    set_figure(world, ago=timedelta(minutes=1))
    referral = send(world, hold=True, confirm_old_figure=seen)
    assert Hold.objects.get(referral=referral).figure_band == "fresh"


def test_true_confirms_whatever_old_figure_stands(world):
    set_figure(world, ago=STALE, available=2)
    referral = send(world, hold=True, confirm_old_figure=True)
    assert Hold.objects.get(referral=referral).figure_band == "stale"


def test_a_referral_id_is_written_once_so_a_replay_holds_nothing(world):
    set_figure(world, ago=STALE, available=3)
    once = uuid.uuid4()
    figure = refused_figure(world)
    send(world, hold=True, confirm_old_figure=figure, referral_id=once)
    with pytest.raises(AlreadySent) as caught:
        send(world, hold=True, confirm_old_figure=figure, referral_id=once)
    assert caught.value.referral_id == once
    assert Referral.objects.get().pk == once
    assert Hold.objects.count() == 1 and capacity(world).available == 2


def test_the_public_phone_is_never_a_confidential_locations(world):
    service = world.b_public.service
    hidden = world.b_confidential.location
    Phone.objects.create(location=hidden, service=service, number="555-0199")
    assert selectors.public_phone(service) is None
    Phone.objects.create(location=world.b_public.location, number="555-0123")
    assert selectors.public_phone(service).number == "555-0123"
    Phone.objects.create(service=service, number="555-0117")
    assert selectors.public_phone(service).number == "555-0117"  # the service's own first


# --- the page ---------------------------------------------------------------------------

TOKEN = re.compile(r'name="confirm_old_figure" value="([^"]+)"')


def token_in(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "no confirmation offered"
    return found.group(1)


def test_the_page_warns_with_the_figure_its_age_and_the_phone(world):
    set_figure(world, ago=STALE)
    Phone.objects.create(service=world.b_public.service, number="555-0117")
    response = client(world, "advocate_a").post(new_url(world), refer_form())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="old-figure"' in html
    assert "1 bed open, updated 2 days ago. Call first, or confirm the hold anyway." in html
    assert 'href="tel:555-0117"' in html
    assert token_in(html)
    assert 'value="31"' in html  # what was typed is kept
    assert Referral.objects.count() == 0 and capacity(world).available == 1


def test_a_fresh_figure_on_the_page_holds_without_a_warning(world):
    set_figure(world, ago=timedelta(minutes=5))
    response = client(world, "advocate_a").post(new_url(world), refer_form())
    assert response.status_code == 302
    assert Hold.objects.get().figure_band == "fresh"


def test_confirming_places_exactly_one_hold_and_a_replay_sends_nothing(world):
    set_figure(world, ago=STALE, available=3)
    advocate = client(world, "advocate_a")
    token = token_in(advocate.post(new_url(world), refer_form()).content.decode())
    confirmed = refer_form(confirm_old_figure=token)

    response = advocate.post(new_url(world), confirmed)
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert response["Location"] == reverse("referrals:outbox-detail", args=[referral.pk])
    assert referral.hold.figure_band == "stale" and capacity(world).available == 2

    again = advocate.post(new_url(world), confirmed)
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert Referral.objects.count() == 1 and Hold.objects.count() == 1
    assert capacity(world).available == 2
    assert "sent already" in advocate.get(again["Location"]).content.decode()


def test_without_ticking_the_confirmation_the_page_asks_again(world):
    set_figure(world, ago=AGING)
    advocate = client(world, "advocate_a")
    advocate.post(new_url(world), refer_form())
    response = advocate.post(new_url(world), refer_form())
    assert response.status_code == 200 and Referral.objects.count() == 0


def test_a_confirmation_of_a_figure_that_changed_asks_again(world):
    set_figure(world, ago=AGING)
    advocate = client(world, "advocate_a")
    token = token_in(advocate.post(new_url(world), refer_form()).content.decode())
    set_figure(world, ago=STALE)  # the figure is not the one the advocate saw

    response = advocate.post(new_url(world), refer_form(confirm_old_figure=token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The figure changed since you saw it" in html
    assert "1 bed open, updated 2 days ago" in html
    assert Referral.objects.count() == 0

    response = advocate.post(new_url(world), refer_form(confirm_old_figure=token_in(html)))
    assert response.status_code == 302 and Hold.objects.get().figure_band == "stale"


def test_an_expired_confirmation_asks_again(world, monkeypatch):
    set_figure(world, ago=STALE)
    advocate = client(world, "advocate_a")
    token = token_in(advocate.post(new_url(world), refer_form()).content.decode())
    monkeypatch.setattr(old_figure, "CONFIRM_MAX_AGE_SECONDS", -1)
    response = advocate.post(new_url(world), refer_form(confirm_old_figure=token))
    assert response.status_code == 200
    assert "Your confirmation is too old" in response.content.decode()
    assert Referral.objects.count() == 0


@pytest.mark.parametrize("who", ["another person", "garbage"])
def test_a_confirmation_not_signed_for_this_person_counts_for_nothing(world, who):
    set_figure(world, ago=STALE)
    first = client(world, "advocate_a").post(new_url(world), refer_form())
    token = token_in(first.content.decode())
    other = client(world, "provider_b")  # provider staff may refer too
    forged = token if who == "another person" else token[:-4] + "AAAA"
    response = other.post(new_url(world), refer_form(confirm_old_figure=forged))
    assert response.status_code == 200
    assert "The figure changed" not in response.content.decode()
    assert Referral.objects.count() == 0


def test_sending_without_a_hold_needs_no_confirmation(world):
    set_figure(world, ago=STALE)
    response = client(world, "advocate_a").post(new_url(world), refer_form(hold=""))
    assert response.status_code == 302
    assert Referral.objects.count() == 1 and Hold.objects.count() == 0


# --- what the provider sees --------------------------------------------------------------


def test_the_provider_sees_the_hold_was_placed_on_an_old_figure(world):
    set_figure(world, ago=STALE, available=2)
    old = send(world, hold=True, confirm_old_figure=True)
    set_figure(world, ago=timedelta(minutes=5), available=2)
    fresh = send(world, hold=True)
    provider = client(world, "provider_b")
    note = "Hold placed on a figure updated 2 days ago"

    inbox = provider.get(reverse("referrals:inbox")).content.decode()
    assert inbox.count(note) == 1
    row = inbox.split(f'data-code="{old.code}"')[1].split("</tr>")[0]
    assert note in row
    assert note in provider.get(inbox_detail(old)).content.decode()
    assert note not in provider.get(inbox_detail(fresh)).content.decode()
    spanish = provider.client.get(inbox_detail(old), HTTP_ACCEPT_LANGUAGE="es")
    assert "Reserva hecha con una cifra actualizada hace 2 días" in spanish.content.decode()


# --- the API ----------------------------------------------------------------------------

URL = "/api/v1/referrals"


def post_api(world, body):
    persona = world["advocate_a"]
    return persona.client().post(
        URL, data=json.dumps(body), content_type="application/json", **persona.api_headers()
    )


def api_body(world, **extra):
    return {"service_id": str(world.b_public.service_id), "hold": True, **extra}


def test_the_api_refuses_an_old_figure_naming_the_field(world):
    cap = set_figure(world, ago=STALE)
    response = post_api(world, api_body(world))
    assert response.status_code == 409
    [detail] = response.json()["detail"]
    assert detail["loc"] == ["body", "confirm_old_figure"]
    assert detail["type"] == "old_figure"
    assert "1 bed open, updated 2 days ago" in detail["msg"]
    assert "confirm_old_figure: true" in detail["msg"]
    assert detail["ctx"]["freshness"] == "stale"
    assert detail["ctx"]["capacity_id"] == str(cap.pk)
    assert Referral.objects.count() == 0 and capacity(world).available == 1


def test_the_api_holds_on_an_old_figure_once_confirmed_and_says_so(world):
    cap = set_figure(world, ago=AGING)
    response = post_api(world, api_body(world, confirm_old_figure=True))
    assert response.status_code == 201, response.content
    hold = response.json()["hold"]
    assert hold["figure_freshness"] == "aging"
    assert datetime.fromisoformat(hold["figure_updated"]) == cap.updated
    assert capacity(world).available == 0


def test_the_api_takes_only_a_true_boolean(world):
    set_figure(world, ago=STALE)
    response = post_api(world, api_body(world, confirm_old_figure="yes"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "confirm_old_figure"


def test_the_api_holds_a_fresh_figure_without_confirmation(world):
    set_figure(world, ago=timedelta(minutes=5))
    response = post_api(world, api_body(world))
    assert response.status_code == 201
    assert response.json()["hold"]["figure_freshness"] == "fresh"
