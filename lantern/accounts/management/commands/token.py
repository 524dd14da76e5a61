from typing import Any

from django.core.management.base import CommandError

from lantern.accounts.models import User
from lantern.accounts.services import token_create
from lantern.core.commands import SubcommandCommand


class Command(SubcommandCommand):
    help = "API tokens. The token is printed once; only its hash is stored."
    verbs = {"create": "create a token for EMAIL and print it"}

    def add_create_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="default")

    def handle_create(self, *, email: str, name: str, **_: Any) -> None:
        user = User.objects.filter(email=email.lower(), is_active=True).first()
        if user is None:
            raise CommandError(f"email: no active user {email!r}")
        issued = token_create(user=user, name=name)
        self.stdout.write(issued.secret)
