from django import forms
from django.utils.translation import gettext_lazy as _

ACTION_CHOICES = [
    ("plus", "+1"),
    ("minus", "-1"),
    ("full", _("Full")),
    ("set", _("Set")),
    ("confirm", _("Still correct")),
]


class CapacityActionForm(forms.Form):
    action = forms.ChoiceField(choices=ACTION_CHOICES)
    available = forms.IntegerField(
        min_value=0, max_value=100000, required=False, label=_("Places open")
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("action") == "set" and data.get("available") is None:
            self.add_error("available", _("Enter how many places are open."))
        return data
