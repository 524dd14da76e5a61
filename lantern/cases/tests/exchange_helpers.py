"""Running an export or import verb as `lantern cases <verb>` would, without the other
verbs of the command (their modules belong to other parts)."""

from argparse import ArgumentParser
from io import StringIO
from types import ModuleType, SimpleNamespace


def run_verb(module: ModuleType, *args: str) -> SimpleNamespace:
    parser = ArgumentParser()
    module.add_arguments(parser)
    options = vars(parser.parse_args(args))
    command = SimpleNamespace(stdout=StringIO(), stderr=StringIO())
    module.run(command, **options)
    return command
