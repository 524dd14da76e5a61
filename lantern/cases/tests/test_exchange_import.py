"""`lantern cases import-htcds`: per-row errors, all or nothing, and the round trip."""

import csv
import stat
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from lantern.audit.models import AuditEvent
from lantern.cases import htcds_export, htcds_import, indexing
from lantern.cases.keys import cipher_for
from lantern.cases.models import Case, CaseAssignment
from lantern.cases.tests.exchange_helpers import run_verb
from lantern.cases.tests.factories import open_case

HEADER = [
    "prs_FirstName",
    "lan_BirthYear",
    "prs_Gender",
    "prs_Citizenship",
    "prs_PrimaryLanguage",
    "vic_TraffickingStatus",
    "vic_TypeOfExploitation",
    "cas_Status",
    "lan_OpenedDate",
    "hte_Type",
    "hte_Country",
    "hte_State",
    "lan_County",
]


def _row(**cells: str) -> list[str]:
    values = {
        "prs_FirstName": "Rosa Fictional",
        "lan_BirthYear": "1999",
        "prs_Gender": "Feminine",
        "prs_Citizenship": "MX",
        "prs_PrimaryLanguage": "spa",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TypeOfExploitation": "ForcedLabour; SexualExploitation",
        "cas_Status": "Active",
        "lan_OpenedDate": "2025-02-03",
        "hte_Type": "Exploitation",
        "hte_Country": "US",
        "hte_State": "17",
        "lan_County": "17031",
    }
    values.update(cells)
    return [values[name] for name in HEADER]


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER, **kwargs) -> Path:
    with path.open("w", newline="", encoding=kwargs.pop("encoding", "utf-8")) as handle:
        writer = csv.writer(handle, **kwargs)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _import(*args: str):
    return run_verb(htcds_import, *args)


def _cases_of(org) -> list[Case]:
    return list(Case.objects.filter(organization=org).order_by("number"))


@pytest.mark.django_db
def test_a_file_with_one_bad_code_imports_nothing_and_names_the_line_and_column(world, tmp_path):
    path = _write(
        tmp_path / "in.csv",
        [_row(), _row(prs_FirstName="Lena Example", prs_Gender="Feminin"), _row()],
    )
    with pytest.raises(CommandError, match="nothing was imported") as raised:
        _import(str(path), "--organization", str(world.org_c.pk))
    assert "1 error(s) in 1 of 3 row(s)" in str(raised.value)
    assert _cases_of(world.org_c) == []

    result = htcds_import.import_htcds(path, world.org_c)
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (3, "prs_Gender", "unknown code: Feminin")
    ]
    assert result.imported == 0
    assert _cases_of(world.org_c) == []


@pytest.mark.django_db
def test_every_problem_of_a_row_is_reported_with_its_column(world, tmp_path):
    path = _write(
        tmp_path / "in.csv",
        [
            _row(
                prs_Citizenship="Mexico",
                lan_BirthYear="99",
                vic_TypeOfExploitation="ForcedLabour; Smuggling",
                cas_Status="Open",
                lan_OpenedDate="03/02/2025",
                hte_Country="MX; US",
            )
        ],
    )
    result = htcds_import.import_htcds(path, world.org_c)
    assert {e.column for e in result.errors} == {
        "prs_Citizenship",
        "lan_BirthYear",
        "vic_TypeOfExploitation",
        "cas_Status",
        "lan_OpenedDate",
        "hte_Country",
    }
    assert {e.line for e in result.errors} == {2}
    by_column = {e.column: e.message for e in result.errors}
    assert by_column["vic_TypeOfExploitation"] == "unknown code: Smuggling"
    assert "1 place" in by_column["hte_Country"] or "2 place" in by_column["hte_Country"]


@pytest.mark.django_db
def test_place_errors_name_the_place_column_and_the_place(world, tmp_path):
    path = _write(
        tmp_path / "in.csv",
        [
            _row(
                hte_Type="Recruitment; Exploitation",
                hte_Country="MX; US",
                hte_State="; 17",
                lan_County="; 06037",
            )
        ],
    )
    [error] = htcds_import.import_htcds(path, world.org_c).errors
    assert (error.column, error.message) == (
        "lan_County",
        "place 2: must be a 5-digit FIPS county code in the state",
    )


@pytest.mark.django_db
def test_skip_invalid_imports_the_valid_rows_and_reports_the_others(world, tmp_path):
    path = _write(
        tmp_path / "in.csv",
        [
            _row(prs_FirstName="Rosa Fictional"),
            _row(prs_FirstName="Lena Example", prs_Citizenship="XX"),
            _row(prs_FirstName="Mara Sample"),
        ],
    )
    report = tmp_path / "report.csv"
    command = _import(
        str(path), "--organization", world.org_c.name, "--skip-invalid", "--report", str(report)
    )
    printed = command.out.getvalue()
    assert "skipped: line 3, prs_Citizenship: unknown code: XX" in printed
    assert "2 cases imported into" in printed
    cases = _cases_of(world.org_c)
    assert sorted(cipher_for(c).open(c.alias_sealed) for c in cases) == [
        "Mara Sample",
        "Rosa Fictional",
    ]
    with report.open(newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["line", "column", "message"],
            ["3", "prs_Citizenship", "unknown code: XX"],
        ]
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


@pytest.mark.django_db
def test_imported_cases_are_sealed_indexed_unassigned_and_audited_as_the_system(world, tmp_path):
    path = _write(tmp_path / "in.csv", [_row()])
    [case_id] = htcds_import.import_htcds(path, world.org_c).case_ids
    case = Case.objects.get(pk=case_id)
    assert case.owner_id is None
    assert not CaseAssignment.objects.filter(case=case).exists()
    # Sealed with the case's own key, not in clear.
    assert "Rosa" not in case.alias_sealed and case.alias_sealed.startswith("ck1:")
    assert cipher_for(case).open(case.birth_year_sealed) == "1999"
    assert case.age_band == "25-34"  # from the birth year, at the opened date
    assert case.number.endswith("00001")
    # The blind index finds it by alias, and the duplicate check sees it.
    found = indexing.find_duplicates(
        organization_id=world.org_c.pk,
        alias="Rosa Fictional",
        birth_year="1999",
        language="spa",
        places=[],
    )
    assert [c.case_id for c in found] == [case.pk]
    created = AuditEvent.objects.get(action="case.create", object_id=str(case.pk))
    assert created.actor_label == "system:import"
    assert created.actor_id is None
    assert created.detail["source"] == "htcds_import"
    summary = AuditEvent.objects.get(action="case.import_htcds")
    assert summary.detail == {
        "organization_id": str(world.org_c.pk),
        "rows": 1,
        "imported": 1,
        "skipped": 0,
    }
    assert "Rosa" not in str(created.detail) + str(summary.detail)


@pytest.mark.django_db
def test_bom_crlf_blank_lines_spaces_and_letter_case_are_tolerated(world, tmp_path):
    header = [*HEADER, "Notes", "Internal"]
    rows = [
        [*_row(prs_Gender=" feminine ", prs_Citizenship="mx", cas_Status="followup"), "x", "y"],
        ["", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ]
    path = _write(tmp_path / "in.csv", rows, header=header, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in path.read_bytes()
    command = _import(str(path), "--organization", str(world.org_c.pk))
    warnings = [line for line in command.out.getvalue().splitlines() if "warning" in line]
    assert warnings == ["warning: unknown columns not imported: Notes, Internal"]
    [case] = _cases_of(world.org_c)
    assert (case.gender, case.citizenship, case.status) == ("Feminine", "MX", "FollowUp")


@pytest.mark.django_db
def test_closed_cases_keep_their_status_and_closed_date(world, tmp_path):
    header = [*HEADER, "lan_ClosedDate"]
    path = _write(
        tmp_path / "in.csv",
        [
            [*_row(cas_Status="ClosedReferred"), "2025-06-30"],
            [*_row(cas_Status="Active"), "2025-06-30"],
            [*_row(cas_Status="Closed"), "2025-01-01"],
        ],
        header=header,
    )
    result = htcds_import.import_htcds(path, world.org_c, skip_invalid=True)
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "lan_ClosedDate"),
        (4, "lan_ClosedDate"),
    ]
    [case] = _cases_of(world.org_c)
    assert (case.status, case.closed_on.isoformat()) == ("ClosedReferred", "2025-06-30")


@pytest.mark.django_db
def test_oversized_empty_and_foreign_files_are_refused(world, tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(htcds_import.MAX_BYTES + 1)
    with pytest.raises(CommandError, match="larger than 50 MB"):
        _import(str(big), "--organization", str(world.org_c.pk))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="empty"):
        _import(str(empty), "--organization", str(world.org_c.pk))
    other = tmp_path / "other.csv"
    other.write_text("name,phone\nRosa,555-0142\n")
    with pytest.raises(CommandError, match="no HTCDS column"):
        _import(str(other), "--organization", str(world.org_c.pk))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("prs_FirstName\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        _import(str(latin), "--organization", str(world.org_c.pk))
    with pytest.raises(CommandError, match="no organization"):
        _import(str(latin), "--organization", "Nobody Here")
    assert not Case.objects.filter(organization=world.org_c).exists()


@pytest.mark.django_db
def test_round_trip_full_export_then_import_into_another_organization(world, tmp_path):
    originals = [
        open_case(
            world,
            alias="Rosa Fictional",
            identified_on="2025-11-20",
            opened_on="2025-11-21",
            types_of_exploitation=["SexualExploitation", "ForcedLabour"],
            method_of_recruitment="ThroughOnlineSocialNetworks",
            forced_labour_industry="F_Construction",
            places=[
                {"place_type": "Recruitment", "country": "MX"},
                {"place_type": "Transit", "country": "US", "state": "48"},
                {"place_type": "Exploitation", "country": "US", "state": "17", "county": "17031"},
            ],
        ),
        open_case(
            world,
            alias="=Lena Example",
            birth_year=None,
            age_band="15-17",
            gender="NonConforming",
            citizenship="GT",
            primary_language="",
            methods_of_control=[],
            places=[],
        ),
    ]
    out = tmp_path / "cases.csv"
    htcds_export.export_full(out)
    result = htcds_import.import_htcds(out, world.org_c)
    assert result.errors == []
    assert result.warnings == ["lan_CaseNumber is not imported: cases are numbered anew"]

    def coded(case: Case) -> dict:
        cipher = cipher_for(case)
        return {
            "alias": cipher.open(case.alias_sealed),
            "birth_year": cipher.open(case.birth_year_sealed),
            "places": [
                (p.place_type, p.country, p.state, p.county) for p in case.places.order_by("id")
            ],
            **{
                name: getattr(case, name)
                for name in (
                    "status",
                    "trafficking_status",
                    "gender",
                    "age_band",
                    "citizenship",
                    "primary_language",
                    "types_of_exploitation",
                    "methods_of_control",
                    "method_of_recruitment",
                    "forced_labour_industry",
                    "identified_on",
                    "opened_on",
                    "closed_on",
                )
            },
        }

    imported = _cases_of(world.org_c)
    assert [coded(c) for c in imported] == [coded(c) for c in originals]
    assert coded(imported[1])["alias"] == "=Lena Example"


@pytest.mark.django_db
def test_lines_count_from_the_header_across_quoted_line_breaks_and_long_rows(world, tmp_path):
    path = _write(
        tmp_path / "in.csv",
        [
            _row(prs_FirstName="Rosa\nFictional"),
            [*_row(), "one too many"],
            _row(prs_Gender="Unknown"),
        ],
    )
    errors = htcds_import.import_htcds(path, world.org_c).errors
    assert [(e.line, e.column) for e in errors] == [(4, "(row)"), (5, "prs_Gender")]


@pytest.mark.django_db
def test_a_repeated_column_is_refused(world, tmp_path):
    path = _write(tmp_path / "in.csv", [[*_row(), "MX"]], header=[*HEADER, "prs_Citizenship"])
    with pytest.raises(CommandError, match="prs_Citizenship appears more than once"):
        _import(str(path), "--organization", str(world.org_c.pk))
