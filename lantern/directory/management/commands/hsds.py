from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from lantern.core.commands import SubcommandCommand
from lantern.directory.hsds_io import hsds_export, hsds_import


class Command(SubcommandCommand):
    help = "Open Referral HSDS 3.1: export the directory, import HSDS JSON."
    verbs = {
        "export": "write the directory as HSDS JSON and the tabular CSV package",
        "import": "read HSDS JSON, idempotent by id, all-or-nothing",
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
            help="a JSON file of services (an array or one object), or a directory with "
            "json/services.json and optionally organizations.json, taxonomies.json, "
            "taxonomy_terms.json",
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

    def handle_import(self, *, path: str, **_: Any) -> None:
        report = hsds_import(path=Path(path))
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        if not report.ok:
            for issue in report.issues:
                self.stderr.write(str(issue))
            raise CommandError(
                f"import failed with {len(report.issues)} problem(s); nothing was written"
            )
        summary = ", ".join(
            f"{table} {count} ({report.created.get(table, 0)} new)"
            for table, count in report.counts.items()
        )
        self.stdout.write(f"imported: {summary or 'nothing'}")
