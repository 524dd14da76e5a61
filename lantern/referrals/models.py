"""Closed-loop referrals: a referral from one organization to a service of another, the
optional hold on one unit of that service's capacity, and the history of its status.

What is personal (the needs profile, the items the person chose to share, free-text notes)
is encrypted at rest and purged after the referral closes; what remains (service, status,
timestamps, reasons) carries no personal data and feeds the metrics.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.core.bounds import SafeDateTimeField
from lantern.core.crypto import EncryptedTextField

# Referral codes avoid letters and digits that are easy to confuse when read on a phone.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


class Status(models.TextChoices):
    SENT = "sent", _("Sent")
    VIEWED = "viewed", _("Viewed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WAITLISTED = "waitlisted", _("Waitlisted")
    INTAKE_SCHEDULED = "intake_scheduled", _("Intake scheduled")
    INTAKE_COMPLETED = "intake_completed", _("Intake completed")
    NO_SHOW = "no_show", _("Did not arrive")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("No place open")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    SAFETY_CONCERN = "safety_concern", _("Safety concern")
    CANNOT_MEET_NEEDS = "cannot_meet_needs", _("Cannot meet the person's needs")
    PERSON_UNREACHABLE = "person_unreachable", _("Could not reach the person")
    OTHER = "other", _("Other")


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=12, unique=True, default=new_code)
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="referrals"
    )
    referring_organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="referrals_sent"
    )
    receiving_organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="referrals_received"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_made",
    )
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.SENT)
    # Personal: JSON documents, encrypted; emptied by the purge.
    needs = EncryptedTextField(blank=True)
    shared = EncryptedTextField(blank=True)
    consent = models.ForeignKey(
        "consent.ConsentRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    decline_reason = models.CharField(max_length=24, choices=DeclineReason.choices, blank=True)
    note = EncryptedTextField(blank=True)
    # Entered by people: read safely even if a value outside the input bounds was stored.
    intake_at = SafeDateTimeField(null=True, blank=True)
    # Timeline (no personal data): what the metrics are computed from.
    created = models.DateTimeField(default=timezone.now, db_index=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    intake_completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["status", "created"], name="referral_status_created"),
            models.Index(fields=["receiving_organization", "-created"], name="referral_to"),
            models.Index(fields=["referring_organization", "-created"], name="referral_from"),
            models.Index(fields=["closed_at"], name="referral_closed"),
        ]

    def __str__(self) -> str:
        return f"referral {self.code} ({self.status})"


class ReferralEvent(models.Model):
    """One status change: who, when, from what to what, and the reason code (no notes)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=64)
    reason = models.CharField(max_length=24, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


# Freshness bands (lantern.directory.freshness) a hold needs confirming against.
OLD_FIGURE_BANDS = frozenset({"aging", "stale"})


class HoldState(models.TextChoices):
    ACTIVE = "active", _("Held")
    KEPT = "kept", _("Kept for the person")
    RELEASED = "released", _("Released")


class Hold(models.Model):
    """One unit of a service capacity kept for a referral while the provider answers.

    While active, the unit is already subtracted from `ServiceCapacity.available`; when the
    hold is released (decline, withdraw, waitlist, expiry) the unit is given back; when the
    referral is accepted the hold is kept and the unit stays taken.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="hold")
    capacity = models.ForeignKey(
        "directory.ServiceCapacity", on_delete=models.CASCADE, related_name="holds"
    )
    state = models.CharField(max_length=16, choices=HoldState.choices, default=HoldState.ACTIVE)
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=24, blank=True)
    # When the receiving staff were told the hold is about to lapse unanswered.
    warned_at = models.DateTimeField(null=True, blank=True)
    # The capacity figure the unit was taken from, as it stood when the hold was placed:
    # its freshness band ("fresh", "aging", "stale"; empty for holds from before this was
    # recorded) and when the provider last set it. An aging or stale figure needed the
    # advocate's explicit confirmation, and the provider is told.
    figure_band = models.CharField(max_length=8, blank=True)
    figure_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="hold_active_expiry",
                condition=models.Q(state="active"),
            )
        ]

    def __str__(self) -> str:
        return f"hold {self.state} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def on_old_figure(self) -> bool:
        return self.figure_band in OLD_FIGURE_BANDS
