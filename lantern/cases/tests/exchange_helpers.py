"""Running an export or import verb as `lantern cases <verb>` would, without the other
verbs of the command (their modules belong to other parts)."""

from argparse import ArgumentParser
from io import StringIO
from types import ModuleType, SimpleNamespace

from django.core.management.base import OutputWrapper


def run_verb(module: ModuleType, *args: str) -> SimpleNamespace:
    """The verb's parser and `run`; `.out` and `.err` hold what it printed."""
    parser = ArgumentParser()
    module.add_arguments(parser)
    options = vars(parser.parse_args(args))
    out, err = StringIO(), StringIO()
    command = SimpleNamespace(
        stdout=OutputWrapper(out), stderr=OutputWrapper(err), out=out, err=err
    )
    module.run(command, **options)
    return command
