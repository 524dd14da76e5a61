"""A person's consent to share named kinds of personal items with one organization.

VAWA (34 USC 12291(b)(2)) allows disclosure of personal data only with informed, written,
reasonably time-limited consent; a recorded verbal consent is accepted in practice, and
consent can be withdrawn. A `ConsentRecord` says *which kinds* of items may go *to whom*,
*why*, *until when*, and who attested it. It holds no personal data itself: the items live
with the thing the consent is about (`subject_type` + `subject_id`, e.g. a referral).

Whether an item may be shown is decided in one place: `selectors.consent_allows`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import Organization


class Category(models.TextChoices):
    """The fixed catalogue of personal items a consent can cover. Labels are what the
    person is told, so they are plain words."""

    NAME = "name", _("First name or a name they choose")
    CONTACT = "contact", _("A safe way and time to contact them")
    LANGUAGE = "language", _("The language they prefer")
    SAFETY_NOTES = "safety_notes", _("Notes about their safety")
    DOCUMENTS = "documents", _("Documents they need")


# The referral catalogue's codes, in the order people are asked about them.
CATEGORIES: tuple[str, ...] = tuple(Category.values)


class CaseGroup(models.TextChoices):
    """The groups of a case record a consent can cover (the "case" catalogue)."""

    IDENTITY = "identity", _("Who they are: name or alias, age, gender, citizenship, language")
    CONTACT = "contact", _("How to reach them safely")
    TRAFFICKING = "trafficking", _("What happened: trafficking status, exploitation, places")
    PLAN = "plan", _("Their service plan: goals and tasks")
    ASSESSMENTS = "assessments", _("How things are going: outcome assessments")
    NOTES = "notes", _("Caseworkers' notes")
    DOCUMENTS = "documents", _("Documents")


class Catalogue(models.TextChoices):
    """One catalogue of items per kind of record a consent can be about."""

    REFERRAL = "referral", _("Items of a referral")
    CASE = "case", _("Groups of a case record")


CATALOGUES: dict[str, tuple[str, ...]] = {
    Catalogue.REFERRAL: CATEGORIES,
    Catalogue.CASE: tuple(CaseGroup.values),
}


class Method(models.TextChoices):
    WRITTEN = "written", _("Written and signed")
    VERBAL_RECORDED = "verbal_recorded", _("Spoken, and recorded by the advocate")


class RevokeReason(models.TextChoices):
    """Why a consent was withdrawn. A fixed list, so no free text (and no personal
    details) ends up here."""

    WITHDRAWN = "withdrawn", _("The person withdrew their consent")
    RECORDED_IN_ERROR = "recorded_in_error", _("Recorded by mistake")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")
    OTHER = "other", _("Another reason")


PURPOSE_MAX_LENGTH = 120
SUBJECT_TYPE_MAX_LENGTH = 40
SUBJECT_ID_MAX_LENGTH = 64


class ConsentRecord(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="consents_received",
        help_text=_("The organization that may receive the items."),
    )
    granted_by_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="consents_granted",
        help_text=_("The organization of the person who attested the consent."),
    )
    catalogue = models.CharField(
        max_length=16, choices=Catalogue.choices, default=Catalogue.REFERRAL
    )
    categories = models.JSONField(
        default=list, help_text=_("Codes from the consent's catalogue of personal items.")
    )
    purpose = models.CharField(
        max_length=PURPOSE_MAX_LENGTH,
        help_text=_("Why the items are shared, e.g. 'referral to services'. No names."),
    )
    method = models.CharField(max_length=20, choices=Method.choices)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the consent is about, e.g. ("referral", "<uuid>"). Empty until attached; a
    # consent is attached once and never moved to another subject.
    subject_type = models.CharField(max_length=SUBJECT_TYPE_MAX_LENGTH, blank=True, default="")
    subject_id = models.CharField(max_length=SUBJECT_ID_MAX_LENGTH, blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoke_reason = models.CharField(
        max_length=20, choices=RevokeReason.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="consent_subject_idx"),
            models.Index(fields=["recipient", "-created"], name="consent_recipient_idx"),
            models.Index(
                fields=["granted_by_organization", "-created"], name="consent_granted_idx"
            ),
            models.Index(fields=["expires_at"], name="consent_expires_idx"),
        ]
        constraints = [
            # The service checks all of these too; the database keeps them true for any
            # other writer (the admin, a shell, a data migration).
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created")),
                name="consent_expires_after_created",
            ),
            models.CheckConstraint(
                condition=~Q(categories=[]), name="consent_categories_not_empty"
            ),
            models.CheckConstraint(condition=~Q(purpose=""), name="consent_purpose_not_blank"),
            models.CheckConstraint(
                condition=Q(method__in=Method.values), name="consent_method_known"
            ),
            models.CheckConstraint(
                condition=Q(catalogue__in=Catalogue.values), name="consent_catalogue_known"
            ),
            models.CheckConstraint(
                condition=(Q(subject_type="") & Q(subject_id=""))
                | (~Q(subject_type="") & ~Q(subject_id="")),
                name="consent_subject_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=False) | Q(revoke_reason=""),
                name="consent_reason_only_when_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"consent {self.pk} to {self.recipient_id}"
