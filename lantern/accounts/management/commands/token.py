from datetime import datetime
from typing import Any

from django.core.management.base import CommandError

from lantern.accounts.models import User
from lantern.accounts.selectors import token_by_reference, tokens_listed
from lantern.accounts.services import token_create, token_revoke
from lantern.core.commands import SubcommandCommand

COLUMNS = ("id", "name", "prefix", "user", "created", "expires", "last_used", "revoked")


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"


class Command(SubcommandCommand):
    help = "API tokens. The token is printed once; only its hash is stored."
    verbs = {
        "create": "create a token for EMAIL and print it",
        "list": "list tokens (everyone's, or EMAIL's); never prints a secret",
        "revoke": "revoke the token with this ID (or prefix); it authenticates nobody after",
    }

    def add_create_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="default")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            metavar="N",
            help="the token authenticates nobody after N days (default: until revoked)",
        )

    def handle_create(self, *, email: str, name: str, expires_days: int | None, **_: Any) -> None:
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days: at least 1")
        user = User.objects.filter(email=email.lower(), is_active=True).first()
        if user is None:
            raise CommandError(f"email: no active user {email!r}")
        issued = token_create(user=user, name=name, expires_days=expires_days)
        self.stdout.write(issued.secret)

    def add_list_arguments(self, parser: Any) -> None:
        parser.add_argument("email", nargs="?", default=None)

    def handle_list(self, *, email: str | None, **_: Any) -> None:
        self.stdout.write("\t".join(COLUMNS))
        for token in tokens_listed(email=email):
            row = (
                str(token.pk),
                token.name,
                token.prefix,
                token.user.email,
                _when(token.created),
                _when(token.expires),
                _when(token.last_used),
                _when(token.revoked),
            )
            self.stdout.write("\t".join(row))

    def add_revoke_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "token_id", metavar="ID", help="the token's id, or its prefix when that is unique"
        )

    def handle_revoke(self, *, token_id: str, **_: Any) -> None:
        token = token_by_reference(token_id.strip())
        if token is None:
            raise CommandError(f"ID: no token {token_id!r} (or the prefix names several)")
        already = token.revoked is not None
        token = token_revoke(token=token, actor=None)
        state = "was already revoked" if already else "revoked"
        self.stdout.write(f"{token.pk} {state} at {_when(token.revoked)}")
