"""Per-case data keys (crypto-shredding) and the keyed blind index.

Each case has its own Fernet data key, stored wrapped by the deployment keys
(`CaseKey.wrapped`, an `EncryptedTextField`). Every sealed field of the case (alias,
contact, notes, documents, history of personal fields ...) is a Fernet token under that data
key, prefixed `ck1:`. Destroying the `CaseKey` row makes all of them unreadable, even in
backups of the other tables; `lantern keys rotate` re-wraps the data keys and never has to
touch the sealed fields.

The blind index is an HMAC-SHA256 under `LANTERN_BLIND_INDEX_KEY` of normalised forms (see
`matchkeys`), so a search for an alias is one indexed lookup and the database holds no name.
"""

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from lantern.cases import matchkeys
from lantern.cases.models import Case, CaseKey

PREFIX = "ck1:"


class CaseKeyDestroyed(Exception):
    """The case was purged: its data key is gone and its sealed fields are unreadable."""


@dataclass(frozen=True)
class CaseCipher:
    """Seals and opens the personal fields of one case."""

    fernet: Fernet

    def seal(self, plaintext: str) -> str:
        if plaintext == "":
            return ""
        return PREFIX + self.fernet.encrypt(plaintext.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored:
            return ""
        if not stored.startswith(PREFIX):
            raise ValueError("not a sealed case value")
        try:
            return self.fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise ValueError("cannot open: wrong case key or altered value") from exc

    def seal_bytes(self, data: bytes) -> bytes:
        return self.fernet.encrypt(data)

    def open_bytes(self, token: bytes) -> bytes:
        try:
            return self.fernet.decrypt(token)
        except InvalidToken as exc:
            raise ValueError("cannot open: wrong case key or altered document") from exc


def key_create(case: Case) -> CaseCipher:
    """A new data key for a new case (called by the service that creates the case)."""
    data_key = Fernet.generate_key().decode()
    CaseKey.objects.create(case=case, wrapped=data_key)
    return CaseCipher(Fernet(data_key.encode()))


def cipher_for(case: Case) -> CaseCipher:
    """The cipher of a case; `CaseKeyDestroyed` once it was purged."""
    try:
        key = case.key
    except CaseKey.DoesNotExist as exc:
        raise CaseKeyDestroyed(str(case.pk)) from exc
    return CaseCipher(Fernet(key.wrapped.encode()))


def _index_key() -> bytes:
    key = str(getattr(settings, "LANTERN_BLIND_INDEX_KEY", "") or "")
    if not key:
        raise ImproperlyConfigured("LANTERN_BLIND_INDEX_KEY is empty")
    return key.encode()


def blind_digest(value: str) -> str:
    """The keyed digest of one normalised search key (32 hex characters: 128 bits).

    Truncation only ever adds a candidate to a search or a duplicate check, which a person
    then reviews; it cannot hide a match."""
    return matchkeys.blind(_index_key(), value)
