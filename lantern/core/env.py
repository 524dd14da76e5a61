"""Strict readers for settings that come from the environment.

A malformed value stops start-up with a message that names the variable, instead of
silently falling back to a default.
"""

import base64
import os
import secrets
from pathlib import Path
from typing import overload


class ConfigError(RuntimeError):
    pass


@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false/1/0), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


# Values that were once published as development defaults (in this repository, so known to
# everyone). They are never used any more; production refuses them (lantern.core.checks).
PUBLISHED_SECRET_KEYS = frozenset({"lantern-insecure-development-key-never-use-in-production"})
# (The second is urlsafe_b64encode(sha256(b"lantern-development-encryption-key")).)
PUBLISHED_ENCRYPTION_KEYS = frozenset({"xeRX_-L_IQW9rdRQTmlm1xDc3uIy6wNBLEbbW_V6itY="})

# The names a secrets file may set; anything else in it is refused.
SECRET_NAMES = ("SECRET_KEY", "LANTERN_ENCRYPTION_KEYS", "LANTERN_BLIND_INDEX_KEY")


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_encryption_key() -> str:
    """A Fernet key: 32 random bytes, url-safe base64."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def read_secrets_file(path: Path) -> dict[str, str]:
    """`NAME=value` lines (blank lines and `#` comments allowed) from a per-install secrets
    file; an absent file reads as empty. A file others may read is refused."""
    if not path.exists():
        return {}
    if path.stat().st_mode & 0o077:
        raise ConfigError(f"{path} must be readable by its owner only (chmod 600 {path})")
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or name not in SECRET_NAMES:
            raise ConfigError(f"{path}:{number}: expected one of {', '.join(SECRET_NAMES)}=value")
        values[name] = value.strip()
    return values


def new_blind_index_key() -> str:
    """The HMAC key of the blind indexes (case aliases, duplicate checks): 32 random bytes."""
    return secrets.token_urlsafe(32)


def _new_secret(name: str) -> str:
    makers = {
        "SECRET_KEY": new_secret_key,
        "LANTERN_ENCRYPTION_KEYS": new_encryption_key,
        "LANTERN_BLIND_INDEX_KEY": new_blind_index_key,
    }
    return makers[name]()


def write_secrets_file(path: Path) -> bool:
    """Create the secrets file with new random secrets, readable by its owner only.

    An existing file keeps every value it has (its keys decrypt the data already stored);
    a secret it lacks (one added in a later version) is appended. Returns whether anything
    was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        missing = [name for name in SECRET_NAMES if name not in read_secrets_file(path)]
        if not missing:
            return False
        with path.open("a", encoding="utf-8") as fh:
            fh.writelines(f"{name}={_new_secret(name)}\n" for name in missing)
        return True
    text = (
        "# Lantern secrets for this install only (generated; never commit or share).\n"
        "# Losing LANTERN_ENCRYPTION_KEYS makes encrypted personal fields unreadable;\n"
        "# losing LANTERN_BLIND_INDEX_KEY makes case aliases unsearchable.\n"
        + "".join(f"{name}={_new_secret(name)}\n" for name in SECRET_NAMES)
    )
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return True
