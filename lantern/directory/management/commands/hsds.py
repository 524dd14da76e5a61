import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from lantern.core.commands import SubcommandCommand
from lantern.directory.hsds_io import hsds_export, hsds_import


class Command(SubcommandCommand):
    help = "Open Referral HSDS 3.1: export the directory, import any HSDS 3.1 shape."
    verbs = {
        "export": "write the directory as HSDS JSON and the tabular CSV package",
        "import": "read HSDS JSON or the tabular CSV package, idempotent by id, all-or-nothing "
        "unless --skip-invalid",
    }

    def add_export_arguments(self, parser: Any) -> None:
        parser.add_argument("directory", help="where to write json/*.json and the CSV package")
        parser.add_argument(
            "--include-confidential",
            action="store_true",
            help="export confidential locations in full (exact addresses of safe houses); "
            "without it they are exported as an outsider sees them",
        )

    def add_import_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "path",
            help="an HSDS JSON file (a service, organization, service at location, location, "
            "taxonomy or term; one, an array, or a page), a directory of such files (an "
            "export's json/), a tabular package (datapackage.json with CSV files), or a zip "
            "of either",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import what is valid: skip each object that is not (and what depends on "
            "it), drop references to objects that are not there, and report both",
        )
        parser.add_argument(
            "--report",
            metavar="PATH",
            help="also write the report (counts, skipped objects, dropped references) as JSON",
        )

    def handle_export(self, *, directory: str, include_confidential: bool, **_: Any) -> None:
        try:
            report = hsds_export(
                directory=Path(directory), include_confidential=include_confidential
            )
        except OSError as err:
            raise CommandError(f"cannot write the export to {directory}: {err}") from err
        items = ", ".join(f"{count} in {name}" for name, count in sorted(report.items.items()))
        self.stdout.write(f"exported to {report.directory}: {items}")
        rows = ", ".join(f"{table} {count}" for table, count in sorted(report.rows.items()))
        self.stdout.write(f"CSV rows: {rows}")
        if include_confidential:
            self.stdout.write(
                "This export holds the exact addresses of confidential locations: keep it "
                "owner-only, move it only encrypted, and delete it when done."
            )

    def handle_import(self, *, path: str, skip_invalid: bool, report: str | None, **_: Any) -> None:
        result = hsds_import(path=Path(path), lenient=skip_invalid)
        if report:
            try:
                Path(report).write_text(json.dumps(result.as_dict(), indent=2) + "\n")
            except OSError as err:
                raise CommandError(f"cannot write the report to {report}: {err}") from err
        for note in result.notes:
            self.stdout.write(f"note: {note}")
        if not result.ok:
            for issue in result.issues:
                self.stderr.write(str(issue))
            raise CommandError(
                f"import failed with {len(result.issues)} problem(s); nothing was written"
            )
        for issue in result.issues:
            self.stdout.write(f"skipped: {issue}")
        for warning in result.warnings:
            self.stdout.write(f"warning: {warning}")
        summary = ", ".join(
            f"{table} {count} ({result.created.get(table, 0)} new)"
            for table, count in result.counts.items()
        )
        self.stdout.write(f"imported: {summary or 'nothing'}")
        if skip_invalid:
            self.stdout.write(
                f"{len(result.issues)} problem(s) skipped, "
                f"{len(result.warnings)} reference(s) dropped"
            )
