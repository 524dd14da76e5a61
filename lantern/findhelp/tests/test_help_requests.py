"""Help requests: a survivor's "ask an advocate to help me with this one", the advocate's
list and page, claim and close, the link to a referral, consent and the purge."""

import json
import logging
import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.consent.services import consent_record
from lantern.findhelp import form_token
from lantern.findhelp.ask_forms import HONEYPOT
from lantern.findhelp.form_token import FIELD as TOKEN_FIELD
from lantern.findhelp.form_token import form_token_issue
from lantern.findhelp.models import HelpRequest
from lantern.findhelp.services import (
    Contact,
    HelpRequestNotOpen,
    HelpRequestsClosed,
    help_request_claim,
    help_request_close,
    help_request_create,
    help_request_link,
    help_requests_purge,
)
from lantern.referrals.tests.factories import send
from lantern.testing import World

pytestmark = pytest.mark.django_db

NUMBER = "555-0142"
ANSWERS = {"step": "more", "postcode": "60601", "help": ["emergency-shelter", "legal"], "age": "24"}


@pytest.fixture
def takes(world: World) -> World:
    world.org_a.takes_help_requests = True
    world.org_a.save(update_fields=["takes_help_requests"])
    return world


def make(world: World, **kwargs) -> HelpRequest:
    return help_request_create(
        service_id=kwargs.pop("service_id", world.b_public.service_id),
        needs=kwargs.pop("needs", {"postcode": "60601", "help_types": ["emergency-shelter"]}),
        contact=kwargs.pop("contact", Contact(method="text", details=NUMBER, time="after 6pm")),
        name=kwargs.pop("name", "Rosa"),
        consented=kwargs.pop("consented", True),
        **kwargs,
    )


def ask(client: Client, world: World, **fields) -> str:
    """Post the ask form; a send carries a fresh form token, as the rendered form does."""
    data = {**ANSWERS, "lang": "en", "service": str(world.b_public.service_id), **fields}
    if "send" in data:
        data.setdefault(TOKEN_FIELD, form_token_issue())
    response = client.post("/help/ask/", data)
    assert response.status_code == 200
    return response.content.decode()


SEND = {"send": "1", "how": "text", "number": NUMBER, "time": "after 6pm", "agree": "on"}


# --- Services ---------------------------------------------------------------------------


def test_it_records_the_request_with_the_survivors_own_consent(takes):
    help_request = make(takes)
    help_request.refresh_from_db()
    assert help_request.organization == takes.org_a
    assert help_request.status == "new"
    assert json.loads(help_request.contact) == {
        "method": "text",
        "details": NUMBER,
        "time": "after 6pm",
    }
    consent = help_request.consent
    assert consent.categories == ["name", "contact"]
    assert consent.method == "written" and consent.attested_by is None
    assert consent.recipient == consent.granted_by_organization == takes.org_a
    assert (consent.subject_type, consent.subject_id) == ("help_request", str(help_request.pk))
    assert consent.expires_at == help_request.created + timedelta(days=14)
    events = AuditEvent.objects.filter(actor_label="survivor")
    assert {e.action for e in events} == {"consent.record", "help_request.create"}
    for event in events:
        text = json.dumps(event.detail)
        assert NUMBER not in text and "Rosa" not in text and "6pm" not in text


def test_the_help_line_choice_keeps_no_details_and_needs_no_consent(takes):
    help_request = make(
        takes, contact=Contact(method="hotline", details="ignored", time="x"), name=""
    )
    help_request.refresh_from_db()
    assert help_request.contact == "" and help_request.consent is None
    assert help_request.contact_method == "hotline"


def test_it_refuses_details_without_consent(takes):
    with pytest.raises(ValueError):
        make(takes, consented=False)
    assert not HelpRequest.objects.exists()


def test_it_refuses_when_no_organization_takes_requests(world):
    with pytest.raises(HelpRequestsClosed):
        make(world)


def test_self_attested_consent_skips_membership_but_takes_no_actor(world):
    common = {
        "recipient": world.org_a,
        "granted_by_organization": world.org_a,
        "categories": ["contact"],
        "purpose": "to help me get a place",
        "method": "written",
        "expires_at": timezone.now() + timedelta(days=14),
    }
    consent = consent_record(actor=None, self_attested=True, **common)
    assert consent.attested_by is None
    with pytest.raises(ValidationError):
        consent_record(actor=None, **common)
    with pytest.raises(ValidationError):
        consent_record(actor=world["provider_c"].user, self_attested=True, **common)


def test_claim_and_close(takes):
    advocate = takes["advocate_a"].user
    help_request = help_request_claim(help_request=make(takes), actor=advocate)
    assert (help_request.status, help_request.claimed_by) == ("claimed", advocate)
    with pytest.raises(HelpRequestNotOpen):
        help_request_claim(help_request=help_request, actor=advocate)
    help_request = help_request_close(help_request=help_request, actor=advocate)
    assert help_request.status == "closed" and help_request.closed_at is not None
    with pytest.raises(HelpRequestNotOpen):
        help_request_close(help_request=help_request, actor=advocate)
    actions = list(
        AuditEvent.objects.filter(object_id=str(help_request.pk)).values_list("action", flat=True)
    )
    assert "help_request.claim" in actions and "help_request.close" in actions


def test_only_the_receiving_advocates_may_act(takes):
    from lantern.core.errors import NotFound

    help_request = make(takes)
    for name in ("provider_b", "provider_c", "coalition_admin", "analyst"):
        with pytest.raises(NotFound):
            help_request_claim(help_request=help_request, actor=takes[name].user)


def test_link_marks_the_request_referred(takes):
    advocate = takes["advocate_a"].user
    help_request = make(takes)
    referral = send(takes)
    help_request = help_request_link(help_request=help_request, referral=referral, actor=advocate)
    assert help_request.status == "referred" and help_request.referral == referral
    assert help_request.claimed_by == advocate
    with pytest.raises(HelpRequestNotOpen):
        help_request_link(help_request=help_request, referral=referral, actor=advocate)


def test_link_refuses_a_referral_from_another_organization(takes):
    from lantern.referrals.models import Referral

    help_request = make(takes)
    referral = send(takes)
    Referral.objects.filter(pk=referral.pk).update(referring_organization=takes.org_c)
    referral.refresh_from_db()
    with pytest.raises(ValueError):
        help_request_link(
            help_request=help_request, referral=referral, actor=takes["advocate_a"].user
        )


def test_purge_empties_personal_items_after_14_days_or_retention_after_close(takes, settings):
    settings.LANTERN_REFERRAL_RETENTION_DAYS = 3
    old, closed, fresh = make(takes), make(takes), make(takes)
    now = timezone.now()
    HelpRequest.objects.filter(pk=old.pk).update(created=now - timedelta(days=14, minutes=1))
    help_request_close(help_request=closed, actor=takes["advocate_a"].user, now=now)
    assert help_requests_purge(now=now + timedelta(days=2)) == 1
    assert help_requests_purge(now=now + timedelta(days=3, minutes=1)) == 1
    for help_request in (old, closed):
        help_request.refresh_from_db()
        assert help_request.needs == help_request.contact == help_request.name == ""
        assert help_request.purged_at is not None
    fresh.refresh_from_db()
    assert fresh.contact and fresh.purged_at is None
    assert help_requests_purge(now=now + timedelta(days=3, minutes=1)) == 0


# --- Survivor pages ---------------------------------------------------------------------


def test_result_cards_offer_the_button_only_when_someone_takes_requests(client, world):
    html = client.post("/", {"step": "where", "go": "skip-where"}).content.decode()
    assert "Ask an advocate to help me with this one" not in html
    assert "An advocate can help you with this place. Call our help line at 555-0100." in html
    world.org_a.takes_help_requests = True
    world.org_a.save()
    html = client.post("/", {"step": "where", "go": "skip-where"}).content.decode()
    assert html.count("Ask an advocate to help me with this one") == 3
    assert f'formaction="/help/ask/" name="ask_service" value="{world.b_public.service_id}"' in html


def test_the_ask_page_carries_the_answers_in_hidden_fields(client, takes):
    data = {**ANSWERS, "ask_service": str(takes.b_public.service_id), "go": ""}
    response = client.post("/help/ask/", data)
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "How can an advocate reach you safely?" in html
    assert "I will call the help line myself" in html
    assert 'name="postcode" value="60601"' in html
    assert 'name="help" value="legal"' in html
    assert "It is deleted after 14 days." in html
    assert not response.cookies
    assert client.get("/help/ask/").status_code == 405


def test_an_unknown_service_is_not_found(client, takes):
    for service in ("nope", "00000000-0000-4000-8000-000000000000", ""):
        response = client.post("/help/ask/", {**ANSWERS, "service": service, **SEND})
        assert response.status_code == 404
    assert not HelpRequest.objects.exists()


def test_the_ask_page_shows_the_help_line_when_nobody_takes_requests(client, world):
    html = ask(client, world, **SEND)
    assert 'data-testid="ask-closed"' in html and "555-0100" in html
    assert not HelpRequest.objects.exists()


def test_a_survivor_sends_a_request_without_logging_in(
    client, takes, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        html = ask(client, takes, name="Rosa", **SEND)
    help_request = HelpRequest.objects.get()
    assert "Your request is sent" in html and help_request.code in html
    assert "555-0100" in html
    # The one stored needs vocabulary (`matching.needs`), the same as a referral's.
    assert json.loads(help_request.needs) == {
        "age": 24,
        "help_types": ["emergency-shelter", "legal"],
        "location": {"latitude": 41.8858, "longitude": -87.6181},
        "postcode": "60601",
    }
    assert help_request.name == "Rosa"
    to_advocate = [m for m in mail.outbox if takes["advocate_a"].user.email in m.to]
    assert len(to_advocate) == 1
    assert f"/desk/requests/{help_request.pk}/" in to_advocate[0].body
    assert {to for m in mail.outbox for to in m.to} == {takes["advocate_a"].user.email}
    for message in mail.outbox:
        text = (message.subject + message.body).lower()
        for secret in (NUMBER, "rosa", "6pm", "60601", takes.b_public.service.name.lower()):
            assert secret.lower() not in text


def test_missing_answers_are_asked_for_in_plain_words(client, takes):
    html = ask(client, takes, send="1")
    assert "Choose how an advocate can reach you." in html
    html = ask(client, takes, send="1", how="text")
    assert "Type a phone number, or choose" in html
    assert "Tick this box so the advocate team can see how to reach you." in html
    html = ask(client, takes, send="1", how="email", email="nope", agree="on")
    assert "Check the email address." in html
    # The answers are still there to send again.
    assert 'name="postcode" value="60601"' in html
    assert not HelpRequest.objects.exists()
    html = ask(client, takes, send="1", how="hotline")
    assert "Call our help line at 555-0100" in html
    assert HelpRequest.objects.get().contact_method == "hotline"


def test_the_answers_are_never_logged(client, takes, caplog):
    with caplog.at_level(logging.DEBUG):
        ask(client, takes, name="Rosa", **SEND)
    text = caplog.text
    for secret in (NUMBER, "Rosa", "6pm", "60601"):
        assert secret not in text


def test_the_ask_page_is_rate_limited(client, takes, rate_limits, settings):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "anonymous_pages": "2/m"}
    data = {**ANSWERS, "service": str(takes.b_public.service_id), **SEND}
    statuses = [
        client.post("/help/ask/", {**data, TOKEN_FIELD: form_token_issue()}).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert HelpRequest.objects.count() == 2


def test_sending_requests_has_its_own_tighter_limit(client, takes, rate_limits, settings):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "help_request": "2/h"}
    data = {**ANSWERS, "service": str(takes.b_public.service_id), **SEND}
    statuses = [
        client.post("/help/ask/", {**data, TOKEN_FIELD: form_token_issue()}).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert HelpRequest.objects.count() == 2
    # Reading the form (not sending) is not counted against it.
    assert client.post("/help/ask/", {"service": str(takes.b_public.service_id)}).status_code == 200


# --- Advocate pages ---------------------------------------------------------------------


def test_the_receiving_advocates_see_the_list_without_personal_data(takes):
    help_request = make(takes)
    response = takes["advocate_a"].client().get("/desk/requests/")
    html = response.content.decode()
    assert response.status_code == 200 and help_request.code in html
    assert NUMBER not in html and "Rosa" not in html and "60601" not in html


def test_the_list_costs_the_same_queries_for_many_requests(takes, django_assert_max_num_queries):
    client = takes["advocate_a"].client()
    make(takes)
    help_request_claim(help_request=make(takes), actor=takes["advocate_a"].user)
    client.get("/desk/requests/")
    with django_assert_max_num_queries(20) as captured:
        client.get("/desk/requests/")
    few = len(captured)
    for _ in range(5):
        help_request_claim(help_request=make(takes), actor=takes["advocate_a"].user)
    with django_assert_max_num_queries(few) as captured:
        html = client.get("/desk/requests/").content.decode()
    assert html.count('data-testid="help-request"') == 7


def _csrf_token(client: Client) -> str:
    """The CSRF cookie's value, set by a page with a form (the log-in page for anyone)."""
    for page in ("/staff/", "/accounts/login/"):
        if "csrftoken" not in client.cookies:
            client.get(page)
    return client.cookies["csrftoken"].value


@pytest.mark.parametrize(
    "persona", ["anonymous", "survivor", "provider_b", "provider_c", "coalition_admin", "analyst"]
)
def test_nobody_else_sees_a_request(takes, persona):
    help_request = make(takes)
    client = takes[persona].client()
    detail = f"/desk/requests/{help_request.pk}/"
    for path in ("/desk/requests/", detail):
        response = client.get(path)
        if persona in ("anonymous", "survivor"):
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 404
    # With a valid CSRF token, so the answer is the authorization's, not the CSRF check's.
    token = _csrf_token(client)
    for action in ("claim", "close"):
        response = client.post(f"{detail}{action}/", {"csrfmiddlewaretoken": token})
        if persona in ("anonymous", "survivor"):
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 404, action
    help_request.refresh_from_db()
    assert help_request.status == "new"


def test_an_unverified_session_goes_to_the_second_factor(takes):
    response = takes["advocate_a"].client(verified=False).get("/desk/requests/")
    assert response.status_code == 302 and "two-factor" in response["Location"]


def test_the_detail_shows_the_contact_while_consent_holds_and_audits_the_read(takes):
    help_request = make(takes)
    client = takes["advocate_a"].client()
    html = client.get(f"/desk/requests/{help_request.pk}/").content.decode()
    assert NUMBER in html and "after 6pm" in html and "Rosa" in html
    assert "Emergency shelter" in html and "60601" in html
    assert f"/desk/requests/{help_request.pk}/refer/" in html
    read = AuditEvent.objects.get(action="help_request.read_personal")
    assert read.detail == {"read": ["contact", "name", "needs"]}
    assert read.actor == takes["advocate_a"].user


def test_the_contact_is_hidden_after_the_consent_expires(takes):
    help_request = make(takes)
    help_request.consent.__class__.objects.filter(pk=help_request.consent_id).update(
        expires_at=timezone.now() - timedelta(seconds=1),
        created=timezone.now() - timedelta(days=14),
    )
    html = takes["advocate_a"].client().get(f"/desk/requests/{help_request.pk}/").content.decode()
    assert NUMBER not in html and "Rosa" not in html
    assert "Hidden: the person's consent has ended." in html
    read = AuditEvent.objects.get(action="help_request.read_personal")
    assert read.detail == {"read": ["needs"]}


def test_claim_and_close_through_the_pages(takes):
    help_request = make(takes)
    client = takes["advocate_a"].client()
    detail = f"/desk/requests/{help_request.pk}/"
    response = client.post(f"{detail}claim/")
    assert response.status_code == 403  # the CSRF token is required
    client.get(detail)
    token = client.cookies["csrftoken"].value
    response = client.post(f"{detail}claim/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == detail
    help_request.refresh_from_db()
    assert help_request.status == "claimed"
    response = client.post(f"{detail}claim/", {"csrfmiddlewaretoken": token})
    assert response["Location"] == f"{detail}?not_open=1"
    response = client.post(f"{detail}close/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/desk/requests/"
    help_request.refresh_from_db()
    assert help_request.status == "closed"
    assert help_request.code not in client.get("/desk/requests/").content.decode()


# --- A public form's defences: form token, honeypot --------------------------------------


def _token_in(html: str) -> str:
    match = re.search(rf'name="{TOKEN_FIELD}" value="([^"]+)"', html)
    assert match, "the form carries a token"
    return match.group(1)


def test_the_rendered_form_carries_a_token_that_sends_once(client, takes):
    html = ask(client, takes, go="")
    token = _token_in(html)
    sent = ask(client, takes, **{**SEND, TOKEN_FIELD: token})
    assert 'data-testid="form-error"' not in sent
    assert HelpRequest.objects.count() == 1
    # The same token again (a replay, or the form sent twice) writes nothing.
    again = ask(client, takes, **{**SEND, TOKEN_FIELD: token})
    assert 'data-testid="form-error"' in again and _token_in(again) != token
    assert HelpRequest.objects.count() == 1


@pytest.mark.parametrize("token", ["", "forged", "abc:def:ghi"])
def test_a_send_without_a_genuine_token_writes_nothing(client, takes, token):
    html = ask(client, takes, **{**SEND, TOKEN_FIELD: token})
    assert 'data-testid="form-error"' in html
    assert 'value="555-0142"' in html  # the answers are kept for the second try
    assert not HelpRequest.objects.exists() and not mail.outbox


def test_an_expired_token_writes_nothing(client, takes, monkeypatch):
    issued = timezone.now() - form_token.MAX_AGE - timedelta(minutes=1)
    monkeypatch.setattr(
        signing.TimestampSigner,
        "timestamp",
        lambda self: signing.b62_encode(int(issued.timestamp())),
    )
    token = form_token_issue()
    monkeypatch.undo()
    html = ask(client, takes, **{**SEND, TOKEN_FIELD: token})
    assert 'data-testid="form-error"' in html
    assert not HelpRequest.objects.exists()


def test_a_filled_honeypot_writes_nothing_and_tells_nobody(client, takes):
    html = ask(client, takes, **{**SEND, HONEYPOT: "https://spam.example"})
    assert "How can an advocate reach you safely?" in html
    assert not HelpRequest.objects.exists() and not mail.outbox


def test_the_honeypot_is_hidden_from_people(client, takes):
    html = ask(client, takes, go="")
    assert re.search(
        rf'<div class="visually-hidden" aria-hidden="true">\s*<label for="id_{HONEYPOT}"', html
    )
    assert f'name="{HONEYPOT}" id="id_{HONEYPOT}" value="" tabindex="-1"' in html


# --- The stored needs vocabulary ------------------------------------------------------------


def test_the_migration_rewrites_old_help_request_needs_in_the_one_vocabulary():
    import importlib

    migration = importlib.import_module(
        "lantern.findhelp.migrations.0002_helprequest_needs_vocabulary"
    )
    old = {
        "postcode": "60601",
        "help": ["legal", "emergency-shelter"],
        "distance": "25",
        "away": "near",
        "age": "24",
        "gender": "woman",
        "children": "2",
        "pets": "no",
        "trafficking": "both",
        "wheelchair": "yes",
        "substance": "no",
        "id_documents": "yes",
        "languages": ["es", "en"],
        "only_open": "on",
    }
    assert migration.to_stored(old) == {
        "postcode": "60601",
        "max_distance_km": 25.0,
        "help_types": ["emergency-shelter", "legal"],
        "age": 24,
        "gender": "woman",
        "children": 2,
        "pets": False,
        "trafficking_types": ["labor", "sex"],
        "needs_wheelchair_access": True,
        "active_substance_use": False,
        "has_id_documents": True,
        "languages": ["es", "en"],
        "only_open": True,
    }


def test_stored_needs_read_back_as_the_same_needs():
    from lantern.findhelp.forms import NeedsForm
    from lantern.matching.needs import needs_from_stored, needs_to_stored

    form = NeedsForm(
        {
            "postcode": "60601",
            "help": ["legal"],
            "age": "31",
            "trafficking": "both",
            "wheelchair": "yes",
            "languages": ["vi", "es"],
        }
    )
    assert form.is_valid()
    needs = form.needs()
    assert needs_from_stored(needs_to_stored(needs, postcode="60601")) == needs


def test_reloading_the_confirmation_does_not_send_the_request_again(client, takes):
    """Without JavaScript a reload re-posts the form; its token is used, so nothing is
    written or notified twice (the page asks to check and send again instead)."""
    data = {**ANSWERS, "lang": "en", "service": str(takes.b_public.service_id), **SEND}
    data[TOKEN_FIELD] = form_token_issue()
    first = client.post("/help/ask/", data).content.decode()
    assert "Your request is sent" in first
    sent = len(mail.outbox)
    reload = client.post("/help/ask/", data).content.decode()
    assert "Your request is sent" not in reload and 'data-testid="form-error"' in reload
    assert HelpRequest.objects.count() == 1 and len(mail.outbox) == sent
