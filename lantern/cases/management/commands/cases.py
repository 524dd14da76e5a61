"""`lantern cases <verb>`: each verb's code lives in its own module of the cases domain, which
provides `add_arguments(parser)` and `run(command, **options)`; this file only wires them."""

from argparse import ArgumentParser
from importlib import import_module
from typing import Any

from lantern.core.commands import SubcommandCommand

MODULES = {
    "remind": "lantern.cases.reminders",
    "purge": "lantern.cases.retention",
    "export-htcds": "lantern.cases.htcds_export",
    "import-htcds": "lantern.cases.htcds_import",
}


def _module(verb: str) -> Any:
    return import_module(MODULES[verb])


class Command(SubcommandCommand):
    help = "Case records: reminders, the retention purge, HTCDS 2.0 export and import."
    verbs = {
        "remind": "remind assignees of case tasks that are due (no personal data in messages)",
        "purge": "destroy the keys of cases past their organization's retention schedule",
        "export-htcds": "write cases as an HTCDS 2.0 CSV file (--deidentified for statistics)",
        "import-htcds": "read cases from an HTCDS 2.0 CSV file",
    }

    def add_remind_arguments(self, parser: ArgumentParser) -> None:
        _module("remind").add_arguments(parser)

    def handle_remind(self, **options: Any) -> None:
        _module("remind").run(self, **options)

    def add_purge_arguments(self, parser: ArgumentParser) -> None:
        _module("purge").add_arguments(parser)

    def handle_purge(self, **options: Any) -> None:
        _module("purge").run(self, **options)

    def add_export_htcds_arguments(self, parser: ArgumentParser) -> None:
        _module("export-htcds").add_arguments(parser)

    def handle_export_htcds(self, **options: Any) -> None:
        _module("export-htcds").run(self, **options)

    def add_import_htcds_arguments(self, parser: ArgumentParser) -> None:
        _module("import-htcds").add_arguments(parser)

    def handle_import_htcds(self, **options: Any) -> None:
        _module("import-htcds").run(self, **options)
