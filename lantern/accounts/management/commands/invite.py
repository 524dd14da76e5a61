from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lantern.accounts.membership_services import InvitationError, invitation_create
from lantern.accounts.roles import REGISTRY
from lantern.accounts.selectors import organization_by_id
from lantern.core.errors import NotFound


class Command(BaseCommand):
    help = (
        "Invite EMAIL into an organization in a role, as the operator (for instance an "
        "organization's first admin). The invitation is e-mailed and its link printed once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--organization", required=True, help="account organization id")
        parser.add_argument("--role", required=True, choices=sorted(REGISTRY))

    def handle(self, *args: Any, email: str, organization: str, role: str, **_: Any) -> None:
        try:
            org = organization_by_id(organization)
        except (NotFound, ValueError, ValidationError):
            raise CommandError(f"organization: no organization {organization!r}") from None
        try:
            issued = invitation_create(actor=None, organization=org, email=email, role=role)
        except InvitationError as err:
            raise CommandError(f"{err.field}: {err}") from None
        self.stdout.write(issued.link or "")
