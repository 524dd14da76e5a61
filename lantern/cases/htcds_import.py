"""`lantern cases import-htcds FILE.csv --organization ID_OR_NAME`: case records from an
HTCDS 2.0 CSV file (the columns of `vocab.COLUMNS`, as `export-htcds` writes them).

Every row is checked first, each column on its own with `fields.clean_case_fields`, so one
run reports every problem as (line, column, message). A file with any problem imports
nothing unless `--skip-invalid`, which imports the valid rows; either way the writing is one
transaction. Each case is created by the system (audited as `system:import`), unassigned,
with its own data key sealing the alias and birth year and its blind index built, exactly as
a case opened on a page. Case numbers are given anew by the receiving organization.

Tolerated: a UTF-8 byte-order mark, CRLF line ends, blank lines, spaces around codes, codes
in another letter case. Unknown columns are named once in a warning. Files over 50 MB are
refused.
"""

import csv
import io
from argparse import ArgumentParser
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lantern.accounts.models import Organization
from lantern.audit.services import audit_record
from lantern.cases import indexing, services, vocab
from lantern.cases.fields import CODED_FIELDS, OPEN_STATUSES, clean_case_fields
from lantern.cases.htcds_csv import (
    ExchangeError,
    column,
    organization_named,
    split_codes,
    split_positional,
    staged_output,
    unescape_text,
)
from lantern.cases.keys import key_create
from lantern.cases.models import Case, ExploitationPlace
from lantern.core.api_errors import FieldError

MAX_BYTES: Final = 50 * 1024 * 1024
IMPORT_LABEL: Final = "system:import"
CLOSED_STATUSES: Final = ("Closed", "ClosedReferred")

FIELD_OF_COLUMN: Final = {name: f for f, name in vocab.COLUMNS.items()}
# A case field (as clean_case_fields names it) -> the field of vocab.COLUMNS for its column.
_COLUMN_FIELD: Final = {"alias": "first_name", "status": "case_status"}
_PLACE_PARTS: Final = {
    "place_type": "place_type",
    "country": "place_country",
    "state": "place_state",
    "county": "place_county",
}
_SINGLE_CODES: Final = (
    "age_band",
    "gender",
    "citizenship",
    "primary_language",
    "trafficking_status",
    "method_of_recruitment",
    "forced_labour_industry",
)


@dataclass(frozen=True)
class RowError:
    line: int  # the file's line where the row starts (the header is line 1)
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.message}"


@dataclass(frozen=True)
class CleanRow:
    line: int
    fields: dict[str, Any]  # clean_case_fields' answer
    status: str
    closed_on: date | None


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    case_ids: list[Any] = field(default_factory=list)

    @property
    def invalid_rows(self) -> int:
        return len({error.line for error in self.errors})


# --- reading the file --------------------------------------------------------------------


def read_rows(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[RowError], list[str]]:
    """The non-blank rows as (line, column -> cell), rows too long, and warnings."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExchangeError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if size > MAX_BYTES:
        raise ExchangeError(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB; split it")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExchangeError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise ExchangeError(f"cannot read {path}: {exc.strerror or exc}") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ExchangeError(f"{path} is empty") from None
    except csv.Error as exc:
        raise ExchangeError(f"line 1: {exc}") from exc
    known = [name for name in header if name in FIELD_OF_COLUMN]
    if not known:
        raise ExchangeError("no HTCDS column in the header (is this an HTCDS 2.0 CSV file?)")
    repeated = sorted({name for name in known if known.count(name) > 1})
    if repeated:
        raise ExchangeError(f"column {repeated[0]} appears more than once")
    warnings = []
    unknown = [name for name in header if name not in FIELD_OF_COLUMN]
    if unknown:
        warnings.append(
            f"unknown columns not imported: {', '.join(n or '(blank)' for n in unknown)}"
        )
    if column("case_number") in known:
        warnings.append(f"{column('case_number')} is not imported: cases are numbered anew")
    rows: list[tuple[int, dict[str, str]]] = []
    too_long: list[RowError] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) > len(header):
                    too_long.append(
                        RowError(line, "(row)", f"{len(cells)} values for {len(header)} columns")
                    )
                else:
                    rows.append(
                        (line, {name: cells[i] for i, name in enumerate(header) if i < len(cells)})
                    )
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ExchangeError(f"line {line}: {exc}") from exc
    return rows, too_long, warnings


# --- checking one row --------------------------------------------------------------------


def _column_of(case_field: str) -> tuple[str, str]:
    """The column named by a clean_case_fields error, and a prefix for its message."""
    if case_field.startswith("places."):
        _, index, *rest = case_field.split(".")
        part = _PLACE_PARTS.get(rest[0] if rest else "", "place_type")
        return column(part), f"place {int(index) + 1}: "
    if case_field == "places":
        return column("place_type"), ""
    name = _COLUMN_FIELD.get(case_field, case_field)
    return (column(name) if name in vocab.COLUMNS else case_field), ""


def _places(cells: Mapping[str, str], errors: list[tuple[str, str]]) -> list[dict[str, str]]:
    parts = {part: split_positional(cells.get(column(f), "")) for part, f in _PLACE_PARTS.items()}
    # hte_Type says how many places there are (or hte_Country when it is blank).
    count = len(parts["place_type"]) or len(parts["country"])
    mismatched = False
    for part, values in parts.items():
        required = part in ("place_type", "country")
        if len(values) != count and (values or required):
            mismatched = True
            errors.append(
                (
                    column(_PLACE_PARTS[part]),
                    f"{len(values)} value(s) for {count} place(s) (one per place, "
                    "separated by ';', in the same order in every place column)",
                )
            )
    if mismatched:
        return []
    return [{part: parts[part][i] if parts[part] else "" for part in parts} for i in range(count)]


def _row_data(cells: Mapping[str, str], errors: list[tuple[str, str]]) -> dict[str, Any]:
    """The row as clean_case_fields' input (personal and coded fields)."""
    data: dict[str, Any] = {}
    present = {
        FIELD_OF_COLUMN[name]: value.strip()
        for name, value in cells.items()
        if name in FIELD_OF_COLUMN
    }
    if "first_name" in present:
        data["alias"] = unescape_text(present["first_name"])
    if "birth_year" in present:
        data["birth_year"] = present["birth_year"]
    for name in _SINGLE_CODES:
        if name in present:
            data[name] = present[name]
    if "method_of_recruitment" in data:
        codes = split_codes(data["method_of_recruitment"])
        if len(codes) > 1:
            errors.append((column("method_of_recruitment"), "one code only"))
            del data["method_of_recruitment"]
        else:
            data["method_of_recruitment"] = codes[0] if codes else ""
    for name in ("types_of_exploitation", "methods_of_control"):
        if name in present:
            data[name] = split_codes(present[name])
    for name in ("identified_on", "opened_on"):
        if name in present:
            data[name] = present[name]
    data["places"] = _places(cells, errors)
    return data


def _closing(
    cells: Mapping[str, str], opened_on: date | None, errors: list[tuple[str, str]]
) -> tuple[str, date | None]:
    status_text = cells.get(column("case_status"), "").strip()
    status = "Active"
    if status_text:
        try:
            status = vocab.check_code("case_status", status_text, vocab.CASE_STATUS)
        except FieldError as exc:
            errors.append((column("case_status"), exc.message))
    closed_text = cells.get(column("closed_on"), "").strip()
    closed_on = None
    if closed_text:
        try:
            closed_on = date.fromisoformat(closed_text)
        except ValueError:
            errors.append((column("closed_on"), "must be a date (YYYY-MM-DD)"))
            return status, None
        if status not in CLOSED_STATUSES:
            errors.append((column("closed_on"), "only a closed case has a closed date"))
        elif closed_on > timezone.localdate():
            errors.append((column("closed_on"), "cannot be in the future"))
        elif opened_on is not None and closed_on < opened_on:
            errors.append((column("closed_on"), "cannot be before the opened date"))
    return status, closed_on


def _date_or_none(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def check_row(line: int, cells: Mapping[str, str]) -> tuple[CleanRow | None, list[RowError]]:
    """The clean row, or every problem of the row."""
    problems: list[tuple[str, str]] = []
    data = _row_data(cells, problems)
    for name, value in data.items():
        try:
            clean_case_fields({name: value}, partial=True)
        except FieldError as exc:
            where, prefix = _column_of(exc.field)
            problems.append((where, prefix + exc.message))
    opened_on = None
    if not problems:
        opened_on = _date_or_none(data.get("opened_on"))
        on = _date_or_none(data.get("identified_on")) or opened_on or timezone.localdate()
        if data.get("birth_year") and int(data["birth_year"]) > on.year:
            problems.append((column("birth_year"), "cannot be after the identified or opened date"))
    status, closed_on = _closing(cells, opened_on, problems)
    if problems:
        return None, [RowError(line, where, message) for where, message in problems]
    clean = clean_case_fields({**data, "status": status if status in OPEN_STATUSES else "Active"})
    return CleanRow(line=line, fields=clean, status=status, closed_on=closed_on), []


# --- writing -----------------------------------------------------------------------------


def _numbered(organization: Organization, values: dict[str, Any]) -> Case:
    for attempt in range(5):
        try:
            with transaction.atomic():
                return Case.objects.create(
                    organization=organization, number=services._next_number(organization), **values
                )
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def case_import_create(*, organization: Organization, row: CleanRow) -> Case:
    """One imported case: created by the system, unassigned, sealed with its own key,
    indexed for search and duplicate checks, audited (ids and codes only)."""
    clean = row.fields
    now = timezone.now()
    values = {name: clean[name] for name in CODED_FIELDS if name != "places"}
    values.update(status=row.status, closed_on=row.closed_on, created=now, updated=now)
    case = _numbered(organization, values)
    on = clean["identified_on"] or clean["opened_on"]
    if clean["birth_year"]:
        case.age_band = vocab.age_band(vocab.age_at(int(clean["birth_year"]), on))
    cipher = key_create(case)
    for name, attr in services.SEALED_ATTR.items():
        setattr(case, attr, cipher.seal(clean[name]))
    case.save(update_fields=["age_band", *services.SEALED_ATTR.values()])
    ExploitationPlace.objects.bulk_create(
        ExploitationPlace(case=case, **place) for place in clean["places"]
    )
    indexing.index_case(
        case,
        alias=clean["alias"],
        birth_year=clean["birth_year"],
        language=clean["primary_language"],
        places=clean["places"],
    )
    audit_record(
        actor=None,
        actor_label=IMPORT_LABEL,
        action="case.create",
        object_type="case",
        object_id=case.pk,
        detail={
            "organization_id": str(organization.pk),
            "number": case.number,
            "assignees": [],
            "source": "htcds_import",
            "line": row.line,
        },
    )
    return case


def import_htcds(
    path: Path | str, organization: Organization, *, skip_invalid: bool = False
) -> ImportResult:
    """Check every row, then (with no error, or with `skip_invalid`) create the valid ones
    in one transaction."""
    rows, too_long, warnings = read_rows(Path(path))
    result = ImportResult(rows=len(rows) + len(too_long), warnings=warnings)
    result.errors.extend(too_long)
    valid: list[CleanRow] = []
    for line, cells in rows:
        clean, errors = check_row(line, cells)
        if clean is not None:
            valid.append(clean)
        result.errors.extend(errors)
    result.errors.sort(key=lambda error: error.line)
    if result.errors and not skip_invalid:
        return result
    with transaction.atomic():
        for row in valid:
            result.case_ids.append(case_import_create(organization=organization, row=row).pk)
        result.imported = len(valid)
        audit_record(
            actor=None,
            actor_label=IMPORT_LABEL,
            action="case.import_htcds",
            object_type="case",
            object_id=organization.pk,
            detail={
                "organization_id": str(organization.pk),
                "rows": result.rows,
                "imported": result.imported,
                "skipped": result.invalid_rows,
            },
        )
    return result


# --- the command verb --------------------------------------------------------------------


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.csv", help="an HTCDS 2.0 CSV file")
    parser.add_argument(
        "--organization",
        required=True,
        metavar="ID_OR_NAME",
        help="the organization the cases are imported into",
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows and skip the others (without it, any error imports nothing)",
    )
    parser.add_argument(
        "--report", metavar="PATH", help="also write every row error as CSV (line, column, message)"
    )


def write_report(path: Path, errors: list[RowError]) -> None:
    with staged_output(path, force=True) as staged:
        writer = csv.writer(staged.handle)
        writer.writerow(["line", "column", "message"])
        for error in errors:
            writer.writerow([error.line, error.column, error.message])
        staged.publish()


def run(command: Any, **options: Any) -> None:
    try:
        organization = organization_named(options["organization"])
        result = import_htcds(
            options["file"], organization, skip_invalid=bool(options.get("skip_invalid"))
        )
        if options.get("report"):
            write_report(Path(options["report"]), result.errors)
    except ExchangeError as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:
        raise CommandError(f"cannot write the report: {exc.strerror or exc}") from exc
    for warning in result.warnings:
        command.stdout.write(f"warning: {warning}")
    if result.errors and not options.get("skip_invalid"):
        for error in result.errors:
            command.stderr.write(str(error))
        raise CommandError(
            f"{len(result.errors)} error(s) in {result.invalid_rows} of {result.rows} row(s); "
            "nothing was imported (fix them, or use --skip-invalid to import the valid rows)"
        )
    for error in result.errors:
        command.stdout.write(f"skipped: {error}")
    command.stdout.write(
        f"{result.imported} cases imported into {organization.name}, "
        f"{result.invalid_rows} row(s) skipped"
    )
