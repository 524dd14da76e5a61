from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from lantern.accounts.enrolment import code_now, secret_text
from lantern.core.commands import SubcommandCommand
from lantern.directory import signals
from lantern.directory.demo import DEMO_USERS, demo_devices, demo_seed
from lantern.directory.demo_cities import CORE_KM, DEMO_CITIES
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
            help=(
                "leave the directory alone when it already has services (the other demo "
                "data, such as demo cases, is still added once)"
            ),
        )

    def handle_seed(self, *, services: int, seed: int, if_empty: bool, **_: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "demo seed: refused with LANTERN_ENV=production (demo accounts have a known "
                "password and printed two-factor keys)"
            )
        if if_empty and Service.objects.exists():
            self.stdout.write("directory is not empty: demo seed skipped")
            self._seed_above(seed)
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
        self.stdout.write(
            "Demo cities: search from one of these ZIPs (find help, the advocate search, "
            "POST /api/v1/match with a postcode) to see services nearby."
        )
        for city, count in result.near_cities.items():
            self.stdout.write(
                f"  Try ZIP {city.postcode} ({city.label}): "
                f"{count} services within {CORE_KM:.0f} km"
            )
        self._seed_above(seed)

    def _seed_above(self, seed: int) -> None:
        """The demo data of the apps above the directory (signals.demo_seeded)."""
        for _receiver, line in signals.demo_seeded.send(sender=type(self), seed=seed):
            if line:
                self.stdout.write(str(line))

    def handle_logins(self, **_: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo logins: refused with LANTERN_ENV=production")
        self.stdout.write(
            "Demo logins (password from LANTERN_DEMO_PASSWORD). Two-factor sign-in is "
            "mandatory: add the setup key to an authenticator app, or type the code shown "
            "(it changes every 30 seconds; run this again for a fresh one)."
        )
        devices = demo_devices()
        for email, (_org, role) in DEMO_USERS.items():
            device = devices.get(email)
            if device is None:
                self.stdout.write(f"  {email:32} {role:20} (not seeded: run lantern demo seed)")
                continue
            key = device.key
            self.stdout.write(
                f"  {email:32} {role:20} setup key {secret_text(key)}  code now {code_now(key)}"
            )
        self.stdout.write(f"  password: {settings.LANTERN_DEMO_PASSWORD}")
        if devices:
            zips = ", ".join(f"{city.postcode} ({city.name})" for city in DEMO_CITIES)
            self.stdout.write(f"Demo cities: try ZIP {zips}.")
