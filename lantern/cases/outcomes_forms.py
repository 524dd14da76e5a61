"""Forms of the outcomes pages: an assessment (one radio group per life domain, its anchors
as the labels) and the program evaluation's filters. Forms parse; the services and
`evaluation.evaluation_filters` decide, and their FieldErrors land on the field they name."""

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lantern.cases.assessments import LEVELS, anchor
from lantern.cases.evaluation import EvaluationFilters, evaluation_filters
from lantern.cases.models.work import LIFE_DOMAINS, AssessmentKind
from lantern.core.api_errors import FieldError
from lantern.directory.profile import SERVICE_TYPES
from lantern.matching.labels import HELP_TYPE_LABELS

SCORE_PREFIX = "score_"


def _place_error(form: forms.Form, exc: FieldError, fields: dict[str, str]) -> None:
    """Put a FieldError on the form field it names (or on the form as a whole)."""
    name = fields.get(exc.field)
    form.add_error(name if name in form.fields else None, exc.message)


class AssessmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("outcomes", "When"), choices=AssessmentKind.choices
    )
    assessed_on = forms.DateField(
        label=_("Date of the assessment"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessed_on"].initial = timezone.localdate
        for code, label in LIFE_DOMAINS:
            self.fields[SCORE_PREFIX + code] = forms.TypedChoiceField(
                label=cast(Any, label),
                required=False,
                coerce=int,
                empty_value=None,
                initial="",
                widget=forms.RadioSelect,
                choices=[
                    ("", _("Not assessed")),
                    *(
                        (level, format_lazy("{}: {}", level, anchor(code, level)))
                        for level in LEVELS
                    ),
                ],
            )

    def domain_fields(self) -> list[forms.BoundField]:
        return [self[SCORE_PREFIX + code] for code, _label in LIFE_DOMAINS]

    def scores(self) -> dict[str, int]:
        return {
            code: self.cleaned_data[SCORE_PREFIX + code]
            for code, _label in LIFE_DOMAINS
            if self.cleaned_data.get(SCORE_PREFIX + code) is not None
        }

    def place_error(self, exc: FieldError) -> None:
        fields = {"kind": "kind", "assessed_on": "assessed_on"}
        fields.update({f"scores.{code}": SCORE_PREFIX + code for code, _label in LIFE_DOMAINS})
        _place_error(self, exc, fields)


class EvaluationForm(forms.Form):
    filters: EvaluationFilters

    organization = forms.ChoiceField(
        label=pgettext_lazy("outcomes", "Organization"), required=False
    )
    service_type = forms.ChoiceField(label=_("Type of service they came to"), required=False)
    opened_from = forms.CharField(
        label=pgettext_lazy("outcomes", "Opened from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    opened_to = forms.CharField(
        label=pgettext_lazy("outcomes", "Opened until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, organizations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = cast(forms.ChoiceField, self.fields["organization"])
        organization.choices = organizations
        if len(organizations) == 1:
            organization.widget = forms.HiddenInput()
        self.default_organization = organizations[0][0]
        service_type = cast(forms.ChoiceField, self.fields["service_type"])
        service_type.choices = [
            ("", pgettext_lazy("outcomes", "All cases")),
            *((t.code, HELP_TYPE_LABELS.get(t.code, t.name)) for t in SERVICE_TYPES),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            self.filters = evaluation_filters(
                organization_id=data.get("organization") or self.default_organization,
                service_type=data.get("service_type") or "",
                opened_from=data.get("opened_from") or None,
                opened_to=data.get("opened_to") or None,
            )
        except FieldError as exc:
            _place_error(self, exc, {name: name for name in self.fields})
        return data
