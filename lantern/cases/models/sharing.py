"""Sharing a case with another organization, and transferring it, under the person's
consent. The consent record (`lantern.consent`, catalogue "case") says which groups, to whom,
why and until when; these rows only tie it to the case."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from lantern.cases.models.case import Case


class CaseShare(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    consent = models.OneToOneField(
        "consent.ConsentRecord", on_delete=models.PROTECT, related_name="case_share"
    )
    recipient = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="cases_shared_with"
    )
    may_add_notes = models.BooleanField(default=False)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["recipient", "-created"], name="case_share_recipient")]

    def __str__(self) -> str:
        return f"share of {self.case_id} with {self.recipient_id}"


class CaseTransfer(models.Model):
    """A case moved to another organization: the receiver gets a new case with the consented
    groups; the sender's case is closed (ClosedReferred) and kept only as its retention
    schedule requires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transfers_out")
    new_case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="transferred_from")
    consent = models.OneToOneField(
        "consent.ConsentRecord", on_delete=models.PROTECT, related_name="case_transfer"
    )
    recipient = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    transferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"transfer of {self.case_id} to {self.recipient_id}"


class CaseReferral(models.Model):
    """A referral sent from a case's page (through the existing referral flow): what lets the
    case list the referrals made for the person. Ids only; the referral keeps its own data."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referral_links")
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="case_link"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"referral {self.referral_id} from case {self.case_id}"
