"""The Spanish catalog: every string is translated (none empty, none fuzzy, placeholders
kept) and the committed .mo is the compiled .po (a stale .mo would silently show English)."""

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import lantern

LOCALE = Path(lantern.__file__).parent / "locale" / "es" / "LC_MESSAGES"
# Sources whose strings a survivor reads: the find-help pages, the engine's reasons, the
# page frame every page shares and the rate-limit page.
SURVIVOR_SOURCES = (
    "matching/",
    "core/templates/base.html",
    "core/templates/core/429.html",
)


def _entries(po: str) -> list[dict]:
    """A small reader for the .po format as makemessages writes it."""
    entries = []
    for block in po.split("\n\n"):
        entry: dict = {"refs": "", "fuzzy": False, "msgstr": []}
        key = None
        for line in block.splitlines():
            if line.startswith("#:"):
                entry["refs"] += line[2:]
            elif line.startswith("#,") and "fuzzy" in line:
                entry["fuzzy"] = True
            elif line.startswith(("msgid ", "msgid_plural ", "msgstr")):
                key, _, rest = line.partition(" ")
                value = rest.strip()[1:-1]
                if key.startswith("msgstr"):
                    entry["msgstr"].append(value)
                else:
                    entry[key] = value
            elif line.startswith('"') and key is not None:
                if key.startswith("msgstr"):
                    entry["msgstr"][-1] += line[1:-1]
                else:
                    entry[key] += line[1:-1]
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def test_every_survivor_string_has_a_spanish_translation():
    entries = _entries((LOCALE / "django.po").read_text())
    survivor = [e for e in entries if any(s in e["refs"] for s in SURVIVOR_SOURCES)]
    assert len(survivor) > 150
    missing = [e["msgid"] for e in survivor if e["fuzzy"] or not all(e["msgstr"])]
    assert missing == []


def test_no_entry_is_untranslated_or_fuzzy():
    """Staff pages, e-mails and new apps too: after `makemessages`, translate every entry
    (the header of the .po says how)."""
    entries = _entries((LOCALE / "django.po").read_text())
    assert len(entries) > 300
    assert [e["msgid"] for e in entries if not all(e["msgstr"])] == []
    assert [e["msgid"] for e in entries if e["fuzzy"]] == []


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def test_translations_keep_the_placeholders():
    """Without msgfmt too: a renamed or dropped %(name)s would break the page at run time."""
    wrong = []
    for e in _entries((LOCALE / "django.po").read_text()):
        want = _placeholders(e["msgid"]) | _placeholders(e.get("msgid_plural", ""))
        wrong += [(e["msgid"], s) for s in e["msgstr"] if _placeholders(s) != want]
    assert wrong == []


def test_committed_mo_matches_the_po(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if os.environ.get("CI"):
            pytest.fail("msgfmt is missing: .ci/run installs Debian's gettext package")
        pytest.skip("msgfmt (gettext) is not installed")
    compiled = tmp_path / "django.mo"
    subprocess.run(  # noqa: S603 - a fixed tool on files of this repository
        [msgfmt, "--check", "-o", str(compiled), str(LOCALE / "django.po")], check=True
    )
    with (LOCALE / "django.mo").open("rb") as committed, compiled.open("rb") as fresh:
        want = gettext.GNUTranslations(fresh)._catalog  # type: ignore[attr-defined]
        have = gettext.GNUTranslations(committed)._catalog  # type: ignore[attr-defined]
    assert have == want, "run: msgfmt -o lantern/locale/es/LC_MESSAGES/django.mo <the .po>"
