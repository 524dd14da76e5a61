import uuid
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from lantern.accounts.roles import Role, role_choices
from lantern.core.crypto import EncryptedTextField

__all__ = ["ApiToken", "Invitation", "Membership", "Organization", "Role", "User"]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Survivors never have accounts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    preferred_language = models.CharField(max_length=8, default="en")
    # For one-tap reminders by SMS only; never shown to other organizations. Encrypted.
    sms_number = EncryptedTextField(blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    def __str__(self) -> str:
        return self.email


class Organization(models.Model):
    """A member organization of the coalition, linked to its public HSDS organization."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    hsds_organization = models.OneToOneField(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
    )
    created = models.DateTimeField(default=timezone.now)
    # The coalition's hotline or advocate organization: survivors' "ask an advocate to help
    # me with this one" requests go to it. With none, the survivor pages show the help line.
    takes_help_requests = models.BooleanField(
        default=False,
        help_text="Receives survivors' anonymous requests for an advocate's help.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InForceManager(models.Manager["Membership"]):
    """Memberships that grant something: not suspended."""

    def get_queryset(self) -> models.QuerySet["Membership"]:
        return super().get_queryset().filter(suspended__isnull=True)


class Membership(models.Model):
    """A person's role in an organization. A suspended membership grants nothing: the
    default manager (`objects`, and `user.memberships`) sees in-force memberships only, so
    every policy that asks through it forgets a suspended one at once; `everyone` also
    sees suspended ones (the people page, suspend and reinstate)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=role_choices)
    created = models.DateTimeField(default=timezone.now)
    suspended = models.DateTimeField(null=True, blank=True)  # when; None: in force

    everyone = models.Manager()
    objects = InForceManager()  # the default manager (Meta.default_manager_name)

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.organization}"


class Invitation(models.Model):
    """An invitation to join an organization in a role (`invitation_services`).

    The link's token is shown once (in the e-mail); only its SHA-256 is stored. It expires
    and is used once. An invitation that needs the organization's confirmation (a coalition
    admin inviting into an organization that has its own admin) is not sent, and cannot be
    accepted, until one of that organization's admins confirms it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=32, choices=role_choices)
    email = EncryptedTextField()
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    needs_confirmation = models.BooleanField(default=False)
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.role} @ {self.organization}"

    @property
    def awaiting_confirmation(self) -> bool:
        return self.needs_confirmation and self.confirmed_at is None

    def is_open(self, now: datetime | None = None) -> bool:
        """Can still be accepted (or confirmed): not used, withdrawn or expired."""
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and self.expires > now


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token is shown once at creation.

    It authenticates its user while it is neither revoked nor past `expires` (and the user
    is active). `last_used` is stamped at most once per `LANTERN_TOKEN_TOUCH_INTERVAL`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="default")
    prefix = models.CharField(max_length=12, help_text="First characters, to tell tokens apart")
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(
        null=True, blank=True, help_text="After this the token authenticates nobody"
    )
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def state(self) -> str:
        """`revoked`, `expired` or `active`."""
        if self.revoked is not None:
            return "revoked"
        if self.expires is not None and self.expires <= timezone.now():
            return "expired"
        return "active"
