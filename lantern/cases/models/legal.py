"""Retention schedules, legal holds and compelled-disclosure records.

Their free text (why a hold, what an order asks) is encrypted with the deployment keys, not
the case key: these records outlive a purge on purpose (they are the organization's account
of what it did), and they must stay readable while the case key is gone.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.cases.models.case import Case
from lantern.core.crypto import EncryptedTextField

DEFAULT_RETENTION_YEARS = 7


class RetentionSchedule(models.Model):
    """How long an organization keeps personal data after a case closes. Without a row,
    `DEFAULT_RETENTION_YEARS` applies."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="case_retention"
    )
    # Days, so "90 days" and "7 years" both fit; at least 0 (purge at the next run).
    days_after_closure = models.PositiveIntegerField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"retention of {self.organization_id}: {self.days_after_closure} days"


class LegalHold(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_holds")
    reason = EncryptedTextField()
    until = models.DateField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-placed_at"]

    def __str__(self) -> str:
        return f"legal hold on {self.case_id} until {self.until}"


class OrderKind(models.TextChoices):
    SUBPOENA = "subpoena", _("Subpoena")
    COURT_ORDER = "court_order", _("Court order")
    WARRANT = "warrant", _("Warrant")
    STATUTE = "statute", _("Required by statute")


class CompelledDisclosure(models.Model):
    """VAWA compelled disclosure: what was asked, the legal review, whether and how the person
    was told (unless the order forbids it), and the release (exactly the ordered groups)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="compelled")
    order_kind = models.CharField(max_length=20, choices=OrderKind.choices)
    received_on = models.DateField()
    requested = EncryptedTextField(help_text=_("What the order asks for, in its words."))
    groups = models.JSONField(default=list)
    legal_review = EncryptedTextField(blank=True, default="")
    reviewed_on = models.DateField(null=True, blank=True)
    notification_forbidden = models.BooleanField(default=False)
    notified_on = models.DateField(null=True, blank=True)
    notified_how = models.CharField(max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SHA-256 of the released file, so what left can be proved later without keeping it.
    release_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.order_kind} for {self.case_id}"
