"""System checks for the notification channels' configuration."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.utils.module_loading import import_string

HTTP_BACKEND = "lantern.notify.sms.HttpSmsBackend"


@register()
def sms_backend_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from lantern.notify.sms import HttpSmsBackend

    path = str(settings.LANTERN_SMS_BACKEND or "")
    try:
        backend_cls = import_string(path)
    except ImportError:
        return [
            Error(
                f"LANTERN_SMS_BACKEND {path!r} cannot be imported",
                hint=f"Use {HTTP_BACKEND} in production, or the console, file or memory backend.",
                id="lantern.E101",
            )
        ]
    if not (isinstance(backend_cls, type) and issubclass(backend_cls, HttpSmsBackend)):
        return []
    messages: list[CheckMessage] = []
    url = str(settings.LANTERN_SMS_HTTP_URL or "")
    if not url or not settings.LANTERN_SMS_HTTP_TOKEN:
        messages.append(
            Error(
                "The HTTP SMS backend is selected but LANTERN_SMS_HTTP_URL or "
                "LANTERN_SMS_HTTP_TOKEN is empty",
                hint="Set both to the SMS provider's endpoint and API token.",
                id="lantern.E102",
            )
        )
    elif not url.startswith("https://") and (settings.PRODUCTION or not url.startswith("http://")):
        messages.append(
            Error(
                "LANTERN_SMS_HTTP_URL must be an https:// URL"
                + (" in production" if url.startswith("http://") else ""),
                hint="The bearer token and the messages must not travel in clear text.",
                id="lantern.E103",
            )
        )
    if not settings.LANTERN_SMS_FROM:
        messages.append(
            Warning(
                "LANTERN_SMS_FROM is empty: most SMS providers refuse a message without a sender",
                hint="Set LANTERN_SMS_FROM to the sender number or name the provider gave you.",
                id="lantern.W101",
            )
        )
    return messages
