"""Test settings shared by every test: fast hashing, no real network, no real SMS."""

import pytest


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANTERN_SMS_BACKEND = "lantern.notify.sms.MemorySmsBackend"
    settings.LANTERN_SMS_FILE_PATH = str(tmp_path / "sms.log")
    from lantern.notify.sms import MemorySmsBackend

    MemorySmsBackend.outbox.clear()
