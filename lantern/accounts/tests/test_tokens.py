"""API tokens: expiry, revocation, the last-used stamp and the `lantern token` command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lantern.accounts.models import ApiToken
from lantern.accounts.selectors import _touch, user_from_token
from lantern.accounts.services import token_create, token_revoke
from lantern.audit.models import AuditEvent
from lantern.testing import UserFactory

pytestmark = pytest.mark.django_db


def _me(secret):
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_token_with_an_expiry_authenticates_until_then_and_nobody_after():
    user = UserFactory(email="expiring@example.test")
    issued = token_create(user=user, name="ci", expires_days=7)
    expires = issued.token.expires
    assert expires is not None
    assert timedelta(days=7) - (expires - timezone.now()) < timedelta(minutes=1)
    assert user_from_token(issued.secret) == user
    assert _me(issued.secret).status_code == 200
    ApiToken.objects.filter(pk=issued.token.pk).update(expires=timezone.now())
    assert user_from_token(issued.secret) is None
    response = _me(issued.secret)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert ApiToken.objects.get(pk=issued.token.pk).state == "expired"


def test_a_token_without_expiry_never_expires_and_the_expiry_is_audited():
    user = UserFactory(email="forever@example.test")
    issued = token_create(user=user, name="sync")
    assert issued.token.expires is None and issued.token.state == "active"
    dated = token_create(user=user, name="ci", expires_days=30)
    event = AuditEvent.objects.filter(action="token.create", object_id=str(dated.token.pk)).get()
    assert event.detail["expires"] == dated.token.expires.isoformat()
    with pytest.raises(ValueError, match="expires_days"):
        token_create(user=user, expires_days=0)


def test_a_revoked_token_authenticates_nobody_and_revoking_again_changes_nothing():
    user = UserFactory(email="revoked@example.test")
    issued = token_create(user=user)
    assert _me(issued.secret).status_code == 200
    token = token_revoke(token=issued.token, actor=user)
    assert token.state == "revoked"
    assert _me(issued.secret).status_code == 401
    first = token.revoked
    again = token_revoke(token=issued.token, actor=user)
    assert again.revoked == first
    events = AuditEvent.objects.filter(action="token.revoke", object_id=str(token.pk))
    assert events.count() == 1
    assert events.get().detail == {"user_id": str(user.pk)}


def test_last_used_is_written_at_most_once_a_minute_per_token(settings):
    assert timedelta(minutes=1) == settings.LANTERN_TOKEN_TOUCH_INTERVAL
    user = UserFactory(email="busy@example.test")
    issued = token_create(user=user)
    assert issued.token.last_used is None

    def update_count():
        with CaptureQueriesContext(connection) as queries:
            assert user_from_token(issued.secret) == user
        return sum(q["sql"].lstrip().upper().startswith("UPDATE") for q in queries)

    assert update_count() == 1  # the first use stamps it
    stamped = ApiToken.objects.get(pk=issued.token.pk).last_used
    assert stamped is not None
    assert [update_count() for _ in range(5)] == [0] * 5  # within the minute: no writes
    assert ApiToken.objects.get(pk=issued.token.pk).last_used == stamped
    ApiToken.objects.filter(pk=issued.token.pk).update(
        last_used=timezone.now() - timedelta(seconds=61)
    )
    assert update_count() == 1  # a minute later: stamped again
    assert ApiToken.objects.get(pk=issued.token.pk).last_used > stamped


def test_a_stale_copy_of_the_token_does_not_stamp_twice():
    """Two requests that both read an old `last_used`: only one UPDATE matches."""
    user = UserFactory(email="race@example.test")
    issued = token_create(user=user)
    user_from_token(issued.secret)
    stamped = ApiToken.objects.get(pk=issued.token.pk).last_used
    stale_copy = ApiToken.objects.get(pk=issued.token.pk)
    stale_copy.last_used = None  # what a request that read the row earlier would hold
    _touch(stale_copy, timezone.now())
    assert ApiToken.objects.get(pk=issued.token.pk).last_used == stamped


def _command(*args):
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_token_command_creates_with_an_expiry_lists_without_secrets_and_revokes():
    user = UserFactory(email="cli@example.test")
    other = UserFactory(email="other@example.test")
    secret = _command("create", "CLI@example.test", "--name", "etl", "--expires-days", "10")
    secret = secret.strip()
    token_create(user=other, name="theirs")
    token = ApiToken.objects.get(user=user)
    assert token.name == "etl" and token.expires is not None

    listing = _command("list", "cli@example.test")
    lines = listing.strip().splitlines()
    assert lines[0].split("\t") == [
        "id", "name", "prefix", "user", "created", "expires", "last_used", "revoked"
    ]  # fmt: skip
    assert len(lines) == 2
    row = lines[1].split("\t")
    assert row[:4] == [str(token.pk), "etl", token.prefix, "cli@example.test"]
    assert row[5] != "-" and row[6:] == ["-", "-"]
    assert secret not in listing and token.token_hash not in listing
    everyone = _command("list")
    assert "other@example.test" in everyone and len(everyone.strip().splitlines()) == 3

    out = _command("revoke", str(token.pk))
    assert out.startswith(f"{token.pk} revoked at ")
    assert user_from_token(secret) is None
    assert "was already revoked" in _command("revoke", token.prefix)
    assert _command("list", "cli@example.test").strip().splitlines()[1].split("\t")[7] != "-"


def test_token_command_refuses_unknown_ids_and_bad_expiries():
    user = UserFactory(email="cli2@example.test")
    with pytest.raises(CommandError, match="ID: no token"):
        _command("revoke", "00000000-0000-4000-8000-000000000000")
    with pytest.raises(CommandError, match="--expires-days"):
        _command("create", user.email, "--expires-days", "0")
    assert not ApiToken.objects.filter(user=user).exists()
