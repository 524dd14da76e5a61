from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lantern.core.commands import SubcommandCommand
from lantern.geography.build import SourceMissing, build
from lantern.geography.outlines import outlines_directory


class Command(SubcommandCommand):
    help = "US state and county outlines for the maps."
    verbs = {"build": "simplify the census shapes into GeoJSON (make setup runs this)"}

    def add_build_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            help="write here instead of LANTERN_GEOGRAPHY_DIR",
        )

    def handle_build(self, *, dir: Path | None = None, **_: Any) -> None:
        directory = dir or outlines_directory()
        try:
            result = build(directory)
        except SourceMissing as exc:
            raise CommandError(str(exc)) from exc
        largest_state, largest_bytes = result.largest_counties_file
        self.stdout.write(
            f"{result.states} states ({result.states_bytes:,} bytes) and {result.counties} "
            f"counties (largest file: state {largest_state}, {largest_bytes:,} bytes) "
            f"in {directory}"
        )
