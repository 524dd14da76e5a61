"""The case record: coded HTCDS 2.0 fields in clear, personal fields sealed with the case's
own data key.

Two kinds of column live on a case:
- **coded** (status, trafficking status, gender, citizenship, language, exploitation codes,
  age band, places at state/county level, dates): what statistics need. They stay after
  the purge (dates cut to the month).
- **sealed** (`*_sealed`: alias, contact, birth year, notes, documents ...): Fernet tokens
  under the case's data key (`CaseKey`), which is itself wrapped by the deployment keys.
  Deleting the `CaseKey` row destroys every sealed value of the case at once
  (crypto-shredding); `lantern keys rotate` re-wraps only the keys.

Searching by alias goes through `CaseSearchKey` (keyed HMACs of normalised and phonetic
forms), never by decrypting rows.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.core.crypto import EncryptedTextField


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="cases"
    )
    # "2026-0042": per organization, shown to people; not personal.
    number = models.CharField(max_length=20)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases_owned",
        help_text=_("The lead caseworker, told when someone else edits the case."),
    )
    # Coded HTCDS fields (kept after the purge).
    status = models.CharField(max_length=20, default="Active")  # cas_Status
    trafficking_status = models.CharField(max_length=40, blank=True)  # vic_TraffickingStatus
    gender = models.CharField(max_length=40, blank=True)  # prs_Gender
    age_band = models.CharField(max_length=8, blank=True)
    citizenship = models.CharField(max_length=3, blank=True)  # ISO 3166
    primary_language = models.CharField(max_length=3, blank=True)  # ISO 639-2
    types_of_exploitation = models.JSONField(default=list, blank=True)
    methods_of_control = models.JSONField(default=list, blank=True)
    method_of_recruitment = models.CharField(max_length=60, blank=True)
    forced_labour_industry = models.CharField(max_length=60, blank=True)
    identified_on = models.DateField(null=True, blank=True)
    opened_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    # Sealed personal fields (case key).
    alias_sealed = models.TextField(blank=True, default="")
    contact_sealed = models.TextField(blank=True, default="")
    birth_year_sealed = models.TextField(blank=True, default="")
    # Where it came from and where it went.
    from_referral = models.OneToOneField(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    # Child-welfare report (a minor, trafficking Possible or Actual): when and to whom.
    child_report_on = models.DateField(null=True, blank=True)
    child_report_agency = models.CharField(max_length=120, blank=True)
    child_report_reference_sealed = models.TextField(blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    # Set when the key was destroyed: only coded fields remain.
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_on", "-created"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="case_number_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-opened_on"], name="case_org_status"),
            models.Index(fields=["organization", "-opened_on"], name="case_org_opened"),
            models.Index(fields=["closed_on"], name="case_closed"),
        ]

    def __str__(self) -> str:
        return f"case {self.number}"


class CaseKey(models.Model):
    """The case's data key (a Fernet key), wrapped by the deployment keys.

    `wrapped` is an `EncryptedTextField`, so `lantern keys rotate` re-wraps it like any other
    encrypted column and never touches the sealed case fields. Deleting this row is the purge.
    """

    case = models.OneToOneField(
        Case, primary_key=True, on_delete=models.CASCADE, related_name="key"
    )
    wrapped = EncryptedTextField()
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"key of case {self.case_id}"


class CaseSearchKey(models.Model):
    """One keyed HMAC of a normalised or phonetic form of something searchable (alias words,
    birth year, language, place). Deleted with the key at the purge."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="search_keys")
    # The case's organization again, so one index answers "which cases of this
    # organization have this digest".
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    digest = models.CharField(max_length=32)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "digest"], name="case_search_digest"),
        ]

    def __str__(self) -> str:
        return f"search key of case {self.case_id}"


class CaseAssignment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_assignments"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_assignment_unique"),
        ]
        indexes = [models.Index(fields=["user", "case"], name="case_assignment_user")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.case_id}"


class ExploitationPlace(models.Model):
    """Where recruitment, transit or exploitation happened: country, and for the US a state
    and county by FIPS code. Never a street address."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="places")
    place_type = models.CharField(max_length=20)  # hte_Type
    country = models.CharField(max_length=3)
    state = models.CharField(max_length=2, blank=True)  # FIPS state code
    county = models.CharField(max_length=5, blank=True)  # FIPS county code (5 digits)

    def __str__(self) -> str:
        return f"{self.place_type} {self.country}-{self.state}-{self.county}"


class CaseChange(models.Model):
    """Who changed which field and when. Old and new values of personal fields stay sealed
    under the case key (so the purge destroys them too); coded values are in clear."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=40)
    old_sealed = models.TextField(blank=True, default="")
    new_sealed = models.TextField(blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.field} of {self.case_id}"


class AccessKind(models.TextChoices):
    READ = "read", _("Opened the record")
    LIST = "list", _("Saw it in a list")
    SHARE = "share", _("Shared it")
    SHARED_READ = "shared_read", _("Read it under a share")
    DOWNLOAD = "download", _("Downloaded a document")
    TRANSFER = "transfer", _("Transferred it")
    EXPORT = "export", _("Exported it")
    COMPELLED = "compelled", _("Released it under a court order")
    EDIT = "edit", _("Changed it")


class CaseAccess(models.Model):
    """The disclosure log: a read or a share of the case by anyone but its assigned
    caseworkers (ids and codes only, no personal data)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="accesses")
    kind = models.CharField(max_length=20, choices=AccessKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=120)
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    groups = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "-at"], name="case_access_case")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.case_id} by {self.actor_label}"
