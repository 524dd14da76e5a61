"""Help requests: an anonymous survivor's "ask an advocate to help me with this one".

The table was `referrals_helprequest` until the model moved here (migration
`findhelp.0001_initial` takes it over without copying a row and renames it).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.core.crypto import EncryptedTextField
from lantern.referrals.models import Referral, new_code


class HelpRequestStatus(models.TextChoices):
    NEW = "new", _("New")
    CLAIMED = "claimed", _("Claimed")
    REFERRED = "referred", _("Referred")
    CLOSED = "closed", _("Closed")


class ContactMethod(models.TextChoices):
    """How the person asked to be reached. Not personal by itself (it names no number), so
    it is stored in the clear and stays after the purge."""

    TEXT = "text", _("Send a text")
    CALL = "call", _("Call")
    EMAIL = "email", _("Send an email")
    HOTLINE = "hotline", _("They will call the help line")


class HelpRequest(models.Model):
    """An anonymous survivor's request, from the find-help results, for an advocate of the
    coalition's hotline or advocate organization to help with one service.

    The answers, the contact details and the name are encrypted and purged 14 days after
    the request (or sooner after it is closed); the contact and the name are shown only
    while the person's own consent covers them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=12, unique=True, default=new_code)
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="help_requests"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="help_requests"
    )
    # Personal: encrypted; emptied by the purge.
    needs = EncryptedTextField(blank=True)
    contact = EncryptedTextField(blank=True)
    name = EncryptedTextField(blank=True)
    contact_method = models.CharField(max_length=16, choices=ContactMethod.choices)
    consent = models.ForeignKey(
        "consent.ConsentRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="help_requests",
    )
    status = models.CharField(
        max_length=16, choices=HelpRequestStatus.choices, default=HelpRequestStatus.NEW
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="help_requests_claimed",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    referral = models.ForeignKey(
        Referral,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="help_requests",
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["organization", "status", "-created"], name="help_request_org"),
        ]

    def __str__(self) -> str:
        return f"help request {self.code} ({self.status})"
