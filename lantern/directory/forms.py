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


class HsdsImportForm(forms.Form):
    file = forms.FileField(
        label=_("HSDS file"),
        help_text=_(
            "A JSON document (a service, organization or service at location, one or a list), "
            "or a zip of a JSON directory or of a tabular package (datapackage.json and CSV files)."
        ),
    )
    mode = forms.ChoiceField(
        label=_("If some records are invalid"),
        choices=[
            ("strict", _("Import nothing, and list every problem")),
            ("lenient", _("Import the valid records, skip the rest and list what was skipped")),
        ],
        initial="strict",
        widget=forms.RadioSelect,
    )
