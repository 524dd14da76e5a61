"""The README documents every setting: each environment variable `lantern/settings.py`
reads appears, by name, in the README's "Settings" section."""

import re
from pathlib import Path

import lantern.settings

ROOT = Path(lantern.settings.__file__).resolve().parent.parent


def _settings_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]


def _read_variables() -> set[str]:
    source = Path(lantern.settings.__file__).read_text(encoding="utf-8")
    return set(re.findall(r'env_\w+\(\s*"([A-Z][A-Z0-9_]+)"', source))


def test_the_settings_module_reads_the_variables_we_look_for():
    names = _read_variables()
    assert {"LANTERN_SITE_URL", "DATABASE_URL", "SECRET_KEY"} <= names
    assert len(names) > 40


def test_every_setting_is_documented_in_the_readme():
    section = _settings_section()
    missing = sorted(name for name in _read_variables() if f"`{name}`" not in section)
    assert missing == [], f"add these to the README's Settings section: {missing}"
