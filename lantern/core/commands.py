"""A base for `lantern <noun> <verb>` management commands (`lantern audit verify`)."""

from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class SubcommandCommand(BaseCommand):
    """Subclasses define `handle_<verb>` methods and `add_<verb>_arguments` if they take any."""

    verbs: dict[str, str] = {}

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
        for verb, help_text in self.verbs.items():
            verb_parser = sub.add_parser(verb, help=help_text)
            adder: Callable[[ArgumentParser], None] | None = getattr(
                self, f"add_{verb.replace('-', '_')}_arguments", None
            )
            if adder:
                adder(verb_parser)

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options.pop("verb")
        handler = getattr(self, f"handle_{verb.replace('-', '_')}", None)
        if handler is None:  # pragma: no cover - argparse rejects unknown verbs first
            raise CommandError(f"unknown verb {verb!r}")
        handler(**options)
