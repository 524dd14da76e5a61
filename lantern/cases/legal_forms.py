"""Forms for the legal pages of case records: parsing and field errors only; the services
(`legal_services`, `compelled`) decide and write."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.cases.compelled import REQUESTED_MAX, REVIEW_MAX, NoticeMethod
from lantern.cases.fields import AGENCY_MAX, REFERENCE_MAX
from lantern.cases.legal_selectors import MAX_RETENTION_YEARS, days_for_years
from lantern.cases.legal_services import REASON_MAX
from lantern.cases.models.legal import OrderKind
from lantern.consent.models import CaseGroup
from lantern.core.bounds import validate_date_in_range

NUMBER_MAX = 20


def _date_field(label: Any, *, required: bool = True, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
        **kwargs,
    )


class OrganizationChoiceMixin:
    """An `organization` choice, shown only to someone acting for more than one."""

    fields: dict[str, forms.Field]

    def _organizations(self, organizations: list[Any]) -> None:
        self.organizations = {str(org.pk): org for org in organizations}
        if len(organizations) > 1:
            self.fields["organization"] = forms.ChoiceField(
                label=_("Organization"),
                choices=[(str(org.pk), org.name) for org in organizations],
            )

    def organization(self, cleaned: dict[str, Any]) -> Any:
        if len(self.organizations) == 1:
            return next(iter(self.organizations.values()))
        return self.organizations.get(str(cleaned.get("organization", "")))


class RetentionForm(forms.Form):
    UNIT_DAYS, UNIT_YEARS = "days", "years"

    amount = forms.IntegerField(label=_("Keep personal data for"), min_value=0)
    unit = forms.ChoiceField(
        label=_("Unit"),
        choices=[
            (UNIT_YEARS, _("years after the case closes")),
            (UNIT_DAYS, _("days after the case closes")),
        ],
        initial=UNIT_YEARS,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        amount, unit = cleaned.get("amount"), cleaned.get("unit")
        if amount is None or not unit:
            return cleaned
        days = days_for_years(amount) if unit == self.UNIT_YEARS else amount
        if days > days_for_years(MAX_RETENTION_YEARS):
            self.add_error(
                "amount",
                _("At most %(years)s years.") % {"years": MAX_RETENTION_YEARS},
            )
        cleaned["days"] = days
        return cleaned


class HoldForm(forms.Form):
    """A legal hold on the case page (the case is known)."""

    reason = forms.CharField(
        label=_("Why the case must be kept"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example the court case or the request that requires it. No personal details."
        ),
    )
    until = _date_field(_("Keep until"))

    def clean_until(self) -> Any:
        until = self.cleaned_data["until"]
        if until < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return until


class HoldByNumberForm(OrganizationChoiceMixin, HoldForm):
    """A legal hold placed by case number (organization admins never see the case)."""

    number = forms.CharField(label=_("Case number"), max_length=NUMBER_MAX)
    field_order = ["organization", "number", "reason", "until"]

    def __init__(self, *args: Any, organizations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._organizations(organizations)
        self.order_fields(self.field_order)


class NoticeFields(forms.Form):
    """The legal review and the notice to the person (recorded now or later)."""

    NOTIFIED, FORBIDDEN, NOT_YET = "notified", "forbidden", "not_yet"

    legal_review = forms.CharField(
        label=_("What the legal review found"),
        max_length=REVIEW_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reviewed_on = _date_field(_("Reviewed on"), required=False)
    notice = forms.ChoiceField(
        label=_("The person"),
        choices=[
            (NOT_YET, _("has not been told yet")),
            (NOTIFIED, _("was told")),
            (FORBIDDEN, _("may not be told: the order forbids notification")),
        ],
        initial=NOT_YET,
        widget=forms.RadioSelect,
    )
    notified_on = _date_field(_("Told on"), required=False)
    notified_how = forms.ChoiceField(
        label=_("Told how"),
        choices=[("", "—"), *NoticeMethod.choices],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        notice = cleaned.get("notice")
        if notice == self.NOTIFIED:
            if not cleaned.get("notified_on"):
                self.add_error("notified_on", _("Say when the person was told."))
            if not cleaned.get("notified_how"):
                self.add_error("notified_how", _("Say how the person was told."))
        else:
            cleaned["notified_on"], cleaned["notified_how"] = None, ""
        if cleaned.get("legal_review") and not cleaned.get("reviewed_on"):
            self.add_error("reviewed_on", _("Say when the review was done."))
        if cleaned.get("reviewed_on") and not cleaned.get("legal_review"):
            self.add_error("legal_review", _("Write what the review found."))
        return cleaned

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "legal_review": data.get("legal_review", ""),
            "reviewed_on": data.get("reviewed_on"),
            "notification_forbidden": data.get("notice") == self.FORBIDDEN,
            "notified_on": data.get("notified_on"),
            "notified_how": data.get("notified_how", ""),
        }

    @classmethod
    def initial_for(cls, disclosure: Any) -> dict[str, Any]:
        if disclosure.notification_forbidden:
            notice = cls.FORBIDDEN
        elif disclosure.notified_on:
            notice = cls.NOTIFIED
        else:
            notice = cls.NOT_YET
        return {
            "legal_review": disclosure.legal_review,
            "reviewed_on": disclosure.reviewed_on,
            "notice": notice,
            "notified_on": disclosure.notified_on,
            "notified_how": disclosure.notified_how,
        }


class CompelledForm(OrganizationChoiceMixin, NoticeFields):
    number = forms.CharField(label=_("Case number"), max_length=NUMBER_MAX)
    order_kind = forms.ChoiceField(label=_("Kind of order"), choices=OrderKind.choices)
    received_on = _date_field(_("Received on"))
    requested = forms.CharField(
        label=_("What the order asks for, in its words"),
        max_length=REQUESTED_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    groups = forms.MultipleChoiceField(
        label=_("Parts of the case the order covers"),
        choices=CaseGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only these parts will be in the release. Choose no more than the order asks."),
    )
    field_order = [
        "organization",
        "number",
        "order_kind",
        "received_on",
        "requested",
        "groups",
        "legal_review",
        "reviewed_on",
        "notice",
        "notified_on",
        "notified_how",
    ]

    def __init__(self, *args: Any, organizations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._organizations(organizations)
        self.order_fields(self.field_order)


class ChildReportForm(forms.Form):
    reported_on = _date_field(_("Reported on"))
    agency = forms.CharField(label=_("Child-welfare agency"), max_length=AGENCY_MAX)
    reference = forms.CharField(
        label=_("The agency's reference"),
        max_length=REFERENCE_MAX,
        required=False,
        help_text=_("Kept encrypted with the case."),
    )

    def clean_reported_on(self) -> Any:
        day = self.cleaned_data["reported_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This date cannot be in the future."))
        return day
