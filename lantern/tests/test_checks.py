import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from lantern.core.checks import production_settings
from lantern.core.env import PUBLISHED_ENCRYPTION_KEYS, PUBLISHED_SECRET_KEYS
from lantern.wsgi import _refuse_unsafe_production

GOOD_SECRET = "x" * 60
# The development defaults once published in this repository.
OLD_SECRET_KEY = "lantern-insecure-development-key-never-use-in-production"
OLD_ENCRYPTION_KEY = "xeRX_-L_IQW9rdRQTmlm1xDc3uIy6wNBLEbbW_V6itY="
SMTP = "django.core.mail.backends.smtp.EmailBackend"
HTTP_SMS = "lantern.notify.sms.HttpSmsBackend"


def _ids() -> set[str]:
    return {message.id for message in production_settings()}


@pytest.fixture
def production(settings):
    """A production configuration that passes; each test spoils one thing."""
    settings.PRODUCTION = True
    settings.LANTERN_EPHEMERAL_SECRETS = False
    settings.DEBUG = False
    settings.SECRET_KEY = GOOD_SECRET
    settings.LANTERN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.EMAIL_BACKEND = SMTP
    settings.LANTERN_SMS_BACKEND = HTTP_SMS
    settings.SITE_URL = "https://lantern.example.test"
    settings.LANTERN_BLIND_INDEX_KEY = "b" * 43
    return settings


def test_the_published_keys_are_the_old_development_defaults():
    assert OLD_SECRET_KEY in PUBLISHED_SECRET_KEYS
    assert OLD_ENCRYPTION_KEY in PUBLISHED_ENCRYPTION_KEYS


def test_development_is_not_checked(settings):
    settings.PRODUCTION = False
    settings.LANTERN_EPHEMERAL_SECRETS = False
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert _ids() == set()


def test_development_without_a_secrets_file_is_warned(settings):
    settings.PRODUCTION = False
    settings.LANTERN_EPHEMERAL_SECRETS = True
    assert _ids() == {"lantern.W001"}


def test_production_with_real_settings_passes(production):
    assert _ids() == set()


def test_production_refuses_debug(production):
    production.DEBUG = True
    assert _ids() == {"lantern.E001"}


def test_production_refuses_the_old_published_secret_key(production):
    production.SECRET_KEY = OLD_SECRET_KEY
    assert _ids() == {"lantern.E002"}


def test_production_refuses_a_short_secret_key(production):
    production.SECRET_KEY = "short"
    assert _ids() == {"lantern.E002"}


def test_production_refuses_an_ephemeral_development_secret(production):
    production.LANTERN_EPHEMERAL_SECRETS = True
    assert _ids() == {"lantern.E002"}


def test_production_refuses_an_empty_secret_key(production):
    production.SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        str(production.SECRET_KEY)  # Django itself refuses to read it
    assert _ids() == {"lantern.E002"}


def test_production_refuses_missing_encryption_keys(production):
    production.LANTERN_ENCRYPTION_KEYS = []
    assert _ids() == {"lantern.E003"}


def test_production_refuses_the_old_published_encryption_key(production):
    production.LANTERN_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), OLD_ENCRYPTION_KEY]
    assert _ids() == {"lantern.E003"}


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
    ],
)
def test_production_refuses_email_backends_that_print_or_keep_messages(production, backend):
    production.EMAIL_BACKEND = backend
    assert _ids() == {"lantern.E004"}


@pytest.mark.parametrize(
    "backend",
    [
        "lantern.notify.sms.ConsoleSmsBackend",
        "lantern.notify.sms.FileSmsBackend",
        "lantern.notify.sms.MemorySmsBackend",
    ],
)
def test_production_refuses_sms_backends_that_print_or_keep_messages(production, backend):
    production.LANTERN_SMS_BACKEND = backend
    assert _ids() == {"lantern.E005"}


def test_the_wsgi_entry_point_refuses_to_serve_an_unsafe_production(production):
    production.LANTERN_SMS_HTTP_URL = "https://sms.example.test/send"
    production.LANTERN_SMS_HTTP_TOKEN = "token-0123456789"
    production.LANTERN_SMS_FROM = "555-0100"
    _refuse_unsafe_production()  # a safe configuration serves

    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with pytest.raises(ImproperlyConfigured, match=r"lantern\.E004"):
        _refuse_unsafe_production()


@pytest.mark.parametrize("site_url", ["", "http://lantern.example.test", "https://"])
def test_production_requires_an_https_site_url(production, site_url):
    production.SITE_URL = site_url
    assert _ids() == {"lantern.E006"}


def test_production_refuses_a_missing_or_short_blind_index_key(production):
    production.LANTERN_BLIND_INDEX_KEY = ""
    assert _ids() == {"lantern.E007"}
    production.LANTERN_BLIND_INDEX_KEY = "short"
    assert _ids() == {"lantern.E007"}
