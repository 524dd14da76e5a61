from cryptography.fernet import Fernet

from lantern.core.checks import production_settings
from lantern.core.env import development_encryption_key

GOOD_SECRET = "x" * 60


def _ids(settings) -> set[str]:
    return {error.id for error in production_settings()}


def test_development_is_not_checked(settings):
    settings.PRODUCTION = False
    settings.DEBUG = True
    assert _ids(settings) == set()


def test_production_refuses_debug_default_secret_and_missing_keys(settings):
    settings.PRODUCTION = True
    settings.DEBUG = True
    settings.SECRET_KEY = settings.INSECURE_DEV_SECRET_KEY
    settings.LANTERN_ENCRYPTION_KEYS = []
    assert _ids(settings) == {"lantern.E001", "lantern.E002", "lantern.E003"}


def test_production_refuses_the_development_encryption_key(settings):
    settings.PRODUCTION = True
    settings.DEBUG = False
    settings.SECRET_KEY = GOOD_SECRET
    settings.LANTERN_ENCRYPTION_KEYS = [development_encryption_key()]
    assert _ids(settings) == {"lantern.E003"}


def test_production_with_real_settings_passes(settings):
    settings.PRODUCTION = True
    settings.DEBUG = False
    settings.SECRET_KEY = GOOD_SECRET
    settings.LANTERN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert _ids(settings) == set()
