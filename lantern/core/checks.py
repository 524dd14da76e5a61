"""System checks that stop a production start-up with an unsafe configuration."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from lantern.core.env import development_encryption_key


@register(Tags.security, deploy=False)
def production_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    errors = []
    if settings.DEBUG:
        errors.append(Error("DEBUG is on in production", hint="Unset DEBUG.", id="lantern.E001"))
    if settings.SECRET_KEY == settings.INSECURE_DEV_SECRET_KEY or len(settings.SECRET_KEY) < 40:
        errors.append(
            Error(
                "SECRET_KEY is the development default or too short",
                hint="Set SECRET_KEY to 50+ random characters.",
                id="lantern.E002",
            )
        )
    keys = settings.LANTERN_ENCRYPTION_KEYS
    if not keys or development_encryption_key() in keys:
        errors.append(
            Error(
                "LANTERN_ENCRYPTION_KEYS is missing or contains the development key",
                hint="Set LANTERN_ENCRYPTION_KEYS to Fernet keys, newest first "
                "(python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())').",
                id="lantern.E003",
            )
        )
    return errors
