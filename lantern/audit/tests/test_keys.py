import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from lantern.audit.models import AuditEvent
from lantern.core import crypto
from lantern.testing import UserFactory

pytestmark = pytest.mark.django_db

NUMBER = "(312) 555-0142"


def _raw_sms(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sms_number FROM accounts_user WHERE id = %s",
            [user.pk.hex if connection.vendor == "sqlite" else user.pk],
        )
        return cursor.fetchone()[0]


def test_keys_rotate_reencrypts_to_the_newest_key_and_records_it(settings):
    old_key = settings.LANTERN_ENCRYPTION_KEYS[0]
    user = UserFactory(sms_number=NUMBER)
    before = _raw_sms(user)
    new_key = Fernet.generate_key().decode()
    settings.LANTERN_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("keys", "rotate")
    after = _raw_sms(user)
    assert after != before and after.startswith(crypto.PREFIX)
    # Only the new key is needed from now on.
    settings.LANTERN_ENCRYPTION_KEYS = [new_key]
    assert get_user_model().objects.get(pk=user.pk).sms_number == NUMBER
    assert Fernet(new_key.encode()).decrypt(after[len(crypto.PREFIX) :].encode()).decode() == NUMBER
    event = AuditEvent.objects.get(action="keys.rotate")
    assert event.actor_label == "system:keys"
