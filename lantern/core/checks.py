"""System checks that stop a production start-up with an unsafe configuration.

`runserver` and `migrate` stop on these errors; the WSGI entry point (lantern.wsgi) runs them
before serving anything, so a misconfigured production server never answers a request.
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from lantern.core.env import PUBLISHED_ENCRYPTION_KEYS, PUBLISHED_SECRET_KEYS

# Backends that print, keep in memory or write to disk what they "send": one-tap links in
# those messages are credentials, so production must hand messages to a real provider.
UNSAFE_EMAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
    }
)
UNSAFE_SMS_BACKENDS = frozenset(
    {
        "lantern.notify.sms.ConsoleSmsBackend",
        "lantern.notify.sms.FileSmsBackend",
        "lantern.notify.sms.MemorySmsBackend",
    }
)


def _secret_key() -> str:
    try:
        return str(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django refuses to read an empty SECRET_KEY
        return ""


@register(Tags.security, deploy=False)
def production_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION:
        if getattr(settings, "LANTERN_EPHEMERAL_SECRETS", False):
            return [
                Warning(
                    "No secrets file: this process uses made-up keys, so personal fields "
                    "encrypted now are unreadable after a restart",
                    hint="Run `make setup` (writes var/secrets.env) or set SECRET_KEY and "
                    "LANTERN_ENCRYPTION_KEYS.",
                    id="lantern.W001",
                )
            ]
        return []
    errors: list[CheckMessage] = []
    if settings.DEBUG:
        errors.append(Error("DEBUG is on in production", hint="Unset DEBUG.", id="lantern.E001"))
    secret = _secret_key()
    if (
        secret in PUBLISHED_SECRET_KEYS
        or len(secret) < 40
        or getattr(settings, "LANTERN_EPHEMERAL_SECRETS", False)
    ):
        errors.append(
            Error(
                "SECRET_KEY is missing, a published development key or too short",
                hint="Set SECRET_KEY to 50+ random characters.",
                id="lantern.E002",
            )
        )
    keys = list(settings.LANTERN_ENCRYPTION_KEYS)
    if not keys or PUBLISHED_ENCRYPTION_KEYS.intersection(keys):
        errors.append(
            Error(
                "LANTERN_ENCRYPTION_KEYS is missing or contains the published development key",
                hint="Set LANTERN_ENCRYPTION_KEYS to Fernet keys, newest first "
                "(python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())').",
                id="lantern.E003",
            )
        )
    if len(str(getattr(settings, "LANTERN_BLIND_INDEX_KEY", "") or "")) < 32:
        errors.append(
            Error(
                "LANTERN_BLIND_INDEX_KEY is missing or shorter than 32 characters",
                hint="Set LANTERN_BLIND_INDEX_KEY to 32+ random characters (python -c "
                "'import secrets; print(secrets.token_urlsafe(32))'); keep it: case aliases "
                "are searched through it.",
                id="lantern.E007",
            )
        )
    if str(settings.EMAIL_BACKEND) in UNSAFE_EMAIL_BACKENDS:
        errors.append(
            Error(
                f"EMAIL_BACKEND {settings.EMAIL_BACKEND} prints or stores messages, and their "
                "one-tap links are credentials",
                hint="Use django.core.mail.backends.smtp.EmailBackend (EMAIL_HOST ...) or a "
                "provider's backend.",
                id="lantern.E004",
            )
        )
    if str(settings.LANTERN_SMS_BACKEND) in UNSAFE_SMS_BACKENDS:
        errors.append(
            Error(
                f"LANTERN_SMS_BACKEND {settings.LANTERN_SMS_BACKEND} prints or stores messages, "
                "and their one-tap links are credentials",
                hint="Use lantern.notify.sms.HttpSmsBackend with LANTERN_SMS_HTTP_URL and "
                "LANTERN_SMS_HTTP_TOKEN.",
                id="lantern.E005",
            )
        )
    site = urlsplit(str(getattr(settings, "SITE_URL", "") or ""))
    if site.scheme != "https" or not site.netloc:
        errors.append(
            Error(
                "LANTERN_SITE_URL is not set to an https:// address",
                hint="Set LANTERN_SITE_URL to the address people reach Lantern at (for "
                "example https://lantern.example.org): links in e-mails and SMS start with it, "
                "and in production they are never built from a request's Host header.",
                id="lantern.E006",
            )
        )
    return errors
