"""The SMS channel: one small interface, backends chosen by LANTERN_SMS_BACKEND.

Messages must never carry personal data or anything that reveals the situation: a phone
may be read by a trafficker. Callers pass neutral text and a link.
"""

import json
import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("lantern.notify")


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> None: ...


def mask_number(number: str) -> str:
    """The number with every digit but the last two replaced by `*` ("555-0123" gives
    "***-**23"): enough to tell test phones apart, not enough to call anyone."""
    digits = sum(ch.isdigit() for ch in number)
    masked: list[str] = []
    for ch in number:
        if ch.isdigit():
            masked.append(ch if digits <= 2 else "*")
            digits -= 1
        else:
            masked.append(ch)
    return "".join(masked)


class ConsoleSmsBackend:
    """Prints messages (development). The number is masked even here."""

    def send(self, message: SmsMessage) -> None:
        print(f"[sms to {mask_number(message.to)}] {message.body}", flush=True)


class FileSmsBackend:
    """Appends each message as a JSON line to LANTERN_SMS_FILE_PATH (development, staging),
    with the number masked but for its last two digits: the file outlives the message."""

    _lock = threading.Lock()

    def send(self, message: SmsMessage) -> None:
        path = Path(settings.LANTERN_SMS_FILE_PATH or "sms.log")
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"to": mask_number(message.to), "body": message.body, "at": timezone.now().isoformat()}
        )
        with self._lock, path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


class MemorySmsBackend:
    """Keeps messages in `outbox` (unit tests)."""

    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> None:
        MemorySmsBackend.outbox.append(message)


class SmsDeliveryError(Exception):
    """The SMS provider refused the message or could not be reached.

    The text names the status or the kind of network error only, never the number or body.
    """


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would re-send the bearer token to wherever the provider points; refuse it
    # (the 3xx then surfaces as an HTTPError, i.e. a delivery error).
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class HttpSmsBackend:
    """Posts each message to the SMS provider: JSON {"to", "from", "body"} to
    LANTERN_SMS_HTTP_URL with LANTERN_SMS_HTTP_TOKEN as a bearer token.

    Any answer but 2xx, a redirect, a timeout or a network error raises SmsDeliveryError.
    """

    timeout_seconds: float = 10.0

    def _endpoint(self) -> tuple[str, str]:
        url = str(settings.LANTERN_SMS_HTTP_URL or "")
        token = str(settings.LANTERN_SMS_HTTP_TOKEN or "")
        if not url or not token:
            raise ImproperlyConfigured(
                "HttpSmsBackend needs LANTERN_SMS_HTTP_URL and LANTERN_SMS_HTTP_TOKEN"
            )
        if not url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("LANTERN_SMS_HTTP_URL must be an http(s) URL")
        return url, token

    def send(self, message: SmsMessage) -> None:
        url, token = self._endpoint()
        payload = {
            "to": message.to,
            "from": str(settings.LANTERN_SMS_FROM or ""),
            "body": message.body,
        }
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in _endpoint
            url,
            data=json.dumps(payload).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
            },
        )
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=self.timeout_seconds) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            exc.close()
            raise SmsDeliveryError(f"SMS provider answered HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            reason = (
                type(exc.reason).__name__ if isinstance(exc.reason, BaseException) else "URLError"
            )
            raise SmsDeliveryError(f"SMS provider unreachable ({reason})") from None
        except OSError as exc:  # TimeoutError, ConnectionError ...
            raise SmsDeliveryError(f"SMS provider unreachable ({type(exc).__name__})") from None
        if not 200 <= status < 300:
            raise SmsDeliveryError(f"SMS provider answered HTTP {status}")


def get_sms_backend() -> SmsBackend:
    backend_cls = import_string(str(settings.LANTERN_SMS_BACKEND))
    return backend_cls()


def send_sms(to: str, body: str) -> None:
    get_sms_backend().send(SmsMessage(to=to, body=body))
    logger.info("sms sent (%d chars)", len(body))
