"""`lantern cases export-htcds`: case records as an HTCDS 2.0 CSV file, one row per case.

Two exports, both operator commands (no user), both audited with one event holding counts:

- **full** (`export_full`): every column of `vocab.COLUMNS`, the alias and birth year opened
  with each case's own key, exact dates, every place. Each exported case gets an `export`
  row in its disclosure log. Purged cases (key destroyed) and cases merged into another are
  left out and counted.
- **de-identified** (`export_deidentified`): no alias, contact, birth year or case number;
  age bands; dates as year and month ("2026-03"); one place, the first of type
  Exploitation, at state level (no county); k-anonymous (k >= 11) over the quasi-identifiers
  (age band, gender, citizenship, types of exploitation, the place's country and state, the
  year the case was opened): records in a smaller class are suppressed and counted. It reads
  coded columns only and decrypts nothing, so purged cases are in it; it holds no personal
  data and writes no disclosure-log row.

Both stream (an iterator in chunks, a row written as it is read), so memory stays flat for
100,000 cases. The de-identified export is two passes over the same snapshot: classes are
counted with a GROUP BY in the database, then the rows are streamed and kept or suppressed;
the classes actually written are counted again and the file is refused if any is under k.
The file is written under a temporary name, mode 0600, and renamed into place at the end.
"""

import csv
from argparse import ArgumentParser
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any, Final, TextIO

from cryptography.fernet import Fernet
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery, TextField
from django.db.models.functions import Cast, ExtractYear

from lantern.accounts.models import Organization
from lantern.audit.services import audit_record
from lantern.cases import kanon, vocab
from lantern.cases.access import log_access
from lantern.cases.htcds_csv import (
    ExchangeError,
    column,
    escape_text,
    join_codes,
    join_positional,
    organization_named,
    staged_output,
)
from lantern.cases.keys import CaseCipher
from lantern.cases.models import Case, ExploitationPlace
from lantern.cases.models.case import AccessKind
from lantern.core import crypto

FULL_FIELDS: Final = tuple(vocab.COLUMNS)
DEIDENTIFIED_DROPPED: Final = frozenset({"first_name", "birth_year", "place_county", "case_number"})
DEIDENTIFIED_FIELDS: Final = tuple(f for f in vocab.COLUMNS if f not in DEIDENTIFIED_DROPPED)
CHUNK: Final = 2000
EXPORT_LABEL: Final = "system:export"
RELEASED_PLACE_TYPE: Final = "Exploitation"

# The coded columns the de-identified export reads (nothing sealed).
_CODED_VALUES: Final = (
    "age_band",
    "gender",
    "citizenship",
    "primary_language",
    "trafficking_status",
    "types_of_exploitation",
    "methods_of_control",
    "method_of_recruitment",
    "forced_labour_industry",
    "status",
    "identified_on",
    "opened_on",
    "closed_on",
)


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    deidentified: bool
    written: int
    suppressed: int = 0
    k: int | None = None
    left_out: int = 0  # full export: purged cases, whose personal data is gone

    def line(self) -> str:
        if self.deidentified:
            return f"{self.written} records written, {self.suppressed} suppressed (k={self.k})"
        line = f"{self.written} records written"
        if self.left_out:
            line += f", {self.left_out} purged cases left out (no personal data remains)"
        return line


def _cases(organization: Organization | None) -> "QuerySet[Case]":
    cases = Case.objects.filter(merged_into__isnull=True)
    if organization is not None:
        cases = cases.filter(organization=organization)
    return cases


def _in_order(codes: Any, vocabulary: Mapping[str, Any]) -> list[str]:
    """Stored codes in the vocabulary's order (so equal sets are written alike)."""
    present = {str(code) for code in codes or []}
    known = [code for code in vocabulary if code in present]
    return known + sorted(present - set(known))


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _month(value: date | None) -> str:
    return f"{value.year:04d}-{value.month:02d}" if value else ""


# --- full export -------------------------------------------------------------------------


_FULL_VALUES: Final = (
    "pk",
    "number",
    "alias_sealed",
    "birth_year_sealed",
    "wrapped_key",
    *_CODED_VALUES,
)


def _full_row(values: Mapping[str, Any], places: list[tuple[str, str, str, str]]) -> list[str]:
    # The case's data key, unwrapped by the deployment keys here rather than while the
    # rows are fetched, so an error cannot leave the database cursor open.
    cipher = CaseCipher(Fernet(crypto.decrypt(values["wrapped_key"]).encode()))
    row = {
        "first_name": escape_text(cipher.open(values["alias_sealed"])),
        "birth_year": cipher.open(values["birth_year_sealed"]),
        **_coded_columns(values),
        "identified_on": _iso(values["identified_on"]),
        "opened_on": _iso(values["opened_on"]),
        "closed_on": _iso(values["closed_on"]),
        "place_type": join_positional([p[0] for p in places]),
        "place_country": join_positional([p[1] for p in places]),
        "place_state": join_positional([p[2] for p in places]),
        "place_county": join_positional([p[3] for p in places]),
        "case_number": values["number"],
    }
    return [str(row[field] or "") for field in FULL_FIELDS]


def _places_of(case_ids: list[Any]) -> dict[Any, list[tuple[str, str, str, str]]]:
    places: dict[Any, list[tuple[str, str, str, str]]] = {}
    rows = (
        ExploitationPlace.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "id")
        .values_list("case_id", "place_type", "country", "state", "county")
    )
    for case_id, *place in rows:
        places.setdefault(case_id, []).append((place[0], place[1], place[2], place[3]))
    return places


def _case_ref(pk: Any) -> Case:
    """A case that is only its id (every other field deferred), for the disclosure log."""
    return Case.from_db(None, ["id"], [pk])


def _write_full(handle: TextIO, cases: "QuerySet[Case]") -> int:
    """Rows of every case with a key, a chunk at a time: one query for the chunk's places,
    then an `export` row in each case's disclosure log."""
    writer = csv.writer(handle)
    writer.writerow([column(field) for field in FULL_FIELDS])
    stream = (
        cases.filter(purged_at__isnull=True, key__isnull=False)
        .annotate(wrapped_key=Cast("key__wrapped", output_field=TextField()))
        .order_by("organization_id", "number")
        .values(*_FULL_VALUES)
        .iterator(chunk_size=CHUNK)
    )
    written = 0
    # Closed before the transaction ends, even on an error (a server-side cursor on PostgreSQL).
    with closing(stream):
        while chunk := list(islice(stream, CHUNK)):
            places = _places_of([values["pk"] for values in chunk])
            writer.writerows(_full_row(values, places.get(values["pk"], [])) for values in chunk)
            written += len(chunk)
            log_access(
                cases=[_case_ref(values["pk"]) for values in chunk],
                actor=None,
                kind=AccessKind.EXPORT,
                actor_label=EXPORT_LABEL,
            )
    return written


def export_full(
    path: Path | str, organization: Organization | None = None, *, force: bool = False
) -> ExportSummary:
    """Every case (of `organization`, or all) with its personal columns, to `path`."""
    with staged_output(Path(path), force=force) as staged, transaction.atomic():
        written = _write_full(staged.handle, _cases(organization))
        purged = _cases(organization).filter(purged_at__isnull=False).count()
        summary = ExportSummary(
            path=staged.path, deidentified=False, written=written, left_out=purged
        )
        _audit(summary, organization)
        staged.publish()
    return summary


# --- de-identified export ----------------------------------------------------------------


def _released_place(field: str) -> Subquery:
    return Subquery(
        ExploitationPlace.objects.filter(case=OuterRef("pk"), place_type=RELEASED_PLACE_TYPE)
        .order_by("id")
        .values(field)[:1]
    )


def _with_place(cases: "QuerySet[Case]") -> "QuerySet[Case]":
    return cases.annotate(
        released_country=_released_place("country"), released_state=_released_place("state")
    )


def quasi_key(values: Mapping[str, Any], year: int | None) -> kanon.QuasiKey:
    """The quasi-identifiers of one record as the file releases them."""
    return (
        values["age_band"] or "",
        values["gender"] or "",
        values["citizenship"] or "",
        join_codes(_in_order(values["types_of_exploitation"], vocab.TYPES_OF_EXPLOITATION)),
        values["released_country"] or "",
        values["released_state"] or "",
        year,
    )


_GROUPED: Final = (
    "age_band",
    "gender",
    "citizenship",
    "types_of_exploitation",
    "released_country",
    "released_state",
    "opened_year",
)


def class_sizes(cases: "QuerySet[Case]") -> Counter[kanon.QuasiKey]:
    """Pass one: the size of every equivalence class, counted by the database."""
    groups = (
        _with_place(cases)
        .annotate(opened_year=ExtractYear("opened_on"))
        .order_by()
        .values(*_GROUPED)
        .annotate(n=Count("pk"))
    )
    return kanon.merge_counts(
        (quasi_key(group, group["opened_year"]), group["n"]) for group in groups.iterator()
    )


def _coded_columns(values: Mapping[str, Any]) -> dict[str, str]:
    """The coded HTCDS columns both exports write as they are (no personal data)."""
    return {
        "age_band": values["age_band"],
        "gender": values["gender"],
        "citizenship": values["citizenship"],
        "primary_language": values["primary_language"],
        "trafficking_status": values["trafficking_status"],
        "types_of_exploitation": join_codes(
            _in_order(values["types_of_exploitation"], vocab.TYPES_OF_EXPLOITATION)
        ),
        "methods_of_control": join_codes(
            _in_order(values["methods_of_control"], vocab.METHODS_OF_CONTROL)
        ),
        "method_of_recruitment": values["method_of_recruitment"],
        "forced_labour_industry": values["forced_labour_industry"],
        "case_status": values["status"],
    }


def _deidentified_row(values: Mapping[str, Any]) -> list[str]:
    country = values["released_country"] or ""
    row = {
        **_coded_columns(values),
        "identified_on": _month(values["identified_on"]),
        "opened_on": _month(values["opened_on"]),
        "closed_on": _month(values["closed_on"]),
        "place_type": RELEASED_PLACE_TYPE if country else "",
        "place_country": country,
        "place_state": values["released_state"] or "",
    }
    return [str(row[field] or "") for field in DEIDENTIFIED_FIELDS]


def _write_deidentified(handle: TextIO, cases: "QuerySet[Case]", k: int) -> tuple[int, int]:
    sizes = class_sizes(cases)
    writer = csv.writer(handle)
    writer.writerow([column(field) for field in DEIDENTIFIED_FIELDS])
    stream = (
        _with_place(cases)
        .order_by("pk")  # random ids: the order of the rows tells nothing
        .values(*_CODED_VALUES, "released_country", "released_state")
        .iterator(chunk_size=CHUNK)
    )
    written_classes: Counter[kanon.QuasiKey] = Counter()
    suppressed = 0
    with closing(stream):
        for values in stream:
            opened: date = values["opened_on"]
            key = quasi_key(values, opened.year)
            if not kanon.keeps(sizes, key, k):
                suppressed += 1
                continue
            writer.writerow(_deidentified_row(values))
            written_classes[key] += 1
    if any(count < k for count in written_classes.values()):
        # Only cases changed between the two passes can do this (no snapshot to read from).
        raise ExchangeError("cases changed during the export; nothing was written, run it again")
    return sum(written_classes.values()), suppressed


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view for both passes: a read-only REPEATABLE READ transaction on
    PostgreSQL when this is the outermost transaction (SQLite reads a snapshot anyway)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def export_deidentified(
    path: Path | str,
    organization: Organization | None = None,
    *,
    k: int = kanon.MIN_K,
    force: bool = False,
) -> ExportSummary:
    """Coded columns only, k-anonymous, to `path`; nothing is decrypted."""
    try:
        kanon.check_k(k)
    except ValueError as exc:
        raise ExchangeError(str(exc)) from exc
    with staged_output(Path(path), force=force) as staged:
        with _snapshot():
            written, suppressed = _write_deidentified(staged.handle, _cases(organization), k)
        summary = ExportSummary(
            path=staged.path, deidentified=True, written=written, suppressed=suppressed, k=k
        )
        # The audit chain is appended outside the snapshot, which could not see its head.
        with transaction.atomic():
            _audit(summary, organization)
            staged.publish()
    return summary


def _audit(summary: ExportSummary, organization: Organization | None) -> None:
    audit_record(
        actor=None,
        actor_label=EXPORT_LABEL,
        action="case.export_htcds",
        object_type="case",
        object_id=organization.pk if organization is not None else "all",
        detail={
            "deidentified": summary.deidentified,
            "written": summary.written,
            "suppressed": summary.suppressed,
            "k": summary.k,
            "left_out": summary.left_out,
            "organization_id": str(organization.pk) if organization is not None else None,
        },
    )


# --- the command verb --------------------------------------------------------------------


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="the file to write")
    parser.add_argument(
        "--organization",
        metavar="ID_OR_NAME",
        help="only this organization's cases (default: every organization's)",
    )
    parser.add_argument(
        "--deidentified",
        action="store_true",
        help="no names, birth years or exact dates, ages in bands, places at state level, "
        f"k-anonymous (k >= {kanon.MIN_K}); for statistics",
    )
    parser.add_argument(
        "--k",
        type=int,
        default=None,
        help=f"the k of k-anonymity for --deidentified (default and least: {kanon.MIN_K})",
    )
    parser.add_argument("--force", action="store_true", help="replace FILE.csv if it exists")


def run(command: Any, **options: Any) -> None:
    deidentified = bool(options.get("deidentified"))
    k = options.get("k")
    if k is not None and not deidentified:
        raise CommandError("--k applies to --deidentified only")
    try:
        organization = (
            organization_named(options["organization"]) if options.get("organization") else None
        )
        if deidentified:
            summary = export_deidentified(
                options["out"],
                organization,
                k=kanon.MIN_K if k is None else k,
                force=bool(options.get("force")),
            )
        else:
            summary = export_full(options["out"], organization, force=bool(options.get("force")))
    except ExchangeError as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:
        raise CommandError(f"cannot write {options['out']}: {exc.strerror or exc}") from exc
    command.stdout.write(summary.line())
    if not deidentified:
        command.stdout.write(
            "This file holds personal data: keep it owner-only, move it only encrypted, "
            "and delete it when done."
        )
