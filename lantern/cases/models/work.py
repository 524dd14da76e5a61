"""The work on a case: notes, documents, the service plan (goals and tasks), outcome
assessments and the approvals a supervisor gives. Free text and files are sealed under the
case key; codes, dates and ids are in clear."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.cases.models.case import Case

# The fixed life domains of the service plan and of the outcome assessments.
LIFE_DOMAINS: tuple[tuple[str, object], ...] = (
    ("safety", _("Safety")),
    ("housing", _("Housing")),
    ("income", _("Income")),
    ("employment", _("Employment")),
    ("physical_health", _("Physical health")),
    ("mental_health", _("Mental health")),
    ("legal_immigration", _("Legal and immigration")),
    ("education", _("Education")),
    ("social_support", _("Social support")),
    ("substance_use", _("Substance use")),
    ("children_family", _("Children and family")),
)
LIFE_DOMAIN_CODES: tuple[str, ...] = tuple(code for code, _label in LIFE_DOMAINS)


class CaseNote(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    body_sealed = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The organization the author wrote for (a recipient under a share may add notes).
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"note on {self.case_id}"


class DocumentType(models.TextChoices):
    IDENTITY = "identity", _("Identity document")
    IMMIGRATION = "immigration", _("Immigration or visa paper")
    MEDICAL = "medical", _("Medical record")
    LEGAL = "legal", _("Legal or court paper")
    CERTIFICATION = "certification", _("Certification or eligibility letter")
    CONSENT = "consent", _("Signed consent")
    OTHER = "other", _("Other")


class CaseDocument(models.Model):
    """An uploaded document: its bytes sealed under the case key in document storage
    (`LANTERN_CASE_DOCUMENT_DIR`/<id>), its display name sealed here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    document_type = models.CharField(max_length=20, choices=DocumentType.choices)
    filename_sealed = models.TextField()
    media_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"document {self.pk}"


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Working on it")
    MET = "met", _("Met")
    DROPPED = "dropped", _("No longer a goal")


class PlanGoal(models.Model):
    """One goal of the service plan, in one life domain, with the services and referrals
    that serve it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(max_length=24)
    text_sealed = models.TextField()
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    services = models.ManyToManyField("directory.Service", blank=True, related_name="+")
    referrals = models.ManyToManyField("referrals.Referral", blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["domain", "created"]

    def __str__(self) -> str:
        return f"goal ({self.domain}) of {self.case_id}"


class CaseTask(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    goal = models.ForeignKey(
        PlanGoal, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    title_sealed = models.TextField()
    due_on = models.DateField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_at", "due_on"], name="case_task_due")]

    def __str__(self) -> str:
        return f"task of {self.case_id} due {self.due_on}"


class AssessmentKind(models.TextChoices):
    INTAKE = "intake", _("At intake")
    INTERVAL = "interval", _("Follow-up")
    CLOSURE = "closure", _("At closure")


class Assessment(models.Model):
    """Outcome scores 1-5 per life domain (`scores`: {domain: level}; a domain not asked is
    absent). Coded, so it stays after the purge for program evaluation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices)
    assessed_on = models.DateField()
    scores = models.JSONField(default=dict)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessed_on", "id"]
        indexes = [models.Index(fields=["case", "assessed_on"], name="case_assessment_when")]

    def __str__(self) -> str:
        return f"{self.kind} assessment of {self.case_id}"


class ApprovalKind(models.TextChoices):
    PLAN = "plan", _("Service plan")
    CLOSURE = "closure", _("Closing the case")


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("Waiting for a supervisor")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned with a comment")


class Approval(models.Model):
    """A plan or a closure put to a supervisor, and the answer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(max_length=10, choices=ApprovalKind.choices)
    state = models.CharField(
        max_length=10, choices=ApprovalState.choices, default=ApprovalState.PENDING
    )
    # For a closure: the cas_Status it closes with (Closed or ClosedReferred).
    closing_status = models.CharField(max_length=20, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment_sealed = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["state", "kind"], name="case_approval_state")]
        constraints = [
            # One plan and one closure waiting at a time per case, even for two requests
            # sent at the same moment.
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(state="pending"),
                name="case_approval_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} approval of {self.case_id}: {self.state}"
