"""Signed one-tap links: opening changes nothing, each action works once, bad links are 404."""

import time

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from lantern.accounts.models import Membership
from lantern.audit.models import AuditEvent
from lantern.directory.models import Metadata, OneTapUse, ServiceCapacity
from lantern.directory.onetap import one_tap_token
from lantern.testing import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cap(world) -> ServiceCapacity:
    capacity = world.b_confidential.service.capacities.get()
    ServiceCapacity.objects.filter(pk=capacity.pk).update(
        updated=timezone.now() - timezone.timedelta(hours=5)
    )
    capacity.refresh_from_db()
    return capacity


def _client() -> Client:
    return Client(enforce_csrf_checks=True)


def _post(client: Client, url: str, data: dict):
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else None
    if token is None:
        client.get(url)
        token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def _state(capacity: ServiceCapacity) -> tuple:
    fresh = ServiceCapacity.objects.get(pk=capacity.pk)
    return (
        fresh.available,
        fresh.maximum,
        fresh.updated,
        Metadata.objects.filter(resource_id=capacity.pk).count(),
        AuditEvent.objects.count(),
        OneTapUse.objects.count(),
    )


def test_opening_the_link_shows_the_page_and_changes_nothing(cap):
    before = _state(cap)
    response = _client().get(f"/c/{one_tap_token(cap)}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="available">3<' in html
    assert response["Cache-Control"] == "no-store"
    assert _state(cap) == before


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"action": "plus"}, 4),
        ({"action": "minus"}, 2),
        ({"action": "full"}, 0),
        ({"action": "set", "available": "6"}, 6),
        ({"action": "confirm"}, 3),
    ],
)
def test_each_action_works_once_and_records_metadata_and_audit(cap, data, expected):
    url = f"/c/{one_tap_token(cap)}/"
    client = _client()
    events = AuditEvent.objects.filter(action="capacity.update").count()
    before = timezone.now()

    response = _post(client, url, data)

    assert response.status_code == 200
    assert "Saved. Thank you." in response.content.decode()
    cap.refresh_from_db()
    assert cap.available == expected
    assert before <= cap.updated <= timezone.now()
    meta = Metadata.objects.filter(resource_id=cap.pk)
    assert meta.exists()
    assert {m.updated_by for m in meta} == {"one-tap"}
    assert AuditEvent.objects.filter(action="capacity.update").count() == events + 1
    event = AuditEvent.objects.filter(action="capacity.update").latest("id")
    assert event.actor is None
    assert event.actor_label == "link:one-tap"
    assert event.object_id == str(cap.pk)
    assert event.detail["via"] == "one-tap"

    # The same button on the same link a second time: refused, nothing written.
    after_first = _state(cap)
    again = _post(client, url, data)
    assert again.status_code == 409
    assert "already used" in again.content.decode()
    assert _state(cap) == after_first


def test_a_different_action_on_the_same_link_still_works(cap):
    url = f"/c/{one_tap_token(cap)}/"
    client = _client()
    assert _post(client, url, {"action": "minus"}).status_code == 200
    assert _post(client, url, {"action": "minus"}).status_code == 409
    assert _post(client, url, {"action": "plus"}).status_code == 200
    assert _post(client, url, {"action": "full"}).status_code == 200
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 0


def test_a_new_link_is_not_limited_by_an_older_one(cap):
    client = _client()
    assert _post(client, f"/c/{one_tap_token(cap)}/", {"action": "minus"}).status_code == 200
    assert _post(client, f"/c/{one_tap_token(cap)}/", {"action": "minus"}).status_code == 200
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 1


def test_used_buttons_are_not_offered_again(cap):
    url = f"/c/{one_tap_token(cap)}/"
    client = _client()
    _post(client, url, {"action": "plus"})
    html = client.get(url).content.decode()
    assert 'value="plus"' not in html
    assert 'value="minus"' in html


def test_set_above_maximum_is_refused_and_the_set_button_stays_usable(cap):
    url = f"/c/{one_tap_token(cap)}/"
    client = _client()
    before = _state(cap)
    response = _post(client, url, {"action": "set", "available": "11"})
    assert response.status_code == 422
    assert "must not be more than maximum (10)" in response.content.decode()
    assert _state(cap) == before
    assert _post(client, url, {"action": "set", "available": "10"}).status_code == 200
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 10


def test_post_without_csrf_token_is_refused(cap):
    client = _client()
    url = f"/c/{one_tap_token(cap)}/"
    client.get(url)
    assert client.post(url, {"action": "full"}).status_code == 403
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 3


def _token_made_hours_ago(monkeypatch, capacity, hours: float) -> str:
    """A token signed `hours` ago: the signer's clock is moved back while it signs."""
    past = int(time.time() - hours * 3600)
    with monkeypatch.context() as patch:
        patch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(past))
        return one_tap_token(capacity)


def test_expired_tampered_and_unknown_links_are_the_same_404(cap, monkeypatch, settings):
    settings.LANTERN_ONE_TAP_LINK_HOURS = 24
    before = _state(cap)
    valid = one_tap_token(cap)
    expired = _token_made_hours_ago(monkeypatch, cap, 24.1)
    head, signature = valid.rsplit(":", 1)
    tampered = f"{head}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    other_salt = signing.dumps({"c": str(cap.pk), "n": "x"}, salt="elsewhere", compress=True)
    ghost = ServiceCapacity.objects.get(pk=cap.pk)
    ghost.pk = "00000000-0000-4000-8000-000000000000"
    unknown = one_tap_token(ghost)

    answers = []
    for token in (expired, tampered, other_salt, unknown, "forged-token"):
        client = _client()
        got = client.get(f"/c/{token}/")
        client.get("/accounts/login/")
        posted = client.post(
            f"/c/{token}/",
            {"action": "full", "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
        )
        assert got.status_code == posted.status_code == 404, token
        answers.append(got.content)
    assert len(set(answers)) == 1
    assert _state(cap) == before


def test_a_link_just_inside_its_lifetime_works(cap, monkeypatch, settings):
    settings.LANTERN_ONE_TAP_LINK_HOURS = 24
    token = _token_made_hours_ago(monkeypatch, cap, 23.9)
    assert _post(_client(), f"/c/{token}/", {"action": "full"}).status_code == 200


def test_a_reminder_link_stops_working_when_its_recipient_leaves(world, cap):
    user = world["provider_b"].user
    url = f"/c/{one_tap_token(cap, recipient=user)}/"
    assert _client().get(url).status_code == 200
    Membership.objects.filter(user=user).delete()
    user._lantern_hsds_org_ids = None
    assert _client().get(url).status_code == 404
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 3


def test_a_reminder_link_stops_working_when_its_recipient_is_deactivated(world, cap):
    user = world["provider_b"].user
    url = f"/c/{one_tap_token(cap, recipient=user)}/"
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _client().get(url).status_code == 404


def test_a_reminder_link_for_someone_outside_the_organization_is_404(world, cap):
    outsider = UserFactory()
    assert _client().get(f"/c/{one_tap_token(cap, recipient=outsider)}/").status_code == 404
    url = f"/c/{one_tap_token(cap, recipient=world['provider_c'].user)}/"
    assert _client().get(url).status_code == 404


def test_posts_are_rate_limited(cap, settings, rate_limits):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "one_tap": "2/m"}
    client = _client()
    assert _post(client, f"/c/{one_tap_token(cap)}/", {"action": "plus"}).status_code == 200
    assert _post(client, f"/c/{one_tap_token(cap)}/", {"action": "plus"}).status_code == 200
    assert _post(client, f"/c/{one_tap_token(cap)}/", {"action": "plus"}).status_code == 429
    assert ServiceCapacity.objects.get(pk=cap.pk).available == 5
