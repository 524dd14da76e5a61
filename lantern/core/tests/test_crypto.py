import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from lantern.accounts.models import User
from lantern.audit.models import AuditEvent
from lantern.core import crypto
from lantern.testing import UserFactory

pytestmark = pytest.mark.django_db

NUMBER = "(312) 555-0142"


def _raw_sms(user: User) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sms_number FROM accounts_user WHERE id = %s",
            [user.pk.hex if connection.vendor == "sqlite" else user.pk],
        )
        return cursor.fetchone()[0]


def test_database_holds_no_plaintext_of_an_encrypted_field():
    user = UserFactory(sms_number=NUMBER)
    raw = _raw_sms(user)
    assert raw.startswith(crypto.PREFIX)
    assert "555" not in raw and "0142" not in raw
    assert User.objects.get(pk=user.pk).sms_number == NUMBER


def test_empty_values_stay_empty():
    user = UserFactory(sms_number="")
    assert _raw_sms(user) == ""


def test_altered_ciphertext_is_refused():
    with pytest.raises(ValueError, match="cannot decrypt"):
        crypto.decrypt(crypto.encrypt("x")[:-4] + "AAAA")


def test_keys_rotate_reencrypts_to_the_newest_key(settings):
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
    assert User.objects.get(pk=user.pk).sms_number == NUMBER
    assert Fernet(new_key.encode()).decrypt(after[len(crypto.PREFIX) :].encode()).decode() == NUMBER
    assert AuditEvent.objects.filter(action="keys.rotate").exists()


def test_bad_key_configuration_is_a_clear_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.LANTERN_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="LANTERN_ENCRYPTION_KEYS"):
        crypto.encrypt("x")
