"""What the HTCDS 2.0 CSV export and import share: columns, the multi-value separator, the
place columns, formula escaping, the organization named on the command line, and an output
file that appears whole (or not at all) and is readable by its owner only.

Columns are `vocab.COLUMNS`: HTCDS 2.0 names where the standard has the field, `lan_` where
it has none. Multi-valued codes (types of exploitation, methods of control) are joined with
"; ", the delimiter of the standard's multi-select Excel template (Toolkit/Excel: "The
semi-colon is used as the delimeter"; its macro writes "; " between values). Reading accepts
";" with or without spaces.

Places: HTCDS keeps places in its historic trafficking events (`hte_`), one event per row of
a related table. One row per case here, so a case's places are *positional* multi-values:
the n-th value of `hte_Type`, `hte_Country`, `hte_State` and `lan_County` describe the n-th
place ("Recruitment; Exploitation" / "MX; US" / "; 17" / "; 17031"). A full export keeps
every place this way and imports back the same; the de-identified export releases only the
first place of type Exploitation, at state level.
"""

import os
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Final, TextIO

from lantern.accounts.models import Organization
from lantern.cases import vocab

SEPARATOR: Final = "; "
PLACE_FIELDS: Final = ("place_type", "country", "state", "county")
# place attribute -> the field whose column carries it
PLACE_COLUMN_FIELDS: Final = {
    "place_type": "place_type",
    "country": "place_country",
    "state": "place_state",
    "county": "place_county",
}
# A spreadsheet would run a cell that starts with one of these as a formula.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


class ExchangeError(Exception):
    """The export or import cannot go ahead (the message says why); nothing was written."""


def column(field: str) -> str:
    return vocab.COLUMNS[field]


def join_codes(codes: Sequence[str]) -> str:
    return SEPARATOR.join(codes)


def split_codes(value: str) -> list[str]:
    """The codes of a multi-valued cell; blanks between separators are dropped."""
    return [part.strip() for part in value.split(";") if part.strip()]


def join_positional(values: Sequence[str]) -> str:
    """One place attribute for every place, in place order; blank when all are blank."""
    if not any(values):
        return ""
    return SEPARATOR.join(values)


def split_positional(value: str) -> list[str]:
    """The inverse of `join_positional` (a blank cell is no values at all)."""
    if not value.strip():
        return []
    return [part.strip() for part in value.split(";")]


def escape_text(value: str) -> str:
    """Free text as a spreadsheet shows it rather than runs it: a leading "'" before a
    character that would start a formula (CSV injection)."""
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_text(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def organization_named(value: str) -> Organization:
    """The organization with this id, or else with exactly this name (ExchangeError when
    there is none, or several share the name)."""
    text = (value or "").strip()
    if not text:
        raise ExchangeError("name the organization (its id or its name)")
    try:
        organization_id = uuid.UUID(text)
    except ValueError:
        matches = list(Organization.objects.filter(name__iexact=text)[:2])
        if len(matches) > 1:
            raise ExchangeError(
                f"several organizations are named {text!r}; give its id instead"
            ) from None
        if matches:
            return matches[0]
    else:
        found = Organization.objects.filter(pk=organization_id).first()
        if found is not None:
            return found
    raise ExchangeError(f"no organization {text!r}")


class StagedFile:
    """A new file written beside its destination under a temporary name (mode 0600), put in
    place by `publish` (refusing to replace an existing file unless `force`)."""

    def __init__(self, path: Path, *, force: bool) -> None:
        self.path = Path(path)
        self.force = force
        if self.path.exists() and not force:
            raise ExchangeError(f"{self.path} exists; use --force to replace it")
        directory = self.path.parent
        if not directory.is_dir():
            raise ExchangeError(f"no directory {directory}")
        try:
            fd, temp_name = tempfile.mkstemp(
                dir=directory, prefix=f".{self.path.name}.", suffix=".part"
            )
        except OSError as exc:
            raise ExchangeError(f"cannot write in {directory}: {exc.strerror}") from exc
        self.temp = Path(temp_name)
        os.fchmod(fd, 0o600)
        self.handle: TextIO = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self.published = False

    def publish(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        if self.force:
            os.replace(self.temp, self.path)
        else:
            try:
                # A hard link never replaces an existing name: no race with another writer.
                os.link(self.temp, self.path)
            except FileExistsError as exc:
                raise ExchangeError(f"{self.path} exists; use --force to replace it") from exc
            except OSError:
                # A file system without hard links: check, then rename.
                if self.path.exists():
                    raise ExchangeError(f"{self.path} exists; use --force to replace it") from None
                os.replace(self.temp, self.path)
            else:
                os.unlink(self.temp)
        self.published = True

    def discard(self) -> None:
        if not self.handle.closed:
            self.handle.close()
        with suppress(FileNotFoundError):
            os.unlink(self.temp)


@contextmanager
def staged_output(path: Path, *, force: bool) -> Iterator[StagedFile]:
    """A `StagedFile`, removed unless the block published it."""
    staged = StagedFile(path, force=force)
    try:
        yield staged
    finally:
        if not staged.published:
            staged.discard()
