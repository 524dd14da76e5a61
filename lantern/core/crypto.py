"""Field-level encryption for personal data: one helper, keys from the environment.

`LANTERN_ENCRYPTION_KEYS` holds comma-separated Fernet keys, newest first. Values are
encrypted with the newest key and decrypted with any of them (MultiFernet), so a new key
can be added before `lantern keys rotate` re-encrypts every stored value to it and the old
key is retired.
"""

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Cast

PREFIX = "enc1:"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("LANTERN_ENCRYPTION_KEYS is empty")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "LANTERN_ENCRYPTION_KEYS: each key must be a url-safe base64 32-byte Fernet key"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.LANTERN_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return PREFIX + fernet().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: unknown key or altered value") from exc


def rotate_value(stored: str) -> str:
    return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code only ever sees plaintext.

    Encrypted values cannot be searched or indexed: keep lookups on other columns.
    Empty strings are stored as empty strings (nothing to hide, and it keeps forms simple).
    """

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    return [
        (model, field.attname)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_all(batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted column to the newest key; returns values touched per field.

    Works on the stored ciphertext (read through a plain-text cast, written back as a plain
    value), so plaintext is never materialised; one transaction per field.
    """
    counts: dict[str, int] = {}
    for model, attname in encrypted_fields():
        label = f"{model._meta.label}.{attname}"
        counts[label] = 0
        with transaction.atomic():
            rows = (
                model._base_manager.exclude(**{f"{attname}__isnull": True})
                .annotate(_raw=Cast(attname, output_field=models.TextField()))
                .exclude(_raw="")
                .values_list("pk", "_raw")
            )
            for pk, raw in rows.iterator(chunk_size=batch_size):
                model._base_manager.filter(pk=pk).update(
                    **{attname: Value(rotate_value(raw), output_field=models.TextField())}
                )
                counts[label] += 1
    return counts
