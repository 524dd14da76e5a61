"""Test settings shared by every test: fast hashing, no real network, no real SMS."""

import pytest


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANTERN_SMS_BACKEND = "lantern.notify.sms.MemorySmsBackend"
    settings.LANTERN_SMS_FILE_PATH = str(tmp_path / "sms.log")
    # Rate limits are switched on by the tests that test them (`rate_limits` fixture).
    settings.RATELIMIT_ENABLE = False
    from lantern.notify.sms import MemorySmsBackend

    MemorySmsBackend.outbox.clear()


@pytest.fixture
def rate_limits(settings):
    from django.core.cache import cache

    cache.clear()
    settings.RATELIMIT_ENABLE = True
    yield settings.LANTERN_RATE_LIMITS
    cache.clear()
