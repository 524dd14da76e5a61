"""The `lantern` command: Django's management commands under one name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantern.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "lantern"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
