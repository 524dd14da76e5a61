"""The per-install secrets file and how settings read it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from lantern.core.env import ConfigError, read_secrets_file, write_secrets_file

PROJECT_DIR = Path(__file__).resolve().parents[3]


def test_write_secrets_file_makes_owner_only_random_secrets(tmp_path):
    path = tmp_path / "var" / "secrets.env"
    assert write_secrets_file(path) is True
    assert path.stat().st_mode & 0o777 == 0o600
    values = read_secrets_file(path)
    assert len(values["SECRET_KEY"]) >= 50
    Fernet(values["LANTERN_ENCRYPTION_KEYS"].encode())  # a valid key

    other = tmp_path / "other.env"
    write_secrets_file(other)
    assert read_secrets_file(other) != values


def test_write_secrets_file_keeps_an_existing_file(tmp_path):
    path = tmp_path / "secrets.env"
    write_secrets_file(path)
    before = path.read_text()
    assert write_secrets_file(path) is False
    assert path.read_text() == before


def test_write_secrets_file_adds_a_secret_an_older_file_lacks(tmp_path):
    path = tmp_path / "secrets.env"
    path.write_text("SECRET_KEY=kept-as-it-is\nLANTERN_ENCRYPTION_KEYS=kept-too\n")
    path.chmod(0o600)
    assert write_secrets_file(path) is True
    values = read_secrets_file(path)
    assert values["SECRET_KEY"] == "kept-as-it-is"
    assert values["LANTERN_ENCRYPTION_KEYS"] == "kept-too"
    assert len(values["LANTERN_BLIND_INDEX_KEY"]) >= 32
    assert write_secrets_file(path) is False


def test_an_absent_secrets_file_reads_as_empty(tmp_path):
    assert read_secrets_file(tmp_path / "missing.env") == {}


def test_a_secrets_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "secrets.env"
    write_secrets_file(path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        read_secrets_file(path)


def test_a_secrets_file_with_unknown_names_is_refused(tmp_path):
    path = tmp_path / "secrets.env"
    path.write_text("DATABASE_URL=postgres://x\n")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match=r"secrets\.env:1"):
        read_secrets_file(path)


def _settings_in_subprocess(tmp_path, **env: str) -> dict:
    """Import lantern.settings in a fresh interpreter with a clean environment."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "LANTERN_ENCRYPTION_KEYS",
            "LANTERN_ENV",
            "LANTERN_SECRETS_FILE",
        }
    }
    clean.update({"LANTERN_VAR_DIR": str(tmp_path), **env})
    code = (
        "import json; from lantern import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'secret': s.SECRET_KEY, 'keys': s.LANTERN_ENCRYPTION_KEYS, "
        "'ephemeral': s.LANTERN_EPHEMERAL_SECRETS}))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env=clean,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_settings_read_the_secrets_file_and_debug_is_off_by_default(tmp_path):
    write_secrets_file(tmp_path / "secrets.env")
    written = read_secrets_file(tmp_path / "secrets.env")
    loaded = _settings_in_subprocess(tmp_path)
    assert loaded["debug"] is False
    assert loaded["secret"] == written["SECRET_KEY"]
    assert loaded["keys"] == [written["LANTERN_ENCRYPTION_KEYS"]]
    assert loaded["ephemeral"] is False
    assert _settings_in_subprocess(tmp_path, DEBUG="1")["debug"] is True


def test_without_a_secrets_file_each_process_makes_up_its_own_keys(tmp_path):
    first = _settings_in_subprocess(tmp_path)
    second = _settings_in_subprocess(tmp_path)
    assert first["ephemeral"] is True
    assert first["secret"] != second["secret"]
    assert first["keys"] != second["keys"]
    assert not (tmp_path / "secrets.env").exists()


def test_production_ignores_the_secrets_file(tmp_path):
    write_secrets_file(tmp_path / "secrets.env")
    loaded = _settings_in_subprocess(tmp_path, LANTERN_ENV="production")
    assert (loaded["secret"], loaded["keys"], loaded["ephemeral"]) == ("", [], False)
