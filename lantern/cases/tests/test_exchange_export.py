"""`lantern cases export-htcds`: the full export and the de-identified, k-anonymous one."""

import csv
import re
import stat
from collections import Counter
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases import htcds_export, keys
from lantern.cases.models import Case, CaseAccess, CaseKey
from lantern.cases.tests.exchange_helpers import run_verb
from lantern.cases.tests.factories import open_case
from lantern.core import crypto

# The columns, in order, as HTCDS 2.0 names them ("lan_" where the standard has no field).
FULL_HEADER = [
    "prs_FirstName",
    "lan_BirthYear",
    "lan_AgeBand",
    "prs_Gender",
    "prs_Citizenship",
    "prs_PrimaryLanguage",
    "vic_TraffickingStatus",
    "vic_TypeOfExploitation",
    "vic_MethodsOfControl",
    "vic_MethodOfRecruitment",
    "vic_ForcedLabourIndustry",
    "cas_Status",
    "lan_IdentifiedDate",
    "lan_OpenedDate",
    "lan_ClosedDate",
    "hte_Country",
    "hte_State",
    "lan_County",
    "hte_Type",
    "lan_CaseNumber",
]
DEIDENTIFIED_HEADER = [
    c
    for c in FULL_HEADER
    if c not in {"prs_FirstName", "lan_BirthYear", "lan_County", "lan_CaseNumber"}
]
EXACT_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
COUNTY = re.compile(r"\b\d{5}\b")
QUASI = [
    "lan_AgeBand",
    "prs_Gender",
    "prs_Citizenship",
    "vic_TypeOfExploitation",
    "hte_Country",
    "hte_State",
]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def _purge(case: Case) -> None:
    """What the purge leaves (the legal part's `purge` does it for real): no key."""
    CaseKey.objects.filter(case=case).delete()
    Case.objects.filter(pk=case.pk).update(purged_at=timezone.now())


def _export(*args: str) -> str:
    """The verb as `lantern cases export-htcds` runs it (its parser and `run`)."""
    return run_verb(htcds_export, *args).out.getvalue()


# --- full export -------------------------------------------------------------------------


@pytest.mark.django_db
def test_full_export_writes_htcds_columns_with_alias_birth_year_dates_and_places(world, tmp_path):
    case = open_case(
        world,
        alias="Rosa Fictional",
        identified_on="2025-11-20",
        opened_on="2025-11-21",
        types_of_exploitation=["SexualExploitation", "ForcedLabour"],
        methods_of_control=["DebtBondage", "PhysicalThreats"],
        method_of_recruitment="AtWork",
        places=[
            {"place_type": "Recruitment", "country": "MX"},
            {"place_type": "Exploitation", "country": "US", "state": "17", "county": "17031"},
        ],
    )
    out = tmp_path / "cases.csv"
    printed = _export("--out", str(out))

    assert _header(out) == FULL_HEADER
    [row] = _read(out)
    assert row["prs_FirstName"] == "Rosa Fictional"
    assert row["lan_BirthYear"] == "1999"
    assert row["lan_AgeBand"] == "25-34"
    assert row["lan_IdentifiedDate"] == "2025-11-20"
    assert row["lan_OpenedDate"] == "2025-11-21"
    assert row["lan_CaseNumber"] == case.number
    # Multi-valued codes: the standard's "; ", in the vocabulary's order.
    assert row["vic_TypeOfExploitation"] == "ForcedLabour; SexualExploitation"
    assert row["vic_MethodsOfControl"] == "PhysicalThreats; DebtBondage"
    assert row["vic_MethodOfRecruitment"] == "AtWork"
    # Places are positional: the n-th value of each place column is the n-th place.
    assert row["hte_Type"] == "Recruitment; Exploitation"
    assert row["hte_Country"] == "MX; US"
    assert row["hte_State"] == "; 17"
    assert row["lan_County"] == "; 17031"
    # HTCDS has no contact column: the contact is not exported.
    assert "555-0142" not in out.read_text()
    assert printed.startswith("1 records written")


@pytest.mark.django_db
def test_full_export_logs_an_export_disclosure_per_case_and_one_audit_event_of_counts(
    world, tmp_path
):
    first = open_case(world, alias="Rosa Fictional")
    second = open_case(world, alias="Lena Example")
    before = AuditEvent.objects.count()
    _export("--out", str(tmp_path / "cases.csv"))

    logged = CaseAccess.objects.filter(kind="export")
    assert sorted(str(a.case_id) for a in logged) == sorted([str(first.pk), str(second.pk)])
    assert {a.actor_label for a in logged} == {"system:export"}
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["case.export_htcds"]
    assert events[0].actor_label == "system:export"
    assert events[0].detail["written"] == 2
    assert events[0].detail["deidentified"] is False
    assert "Rosa" not in str(events[0].detail) and "Lena" not in str(events[0].detail)


@pytest.mark.django_db
def test_full_export_of_one_organization_leaves_out_purged_and_other_cases(world, tmp_path):
    kept = open_case(world, alias="Rosa Fictional")
    purged = open_case(world, alias="Lena Example")
    _purge(purged)
    open_case(world, actor=world["provider_c"].user, org="c", alias="Mara Sample")
    out = tmp_path / "b.csv"
    printed = _export("--out", str(out), "--organization", world.org_b.name)

    assert [row["lan_CaseNumber"] for row in _read(out)] == [kept.number]
    assert "Mara" not in out.read_text()
    assert "1 records written, 1 purged cases left out" in printed
    assert not CaseAccess.objects.filter(case=purged, kind="export").exists()


@pytest.mark.django_db
def test_full_export_escapes_a_formula_in_the_alias(world, tmp_path):
    open_case(world, alias="=HYPERLINK(1)")
    out = tmp_path / "cases.csv"
    _export("--out", str(out))
    assert _read(out)[0]["prs_FirstName"] == "'=HYPERLINK(1)"


@pytest.mark.django_db
def test_export_refuses_to_overwrite_a_file_unless_forced_and_writes_mode_0600(world, tmp_path):
    open_case(world)
    out = tmp_path / "cases.csv"
    out.write_text("keep me")
    with pytest.raises(CommandError, match="exists"):
        _export("--out", str(out))
    with pytest.raises(CommandError, match="exists"):
        _export("--out", str(out), "--deidentified")
    assert out.read_text() == "keep me"
    assert not CaseAccess.objects.filter(kind="export").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["cases.csv"]  # no temporary file left

    _export("--out", str(out), "--force")
    assert _header(out) == FULL_HEADER
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    fresh = tmp_path / "new.csv"
    _export("--out", str(fresh), "--deidentified")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


@pytest.mark.django_db
def test_a_failed_export_leaves_no_file_and_no_disclosure_rows(world, tmp_path, monkeypatch):
    open_case(world)

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(htcds_export, "_full_row", broken)
    out = tmp_path / "cases.csv"
    with pytest.raises(CommandError, match="No space left"):
        _export("--out", str(out))
    assert list(tmp_path.iterdir()) == []
    assert not CaseAccess.objects.filter(kind="export").exists()


@pytest.mark.django_db
def test_unknown_organization_and_missing_directory_are_refused(world, tmp_path):
    with pytest.raises(CommandError, match="no organization"):
        _export("--out", str(tmp_path / "x.csv"), "--organization", "Nobody Here")
    with pytest.raises(CommandError, match="no directory"):
        _export("--out", str(tmp_path / "missing" / "x.csv"))


# --- de-identified export ----------------------------------------------------------------


def _sixty_cases(world) -> dict[str, list[Case]]:
    """60 cases of org B in classes of 30, 15, 8 and seven of one each."""
    classes: dict[str, list[Case]] = {"large": [], "medium": [], "small": [], "single": []}
    for i in range(30):
        classes["large"].append(open_case(world, alias=f"Ana Large{i}"))
    for i in range(15):
        classes["medium"].append(open_case(world, alias=f"Bea Medium{i}", gender="Masculine"))
    for i in range(8):
        classes["small"].append(open_case(world, alias=f"Cleo Small{i}", citizenship="GT"))
    for i, country in enumerate(["HN", "SV", "NI", "CR", "PA", "CO", "PE"]):
        classes["single"].append(open_case(world, alias=f"Dee Single{i}", citizenship=country))
    return classes


@pytest.mark.django_db
def test_deidentified_export_is_k_anonymous_and_holds_no_personal_data(world, tmp_path):
    classes = _sixty_cases(world)
    _purge(classes["large"][0])  # coded data stays, so a purged case is still counted
    out = tmp_path / "stats.csv"
    printed = _export("--out", str(out), "--deidentified")

    assert printed.strip() == "45 records written, 15 suppressed (k=11)"
    assert _header(out) == DEIDENTIFIED_HEADER
    rows = _read(out)
    assert len(rows) == 45
    sizes = Counter((*(row[c] for c in QUASI), row["lan_OpenedDate"][:4]) for row in rows)
    assert sorted(sizes.values()) == [15, 30]
    assert all(size >= 11 for size in sizes.values())
    # The small classes are gone entirely.
    assert not any(row["prs_Citizenship"] in {"GT", "HN", "SV", "PE"} for row in rows)
    text = out.read_text()
    for word in ("Ana", "Bea", "Large", "Medium", "555-01", "1999", "17031"):
        assert word not in text
    assert not EXACT_DATE.search(text)
    assert not COUNTY.search(text)
    today = timezone.localdate()
    assert {row["lan_OpenedDate"] for row in rows} == {f"{today.year:04d}-{today.month:02d}"}
    assert {row["lan_AgeBand"] for row in rows} == {"25-34"}
    assert {(row["hte_Type"], row["hte_Country"], row["hte_State"]) for row in rows} == {
        ("Exploitation", "US", "17")
    }
    # No personal data, so no disclosure: the disclosure log is untouched.
    assert not CaseAccess.objects.filter(kind="export").exists()
    event = AuditEvent.objects.filter(action="case.export_htcds").get()
    assert event.detail["written"] == 45
    assert event.detail["suppressed"] == 15
    assert event.detail["k"] == 11


@pytest.mark.django_db
def test_deidentified_export_decrypts_nothing(world, tmp_path, monkeypatch):
    for i in range(11):
        open_case(world, alias=f"Ana Large{i}")

    def no_decryption(*args):
        raise AssertionError("decrypted something")

    # The case keys are unwrapped by the deployment keys, the case fields by the case key.
    monkeypatch.setattr(crypto, "decrypt", no_decryption)
    monkeypatch.setattr(keys.CaseCipher, "open", no_decryption)
    summary = htcds_export.export_deidentified(tmp_path / "stats.csv")
    assert (summary.written, summary.suppressed) == (11, 0)
    # The same guards stop the full export, which must decrypt.
    with pytest.raises(AssertionError, match="decrypted something"):
        htcds_export.export_full(tmp_path / "full.csv")


@pytest.mark.django_db
def test_deidentified_export_with_a_larger_k_suppresses_more_and_k_below_11_is_refused(
    world, tmp_path
):
    for i in range(12):
        open_case(world, alias=f"Ana Large{i}")
    summary = htcds_export.export_deidentified(tmp_path / "k12.csv", k=12)
    assert (summary.written, summary.suppressed) == (12, 0)
    summary = htcds_export.export_deidentified(tmp_path / "k13.csv", k=13)
    assert (summary.written, summary.suppressed) == (0, 12)
    assert _read(tmp_path / "k13.csv") == []
    with pytest.raises(CommandError, match="at least 11"):
        _export("--out", str(tmp_path / "k10.csv"), "--deidentified", "--k", "10")
    with pytest.raises(CommandError, match="--deidentified only"):
        _export("--out", str(tmp_path / "k.csv"), "--k", "20")
    assert not (tmp_path / "k10.csv").exists()


@pytest.mark.django_db
def test_deidentified_months_and_the_year_of_the_class(world, tmp_path):
    """Cases opened in different years are different classes; dates keep year and month."""
    for i in range(11):
        open_case(world, alias=f"Ana Old{i}", opened_on="2024-03-05", identified_on="2024-03-01")
    for i in range(10):
        open_case(world, alias=f"Ana New{i}", opened_on="2025-03-05")
    summary = htcds_export.export_deidentified(tmp_path / "stats.csv")
    assert (summary.written, summary.suppressed) == (11, 10)
    rows = _read(tmp_path / "stats.csv")
    assert {(row["lan_IdentifiedDate"], row["lan_OpenedDate"]) for row in rows} == {
        ("2024-03", "2024-03")
    }


@pytest.mark.django_db
def test_deidentified_export_refuses_a_file_where_a_class_fell_under_k(
    world, tmp_path, monkeypatch
):
    """If cases change between counting and writing, the file is refused, not released."""
    for i in range(11):
        open_case(world, alias=f"Ana Large{i}")
    real = htcds_export.class_sizes

    def counted_then_changed(cases):
        sizes = real(cases)
        Case.objects.filter(pk=Case.objects.first().pk).update(gender="Masculine")
        return sizes

    monkeypatch.setattr(htcds_export, "class_sizes", counted_then_changed)
    with pytest.raises(CommandError, match="changed during the export"):
        _export("--out", str(tmp_path / "stats.csv"), "--deidentified")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_deidentified_export_outside_a_transaction_reads_one_snapshot(world, tmp_path):
    """Run as the command runs (not inside a test transaction): on PostgreSQL both passes
    read one REPEATABLE READ snapshot; the audit event is still appended."""
    for i in range(11):
        open_case(world, alias=f"Ana Large{i}", opened_on=date(2025, 6, 1).isoformat())
    summary = htcds_export.export_deidentified(tmp_path / "stats.csv")
    assert (summary.written, summary.suppressed) == (11, 0)
    assert AuditEvent.objects.filter(action="case.export_htcds").count() == 1
    call_command("audit", "verify", stdout=StringIO())


def test_the_cases_command_runs_export_htcds(world, tmp_path):
    """Through `lantern cases` itself, once its other verbs' modules exist (after merge)."""
    open_case(world)
    out = StringIO()
    call_command("cases", "export-htcds", "--out", str(tmp_path / "c.csv"), stdout=out)
    assert out.getvalue().startswith("1 records written")
