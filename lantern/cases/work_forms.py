"""The forms of the work section: they parse what a person sent; the services decide."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from lantern.cases.approvals import CLOSING_STATUSES, COMMENT_MAX
from lantern.cases.models.work import LIFE_DOMAINS, DocumentType, GoalStatus
from lantern.cases.vocab import CASE_STATUS
from lantern.cases.work_services import GOAL_TEXT_MAX, NOTE_MAX, TASK_TITLE_MAX
from lantern.core.bounds import validate_date_in_range


def _choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


class WorkForm(forms.Form):
    """Ids start with "work-", so the section's forms never clash with another section's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "work-%s")
        super().__init__(*args, **kwargs)


def _user_label(user: Any) -> str:
    return str(user.display_name or user.email)


class GoalForm(WorkForm):
    domain = forms.ChoiceField(label=_("Life domain"), choices=LIFE_DOMAINS)
    text = forms.CharField(
        label=_("Goal"), max_length=GOAL_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    services = forms.MultipleChoiceField(
        label=_("Services that serve it"), required=False, choices=()
    )
    referrals = forms.MultipleChoiceField(
        label=_("Referrals that serve it"), required=False, choices=()
    )

    def __init__(self, *args: Any, services: Any = (), referrals: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "services", [(str(s.pk), s.name) for s in services])
        _choices(
            self, "referrals", [(str(r.pk), f"{r.code} · {r.service.name}") for r in referrals]
        )


class GoalUpdateForm(WorkForm):
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)


class TaskForm(WorkForm):
    title = forms.CharField(label=_("Task"), max_length=TASK_TITLE_MAX)
    due_on = forms.DateField(
        label=_("Due on"),
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    assignee = forms.ChoiceField(label=_("Who does it"), choices=())
    goal = forms.ChoiceField(label=_("For the goal"), required=False, choices=())

    def __init__(self, *args: Any, people: Any = (), goals: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "assignee", [(str(u.pk), _user_label(u)) for u in people])
        self.set_goals(goals)

    def set_goals(self, goals: Any) -> None:
        """The goals a task may serve, as (id, label) pairs."""
        _choices(
            self,
            "goal",
            [("", _("No particular goal")), *((str(pk), label) for pk, label in goals)],
        )


class TaskUpdateForm(WorkForm):
    due_on = forms.DateField(
        label=_("Due on"),
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    assignee = forms.ChoiceField(label=_("Who does it"), choices=())

    def __init__(self, *args: Any, people: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "assignee", [(str(u.pk), _user_label(u)) for u in people])


class NoteForm(WorkForm):
    body = forms.CharField(
        label=_("Note"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class DocumentForm(WorkForm):
    document_type = forms.ChoiceField(label=_("Kind of document"), choices=DocumentType.choices)
    file = forms.FileField(label=_("File (PDF, JPEG, PNG or WebP)"), allow_empty_file=True)


class ApprovalRequestForm(WorkForm):
    kind = forms.ChoiceField(
        choices=(("plan", _("Service plan")), ("closure", _("Closing the case"))),
        widget=forms.HiddenInput,
    )
    closing_status = forms.ChoiceField(
        label=_("Close as"),
        required=False,
        choices=[(code, CASE_STATUS[code]) for code in CLOSING_STATUSES],
    )


class ApprovalDecisionForm(WorkForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=(("approve", _("Approve")), ("return", _("Return with a comment"))),
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
