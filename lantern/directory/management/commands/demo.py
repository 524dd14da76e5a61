from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from lantern.core.commands import SubcommandCommand
from lantern.directory.demo import DEMO_USERS, demo_seed
from lantern.directory.models import Service


class Command(SubcommandCommand):
    help = "Synthetic demo data (fictional names, 555-01xx numbers, real US places)."
    verbs = {
        "seed": "create demo organizations, services, capacities and users",
        "logins": "print the demo logins",
    }

    def add_seed_arguments(self, parser: Any) -> None:
        parser.add_argument("--services", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the directory already has services",
        )

    def handle_seed(self, *, services: int, seed: int, if_empty: bool, **_: Any) -> None:
        if if_empty and Service.objects.exists():
            self.stdout.write("directory is not empty: demo seed skipped")
            return
        try:
            result = demo_seed(services=services, seed=seed)
        except ValueError as err:
            raise CommandError(str(err)) from err
        self.stdout.write(
            f"seeded {result.services} services in {result.organizations} organizations "
            f"({result.confidential_locations} confidential locations, "
            f"{result.virtual_services} virtual services)"
        )

    def handle_logins(self, **_: Any) -> None:
        self.stdout.write("Demo logins (password from LANTERN_DEMO_PASSWORD):")
        for email, (_org, role) in DEMO_USERS.items():
            self.stdout.write(f"  {email:32} {role}")
        self.stdout.write(f"  password: {settings.LANTERN_DEMO_PASSWORD}")
