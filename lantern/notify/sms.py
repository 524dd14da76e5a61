"""The SMS channel: one small interface, backends chosen by LANTERN_SMS_BACKEND.

Messages must never carry personal data or anything that reveals the situation: a phone
may be read by a trafficker. Callers pass neutral text and a link.
"""

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("lantern.notify")


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> None: ...


class ConsoleSmsBackend:
    """Prints messages (development). The number is masked even here."""

    def send(self, message: SmsMessage) -> None:
        print(f"[sms to ...{message.to[-2:]}] {message.body}", flush=True)


class FileSmsBackend:
    """Appends each message as a JSON line to LANTERN_SMS_FILE_PATH (tests, staging)."""

    _lock = threading.Lock()

    def send(self, message: SmsMessage) -> None:
        path = Path(settings.LANTERN_SMS_FILE_PATH or "sms.log")
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"to": message.to, "body": message.body, "at": timezone.now().isoformat()}
        )
        with self._lock, path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


class MemorySmsBackend:
    """Keeps messages in `outbox` (unit tests)."""

    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> None:
        MemorySmsBackend.outbox.append(message)


def get_sms_backend() -> SmsBackend:
    backend_cls = import_string(str(settings.LANTERN_SMS_BACKEND))
    return backend_cls()


def send_sms(to: str, body: str) -> None:
    get_sms_backend().send(SmsMessage(to=to, body=body))
    logger.info("sms sent (%d chars)", len(body))
