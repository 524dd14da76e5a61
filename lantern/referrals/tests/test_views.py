"""The referral pages: who sees what, the actions, hold-and-refer, and no personal data in
the lists."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.consent.models import ConsentRecord
from lantern.directory.models import ServiceCapacity
from lantern.referrals.models import HoldState, Referral, Status
from lantern.referrals.tests.factories import SHARED, send

pytestmark = pytest.mark.django_db

OUTSIDERS = ("provider_c", "coalition_admin", "analyst")


class Browser:
    """A persona's CSRF-enforcing client that sends the CSRF token like the pages do."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **headers):
        return self.client.get(url, **headers)

    def post(self, url, data, *, token=True):
        if token:
            if "csrftoken" not in self.client.cookies:
                self.client.get("/staff/")  # any page with a form sets the cookie
            data = {**data, "csrfmiddlewaretoken": self.client.cookies["csrftoken"].value}
        return self.client.post(url, data)


def client(world, persona):
    return Browser(world[persona].client())


def inbox_detail(referral):
    return reverse("referrals:inbox-detail", args=[referral.pk])


def outbox_detail(referral):
    return reverse("referrals:outbox-detail", args=[referral.pk])


def new_url(world, query=""):
    url = reverse("referrals:new", args=[world.b_public.service_id])
    return f"{url}?{query}" if query else url


# --- Who may open which page ------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "inbox", "outbox"),
    [
        ("advocate_a", 404, 200),
        ("provider_b", 200, 200),  # provider staff may also refer
        ("provider_c", 200, 200),  # their own (empty) boxes
        ("coalition_admin", 404, 200),
        ("analyst", 404, 404),
    ],
)
def test_list_pages_per_persona(world, persona, inbox, outbox):
    assert client(world, persona).get(reverse("referrals:inbox")).status_code == inbox
    assert client(world, persona).get(reverse("referrals:outbox")).status_code == outbox


@pytest.mark.parametrize(
    "name", ["referrals:inbox", "referrals:outbox", "referrals:inbox-detail", "new"]
)
def test_anonymous_is_sent_to_log_in(world, name):
    referral = send(world)
    url = {
        "referrals:inbox": reverse("referrals:inbox"),
        "referrals:outbox": reverse("referrals:outbox"),
        "referrals:inbox-detail": inbox_detail(referral),
        "new": new_url(world),
    }[name]
    response = client(world, "anonymous").get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_password_alone_is_not_enough(world):
    response = world["provider_b"].client(verified=False).get(reverse("referrals:inbox"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two-factor")


def test_detail_pages_are_for_the_two_sides_only(world):
    referral = send(world)
    assert client(world, "provider_b").get(inbox_detail(referral)).status_code == 200
    assert client(world, "advocate_a").get(outbox_detail(referral)).status_code == 200
    # Each side on its own page; the other page is "not found".
    assert client(world, "advocate_a").get(inbox_detail(referral)).status_code == 404
    assert client(world, "provider_b").get(outbox_detail(referral)).status_code == 404
    for persona in OUTSIDERS:
        assert client(world, persona).get(inbox_detail(referral)).status_code == 404
        assert client(world, persona).get(outbox_detail(referral)).status_code == 404
        posted = client(world, persona).post(inbox_detail(referral), {"status": "accepted"})
        assert posted.status_code == 404
    no_token = client(world, "provider_b").post(
        inbox_detail(referral), {"status": "accepted"}, token=False
    )
    assert no_token.status_code == 403
    missing = "/desk/inbox/00000000-0000-0000-0000-000000000000/"
    assert client(world, "provider_b").get(missing).status_code == 404


def test_hold_and_refer_page_per_persona(world):
    for persona, expected in [
        ("advocate_a", 200),
        ("provider_b", 200),
        ("coalition_admin", 200),
        ("analyst", 404),
    ]:
        assert client(world, persona).get(new_url(world)).status_code == expected, persona
    ghost = reverse("referrals:new", args=["00000000-0000-0000-0000-000000000000"])
    assert client(world, "advocate_a").get(ghost).status_code == 404


def test_pages_with_personal_data_are_never_cached(world):
    referral = send(world, shared=True)
    for persona, url in [
        ("provider_b", inbox_detail(referral)),
        ("advocate_a", outbox_detail(referral)),
        ("advocate_a", new_url(world)),
        ("provider_b", reverse("referrals:inbox")),
    ]:
        response = client(world, persona).get(url)
        assert "no-store" in response["Cache-Control"], url


# --- Inbox ------------------------------------------------------------------------------


def test_inbox_lists_by_section_without_personal_data(world):
    fresh = send(world, hold=True, shared=True, needs={"age": 97, "gender": "nonbinary"})
    opened = send(world, shared=True)
    client(world, "provider_b").get(inbox_detail(opened))
    response = client(world, "provider_b").get(reverse("referrals:inbox"))
    html = response.content.decode()
    assert fresh.code in html and opened.code in html
    assert html.index(fresh.code) < html.index('id="open-title"') < html.index(opened.code)
    assert 'hx-trigger="every 15s"' in html
    assert "Place held until" in html
    assert "ago" in html
    for secret in (*SHARED.values(), "Rosa", "555-0142", "nonbinary", "Age"):
        assert secret not in html
    assert 'data-testid="needs"' not in html and 'data-testid="shared"' not in html


def test_the_inbox_makes_the_same_number_of_queries_for_2_or_8_referrals(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    provider = client(world, "provider_b")
    provider.get(reverse("referrals:inbox"))  # the first request also touches the session
    counts = []
    for number in range(8):
        referral = send(world, hold=number < 3)
        if number % 2:
            provider.post(inbox_detail(referral), {"status": "declined", "reason": "other"})
        if number in (1, 7):
            with CaptureQueriesContext(connection) as captured:
                provider.get(reverse("referrals:inbox"), HTTP_HX_REQUEST="true")
            counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 12


def test_inbox_poll_answers_the_list_alone(world):
    send(world)
    response = client(world, "provider_b").get(reverse("referrals:inbox"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.startswith('<div id="referral-list"') and "<html" not in html


def test_opening_marks_viewed_and_shows_the_shared_items(world):
    referral = send(world, shared=True)
    html = client(world, "provider_b").get(inbox_detail(referral)).content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.VIEWED
    assert "Rosa (alias)" in html and "text 555-0142 after 6pm" in html
    assert "Emergency shelter" in html or "emergency shelter" in html  # needs in words
    assert AuditEvent.objects.filter(
        action="referral.read_personal", actor_id=world["provider_b"].user.pk
    ).exists()
    # Exactly the receiver's moves from VIEWED.
    for action in ("accepted", "declined", "waitlisted"):
        assert f'data-testid="action-{action}"' in html
    for action in ("withdrawn", "intake_completed", "no_show"):
        assert f'data-testid="action-{action}"' not in html


def test_an_opaque_referral_says_nothing_was_shared(world):
    referral = send(world)
    html = client(world, "provider_b").get(inbox_detail(referral)).content.decode()
    assert "The person did not share personal details." in html


def test_expired_consent_hides_the_items(world):
    referral = send(world, shared=True)
    ConsentRecord.objects.filter(pk=referral.consent_id).update(
        created=timezone.now() - timedelta(days=40), expires_at=timezone.now() - timedelta(days=1)
    )
    html = client(world, "provider_b").get(inbox_detail(referral)).content.decode()
    assert "Consent expired: personal details are hidden." in html
    assert "Rosa" not in html


def test_withdrawn_consent_hides_the_items(world):
    referral = send(world, shared=True)
    ConsentRecord.objects.filter(pk=referral.consent_id).update(revoked_at=timezone.now())
    html = client(world, "provider_b").get(inbox_detail(referral)).content.decode()
    assert "Consent withdrawn: personal details are hidden." in html
    assert "Rosa" not in html


# --- Actions ----------------------------------------------------------------------------


def test_accept_then_schedule_then_complete(world):
    referral = send(world, hold=True)
    provider = client(world, "provider_b")
    url = inbox_detail(referral)
    response = provider.post(url, {"status": "accepted"})
    assert response.status_code == 302 and response["Location"] == url
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and referral.hold.state == HoldState.KEPT
    page = provider.get(url).content.decode()
    assert "is now: Accepted" in page
    assert 'data-testid="action-intake_scheduled"' in page

    missing = provider.post(url, {"status": "intake_scheduled", "intake_at": ""})
    assert missing.status_code == 422 and "Say when the intake is." in missing.content.decode()
    when = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert provider.post(url, {"status": "intake_scheduled", "intake_at": when}).status_code == 302
    assert provider.post(url, {"status": "intake_completed"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.INTAKE_COMPLETED and referral.intake_at is not None


def test_decline_without_a_reason_shows_the_error_at_the_field(world):
    referral = send(world, hold=True)
    response = client(world, "provider_b").post(inbox_detail(referral), {"status": "declined"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_reason-error"' in html and "Choose a reason." in html
    referral.refresh_from_db()
    assert referral.status == Status.SENT


def test_decline_with_reason_and_note_gives_the_place_back(world):
    referral = send(world, hold=True)
    response = client(world, "provider_b").post(
        inbox_detail(referral),
        {"status": "declined", "reason": "not_eligible", "note": "Age range"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED and referral.decline_reason == "not_eligible"
    assert referral.hold.state == HoldState.RELEASED
    assert ServiceCapacity.objects.get(service_id=world.b_public.service_id).available == 3


def test_a_move_that_is_no_longer_possible_is_a_friendly_409(world):
    referral = send(world)
    provider = client(world, "provider_b")
    assert provider.post(inbox_detail(referral), {"status": "accepted"}).status_code == 302
    again = provider.post(inbox_detail(referral), {"status": "waitlisted"})
    assert again.status_code == 409
    assert "That change is no longer possible" in again.content.decode()
    # And the referrer cannot answer for the provider.
    wrong_side = client(world, "advocate_a").post(outbox_detail(referral), {"status": "declined"})
    assert wrong_side.status_code == 409


def test_waitlist_and_did_not_arrive(world):
    referral = send(world, hold=True)
    provider = client(world, "provider_b")
    assert provider.post(inbox_detail(referral), {"status": "waitlisted"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.WAITLISTED and referral.hold.state == HoldState.RELEASED
    provider.post(inbox_detail(referral), {"status": "accepted"})
    when = (timezone.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    provider.post(inbox_detail(referral), {"status": "intake_scheduled", "intake_at": when})
    assert provider.post(inbox_detail(referral), {"status": "no_show"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.NO_SHOW


# --- Outbox -----------------------------------------------------------------------------


def test_outbox_lists_what_the_organization_sent_and_withdraws(world):
    referral = send(world, hold=True)
    other = send(world, service_id=world.c_public.service_id)
    advocate = client(world, "advocate_a")
    html = advocate.get(reverse("referrals:outbox")).content.decode()
    assert referral.code in html and other.code in html
    assert 'hx-trigger="every 15s"' in html and "Withdraw" in html
    assert "Place held until" in html
    # provider_c received `other` but did not send it: not in their outbox.
    assert (
        other.code
        not in client(world, "provider_c").get(reverse("referrals:outbox")).content.decode()
    )

    response = advocate.post(outbox_detail(referral), {"status": "withdrawn"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN
    detail = advocate.get(outbox_detail(referral)).content.decode()
    assert "Withdrawn" in detail and 'data-testid="action-withdrawn"' not in detail


def test_outbox_detail_shows_history_and_hold_expiry(world):
    referral = send(world, hold=True, shared=True)
    client(world, "provider_b").post(inbox_detail(referral), {"status": "accepted"})
    html = client(world, "advocate_a").get(outbox_detail(referral)).content.decode()
    assert "Sent" in html and "Viewed" in html and "Accepted" in html
    assert "Kept for the person" in html
    assert "Rosa (alias)" in html  # the referrer entered it and still sees it


# --- Hold and refer ---------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_search(world):
    query = (
        "age=31&gender=woman&help_types=emergency-shelter&help_types=legal&languages=es&children=2"
    )
    html = client(world, "advocate_a").get(new_url(world, query)).content.decode()
    assert 'name="age" value="31"' in html
    assert 'value="woman" selected' in html
    assert 'name="languages" value="es"' in html
    assert 'name="hold" id="id_hold" checked' in html
    assert "Services never depend on sharing" in html
    assert "3 places open now" in html


def test_hold_is_not_checked_when_no_place_is_open(world):
    ServiceCapacity.objects.filter(service_id=world.b_public.service_id).update(available=0)
    html = client(world, "advocate_a").get(new_url(world)).content.decode()
    assert "checked" not in html.split('name="hold"')[1].split(">")[0]


def refer_form(**extra):
    return {
        "hold": "on",
        "share": "nothing",
        "age": "31",
        "help_types": ["emergency-shelter"],
        **extra,
    }


def test_refer_with_a_hold_and_no_personal_details(world):
    advocate = client(world, "advocate_a")
    response = advocate.post(new_url(world), refer_form())
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert response["Location"] == outbox_detail(referral)
    assert (
        referral.hold.state == HoldState.ACTIVE
        and referral.shared == ""
        and referral.consent is None
    )
    assert '"age": 31' in referral.needs
    page = advocate.get(response["Location"]).content.decode()
    message = re.search(r"Referral [^<]* is sent\.[^<]*", page).group(0)
    assert message.endswith(", one place is held for the person."), message
    assert ".." not in message  # an English time ends in "a.m." (no "8:50 a.m..")


def test_shared_items_require_the_consent_block(world):
    response = client(world, "advocate_a").post(
        new_url(world),
        refer_form(share="items", item_name="Rosa", consent_expires="", consent_purpose=""),
    )
    assert response.status_code == 422
    html = response.content.decode()
    for field in ("consent_method", "consent_expires", "consent_purpose", "consent_attested"):
        assert f'id="id_{field}-error"' in html, field
    assert Referral.objects.count() == 0


def test_items_filled_but_share_nothing_is_refused(world):
    response = client(world, "advocate_a").post(new_url(world), refer_form(item_name="Rosa"))
    assert response.status_code == 422
    assert 'id="id_share-error"' in response.content.decode()
    assert Referral.objects.count() == 0


def test_refer_with_consented_first_name(world):
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = client(world, "advocate_a").post(
        new_url(world),
        refer_form(
            share="items",
            item_name="Rosa",
            consent_method="verbal_recorded",
            consent_expires=expires,
            consent_purpose="referral to services",
            consent_attested="on",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    referral = Referral.objects.get()
    assert referral.consent is not None and referral.consent.categories == ["name"]
    html = client(world, "provider_b").get(inbox_detail(referral)).content.decode()
    assert "Rosa" in html


def test_a_consent_date_too_far_names_the_field(world):
    expires = (timezone.localdate() + timedelta(days=4000)).isoformat()
    response = client(world, "advocate_a").post(
        new_url(world),
        refer_form(
            share="items",
            item_name="Rosa",
            consent_method="written",
            consent_expires=expires,
            consent_purpose="referral to services",
            consent_attested="on",
        ),
    )
    assert response.status_code == 422
    assert 'id="id_consent_expires-error"' in response.content.decode()


def test_the_last_place_taken_meanwhile_says_so(world):
    ServiceCapacity.objects.filter(service_id=world.b_public.service_id).update(available=0)
    response = client(world, "advocate_a").post(new_url(world), refer_form())
    assert response.status_code == 409
    assert "That place was just taken." in response.content.decode()
    assert Referral.objects.count() == 0
    # Without a hold it goes through.
    form = refer_form()
    del form["hold"]
    assert client(world, "advocate_a").post(new_url(world), form).status_code == 302


def test_a_service_outside_lantern_is_refused_on_the_form(world):
    from lantern.testing import HsdsOrganizationFactory, make_listing

    elsewhere = make_listing(org=HsdsOrganizationFactory())
    url = reverse("referrals:new", args=[elsewhere.service_id])
    response = client(world, "advocate_a").post(url, refer_form())
    assert response.status_code == 422
    assert "does not take referrals through Lantern" in response.content.decode()


# --- Links ------------------------------------------------------------------------------


def test_search_results_offer_hold_and_refer_with_the_person_filters(world):
    url = reverse("matching:advocate-search") + "?age=31&languages=es&latitude=41.9&longitude=-87.6"
    html = client(world, "advocate_a").get(url).content.decode()
    link = reverse("referrals:new", args=[world.b_public.service_id])
    assert f'href="{link}?age=31&amp;languages=es"' in html
    assert "Hold and refer" in html


def test_search_results_have_no_refer_link_for_those_who_may_not_refer(world, monkeypatch):
    # Today every role of the advocate search may refer; the link still follows the
    # capability (`Capability.REFER`, which `referrals.policy.may_refer` asks too).
    from lantern.matching import advocate

    monkeypatch.setattr(advocate, "has_capability", lambda user, capability: False)
    html = client(world, "advocate_a").get(reverse("matching:advocate-search")).content.decode()
    assert 'data-testid="advocate-result"' in html and "Hold and refer" not in html


def test_staff_home_links_to_the_boxes(world):
    provider = client(world, "provider_b").get("/staff/").content.decode()
    assert reverse("referrals:inbox") in provider and reverse("referrals:outbox") in provider
    advocate = client(world, "advocate_a").get("/staff/").content.decode()
    assert reverse("referrals:inbox") not in advocate and reverse("referrals:outbox") in advocate
    analyst = client(world, "analyst").get("/staff/").content.decode()
    assert reverse("referrals:inbox") not in analyst and reverse("referrals:outbox") not in analyst
