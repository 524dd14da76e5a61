"""Forms of the sharing pages: parsing and field errors only; the services decide."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.consent.models import PURPOSE_MAX_LENGTH, CaseGroup, Method, RevokeReason
from lantern.core.bounds import validate_date_in_range

CONSENT_DEFAULT_DAYS = 30


def _default_expiry() -> date:
    return timezone.localdate() + timedelta(days=CONSENT_DEFAULT_DAYS)


class _ConsentForm(forms.Form):
    """What a share and a transfer both record: the person's consent to the move."""

    recipient = forms.ChoiceField(
        label=_("Organization"), error_messages={"required": _("Choose an organization.")}
    )
    groups = forms.MultipleChoiceField(
        label=_("What the person agreed to share"),
        choices=CaseGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one part of the record.")},
    )
    purpose = forms.CharField(
        label=_("Why it is shared"),
        max_length=PURPOSE_MAX_LENGTH,
        help_text=_("For example 'continuing services'. No names."),
        error_messages={"required": _("Say why the record is shared.")},
    )
    method = forms.ChoiceField(
        label=_("How was the agreement recorded?"),
        choices=Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say how the agreement was recorded.")},
    )
    expires_on = forms.DateField(
        label=_("The agreement ends on"),
        initial=_default_expiry,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Say when the agreement ends.")},
    )
    attested = forms.BooleanField(
        label=_("I confirm the person understood and agreed to this"),
        error_messages={"required": _("Confirm that the person agreed.")},
    )

    def __init__(self, *args: Any, organizations: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["recipient"]
        field.choices = [("", _("Choose an organization")), *organizations]

    def clean_expires_on(self) -> date:
        value: date = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        longest = settings.LANTERN_CONSENT_MAX_DAYS
        if value <= today:
            raise forms.ValidationError(_("Choose a date after today."))
        if value > today + timedelta(days=longest):
            raise forms.ValidationError(_("At most %(days)s days from today.") % {"days": longest})
        return value

    def expires_at(self) -> datetime:
        """The agreement ends when that day begins where the caseworker works."""
        return timezone.make_aware(datetime.combine(self.cleaned_data["expires_on"], time.min))

    # The service's field names -> this form's.
    SERVICE_FIELDS = {
        "recipient": "recipient",
        "groups": "groups",
        "purpose": "purpose",
        "method": "method",
        "expires_at": "expires_on",
        "may_add_notes": "may_add_notes",
    }

    def add_service_error(self, field: str, message: str) -> None:
        target = self.SERVICE_FIELDS.get(field)
        self.add_error(target if target in self.fields else None, message)


class ShareForm(_ConsentForm):
    may_add_notes = forms.BooleanField(
        label=_("They may add notes (needs the caseworkers' notes part)"), required=False
    )


class TransferForm(_ConsentForm):
    pass


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why"),
        choices=RevokeReason.choices,
        initial=RevokeReason.WITHDRAWN,
    )


class FromReferralForm(forms.Form):
    duplicates_reviewed = forms.BooleanField(
        label=_("I checked these records: this is a different person, or a new case is needed"),
        required=False,
    )
