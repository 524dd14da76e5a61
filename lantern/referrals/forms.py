"""Forms for the referral pages: input parsing and field errors only; the services decide."""

import copy
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.consent.models import PURPOSE_MAX_LENGTH, Category, Method
from lantern.core.bounds import (
    check_within,
    validate_date_in_range,
    validate_datetime_in_range,
)
from lantern.matching.advocate import PERSON_FIELDS, AdvocateSearchForm
from lantern.referrals.models import DeclineReason
from lantern.referrals.services import INTAKE_WITHIN_DAYS, SHARED_MAX_CHARS, ConsentInput

SHARE_NOTHING, SHARE_ITEMS = "nothing", "items"
CONSENT_DEFAULT_DAYS = 30
DEFAULT_PURPOSE = "referral to services"

# Personal items the person may agree to share: form field -> consent category.
ITEM_FIELDS = {f"item_{code}": code for code in Category.values}
YES_NO_FIELDS = ("pets", "needs_wheelchair_access", "active_substance_use", "has_id_documents")


def _default_expiry() -> date:
    return timezone.localdate() + timedelta(days=CONSENT_DEFAULT_DAYS)


class ReferralForm(forms.Form):
    """Hold and refer. The needs fields are the advocate search's fields that describe the
    person (same names, same choices), so the search's query string pre-fills them."""

    hold = forms.BooleanField(label=_("Hold one place"), required=False)
    share = forms.ChoiceField(
        label=_("What does the person agree to share?"),
        choices=[
            (SHARE_NOTHING, _("Nothing. Send the referral without personal details.")),
            (SHARE_ITEMS, _("Some details, chosen below")),
        ],
        initial=SHARE_NOTHING,
        widget=forms.RadioSelect,
    )
    consent_method = forms.ChoiceField(
        label=_("How was the agreement recorded?"),
        choices=Method.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    consent_expires = forms.DateField(
        label=_("The agreement ends on"),
        required=False,
        initial=_default_expiry,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    consent_purpose = forms.CharField(
        label=_("Why the details are shared"),
        max_length=PURPOSE_MAX_LENGTH,
        required=False,
        initial=DEFAULT_PURPOSE,
    )
    consent_attested = forms.BooleanField(
        label=_("I confirm the person understood and agreed to share these details"),
        required=False,
    )

    def __init__(self, *args: Any, organizations: list[Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["hold"].label = _("Hold one place for %(minutes)s minutes") % {
            "minutes": settings.LANTERN_REFERRAL_HOLD_MINUTES
        }
        base = AdvocateSearchForm.base_fields
        for name in PERSON_FIELDS:
            self.fields[name] = copy.deepcopy(base[name])
        for name, code in ITEM_FIELDS.items():
            self.fields[name] = forms.CharField(
                label=Category(code).label, max_length=SHARED_MAX_CHARS, required=False
            )
        if organizations and len(organizations) > 1:
            self.fields["organization"] = forms.ChoiceField(
                label=_("Send on behalf of"),
                choices=[(str(org.pk), org.name) for org in organizations],
            )

    clean_languages = AdvocateSearchForm.clean_languages

    def clean_consent_expires(self) -> date | None:
        value: date | None = self.cleaned_data.get("consent_expires")
        if value is None:
            return None
        today = timezone.localdate()
        if value <= today:
            self.add_error("consent_expires", _("Choose a date after today."))
        elif value > today + timedelta(days=settings.LANTERN_CONSENT_MAX_DAYS):
            self.add_error(
                "consent_expires",
                _("At most %(days)s days from today.")
                % {"days": settings.LANTERN_CONSENT_MAX_DAYS},
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        items = {code: (data.get(name) or "").strip() for name, code in ITEM_FIELDS.items()}
        items = {code: value for code, value in items.items() if value}
        if data.get("share") != SHARE_ITEMS:
            if items:
                self.add_error(
                    "share",
                    _(
                        "You filled in personal details but chose to share nothing. "
                        "Choose to share them, or clear them."
                    ),
                )
            return data
        if not items:
            self.add_error("share", _("Fill in at least one detail the person agreed to share."))
        if not data.get("consent_method"):
            self.add_error("consent_method", _("Say how the agreement was recorded."))
        if not data.get("consent_expires") and "consent_expires" not in self.errors:
            self.add_error("consent_expires", _("Say when the agreement ends."))
        if not (data.get("consent_purpose") or "").strip():
            self.add_error("consent_purpose", _("Say why the details are shared."))
        if not data.get("consent_attested"):
            self.add_error("consent_attested", _("Confirm that the person agreed."))
        return data

    def shared(self) -> dict[str, str]:
        if self.cleaned_data.get("share") != SHARE_ITEMS:
            return {}
        return {
            code: self.cleaned_data[name].strip()
            for name, code in ITEM_FIELDS.items()
            if (self.cleaned_data.get(name) or "").strip()
        }

    def consent(self) -> ConsentInput | None:
        shared = self.shared()
        if not shared:
            return None
        ends: date = self.cleaned_data["consent_expires"]
        # The agreement ends when that day begins where the advocate works.
        expires_at = timezone.make_aware(datetime.combine(ends, time.min))
        return ConsentInput(
            categories=sorted(shared),
            purpose=self.cleaned_data["consent_purpose"].strip(),
            method=self.cleaned_data["consent_method"],
            expires_at=expires_at,
        )

    def needs(self) -> dict[str, Any]:
        """The needs profile in the shape the API stores (`matching.api.NeedsIn`), with
        only what was stated."""
        data = self.cleaned_data
        needs: dict[str, Any] = {}
        for name in PERSON_FIELDS:
            value = data.get(name)
            if name in YES_NO_FIELDS:
                if value in ("yes", "no"):
                    needs[name] = value == "yes"
            elif isinstance(value, (list, tuple)):
                if value:
                    needs[name] = list(value)
            elif value not in (None, ""):
                needs[name] = value
        return needs

    def organization_id(self) -> str | None:
        return self.cleaned_data.get("organization") or None

    # FieldError.field from the service -> the form field it is about.
    SERVICE_FIELDS = {
        "consent": "share",
        "consent.categories": "share",
        "consent.method": "consent_method",
        "consent.expires_at": "consent_expires",
        "consent.purpose": "consent_purpose",
        "organization_id": "organization",
        **{f"shared.{code}": name for name, code in ITEM_FIELDS.items()},
    }

    def add_service_error(self, field: str, message: str) -> None:
        target = self.SERVICE_FIELDS.get(field)
        self.add_error(target if target in self.fields else None, message)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why can you not take this referral?"),
        choices=[("", _("Choose a reason")), *DeclineReason.choices],
        error_messages={"required": _("Choose a reason.")},
    )
    note = forms.CharField(
        label=_("Note for the referring advocate (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class IntakeForm(forms.Form):
    intake_at = forms.DateTimeField(
        label=_("Intake date and time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": _("Say when the intake is.")},
        validators=[validate_datetime_in_range],
    )

    def clean_intake_at(self) -> datetime:
        value: datetime = self.cleaned_data["intake_at"]
        try:
            check_within(value, days=INTAKE_WITHIN_DAYS)
        except ValueError:
            raise forms.ValidationError(
                _("Choose a time within a year from today."), code="out_of_range"
            ) from None
        return value


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
