"""The survivor's "ask an advocate" questions: how to reach them safely, and their consent.

Every question is optional except how to reach them, and "I will call the help line
myself" needs no details. Nothing here stores or logs the answers.
"""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lantern.findhelp.models import ContactMethod

# A field people never see or fill (hidden from sight and from screen readers); machines
# that fill every field give themselves away.
HONEYPOT = "homepage"

PHONE_CHARACTERS = re.compile(r"^[0-9+()\-. ]+$")

HOW_CHOICES = [
    (ContactMethod.TEXT.value, _("Send me a text")),
    (ContactMethod.CALL.value, _("Call me")),
    (ContactMethod.EMAIL.value, _("Send me an email")),
    (ContactMethod.HOTLINE.value, _("I will call the help line myself")),
]


class HelpAskForm(forms.Form):
    how = forms.ChoiceField(
        label=_("How can an advocate reach you safely?"),
        choices=HOW_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how an advocate can reach you.")},
    )
    number = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid": _("Check the email address. It looks like name@example.com.")},
    )
    time = forms.CharField(
        label=_("When is a safe time?"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Your first name or a nickname"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    agree = forms.BooleanField(
        label=_(
            "I agree that the advocate team can see this to help me. It is deleted after 14 days."
        ),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        how = data.get("how")
        if how in (ContactMethod.TEXT, ContactMethod.CALL):
            number = " ".join(str(data.get("number") or "").split())
            digits = sum(ch.isdigit() for ch in number)
            if not number:
                self.add_error(
                    "number",
                    _("Type a phone number, or choose “I will call the help line myself”."),
                )
            elif not PHONE_CHARACTERS.match(number) or not 7 <= digits <= 15:
                self.add_error("number", _("Type the phone number with numbers, like 555-0142."))
            data["details"] = number
        elif how == ContactMethod.EMAIL:
            if not data.get("email") and "email" not in self.errors:
                self.add_error(
                    "email",
                    _("Type an email address, or choose “I will call the help line myself”."),
                )
            data["details"] = data.get("email") or ""
        else:
            data["details"] = ""
        data["name"] = " ".join(str(data.get("name") or "").split())
        data["time"] = " ".join(str(data.get("time") or "").split())
        shares = (how and how != ContactMethod.HOTLINE) or data["name"]
        if shares and not data.get("agree"):
            self.add_error(
                "agree",
                _(
                    "Tick this box so the advocate team can see how to reach you. "
                    "Or choose “I will call the help line myself” and leave your name empty."
                ),
            )
        return data
