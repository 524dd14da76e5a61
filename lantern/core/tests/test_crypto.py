import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from lantern.core import crypto
from lantern.testing import UserFactory

pytestmark = pytest.mark.django_db

# core sits below accounts: the user model (one model with an encrypted field) is reached
# through Django, not imported.
User = get_user_model()
NUMBER = "(312) 555-0142"


def _raw_sms(user) -> str:
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


def test_bad_key_configuration_is_a_clear_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.LANTERN_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="LANTERN_ENCRYPTION_KEYS"):
        crypto.encrypt("x")
